import COpenSSL
package import IsothermNet

/// A request-signing failure: what went wrong, never the key.
package struct SigningError: Error, Equatable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}

/// Signs Kalshi requests as the API and its SDK do (reference/kalshi-api.md §2): the message is the
/// timestamp in milliseconds, the HTTP method in capitals and the URL path without its query string
/// (`1703123456789GET/trade-api/v2/portfolio/orders`), signed RSASSA-PSS with SHA-256, MGF1(SHA-256)
/// and a 32-byte salt, sent base64 (standard alphabet, padded) in `KALSHI-ACCESS-SIGNATURE` beside
/// `KALSHI-ACCESS-KEY` and `KALSHI-ACCESS-TIMESTAMP`. The body is not signed. Keys are PEM, PKCS#1
/// (`BEGIN RSA PRIVATE KEY`, as Kalshi downloads them) or PKCS#8; Ed25519 keys sign the same message.
package final class KalshiSigner: @unchecked Sendable {
    package let keyId: String
    private let key: OpaquePointer

    /// - Parameters:
    ///   - keyId: the API key id (a UUID string).
    ///   - pem: the private key file's bytes.
    package init(keyId: String, pem: [UInt8]) throws(SigningError) {
        self.keyId = keyId
        guard let bio = Self.memoryBIO(pem) else { throw SigningError(message: "cannot read the private key") }
        defer { BIO_free(bio) }
        guard let k = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw SigningError(message: "the private key is not a PEM RSA or Ed25519 key without a passphrase")
        }
        let type = EVP_PKEY_get_base_id(k)
        guard type == EVP_PKEY_RSA || type == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(k)
            throw SigningError(message: "the private key is neither RSA nor Ed25519")
        }
        key = k
    }

    deinit { EVP_PKEY_free(key) }

    /// A memory BIO holding its own copy of `bytes`. Not `BIO_new_mem_buf`: that keeps the caller's
    /// pointer, and a Swift array's storage is only valid inside `withUnsafeBytes` — optimised builds
    /// end the array's life at its last use, so OpenSSL read freed memory in release builds only.
    /// The corresponding C functions are `BIO_new(BIO_s_mem())` and `BIO_write`.
    static func memoryBIO(_ bytes: [UInt8]) -> OpaquePointer? {
        guard bytes.count < Int(Int32.max), let bio = BIO_new(BIO_s_mem()) else { return nil }
        let written = bytes.withUnsafeBytes { BIO_write(bio, $0.baseAddress, Int32($0.count)) }
        guard written == Int32(bytes.count) || bytes.isEmpty else {
            BIO_free(bio)
            return nil
        }
        return bio
    }

    /// `RSA 2048`, `Ed25519`.
    package var keyKind: String {
        EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "RSA \(EVP_PKEY_get_bits(key))" : "Ed25519"
    }

    /// The public half of the key, as PEM (`BEGIN PUBLIC KEY`). The corresponding C function is
    /// `PEM_write_bio_PUBKEY`.
    package func publicKeyPEM() throws(SigningError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw SigningError(message: "out of memory") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, key) == 1 else { throw SigningError(message: "cannot write the public key") }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let n = chunk.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { break }
            out += chunk.prefix(Int(n))
        }
        return out
    }

    /// The path that is signed: a full URL's path, or a path without its query string.
    package static func signingPath(_ urlOrPath: String) -> String {
        var rest = Substring(urlOrPath)
        for scheme in ["https://", "http://", "wss://", "ws://"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        return String(rest.prefix { $0 != "?" && $0 != "#" })
    }

    /// The message signed for a request.
    package static func message(timestampMs: Int64, method: String, urlOrPath: String) -> String {
        String(timestampMs) + method.uppercased() + signingPath(urlOrPath)
    }

    /// The base64 signature of `message`.
    package func sign(_ message: String) throws(SigningError) -> String {
        guard let ctx = EVP_MD_CTX_new() else { throw SigningError(message: "out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer? = nil
        let isRSA = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA
        guard EVP_DigestSignInit(ctx, &pctx, isRSA ? EVP_sha256() : nil, nil, key) == 1 else {
            throw SigningError(message: "cannot start signing")
        }
        if isRSA {
            guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1, EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1
            else { throw SigningError(message: "cannot set RSA-PSS parameters") }
        }
        let bytes = Array(message.utf8)
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, bytes, bytes.count) == 1 else {
            throw SigningError(message: "cannot sign")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &signature, &length, bytes, bytes.count) == 1 else {
            throw SigningError(message: "cannot sign")
        }
        return Base64.encode(Array(signature.prefix(length)))
    }

    /// The three authentication headers for a request made at `timestampMs` (Unix milliseconds).
    package func headers(timestampMs: Int64, method: String, urlOrPath: String) throws(SigningError) -> [(
        String, String
    )] {
        let signature = try sign(Self.message(timestampMs: timestampMs, method: method, urlOrPath: urlOrPath))
        return [
            ("KALSHI-ACCESS-KEY", keyId), ("KALSHI-ACCESS-TIMESTAMP", String(timestampMs)),
            ("KALSHI-ACCESS-SIGNATURE", signature),
        ]
    }

    /// Whether `signature` (base64) is a valid signature of `message` by the private half of `publicPEM`:
    /// what the exchange checks on every signed request. Parses the key each call; a server keeps a
    /// ``KalshiVerifier``.
    package static func verify(_ message: String, signature: String, publicPEM: [UInt8]) -> Bool {
        (try? KalshiVerifier(publicPEM: publicPEM))?.verify(message, signature: signature) ?? false
    }
}

/// A public key parsed once, checking Kalshi signatures (RSA-PSS with SHA-256 and a 32-byte salt, or
/// Ed25519) for as long as it lives. Safe to share between threads: OpenSSL allows concurrent read-only
/// use of a key, and each check makes its own digest context.
package final class KalshiVerifier: @unchecked Sendable {
    private let key: OpaquePointer

    /// - Parameter publicPEM: a `BEGIN PUBLIC KEY` file's bytes.
    package init(publicPEM: [UInt8]) throws(SigningError) {
        guard let bio = KalshiSigner.memoryBIO(publicPEM) else {
            throw SigningError(message: "cannot read the public key")
        }
        defer { BIO_free(bio) }
        guard let k = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
            throw SigningError(message: "the public key is not a PEM public key (BEGIN PUBLIC KEY)")
        }
        key = k
    }

    deinit { EVP_PKEY_free(key) }

    /// Whether `signature` (base64) is a valid signature of `message`.
    package func verify(_ message: String, signature: String) -> Bool {
        guard let raw = Base64.decode(signature), let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer? = nil
        let isRSA = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA
        guard EVP_DigestVerifyInit(ctx, &pctx, isRSA ? EVP_sha256() : nil, nil, key) == 1 else { return false }
        if isRSA {
            guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1, EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1
            else { return false }
        }
        let bytes = Array(message.utf8)
        return raw.withUnsafeBufferPointer { sig in
            bytes.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(ctx, sig.baseAddress, sig.count, msg.baseAddress, msg.count) == 1
            }
        }
    }
}
