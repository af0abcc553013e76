import Glibc
import Synchronization

/// A local HTTP/1.1 server for tests of the backfills: it answers each request with whatever the
/// test's handler scripts (a recorded response, a 429 with `Retry-After`, a 5xx, a connection dropped
/// half-way, a malformed page) and records every request target it saw. With a `TLSIdentity` it
/// speaks HTTPS and presents that certificate. Like a real server, it answers bytes that cannot be
/// an HTTP request (a TLS ClientHello, say) with a 400. Not for production.
package final class ScriptedHTTPServer: @unchecked Sendable {
    package enum Reply: Sendable {
        /// A complete response; `chunked` sends the body with chunked transfer encoding.
        case respond(status: Int, headers: [(String, String)] = [], body: [UInt8], chunked: Bool = false)
        /// Sends the status line, the headers and the first `bytes` of the body, then closes.
        case drop(status: Int, body: [UInt8], afterBytes: Int)
        /// Closes the connection without a word.
        case hangUp

        package static func json(_ text: String, status: Int = 200) -> Reply {
            .respond(status: status, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
        }
    }

    package var port: Int { listener.port }
    private var listener: Listener!
    private let handler: @Sendable (String) -> Reply
    private let tls: TLSIdentity?
    private let seen = Mutex<[String]>([])

    /// Listens on 127.0.0.1 on a free port. `handler` gets the request target (`/path?query`).
    /// - Parameter tls: the certificate to present (HTTPS); nil for plain HTTP.
    package init(tls: TLSIdentity? = nil, handler: @escaping @Sendable (String) -> Reply) throws {
        self.handler = handler
        self.tls = tls
        let box = WeakBox()
        listener = try Listener { fd in box.server?.handle(fd) }
        box.server = self
    }

    private final class WeakBox: @unchecked Sendable { weak var server: ScriptedHTTPServer? }

    package enum ServerError: Error { case cannotListen(String) }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    package var baseURL: String { tls == nil ? "http://127.0.0.1:\(port)" : "https://localhost:\(port)" }

    /// Every request target received so far, in order.
    package var requests: [String] { seen.withLock { $0 } }

    /// Stops accepting and waits for the server thread.
    package func stop() { listener.stop() }

    /// A socket listening on 127.0.0.1 (a free port) whose connections are handed, one at a time on
    /// its own thread, to `onConnection`, then closed.
    package final class Listener: @unchecked Sendable {
        package let port: Int
        private let socketFD: Int32
        private let onConnection: @Sendable (Int32) -> Void
        private let stopping = Mutex(false)
        private var thread = pthread_t()

        package init(onConnection: @escaping @Sendable (Int32) -> Void) throws {
            self.onConnection = onConnection
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            socketFD = listener
            var yes: Int32 = 1
            setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, listen(listener, 16) == 0 else {
                throw ServerError.cannotListen(String(cString: strerror(errno)))
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
            let unmanaged = Unmanaged.passRetained(self)
            // `&thread` is written during the call only; the new thread gets `self` retained.
            let created = pthread_create(
                &thread, nil,
                { context in
                    let listener = Unmanaged<Listener>.fromOpaque(context!).takeRetainedValue()
                    listener.serve()
                    return nil
                }, unmanaged.toOpaque())
            guard created == 0 else {
                unmanaged.release()
                close(listener)
                throw ServerError.cannotListen("pthread_create: \(String(cString: strerror(created)))")
            }
        }

        /// Stops accepting and waits for the thread.
        package func stop() {
            stopping.withLock { $0 = true }
            pthread_join(thread, nil)
            close(socketFD)
        }

        private var isStopping: Bool { stopping.withLock { $0 } }

        private func serve() {
            while !isStopping {
                var p = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 50) > 0 else { continue }
                let fd = accept(socketFD, nil, nil)
                guard fd >= 0 else { continue }
                onConnection(fd)
                close(fd)
            }
        }
    }

    fileprivate func handle(_ fd: Int32) {
        guard let stream = ServerStream(fd: fd, tls: tls) else { return }
        defer { stream.finish() }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        while !request.ends(with: [13, 10, 13, 10]) {
            guard let chunk = stream.receive(max: 4096) else { return }
            request += chunk
            // A request starts with a method; anything else (a TLS ClientHello) gets a 400 at once.
            guard let first = request.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else {
                stream.send(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                return
            }
        }
        let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let target = parts.count >= 2 ? String(parts[1]) : "?"
        seen.withLock { $0.append(target) }
        switch handler(target) {
        case .respond(let status, let headers, let body, let chunked):
            var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
            for (n, v) in headers { head += "\(n): \(v)\r\n" }
            if chunked {
                head += "Transfer-Encoding: chunked\r\n\r\n"
                var out = Array(head.utf8)
                var i = 0
                while i < body.count {
                    let piece = body[i..<Swift.min(body.count, i + 1000)]
                    out += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + [13, 10]
                    i += 1000
                }
                out += Array("0\r\n\r\n".utf8)
                stream.send(out)
            } else {
                head += "Content-Length: \(body.count)\r\n\r\n"
                stream.send(Array(head.utf8) + body)
            }
        case .drop(let status, let body, let afterBytes):
            let head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(body.count)\r\n\r\n"
            stream.send(Array(head.utf8) + body.prefix(afterBytes))
        case .hangUp:
            break
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

/// Counts calls per key across threads, so a handler can script "the first request fails, the
/// second works".
package final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    package init() {}

    /// Counts one more `key` and returns how many there have been, this one included.
    package func next(_ key: String) -> Int {
        counts.withLock { counts in
            counts[key, default: 0] += 1
            return counts[key]!
        }
    }
}
