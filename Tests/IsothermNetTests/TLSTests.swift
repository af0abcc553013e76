import Foundation
import IsothermTestSupport
import Testing

@testable import IsothermNet

/// HTTPS and `wss://` against local servers whose certificates come from a CA made for the test:
/// a good certificate passes; a wrong host, a self-signed or expired certificate, a server that does
/// not speak TLS and a trust store that cannot be loaded each fail with one line and send nothing.
@Suite(.serialized) struct TLSTests {
    /// The good certificate: localhost and 127.0.0.1, signed by the test CA.
    static func goodIdentity(_ ca: ThrowawayCA) throws -> TLSIdentity {
        try ca.issue(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
    }

    @Test func aCertificateFromTheTrustedCAPasses() throws {
        let ca = try ThrowawayCA()
        let big = (0..<200_000).map { UInt8($0 % 251) }
        let server = try ScriptedHTTPServer(tls: try Self.goodIdentity(ca)) { target in
            target == "/big" ? .respond(status: 200, body: big, chunked: true) : .json(#"{"ok":true}"#)
        }
        defer { server.stop() }
        let client = HTTPClient(timeoutSeconds: 5, trust: .caFile(ca.caFile))
        let response = try client.get("https://localhost:\(server.port)/x")
        #expect(response.status == 200 && response.body == Array(#"{"ok":true}"#.utf8))
        #expect(try client.get("https://127.0.0.1:\(server.port)/big").body == big, "an IP literal: its SAN, no SNI")
        #expect(server.requests == ["/x", "/big"])
    }

    enum BadCertificate: String, CaseIterable, Sendable {
        case otherHost, selfSigned, expired, localhostOnlyForAnIP, aLineBreakInTheName

        func identity(_ ca: ThrowawayCA) throws -> TLSIdentity {
            switch self {
            case .otherHost: try ca.issue(dnsNames: ["other.example"])
            case .selfSigned: try ThrowawayCA.selfSigned(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
            case .expired: try ca.issue(dnsNames: ["localhost"], validSeconds: -172_800...(-86_400))
            case .localhostOnlyForAnIP: try ca.issue(dnsNames: ["localhost"])
            case .aLineBreakInTheName: try ca.issue(dnsNames: ["evil\nhost.example"])
            }
        }

        var host: String { self == .localhostOnlyForAnIP ? "127.0.0.1" : "localhost" }

        var message: String {
            switch self {
            case .otherHost: "TLS: the certificate is for other.example, not localhost"
            case .selfSigned: "TLS: certificate verify failed: self-signed certificate"
            case .expired: "TLS: certificate verify failed: certificate has expired"
            case .localhostOnlyForAnIP: "TLS: the certificate is for localhost, not 127.0.0.1"
            case .aLineBreakInTheName: "TLS: the certificate is for evil?host.example, not localhost"
            }
        }
    }

    @Test(arguments: BadCertificate.allCases)
    func aBadCertificateFailsWithOneClearLineAndNoRequest(_ bad: BadCertificate) throws {
        let ca = try ThrowawayCA()
        let server = try ScriptedHTTPServer(tls: try bad.identity(ca)) { _ in .json("{}") }
        defer { server.stop() }
        let url = "https://\(bad.host):\(server.port)/x"
        #expect(throws: NetError(url: url, message: bad.message, isRetryable: false)) {
            try HTTPClient(timeoutSeconds: 5, trust: .caFile(ca.caFile)).get(url)
        }
        #expect(server.requests.isEmpty, "nothing was sent over the refused connection")
    }

    @Test func aVerificationFailureIsNotRetried() throws {
        let ca = try ThrowawayCA()
        let server = try ScriptedHTTPServer(tls: try BadCertificate.expired.identity(ca)) { _ in .json("{}") }
        defer { server.stop() }
        let fetcher = RetryingFetcher(
            client: HTTPClient(timeoutSeconds: 5, trust: .caFile(ca.caFile)), policy: HTTPClientTests.fast
        ) { _ in }
        #expect(throws: NetError.self) { try fetcher.get(server.baseURL + "/x") }
        #expect(fetcher.stats.requests == 1 && fetcher.stats.retries == 0)
    }

    @Test func aPlainTextServerOnAnHTTPSURLFails() throws {
        let server = try ScriptedHTTPServer { _ in .json("{}") }
        defer { server.stop() }
        let url = "https://localhost:\(server.port)/x"
        let ca = try ThrowawayCA()
        #expect(
            throws: NetError(
                url: url, message: "TLS handshake failed: the server did not speak TLS (plain HTTP?)",
                isRetryable: false)
        ) {
            try HTTPClient(timeoutSeconds: 5, trust: .caFile(ca.caFile)).get(url)
        }
        #expect(server.requests.isEmpty)
    }

    @Test func aServerThatClosesDuringTheHandshakeIsARetryableError() throws {
        let listener = try ScriptedHTTPServer.Listener { _ in }  // accepts, then closes at once
        defer { listener.stop() }
        let ca = try ThrowawayCA()
        do {
            _ = try HTTPClient(timeoutSeconds: 5, trust: .caFile(ca.caFile)).get("https://localhost:\(listener.port)/")
            Issue.record("a handshake with a closed connection succeeded")
        } catch {
            #expect(error.isRetryable && error.message.hasPrefix("TLS handshake failed: "), "\(error)")
        }
    }

    @Test func theDefaultTrustIsTheSystemsNotTheTestCA() throws {
        let ca = try ThrowawayCA()
        let server = try ScriptedHTTPServer(tls: try Self.goodIdentity(ca)) { _ in .json("{}") }
        defer { server.stop() }
        let url = server.baseURL + "/x"
        #expect(HTTPClient().trust == .system)
        #expect(
            throws: NetError(
                url: url, message: "TLS: certificate verify failed: unable to get local issuer certificate",
                isRetryable: false)
        ) {
            try HTTPClient(timeoutSeconds: 5).get(url)
        }
        #expect(server.requests.isEmpty)
    }

