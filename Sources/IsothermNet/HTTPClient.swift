import COpenSSL
import Glibc

/// A failed request: what and where, in one line. `isRetryable` tells a caller whether trying again
/// may help (a dropped or refused connection, a timeout), as opposed to a bad URL or a certificate
/// that does not verify.
package struct NetError: Error, Equatable, CustomStringConvertible {
    package var url: String
    package var message: String
    package var isRetryable: Bool

    package var description: String { "\(url): \(message)" }
}

/// A complete HTTP response.
package struct HTTPResponse: Sendable {
    package var status: Int
    /// Header names lowercased, in the order received.
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package func header(_ name: String) -> String? {
        let key = name.lowercased()
        return headers.first { $0.name == key }?.value
    }
}

/// A small blocking HTTP/1.1 client for backfills: one request per connection (`Connection: close`),
/// `http://` and `https://` (OpenSSL; see `TLSSession`: it fails closed), `Content-Length`, chunked or
/// close-delimited bodies, and a timeout on every read and write. Retrying, rate limiting and backoff
/// are the caller's (see `RetryingFetcher`).
package struct HTTPClient: Sendable {
    package var timeoutSeconds: Int
    package var userAgent: String
    /// The CAs an `https://` server's certificate must chain to: the system's, or a test's own CA.
    package var trust: TLSTrust

    package init(timeoutSeconds: Int = 30, userAgent: String = "isotherm", trust: TLSTrust = .system) {
        self.timeoutSeconds = timeoutSeconds
        self.userAgent = userAgent
        self.trust = trust
    }

    /// `GET url` with extra headers.
    package func get(_ url: String, headers: [(String, String)] = []) throws(NetError) -> HTTPResponse {
        guard let parts = URLParts(url) else {
            throw NetError(url: url, message: "not an http(s) URL", isRetryable: false)
        }
        let context = parts.secure ? try TLSContext(trust: trust, url: url) : nil
        let fd = try connect(parts, url: url)
        defer { close(fd) }
        var tls: TLSSession? = nil
        if let context { tls = try TLSSession(context: context, fd: fd, host: parts.host, url: url) }
        defer { tls?.shutdown() }
        var request = "GET \(parts.target) HTTP/1.1\r\nHost: \(parts.hostHeader)\r\nUser-Agent: \(userAgent)\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "accept" }) { request += "Accept: application/json\r\n" }
        request += "Connection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        var transport = Transport(fd: fd, tls: tls, url: url)
        try transport.write(Array(request.utf8))
        return try Self.readResponse(&transport, url: url)
    }

    func connect(_ parts: URLParts, url: String) throws(NetError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(parts.host, String(parts.port), &hints, &result)
        guard rc == 0, let first = result else {
            throw NetError(
                url: url, message: "cannot resolve \(parts.host): \(String(cString: gai_strerror(rc)))",
                isRetryable: true)
        }
        defer { freeaddrinfo(result) }
        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let a = candidate {
            candidate = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
            lastError = String(cString: strerror(errno))
            close(fd)
        }
        throw NetError(
            url: url, message: "cannot connect to \(parts.host):\(parts.port): \(lastError)", isRetryable: true)
    }

    static func readResponse(_ t: inout Transport, url: String) throws(NetError) -> HTTPResponse {
        func fail(_ m: String) -> NetError { NetError(url: url, message: m, isRetryable: true) }
        let statusLine = try t.readLine()
        let words = statusLine.split(separator: " ", maxSplits: 2)
        guard words.count >= 2, words[0].hasPrefix("HTTP/1."), let status = Int(words[1]) else {
            throw fail("malformed status line \"\(statusLine.prefix(80))\"")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try t.readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw fail("malformed header \"\(line.prefix(80))\"") }
            headers.append((line[..<colon].lowercased(), String(line[line.index(after: colon)...]).trimmingSpaces))
        }
        let response = HTTPResponse(status: status, headers: headers, body: [])
        var body: [UInt8] = []
        if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try t.readLine()
                guard let size = Int(sizeLine.split(separator: ";")[0].trimmingSpaces, radix: 16), size >= 0 else {
                    throw fail("malformed chunk size \"\(sizeLine.prefix(40))\"")
                }
                if size == 0 {
                    while try !t.readLine().isEmpty {}
                    break
                }
                body += try t.read(exactly: size)
                guard try t.readLine().isEmpty else { throw fail("chunk not followed by CRLF") }
            }
        } else if let lengthText = response.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else { throw fail("bad Content-Length \"\(lengthText)\"") }
            body = try t.read(exactly: length)
        } else {
            body = try t.readToEnd()
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}

