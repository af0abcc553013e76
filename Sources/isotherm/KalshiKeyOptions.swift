import ArgumentParser
import Glibc
import IsothermKalshi
import IsothermNet
import IsothermPlatform

/// A Kalshi API key given by flag or environment: the key id (`--key-id`, `--key-id-file` or
/// `$KALSHI_API_KEY_ID`) and the PEM private key (`--private-key` or `$KALSHI_PRIVATE_KEY_PATH`).
/// The key id is registered for redaction as soon as it is read: no error or log line shows it.
struct KalshiKeyOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "API key id (default: $KALSHI_API_KEY_ID). Visible in the process list: prefer $KALSHI_API_KEY_ID or --key-id-file."
    )
    var keyId: String?

    @Option(name: .long, help: "A file holding the API key id (one line), instead of --key-id.")
    var keyIdFile: String?

    @Option(name: .long, help: "PEM private key file (default: $KALSHI_PRIVATE_KEY_PATH).")
    var privateKey: String?

    func validate() throws {
        if keyId != nil && keyIdFile != nil { throw ValidationError("give --key-id or --key-id-file, not both") }
    }

    private static func env(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The private key's path, from the flag or the environment.
    var keyPath: String? { privateKey ?? Self.env("KALSHI_PRIVATE_KEY_PATH") }

    /// The signer for the key given; nil when neither half is given.
    /// - Throws: ``CLIError`` when one half is missing, the id file is empty, or the key does not load.
    func signer() throws -> KalshiSigner? {
        var key = keyId ?? Self.env("KALSHI_API_KEY_ID")
        if let keyIdFile {
            let text = String(decoding: try Files.readWhole(keyIdFile), as: UTF8.self)
            let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            let id = lines.first.map { String($0.filter { $0 != " " && $0 != "\t" && $0 != "\r" }) } ?? ""
            guard !id.isEmpty else { throw CLIError("\(keyIdFile): no key id in the file") }
            key = id
        }
        // Cut out of every error and log line from here on.
        if let key { Redaction.register(key) }
        switch (key, keyPath) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw CLIError("give --private-key or set KALSHI_PRIVATE_KEY_PATH: a key id without its key cannot sign")
        case (nil, .some):
            throw CLIError("give --key-id or set KALSHI_API_KEY_ID: a private key without its key id cannot sign")
        case (.some(let key), .some(let path)):
            do {
                return try KalshiSigner(keyId: key, pem: try Files.readWhole(path))
            } catch let e as SigningError {
                throw CLIError("\(path): \(e)")
            }
        }
    }

    /// Whether users other than the owner can read the private key file.
    var keyIsReadableByOthers: Bool {
        guard let keyPath else { return false }
        var st = stat()
        return stat(keyPath, &st) == 0 && (st.st_mode & 0o077) != 0
    }
}