    @Test func aTrustStoreThatCannotBeLoadedIsAnErrorBeforeConnecting() throws {
        // Port 1: nothing listens there, so any other error would be "cannot connect".
        let url = "https://localhost:1/x"
        #expect(
            throws: NetError(
                url: url,
                message: "TLS: cannot load trusted certificates from /nonexistent/ca.pem: No such file or directory",
                isRetryable: false)
        ) {
            try HTTPClient(timeoutSeconds: 5, trust: .caFile("/nonexistent/ca.pem")).get(url)
        }
        let notPEM = FileManager.default.temporaryDirectory.appendingPathComponent("isotherm-not-a-ca-\(getpid()).pem")
        try Data("not a certificate\n".utf8).write(to: notPEM)
        defer { try? FileManager.default.removeItem(at: notPEM) }
        do {
            _ = try HTTPClient(timeoutSeconds: 5, trust: .caFile(notPEM.path)).get(url)
            Issue.record("a file without certificates was accepted as a trust store")
        } catch {
            #expect(!error.isRetryable && !error.message.contains("\n"))
            #expect(error.message.hasPrefix("TLS: cannot load trusted certificates from \(notPEM.path): "), "\(error)")
        }
    }

    @Test func aSIGPIPEFromAWriteToAGonePeerIsDiscarded() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        let byte: [UInt8] = [1]
        // Without the guard this write raises SIGPIPE, whose default action ends the test process.
        let (written, error) = withSIGPIPEBlocked {
            let n = write(fds[1], byte, 1)
            return (n, errno)
        }
        #expect(written == -1 && error == EPIPE)
        var pending = sigset_t()
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0, "the SIGPIPE was consumed")
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        #expect(sigismember(&mask, SIGPIPE) == 0, "the signal mask is restored")
    }

    @Test func subjectAltNamesForErrorMessages() {
        let der: [UInt8] =
            [0x30, 41] + [0x82, 3] + Array("a.b".utf8) + [0x87, 4, 10, 0, 0, 1] + [0x81, 3] + Array("x@y".utf8)
            + [0x87, 16, 0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1] + [0x82, 9, 0x61]
        #expect(CertificateNames.subjectAltNames(der) == ["a.b", "10.0.0.1", "2001:db8:0:0:0:0:0:1"])
        #expect(CertificateNames.subjectAltNames([0x30, 0x85, 1]) == [])
        #expect(CertificateNames.subjectAltNames([]) == [])
    }
}
