import COpenSSL
import Glibc

/// Which certificate authorities a TLS client trusts.
package enum TLSTrust: Equatable, Sendable {
    /// The system's CAs (OpenSSL's default paths): production.
    case system
    /// Only the CAs in this PEM file: tests with a throwaway CA.
    case caFile(String)
}

/// A TLS client context: the trusted CAs, TLS 1.2 or later, peer verification on. Built before the
/// connection is opened, so a trust store that cannot be loaded fails the request without touching
/// the network, and never leaves a context that would accept any certificate.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    /// - Throws: `NetError` (not retryable) when OpenSSL cannot create the context or load the CAs.
    init(trust: TLSTrust, url: String) throws(NetError) {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw TLSSession.failure(url, "cannot create a context")
        }
        do throws(NetError) {
            // SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl.
            guard SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil) == 1 else {
                throw TLSSession.failure(url, "cannot require TLS 1.2")
            }
            switch trust {
            case .system:
                guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                    throw TLSSession.failure(url, "cannot load the system's trusted certificates")
                }
            case .caFile(let path):
                guard access(path, R_OK) == 0 else {
                    let reason = String(cString: strerror(errno))
                    throw NetError(
                        url: url, message: "TLS: cannot load trusted certificates from \(path): \(reason)",
                        isRetryable: false)
                }
                guard SSL_CTX_load_verify_locations(ctx, path, nil) == 1 else {
                    throw TLSSession.failure(url, "cannot load trusted certificates from \(path)")
                }
            }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        context = ctx
    }

    deinit { SSL_CTX_free(context) }
}

/// A TLS client session over a connected socket. It fails closed: the handshake succeeds only when
/// the peer presents a certificate that chains to a trusted CA, is in its validity period and names
/// the host (DNS name, or IP address for an IP literal); every step that sets this up is checked.
final class TLSSession: @unchecked Sendable {
    let ssl: OpaquePointer

    /// Runs the client handshake on `fd`.
    /// - Parameters:
    ///   - context: the trust and protocol settings (the session takes its own reference).
    ///   - host: the URL's host: checked against the certificate, and sent as SNI unless an IP literal.
    /// - Throws: `NetError` naming the URL and the reason, in one line. Verification failures, a peer
    ///   that does not speak TLS and protocol errors are not retryable; a connection that closes or
    ///   times out during the handshake is.
    init(context: TLSContext, fd: Int32, host: String, url: String) throws(NetError) {
        ERR_clear_error()
        // OpenSSL takes an empty name as "no name to check"; URLParts never gives one, but make sure.
        guard !host.isEmpty else { throw NetError(url: url, message: "TLS: no host name", isRetryable: false) }
        guard let s = SSL_new(context.context) else { throw Self.failure(url, "cannot create a session") }
        ssl = s  // freed by deinit from here on, whichever way init ends
        guard SSL_set_fd(s, fd) == 1 else { throw Self.failure(url, "cannot attach the socket") }
        if !Self.isIPLiteral(host) {
            // Server Name Indication; RFC 6066 forbids IP literals here.
            guard isotherm_ssl_set_sni(s, host) == 1 else { throw Self.failure(url, "cannot set the server name") }
        }
        // Host name (or IP address) verification; OpenSSL 3 treats an IP literal as an address.
        // 0x4 is X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS (x509v3.h, which COpenSSL does not include).
        SSL_set_hostflags(s, 0x4)
        guard SSL_set1_host(s, host) == 1 else { throw Self.failure(url, "cannot set the expected host \(host)") }
        errno = 0
        let result = withSIGPIPEBlocked { SSL_connect(s) }
        guard result == 1 else { throw handshakeFailure(result: result, host: host, url: url) }
        // Belt and braces: the handshake cannot succeed otherwise with SSL_VERIFY_PEER, but nothing is
        // sent unless it verifiably did.
        let verify = SSL_get_verify_result(s)
        guard verify == Int(X509_V_OK) else { throw verifyFailure(verify, host: host, url: url) }
        guard SSL_get0_peer_certificate(s) != nil else {
            throw NetError(url: url, message: "TLS: the server presented no certificate", isRetryable: false)
        }
    }

