import COpenSSL
import Glibc

/// A certificate authority made for one test run, and the server certificates the TLS tests need:
/// good, for another host, self-signed, expired. Keys are EC P-256 (fast to make). The CA's
/// certificate is written as PEM to a fresh temporary directory (`caFile`), which a client trusts
/// with `TLSTrust.caFile`; `remove()` deletes it. Not for production.
package final class ThrowawayCA: @unchecked Sendable {
    package enum Failure: Error, CustomStringConvertible {
        case openssl(String)
        package var description: String {
            switch self {
            case .openssl(let what): "test CA: \(what) failed"
            }
        }
    }

    /// The CA certificate, PEM.
    package let caFile: String
    private let directory: String
    private let identity: TLSIdentity
    private var nextSerial = 2

    /// Makes the CA key and certificate (valid from an hour ago for a day) and writes `caFile`.
    package init(commonName: String = "Isotherm throwaway test CA") throws {
        let key = try Self.makeKey()
        let certificate = try Self.makeCertificate(
            Spec(commonName: commonName, isCA: true), key: key, serial: 1, issuer: nil)
        identity = TLSIdentity(certificate: certificate, key: key)
        directory = try Self.makeTemporaryDirectory()
        caFile = directory + "/ca.pem"
        guard let bio = BIO_new_file(caFile, "w") else { throw Failure.openssl("BIO_new_file(\(caFile))") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, certificate) == 1 else { throw Failure.openssl("PEM_write_bio_X509") }
    }

    deinit { remove() }

    /// Deletes `caFile` and its directory.
    package func remove() {
        unlink(caFile)
        rmdir(directory)
    }

    /// A server certificate signed by this CA.
    /// - Parameters:
    ///   - dnsNames: subjectAltName DNS names (the first is also the common name).
    ///   - ipAddresses: subjectAltName IPv4 addresses, dotted.
    ///   - validSeconds: validity relative to now; a range in the past makes an expired certificate.
    package func issue(
        dnsNames: [String], ipAddresses: [String] = [], validSeconds: ClosedRange<Int> = -3600...86_400
    ) throws -> TLSIdentity {
        let key = try Self.makeKey()
        nextSerial += 1
        let spec = Spec(
            commonName: dnsNames.first ?? ipAddresses.first ?? "server", dnsNames: dnsNames,
            ipAddresses: ipAddresses, validSeconds: validSeconds)
        let certificate = try Self.makeCertificate(spec, key: key, serial: nextSerial, issuer: identity)
        return TLSIdentity(certificate: certificate, key: key)
    }

    /// A server certificate signed by its own key, not by any CA.
    package static func selfSigned(dnsNames: [String], ipAddresses: [String] = []) throws -> TLSIdentity {
        let key = try makeKey()
        let spec = Spec(commonName: dnsNames.first ?? "server", dnsNames: dnsNames, ipAddresses: ipAddresses)
        return TLSIdentity(certificate: try makeCertificate(spec, key: key, serial: 1, issuer: nil), key: key)
    }

    private struct Spec {
        var commonName: String
        var dnsNames: [String] = []
        var ipAddresses: [String] = []
        var validSeconds: ClosedRange<Int> = -3600...86_400
        var isCA = false
    }

    /// An EC P-256 key.
    private static func makeKey() throws -> OpaquePointer {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw Failure.openssl("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) == 1,
            EVP_PKEY_keygen(ctx, &key) == 1, let key
        else { throw Failure.openssl("EC key generation") }
        return key
    }

    /// An X.509 v3 certificate for `spec` and `key`, signed by `issuer` (self-signed when nil).
    private static func makeCertificate(
        _ spec: Spec, key: OpaquePointer, serial: Int, issuer: TLSIdentity?
    ) throws -> OpaquePointer {
        guard let x = X509_new() else { throw Failure.openssl("X509_new") }
        do {
            guard X509_set_version(x, 2) == 1, ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1,
                X509_gmtime_adj(X509_getm_notBefore(x), spec.validSeconds.lowerBound) != nil,
                X509_gmtime_adj(X509_getm_notAfter(x), spec.validSeconds.upperBound) != nil,
                X509_set_pubkey(x, key) == 1
            else { throw Failure.openssl("X509 fields") }
            guard let name = X509_NAME_new() else { throw Failure.openssl("X509_NAME_new") }
            defer { X509_NAME_free(name) }
            let cn = Array(spec.commonName.utf8)
            guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, Int32(cn.count), -1, 0) == 1,
                X509_set_subject_name(x, name) == 1,
                X509_set_issuer_name(x, issuer.map { X509_get_subject_name($0.certificate) } ?? name) == 1
            else { throw Failure.openssl("X509 names") }
            // basicConstraints (critical): SEQUENCE { BOOLEAN TRUE } for the CA, SEQUENCE {} otherwise.
            try addExtension(
                x, nid: NID_basic_constraints, critical: true, der: spec.isCA ? [0x30, 3, 1, 1, 0xFF] : [0x30, 0])
            if !spec.dnsNames.isEmpty || !spec.ipAddresses.isEmpty {
                try addExtension(x, nid: NID_subject_alt_name, critical: false, der: subjectAltName(spec))
            }
            guard X509_sign(x, issuer?.key ?? key, EVP_sha256()) > 0 else { throw Failure.openssl("X509_sign") }
        } catch {
            X509_free(x)
            throw error
        }
        return x
    }

    /// Adds an extension whose value is `der` (OpenSSL copies the bytes).
    private static func addExtension(_ x: OpaquePointer, nid: Int32, critical: Bool, der: [UInt8]) throws {
        guard let value = ASN1_OCTET_STRING_new() else { throw Failure.openssl("ASN1_OCTET_STRING_new") }
        defer { ASN1_OCTET_STRING_free(value) }
        guard ASN1_OCTET_STRING_set(value, der, Int32(der.count)) == 1,
            let ext = X509_EXTENSION_create_by_NID(nil, nid, critical ? 1 : 0, value)
        else { throw Failure.openssl("X509_EXTENSION_create_by_NID(\(nid))") }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(x, ext, -1) == 1 else { throw Failure.openssl("X509_add_ext(\(nid))") }
    }

    /// DER `GeneralNames`: dNSName [2] and iPAddress [7] entries.
    private static func subjectAltName(_ spec: Spec) throws -> [UInt8] {
        var body: [UInt8] = []
        for name in spec.dnsNames { body += [0x82] + derLength(name.utf8.count) + Array(name.utf8) }
        for address in spec.ipAddresses {
            var v4 = in_addr()
            guard inet_pton(AF_INET, address, &v4) == 1 else { throw Failure.openssl("inet_pton(\(address))") }
            let octets = withUnsafeBytes(of: v4.s_addr) { Array($0) }  // network order in memory
            body += [0x87, 4] + octets
        }
        return [0x30] + derLength(body.count) + body
    }

    private static func derLength(_ n: Int) -> [UInt8] {
        precondition(n < 65_536)
        if n < 0x80 { return [UInt8(n)] }
        return n < 0x100 ? [0x81, UInt8(n)] : [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
    }

    private static func makeTemporaryDirectory() throws -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/isotherm-tls-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard made else { throw Failure.openssl("mkdtemp in \(base)") }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// A certificate and its private key, and a TLS server context that presents them.
package final class TLSIdentity: @unchecked Sendable {
    let certificate: OpaquePointer
    let key: OpaquePointer
    /// `SSL_CTX` for the server side; made on first use.
    let serverContext: OpaquePointer

    init(certificate: OpaquePointer, key: OpaquePointer) {
        self.certificate = certificate
        self.key = key
        let ctx = SSL_CTX_new(TLS_server_method())!
        precondition(
            SSL_CTX_use_certificate(ctx, certificate) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1
                && SSL_CTX_check_private_key(ctx) == 1, "the test server's certificate and key")
        serverContext = ctx
    }

    /// Writes the certificate and the private key as PEM files (for servers that load files: the local
    /// exchange's `--tls-cert`/`--tls-key`).
    package func writePEM(certificateFile: String, keyFile: String) throws {
        guard let c = BIO_new_file(certificateFile, "w") else { throw ThrowawayCA.Failure.openssl("BIO_new_file") }
        defer { BIO_free(c) }
        guard PEM_write_bio_X509(c, certificate) == 1 else { throw ThrowawayCA.Failure.openssl("PEM_write_bio_X509") }
        guard let k = BIO_new_file(keyFile, "w") else { throw ThrowawayCA.Failure.openssl("BIO_new_file") }
        defer { BIO_free(k) }
        guard PEM_write_bio_PrivateKey(k, key, nil, nil, 0, nil, nil) == 1 else {
            throw ThrowawayCA.Failure.openssl("PEM_write_bio_PrivateKey")
        }
    }

    deinit {
        SSL_CTX_free(serverContext)
        X509_free(certificate)
        EVP_PKEY_free(key)
    }
}