/// The pieces of an `http(s)://host[:port]/path?query` URL.
package struct URLParts: Equatable, Sendable {
    package var secure: Bool
    package var host: String
    package var port: Int
    /// Path and query, `/` when empty.
    package var target: String

    package init?(_ url: String) {
        let rest: Substring
        if url.hasPrefix("https://") {
            secure = true
            rest = url.dropFirst(8)
        } else if url.hasPrefix("http://") {
            secure = false
            rest = url.dropFirst(7)
        } else {
            return nil
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        target = slash == rest.endIndex ? "/" : String(rest[slash...])
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            host = String(authority[..<colon])
            port = p
        } else {
            host = String(authority)
            port = secure ? 443 : 80
        }
        guard !host.isEmpty, !host.contains("@") else { return nil }
    }

    var hostHeader: String { port == (secure ? 443 : 80) ? host : "\(host):\(port)" }
}

/// Reads and writes over a socket, through TLS when there is a session; buffers reads for lines.
struct Transport {
    let fd: Int32
    let tls: TLSSession?
    let url: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var closed = false

    init(fd: Int32, tls: TLSSession?, url: String) {
        self.fd = fd
        self.tls = tls
        self.url = url
    }

    func write(_ bytes: [UInt8]) throws(NetError) {
        var offset = 0
        while offset < bytes.count {
            // The pointer is used by this call only: SSL_write encrypts into OpenSSL's own buffer.
            let n = bytes[offset...].withUnsafeBytes { p -> Int in
                let count = Swift.min(p.count, 1 << 30)
                if let tls { return Int(withSIGPIPEBlocked { SSL_write(tls.ssl, p.baseAddress, Int32(count)) }) }
                return Glibc.send(fd, p.baseAddress, count, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw NetError(url: url, message: "connection lost while sending", isRetryable: true) }
            offset += n
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private mutating func fill() throws(NetError) -> Bool {
        if closed { return false }
        if start > 65_536 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        errno = 0
        let n = chunk.withUnsafeMutableBytes { p -> Int in
            if let tls { return Int(withSIGPIPEBlocked { SSL_read(tls.ssl, p.baseAddress, Int32(p.count)) }) }
            return Glibc.recv(fd, p.baseAddress, p.count, 0)
        }
        let readErrno = errno
        let tlsError = tls.map { n > 0 ? SSL_ERROR_NONE : SSL_get_error($0.ssl, Int32(n)) } ?? SSL_ERROR_NONE
        if n == 0 && tls == nil || tlsError == SSL_ERROR_ZERO_RETURN {
            closed = true
            return false
        }
        guard n > 0 else {
            let reason: String
            if readErrno == EINTR {
                // A signal (the recorder's stop nudge); OpenSSL reports it as WANT_READ, not a timeout.
                reason = String(cString: strerror(readErrno))
            } else if readErrno == EAGAIN || readErrno == EWOULDBLOCK || tlsError == SSL_ERROR_WANT_READ {
                reason = "timed out"
            } else if tlsError == SSL_ERROR_SSL {
                // OpenSSL 3 reports a close without close_notify as "unexpected eof while reading": a
                // close-delimited body cut short is an error over TLS, not the end of the body.
                reason = "TLS: " + (TLSSession.drainErrors().first.map(TLSSession.reasonText) ?? "protocol error")
            } else {
                reason = readErrno != 0 ? String(cString: strerror(readErrno)) : "the connection closed"
            }
            throw NetError(url: url, message: "connection lost while reading: \(reason)", isRetryable: true)
        }
        buffer += chunk[..<n]
        return true
    }

    /// A line without its CRLF (or LF).
    mutating func readLine() throws(NetError) -> String {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                var end = nl
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = nl + 1
                return line
            }
            guard buffer.count - start < 65_536 else {
                throw NetError(url: url, message: "a header line longer than 64 KiB", isRetryable: false)
            }
            guard try fill() else {
                throw NetError(url: url, message: "connection closed in the middle of the response", isRetryable: true)
            }
        }
    }

    mutating func read(exactly count: Int) throws(NetError) -> [UInt8] {
        while buffer.count - start < count {
            guard try fill() else {
                throw NetError(
                    url: url, message: "connection closed after \(buffer.count - start) of \(count) body bytes",
                    isRetryable: true)
            }
        }
        let out = Array(buffer[start..<start + count])
        start += count
        return out
    }

    mutating func readToEnd() throws(NetError) -> [UInt8] {
        while try fill() {}
        let out = Array(buffer[start...])
        start = buffer.count
        return out
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
