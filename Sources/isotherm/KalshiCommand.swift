import ArgumentParser
import Glibc
import IsothermEvents
import IsothermKalshi
import IsothermPlatform

/// `isotherm kalshi …`: Kalshi account chores that need no network.
struct KalshiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kalshi", abstract: "Kalshi API keys: check that a key file loads and signs as Kalshi expects.",
        subcommands: [CheckKeyCommand.self])
}

/// Loads a private key file the way the recorder and the live trader do, signs a sample request with
/// it and verifies the signature with the key's own public half: a key file that passes here works for
/// signing (whether Kalshi knows the key id is for Kalshi to say).
struct CheckKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-key",
        abstract: "Check that a private key file loads and signs Kalshi requests (RSA-PSS or Ed25519).",
        discussion: """
            Reads the PEM file (PKCS#1 `BEGIN RSA PRIVATE KEY` as Kalshi downloads it, PKCS#8, or Ed25519), \
            signs the message Kalshi would sign for `GET /trade-api/v2/portfolio/balance` at a fixed time, \
            verifies the signature with the key's public half, and reports the key's kind and whether the \
            file is readable by others (a key for real orders must not be). Nothing is sent anywhere and \
            the key never reaches the output.

            Examples:
              isotherm kalshi check-key --key-file ~/.kalshi/key.pem
              isotherm kalshi check-key --key-file key.pem --json
            """)

    @Option(name: .long, help: "The private key file (PEM).")
    var keyFile: String

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let bytes = try Files.readWhole(keyFile)
            let signer: KalshiSigner
            do {
                signer = try KalshiSigner(keyId: "check", pem: bytes)
            } catch {
                throw CLIError("\(keyFile): \(error)")
            }
            let message = KalshiSigner.message(
                timestampMs: 1_703_123_456_789, method: "GET", urlOrPath: "/trade-api/v2/portfolio/balance")
            let signature = try signer.sign(message)
            let verified = KalshiSigner.verify(message, signature: signature, publicPEM: try signer.publicKeyPEM())
            guard verified else {
                throw CLIError("\(keyFile): the signature does not verify with the key's public half")
            }
            var st = stat()
            let others = stat(keyFile, &st) == 0 && (st.st_mode & 0o077) != 0
            if json {
                var j = JSONWriter()
                j.beginObject()
                j.string("key_file", keyFile)
                j.string("kind", signer.keyKind)
                j.bool("signs", true)
                j.bool("readable_by_others", others)
                j.endObject()
                print(j.output)
            } else {
                let scheme = signer.keyKind.hasPrefix("RSA") ? "RSA-PSS, SHA-256" : "Ed25519"
                print("\(keyFile): \(signer.keyKind) key; signs and verifies as Kalshi expects (\(scheme))")
                if others {
                    print(
                        "warning: \(keyFile) is readable by other users (mode \(String(st.st_mode & 0o777, radix: 8))): chmod 600 it before trading"
                    )
                }
            }
        }
    }
}