    /// Sends close_notify (best effort).
    func shutdown() { _ = withSIGPIPEBlocked { SSL_shutdown(ssl) } }

    deinit { SSL_free(ssl) }

    /// Why `SSL_connect` returned `result`, as one line.
    private func handshakeFailure(result: Int32, host: String, url: String) -> NetError {
        let savedErrno = errno
        let kind = SSL_get_error(ssl, result)
        let verify = SSL_get_verify_result(ssl)
        let codes = Self.drainErrors()
        if verify != Int(X509_V_OK) { return verifyFailure(verify, host: host, url: url) }
        let reasons = codes.map { ERR_GET_REASON($0) }
        let notTLS = [SSL_R_WRONG_VERSION_NUMBER, SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST]
        if codes.contains(where: { ERR_GET_LIB($0) == ERR_LIB_SSL }) && reasons.contains(where: notTLS.contains) {
            return NetError(
                url: url, message: "TLS handshake failed: the server did not speak TLS (plain HTTP?)",
                isRetryable: false)
        }
        if kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE {
            return NetError(url: url, message: "TLS handshake failed: timed out", isRetryable: true)
        }
        if reasons.contains(SSL_R_UNEXPECTED_EOF_WHILE_READING) || (kind == SSL_ERROR_SYSCALL && savedErrno == 0) {
            return NetError(
                url: url, message: "TLS handshake failed: the connection closed during the handshake",
                isRetryable: true)
        }
        if kind == SSL_ERROR_SYSCALL {
            let reason = String(cString: strerror(savedErrno))
            return NetError(url: url, message: "TLS handshake failed: \(reason)", isRetryable: true)
        }
        let detail = codes.first.map(Self.reasonText) ?? "error \(kind)"
        return NetError(url: url, message: "TLS handshake failed: \(detail)", isRetryable: false)
    }

    /// A certificate the verifier refused: the host it does not name, or OpenSSL's reason.
    private func verifyFailure(_ verify: Int, host: String, url: String) -> NetError {
        let message: String
        if verify == Int(X509_V_ERR_HOSTNAME_MISMATCH) || verify == Int(X509_V_ERR_IP_ADDRESS_MISMATCH) {
            let names = peerLeaf().map(CertificateNames.of) ?? []
            message =
                "TLS: the certificate is for \(names.isEmpty ? "no name" : names.joined(separator: ", ")), not \(host)"
        } else {
            message = "TLS: certificate verify failed: \(String(cString: X509_verify_cert_error_string(verify)))"
        }
        return NetError(url: url, message: message, isRetryable: false)
    }

    /// The certificate the server sent (also after a failed verification, when the session has none).
    private func peerLeaf() -> OpaquePointer? {
        guard let chain = SSL_get_peer_cert_chain(ssl), OPENSSL_sk_num(chain) > 0 else { return nil }
        return OpaquePointer(OPENSSL_sk_value(chain, 0))
    }

    /// A `NetError` (not retryable) for a failed OpenSSL call, with the first queued reason.
    static func failure(_ url: String, _ what: String) -> NetError {
        let codes = drainErrors()
        let detail = codes.first.map { ": \(reasonText($0))" } ?? ""
        return NetError(url: url, message: "TLS: \(what)\(detail)", isRetryable: false)
    }

    /// Empties this thread's OpenSSL error queue, oldest first.
    static func drainErrors() -> [UInt] {
        var codes: [UInt] = []
        while codes.count < 32 {
            let code = ERR_get_error()
            if code == 0 { break }
            codes.append(code)
        }
        ERR_clear_error()
        return codes
    }

