import COpenSSL
import Glibc
import IsothermNet

/// The server's end of one test connection: the accepted socket, through TLS when the server has an
/// identity. Reads and writes are blocking; `finish()` sends close_notify before the listener closes
/// the socket. Not for production.
package final class ServerStream {
    let fd: Int32
    private let ssl: OpaquePointer?
    private var finished = false

    /// Wraps an accepted socket; with `tls`, runs the server handshake first (5 s at most) and
    /// returns nil when it fails (the client refused the certificate, or did not speak TLS).
    init?(fd: Int32, tls: TLSIdentity?) {
        self.fd = fd
        guard let tls else {
            ssl = nil
            return
        }
        guard let s = SSL_new(tls.serverContext) else { return nil }
        Self.setReceiveTimeout(fd, seconds: 5)
        let accepted = SSL_set_fd(s, fd) == 1 && withSIGPIPEBlocked { SSL_accept(s) } == 1
        Self.setReceiveTimeout(fd, seconds: 0)
        ERR_clear_error()
        guard accepted else {
            SSL_free(s)
            return nil
        }
        ssl = s
    }

    deinit {
        if let ssl { SSL_free(ssl) }
    }

    /// Up to `max` bytes; nil at the end of the stream or on an error.
    func receive(max: Int) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: max)
        let n = chunk.withUnsafeMutableBytes { p -> Int in
            if let ssl { return Int(withSIGPIPEBlocked { SSL_read(ssl, p.baseAddress, Int32(p.count)) }) }
            return recv(fd, p.baseAddress, p.count, 0)
        }
        guard n > 0 else { return nil }
        return Array(chunk[..<n])
    }

    /// Exactly `n` bytes, or nil when the stream ends first.
    func receive(exactly n: Int) -> [UInt8]? {
        var out: [UInt8] = []
        while out.count < n {
            guard let piece = receive(max: n - out.count) else { return nil }
            out += piece
        }
        return out
    }

    /// Sends all of `bytes`; false when the client has gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { p -> Int in
                if let ssl { return Int(withSIGPIPEBlocked { SSL_write(ssl, p.baseAddress, Int32(p.count)) }) }
                return Glibc.send(fd, p.baseAddress, p.count, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Sends close_notify (TLS); the listener closes the socket after this.
    func finish() {
        guard !finished else { return }
        finished = true
        if let ssl { _ = withSIGPIPEBlocked { SSL_shutdown(ssl) } }
        ERR_clear_error()
    }

    private static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}
