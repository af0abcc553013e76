import Foundation

/// A Python with the `cryptography` package, which Kalshi's SDK signs with (tools/test installs Debian's
/// python3-cryptography): the tests cross-check signatures with `kalshi_sig_tool.py` through it.
package enum PythonCrypto {
    /// The interpreter's path, or nil when none has the package.
    package static let interpreter: String? = {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            if (try? run(candidate, ["-c", "import cryptography"]))?.status == 0 { return candidate }
        }
        return nil
    }()

    /// Runs `exe` with `args`. - Returns: its exit status and its standard output and error together.
    package static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
