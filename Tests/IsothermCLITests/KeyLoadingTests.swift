import Foundation
import Testing

/// Every key form Kalshi users hold loads and signs through the `isotherm` executable — in the release
/// phase of `tools/test`, the release binary users run (a pointer that escaped its closure once broke
/// key loading in release builds only, while every debug test passed).
@Suite("isotherm kalshi check-key")
struct KeyLoadingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IsothermKalshiTests/Fixtures").path

    @Test(
        "each fixture key loads, signs and verifies through the CLI",
        arguments: [
            ("test_rsa_private.pem", "RSA 2048"), ("test_rsa_private_pkcs8.pem", "RSA 2048"),
            ("test_rsa4096_private_pkcs1.pem", "RSA 4096"), ("test_ed25519_private.pem", "Ed25519"),
        ])
    func keysLoad(_ file: String, _ kind: String) throws {
        try withTempDirectory { tmp in
            // A private copy, readable by its owner only.
            let key = tmp + "/" + file
            try FileManager.default.copyItem(atPath: Self.fixtures + "/" + file, toPath: key)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
            let r = try CLI.run(["kalshi", "check-key", "--key-file", key, "--json"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains(#""kind":"\#(kind)","signs":true,"readable_by_others":false"#), "\(r)")
            let secret = try String(contentsOfFile: key, encoding: .utf8).split(separator: "\n")[1]
            #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret), "the key never reaches the output")
        }
    }

    @Test("a public key, garbage and a world-readable key are told apart in one line each")
    func badKeys() throws {
        try withTempDirectory { tmp in
            let pub = try CLI.run(["kalshi", "check-key", "--key-file", Self.fixtures + "/test_rsa_public.pem"])
            #expect(pub.exitCode == 2 && pub.stderrLines.count == 1, "\(pub)")
            #expect(pub.stderr.contains("not a PEM RSA or Ed25519 key"), "\(pub)")
            try Data("hello".utf8).write(to: URL(fileURLWithPath: tmp + "/junk.pem"))
            let junk = try CLI.run(["kalshi", "check-key", "--key-file", tmp + "/junk.pem"])
            #expect(junk.exitCode == 2 && junk.stderrLines.count == 1, "\(junk)")
            let open = tmp + "/open.pem"
            try FileManager.default.copyItem(atPath: Self.fixtures + "/test_rsa_private.pem", toPath: open)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: open)
            let warned = try CLI.run(["kalshi", "check-key", "--key-file", open])
            #expect(warned.exitCode == 0 && warned.stdout.contains("readable by other users"), "\(warned)")
        }
    }
}
