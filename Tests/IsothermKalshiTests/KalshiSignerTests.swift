import Foundation
import IsothermNet
import IsothermTestSupport
import Testing

@testable import IsothermKalshi

/// Request signing against Kalshi's rules, and cross-checked both ways with the SDK's own code
/// (`Fixtures/kalshi_sig_tool.py`, a copy of `../shared/tools/kalshi_sig_tool.py`, which mirrors
/// kalshi_python_sync 3.34's auth.py through Python's `cryptography`). The keys in `Fixtures/` are
/// throwaway test keys.
@Suite struct KalshiSignerTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        .path
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
    }

    @Test func theSignedMessageIsTimestampMethodAndPathWithoutTheQuery() {
        #expect(
            KalshiSigner.message(
                timestampMs: 1_703_123_456_789, method: "get",
                urlOrPath: "https://api.elections.kalshi.com/trade-api/v2/portfolio/orders?limit=5")
                == "1703123456789GET/trade-api/v2/portfolio/orders")
        #expect(
            KalshiSigner.signingPath("/trade-api/v2/portfolio/orders?status=resting")
                == "/trade-api/v2/portfolio/orders")
        #expect(KalshiSigner.signingPath("wss://api.elections.kalshi.com/trade-api/ws/v2") == "/trade-api/ws/v2")
        #expect(KalshiSigner.signingPath("https://example.com") == "/")
    }

    @Test func base64MatchesRFC4648() {
        let vectors = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ]
        for (plain, coded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == coded)
            #expect(Base64.decode(coded) == Array(plain.utf8))
        }
        for n in 0..<70 {
            let data = (0..<n).map { UInt8(($0 * 37 + 11) % 256) }
            #expect(Base64.decode(Base64.encode(data)) == data, "\(n)")
            #expect(Base64.encode(data) == Data(data).base64EncodedString(), "\(n)")
        }
        #expect(Base64.decode("Zm9v!") == nil && Base64.decode("Zg=a") == nil && Base64.decode("Zm9") == nil)
    }

    @Test(arguments: ["test_rsa_private.pem", "test_rsa_private_pkcs8.pem"])
    func rsaPSSSignaturesVerifyAndAreRandomized(key: String) throws {
        let signer = try KalshiSigner(keyId: "a952bcbe-ec3b-4b5b-b8f9-11dae589608c", pem: Self.bytes(key))
        let message = "1703123456789POST/trade-api/v2/portfolio/orders"
        let a = try signer.sign(message)
        let b = try signer.sign(message)
        #expect(a != b, "PSS uses a random salt")
        #expect(Base64.decode(a)?.count == 256, "a 2048-bit key signs 256 bytes")
        let pub = try Self.bytes("test_rsa_public.pem")
        #expect(
            KalshiSigner.verify(message, signature: a, publicPEM: pub)
                && KalshiSigner.verify(message, signature: b, publicPEM: pub))
        #expect(!KalshiSigner.verify(message + "x", signature: a, publicPEM: pub), "another message")
        let otherKey = try Self.bytes("test_ed25519_public.pem")
        #expect(!KalshiSigner.verify(message, signature: a, publicPEM: otherKey), "another key")

        let headers = try signer.headers(
            timestampMs: 1_703_123_456_789, method: "GET", urlOrPath: "/trade-api/v2/portfolio/balance?x=1")
        #expect(headers.map(\.0) == ["KALSHI-ACCESS-KEY", "KALSHI-ACCESS-TIMESTAMP", "KALSHI-ACCESS-SIGNATURE"])
        #expect(headers[1].1 == "1703123456789")
        #expect(
            KalshiSigner.verify(
                "1703123456789GET/trade-api/v2/portfolio/balance", signature: headers[2].1, publicPEM: pub))
    }

    @Test func ed25519KeysSignTheSameMessage() throws {
        let signer = try KalshiSigner(keyId: "k", pem: Self.bytes("test_ed25519_private.pem"))
        let message = "1703123456789GET/trade-api/ws/v2"
        let s = try signer.sign(message)
        #expect(Base64.decode(s)?.count == 64)
        let pub = try Self.bytes("test_ed25519_public.pem")
        #expect(KalshiSigner.verify(message, signature: s, publicPEM: pub))
    }

    @Test func unreadableKeysAreOneClearErrorWithoutTheKey() {
        #expect(throws: SigningError(message: "the private key is not a PEM RSA or Ed25519 key without a passphrase")) {
            try KalshiSigner(
                keyId: "k",
                pem: Array("-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n".utf8))
        }
    }

    static var python: String? { PythonCrypto.interpreter }

    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        try PythonCrypto.run(exe, args)
    }

    @Test func kalshisOwnCodeAcceptsOurSignaturesAndWeAcceptItsSignatures() throws {
        let python = try #require(
            Self.python, "no python3 with the cryptography package: tools/test installs python3-cryptography")
        let tool = Self.fixtures + "/kalshi_sig_tool.py"
        let signer = try KalshiSigner(keyId: "k", pem: Self.bytes("test_rsa_private.pem"))
        let url = "https://api.elections.kalshi.com/trade-api/v2/portfolio/orders?limit=5"
        // Ours → the SDK's verification.
        let ours = try signer.sign(KalshiSigner.message(timestampMs: 1_703_123_456_789, method: "GET", urlOrPath: url))
        let verified = try Self.run(
            python, [tool, "verify", Self.fixtures + "/test_rsa_public.pem", "1703123456789", "GET", url, ours])
        #expect(verified.status == 0 && verified.output.hasPrefix("VALID"), "\(verified.output)")
        // A wrong path is refused by the SDK too (the check can fail).
        let wrong = try Self.run(
            python,
            [
                tool, "verify", Self.fixtures + "/test_rsa_public.pem", "1703123456789", "GET",
                "/trade-api/v2/portfolio/fills", ours,
            ])
        #expect(wrong.status != 0 && wrong.output.hasPrefix("INVALID"), "\(wrong.output)")
        // The SDK's signature → our verification.
        let theirs = try Self.run(
            python,
            [
                tool, "sign", Self.fixtures + "/test_rsa_private.pem", "1703123456789", "DELETE",
                "/trade-api/v2/portfolio/orders/abc",
            ])
        let lines = theirs.output.split(separator: "\n").map(String.init)
        try #require(theirs.status == 0 && lines.count == 2, "\(theirs.output)")
        #expect(lines[0] == "1703123456789DELETE/trade-api/v2/portfolio/orders/abc")
        let pub = try Self.bytes("test_rsa_public.pem")
        #expect(KalshiSigner.verify(lines[0], signature: lines[1], publicPEM: pub))
    }
}
