import COpenSSL
import Glibc
import IsothermNet

/// A local WebSocket server for tests: each connection is handed, after the opening handshake, to
/// the test's script, which reads the client's messages and sends what the test needs (text,
/// fragmented text, pings, a close, or a dropped connection). With a `TLSIdentity` it speaks `wss://`
/// and presents that certificate. Not for production.
package final class ScriptedWebSocketServer: @unchecked Sendable {
    /// The server's end of one connection.
    package final class Connection {
        let stream: ServerStream
        /// The opening request's headers, names lowercased.
        package let headers: [String: String]
        package let target: String

        init(stream: ServerStream, headers: [String: String], target: String) {
            self.stream = stream
            self.headers = headers
            self.target = target
        }

        private func read(_ n: Int) -> [UInt8]? { stream.receive(exactly: n) }

        /// Text messages that arrived while ``sync(_:)`` waited for its pong, for ``receive()``.
        private var pending: [String] = []
        /// Whether the client sent a close frame (as opposed to just going away).
        package private(set) var sawClose = false

        /// The next frame from the client, unmasked: opcode and payload; nil when it is gone.
        private func readFrame() -> (opcode: UInt8, payload: [UInt8])? {
            guard let head = read(2) else { return nil }
            var length = Int(head[1] & 0x7F)
            if length == 126 {
                guard let b = read(2) else { return nil }
                length = Int(b[0]) << 8 | Int(b[1])
            } else if length == 127 {
                guard let b = read(8) else { return nil }
                length = b.reduce(0) { $0 << 8 | Int($1) }
            }
            guard let mask = read(4), let data = read(length) else { return nil }
            return (head[0] & 0x0F, data.enumerated().map { $0.element ^ mask[$0.offset & 3] })
        }

        /// The next text message from the client (a ping is answered, other control frames skipped), or
        /// nil when it is gone or has closed.
        package func receive() -> String? {
            if !pending.isEmpty { return pending.removeFirst() }
            while let (opcode, payload) = readFrame() {
                switch opcode {
                case 0x1: return String(decoding: payload, as: UTF8.self)
                case 0x8:
                    sawClose = true
                    return nil
                case 0x9: frame(0x8A, payload)
                default: continue
                }
            }
            return nil
        }

        /// Sends a ping carrying `token` and waits for the client's pong. A client reads in order and
        /// answers a ping when it reads it, so the pong proves it has read everything sent before.
        /// - Returns: false when the client went away first.
        package func sync(_ token: String) -> Bool {
            ping(token)
            while let (opcode, payload) = readFrame() {
                switch opcode {
                case 0xA where payload == Array(token.utf8): return true
                case 0x1: pending.append(String(decoding: payload, as: UTF8.self))
                case 0x9: frame(0x8A, payload)
                case 0x8:
                    sawClose = true
                    return false
                default: continue
                }
            }
            return false
        }

        /// Reads until the client closes or goes away.
        /// - Returns: whether it sent a close frame (a clean close).
        package func waitForClose() -> Bool {
            while receive() != nil {}
            return sawClose
        }

        private func frame(_ first: UInt8, _ payload: [UInt8]) {
            var out: [UInt8] = [first]
            if payload.count < 126 {
                out.append(UInt8(payload.count))
            } else if payload.count < 65_536 {
                out += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
            } else {
                out.append(127)
                for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((payload.count >> shift) & 0xFF)) }
            }
            out += payload
            stream.send(out)
        }

        package func send(text: String) { frame(0x81, Array(text.utf8)) }

        /// Sends `text` split into `pieces` frames (a fragmented message).
        package func send(text: String, fragments pieces: Int) {
            let bytes = Array(text.utf8)
            let size = max(1, (bytes.count + pieces - 1) / pieces)
            var i = 0
            var first = true
            while i < bytes.count {
                let end = min(bytes.count, i + size)
                frame((end == bytes.count ? 0x80 : 0) | (first ? 0x1 : 0x0), Array(bytes[i..<end]))
                first = false
                i = end
            }
        }

        package func ping(_ payload: String) { frame(0x89, Array(payload.utf8)) }

        package func close(code: UInt16, reason: String) {
            frame(0x88, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
        }
    }

    package let port: Int
    private let server: ScriptedHTTPServer.Listener
    private let secure: Bool

    /// Listens on 127.0.0.1; `script` runs for each connection after the handshake, on the server thread.
    /// - Parameter tls: the certificate to present (`wss://`); nil for plain `ws://`.
    package init(tls: TLSIdentity? = nil, script: @escaping @Sendable (Connection) -> Void) throws {
        secure = tls != nil
        server = try ScriptedHTTPServer.Listener { fd in
            guard let stream = ServerStream(fd: fd, tls: tls) else { return }
            defer { stream.finish() }
            var request: [UInt8] = []
            while !(request.count >= 4 && Array(request.suffix(4)) == [13, 10, 13, 10]) {
                guard let byte = stream.receive(max: 1) else { return }
                request += byte
            }
            let lines = String(decoding: request, as: UTF8.self).split(separator: "\r\n")
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).trimmingCharacters()
            }
            let target = lines.first.map { String($0.split(separator: " ").dropFirst().first ?? "") } ?? ""
            let accept = Self.acceptKey(for: headers["sec-websocket-key"] ?? "")
            let response =
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
            guard stream.send(Array(response.utf8)) else { return }
            script(Connection(stream: stream, headers: headers, target: target))
        }
        port = server.port
    }

    /// RFC 6455's `Sec-WebSocket-Accept` for a client's key: base64(SHA-1(key + the protocol's GUID)).
    package static func acceptKey(for key: String) -> String {
        let input = Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        _ = EVP_Digest(input, input.count, &digest, &length, EVP_sha1(), nil)
        return Base64.encode(digest)
    }

    /// `ws://127.0.0.1:PORT`, or `wss://localhost:PORT` with TLS.
    package var url: String { secure ? "wss://localhost:\(port)" : "ws://127.0.0.1:\(port)" }
    package func stop() { server.stop() }
}

extension StringProtocol {
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
