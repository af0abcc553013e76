import COpenSSL
import Glibc

/// A message received on a WebSocket.
package enum WebSocketMessage: Equatable, Sendable {
    case text(String)
    case binary([UInt8])
    /// The peer closed the connection (code, reason); nothing more will arrive.
    case close(UInt16, String)
}

/// A blocking RFC 6455 WebSocket client over the same sockets and TLS as ``HTTPClient``: the opening
/// handshake (with extra headers, e.g. Kalshi's signed ones), masked client frames, fragmented
/// messages reassembled, pings answered with pongs, and the closing handshake. One thread reads;
/// sends may come from the same thread between reads.
package final class WebSocketClient {
    package let url: String
    private let fd: Int32
    private let tls: TLSSession?
    private var transport: Transport
    private var closed = false

    /// The GUID of RFC 6455 §1.3.
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Connects to `ws://` or `wss://` and completes the opening handshake. A `wss://` server's
    /// certificate must chain to `trust` and name the host, as for ``HTTPClient``.
    package init(
        url: String, headers: [(String, String)] = [], timeoutSeconds: Int = 30, trust: TLSTrust = .system
    ) throws(NetError) {
        self.url = url
        let http: String
        if url.hasPrefix("wss://") {
            http = "https://" + url.dropFirst(6)
        } else if url.hasPrefix("ws://") {
            http = "http://" + url.dropFirst(5)
        } else {
            throw NetError(url: url, message: "not a ws:// or wss:// URL", isRetryable: false)
        }
        guard let parts = URLParts(http) else {
            throw NetError(url: url, message: "not a ws:// or wss:// URL", isRetryable: false)
        }
        let context = parts.secure ? try TLSContext(trust: trust, url: url) : nil
        let client = HTTPClient(timeoutSeconds: timeoutSeconds, trust: trust)
        fd = try client.connect(parts, url: url)
        do throws(NetError) {
            if let context {
                tls = try TLSSession(context: context, fd: fd, host: parts.host, url: url)
            } else {
                tls = nil
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
        transport = Transport(fd: fd, tls: tls, url: url)
        let key = Base64.encode(Self.randomBytes(16))
        var request =
            "GET \(parts.target) HTTP/1.1\r\nHost: \(parts.hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nUser-Agent: isotherm\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        do throws(NetError) {
            try transport.write(Array(request.utf8))
            let status = try transport.readLine()
            var accept: String? = nil
            while true {
                let line = try transport.readLine()
                if line.isEmpty { break }
                if let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "sec-websocket-accept" {
                    accept = String(line[line.index(after: colon)...]).trimmingSpaces
                }
            }
            let words = status.split(separator: " ")
            guard words.count >= 2, words[1] == "101" else {
                throw NetError(
                    url: url, message: "the server refused the upgrade: \(status.prefix(80))",
                    isRetryable: !status.contains(" 4"))
            }
            guard accept == Self.acceptKey(for: key) else {
                throw NetError(
                    url: url, message: "the server's Sec-WebSocket-Accept does not match the key", isRetryable: false)
            }
        } catch {
            // `shutdown()` marks the client closed: a throw from a fully initialised class runs
            // `deinit`, which must not close the descriptor a second time.
            shutdown()
            throw error
        }
    }

    deinit {
        if !closed {
            tls?.shutdown()
            Glibc.close(fd)
        }
    }

    /// base64(SHA-1(key + GUID)), the value the server must return.
    package static func acceptKey(for key: String) -> String {
        let input = Array((key + acceptGUID).utf8)
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        _ = EVP_Digest(input, input.count, &digest, &length, EVP_sha1(), nil)
        return Base64.encode(digest)
    }

    static func randomBytes(_ n: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        _ = RAND_bytes(&out, Int32(n))
        return out
    }

    /// Sends a text message (one frame).
    package func send(text: String) throws(NetError) { try sendFrame(opcode: 0x1, payload: Array(text.utf8)) }

    /// Sends a binary message.
    package func send(binary: [UInt8]) throws(NetError) { try sendFrame(opcode: 0x2, payload: binary) }

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws(NetError) {
        guard !closed else { throw NetError(url: url, message: "the connection is closed", isRetryable: true) }
        var frame: [UInt8] = [0x80 | opcode]
        let n = payload.count
        if n < 126 {
            frame.append(0x80 | UInt8(n))
        } else if n < 65_536 {
            frame += [0x80 | 126, UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                frame.append(UInt8((UInt64(n) >> UInt64(shift)) & 0xFF))
            }
        }
        let mask = Self.randomBytes(4)
        frame += mask
        frame.reserveCapacity(frame.count + n)
        for (i, b) in payload.enumerated() { frame.append(b ^ mask[i & 3]) }
        try transport.write(frame)
    }

    /// The next message, answering pings on the way. Throws when the connection drops.
    package func receive() throws(NetError) -> WebSocketMessage {
        var message: [UInt8] = []
        var messageOpcode: UInt8 = 0
        while true {
            let head = try transport.read(exactly: 2)
            let fin = head[0] & 0x80 != 0
            let opcode = head[0] & 0x0F
            var length = UInt64(head[1] & 0x7F)
            if length == 126 {
                let b = try transport.read(exactly: 2)
                length = UInt64(b[0]) << 8 | UInt64(b[1])
            } else if length == 127 {
                length = try transport.read(exactly: 8).reduce(0) { $0 << 8 | UInt64($1) }
            }
            guard length <= 64 << 20 else {
                throw NetError(url: url, message: "a frame of \(length) bytes", isRetryable: false)
            }
            var payload = try transport.read(exactly: Int(length))
            if head[1] & 0x80 != 0 {
                // Servers must not mask; tolerate it anyway.
                let mask = payload.prefix(4)
                payload = payload.dropFirst(4).enumerated().map { $0.element ^ mask[mask.startIndex + ($0.offset & 3)] }
            }
            switch opcode {
            case 0x9:  // ping
                try sendFrame(opcode: 0xA, payload: payload)
            case 0xA:  // pong
                continue
            case 0x8:  // close
                let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : 1005
                let reason = payload.count > 2 ? String(decoding: payload[2...], as: UTF8.self) : ""
                if !closed { try? sendFrame(opcode: 0x8, payload: Array(payload.prefix(2))) }
                shutdown()
                return .close(code, reason)
            case 0x0, 0x1, 0x2:
                if opcode != 0 { messageOpcode = opcode }
                message += payload
                if fin {
                    return messageOpcode == 0x1 ? .text(String(decoding: message, as: UTF8.self)) : .binary(message)
                }
            default:
                throw NetError(url: url, message: "unknown frame opcode \(opcode)", isRetryable: false)
            }
        }
    }

    /// Starts the closing handshake and closes the connection.
    package func close(code: UInt16 = 1000) {
        guard !closed else { return }
        try? sendFrame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])
        shutdown()
    }

    private func shutdown() {
        guard !closed else { return }
        closed = true
        tls?.shutdown()
        Glibc.close(fd)
    }
}