    /// OpenSSL's words for an error code ("wrong version number"), or its hex code.
    static func reasonText(_ code: UInt) -> String {
        if let text = ERR_reason_error_string(code) { return String(cString: text) }
        return "error 0x\(String(code, radix: 16))"
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// Runs `body` (an OpenSSL call that may write to a socket) with SIGPIPE blocked on this thread, and
/// discards a SIGPIPE it raised. OpenSSL writes with write(2), which has no `MSG_NOSIGNAL`; a peer
/// that has gone would otherwise kill the process (the plain path sends with `MSG_NOSIGNAL`). The
/// technique is libpq's. `errno` is preserved for the caller.
package func withSIGPIPEBlocked<R>(_ body: () -> R) -> R {
    var pipeOnly = sigset_t()
    sigemptyset(&pipeOnly)
    sigaddset(&pipeOnly, SIGPIPE)
    var previousMask = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeOnly, &previousMask)
    var pending = sigset_t()
    sigpending(&pending)
    let alreadyPending = sigismember(&pending, SIGPIPE) == 1
    let result = body()
    let savedErrno = errno
    if !alreadyPending {
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 {
            var noWait = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeOnly, nil, &noWait) == -1 && errno == EINTR {}
        }
    }
    pthread_sigmask(SIG_SETMASK, &previousMask, nil)
    errno = savedErrno
    return result
}

/// The names a certificate is for, for error messages: its subjectAltName DNS names and IP
/// addresses, else its subject's common name. The peer chose these bytes: anything but printable
/// ASCII shows as `?`, so an error stays one line.
enum CertificateNames {
    static func of(_ certificate: OpaquePointer) -> [String] {
        names(certificate).map { name in
            String(
                decoding: name.utf8.prefix(253).map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: "?") },
                as: UTF8.self)
        }
    }

    private static func names(_ certificate: OpaquePointer) -> [String] {
        var names: [String] = []
        let index = X509_get_ext_by_NID(certificate, NID_subject_alt_name, -1)
        if index >= 0, let ext = X509_get_ext(certificate, index), let data = X509_EXTENSION_get_data(ext),
            let bytes = ASN1_STRING_get0_data(data)
        {
            let der = Array(UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(data))))
            names = subjectAltNames(der)
        }
        if names.isEmpty, let subject = X509_get_subject_name(certificate) {
            let i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1)
            if i >= 0, let entry = X509_NAME_get_entry(subject, i), let value = X509_NAME_ENTRY_get_data(entry),
                let bytes = ASN1_STRING_get0_data(value)
            {
                let text = UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(value)))
                names = [String(decoding: text, as: UTF8.self)]
            }
        }
        return names
    }

    /// dNSName ([2]) and iPAddress ([7]) entries of a DER `GeneralNames` sequence; others skipped;
    /// stops at the first malformed length.
    static func subjectAltNames(_ der: [UInt8]) -> [String] {
        guard der.first == 0x30, var (offset, end) = length(der, at: 1) else { return [] }
        end = min(end, der.count)
        var names: [String] = []
        while offset < end, names.count < 16 {
            let tag = der[offset]
            guard let (start, stop) = length(der, at: offset + 1), stop <= end else { break }
            let value = der[start..<stop]
            if tag == 0x82 {
                names.append(String(decoding: value, as: UTF8.self))
            } else if tag == 0x87 && value.count == 4 {
                names.append(value.map(String.init).joined(separator: "."))
            } else if tag == 0x87 && value.count == 16 {
                let v = Array(value)
                names.append(
                    stride(from: 0, to: 16, by: 2).map { String(UInt16(v[$0]) << 8 | UInt16(v[$0 + 1]), radix: 16) }
                        .joined(separator: ":"))
            }
            offset = stop
        }
        return names
    }

    /// The content range of a DER element whose length octets start at `at`.
    private static func length(_ der: [UInt8], at: Int) -> (Int, Int)? {
        guard at < der.count else { return nil }
        let first = Int(der[at])
        if first < 0x80 { return (at + 1, at + 1 + first) }
        let octets = first & 0x7F
        guard (1...3).contains(octets), at + octets < der.count else { return nil }
        var n = 0
        for i in 1...octets { n = n << 8 | Int(der[at + i]) }
        return (at + 1 + octets, at + 1 + octets + n)
    }
}
