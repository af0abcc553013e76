import Glibc
import IsothermNet

/// A local WebSocket server for tests: each connection is handed, after the opening handshake, to
/// the test's script, which reads the client's messages and sends what the test needs (text,
/// fragmented text, pings, a close, or a dropped connection). Not for production.
package final class ScriptedWebSocketServer: @unchecked Sendable {
    /// The server's end of one connection.
    package final class Connection {
        let fd: Int32
        /// The opening request's headers, names lowercased.
        package let headers: [String: String]
        package let target: String

        init(fd: Int32, headers: [String: String], target: String) {
            self.fd = fd
            self.headers = headers
            self.target = target
        }

        private func read(_ n: Int) -> [UInt8]? {
            var out = [UInt8](repeating: 0, count: n)
            var got = 0
            while got < n {
                let r = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard r > 0 else { return nil }
                got += r
            }
            return out
        }

        /// The next text message from the client (control frames are skipped), or nil when it is gone.
        package func receive() -> String? {
            while true {
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
                let payload = data.enumerated().map { $0.element ^ mask[$0.offset & 3] }
                switch head[0] & 0x0F {
                case 0x1: return String(decoding: payload, as: UTF8.self)
                case 0x8: return nil
                default: continue
                }
            }
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
            var offset = 0
            while offset < out.count {
                let n = out[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return }
                offset += n
            }
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

    /// Listens on 127.0.0.1; `script` runs for each connection after the handshake, on the server thread.
    package init(script: @escaping @Sendable (Connection) -> Void) throws {
        server = try ScriptedHTTPServer.Listener { fd in
            var request: [UInt8] = []
            var byte: UInt8 = 0
            while !(request.count >= 4 && Array(request.suffix(4)) == [13, 10, 13, 10]) {
                guard recv(fd, &byte, 1, 0) == 1 else { return }
                request.append(byte)
            }
            let lines = String(decoding: request, as: UTF8.self).split(separator: "\r\n")
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).trimmingCharacters()
            }
            let target = lines.first.map { String($0.split(separator: " ").dropFirst().first ?? "") } ?? ""
            let accept = WebSocketClient.acceptKey(for: headers["sec-websocket-key"] ?? "")
            let response =
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
            _ = Array(response.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            script(Connection(fd: fd, headers: headers, target: target))
        }
        port = server.port
    }

    package var url: String { "ws://127.0.0.1:\(port)" }
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
