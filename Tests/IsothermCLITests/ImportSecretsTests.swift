import Foundation
import IsothermTestSupport
import Testing

/// The Visual Crossing key never leaves the process: every failure path of a backfill (connection
/// refused, 429 with and without Retry-After, 5xx, 400 echoing the request, a dropped connection, a
/// malformed page echoing the key) and a successful one are run with a dummy key that must appear in
/// no standard output, no standard error, no file the command wrote and no event of the log.
@Suite("secrets never reach an output", .serialized)
struct ImportSecretsTests {
    /// Unlike anything else the command prints; a test failing names it.
    static let key = "DUMMYKEY7q3Zx9Wk2Lm5"

    /// A Visual Crossing day of observed hours.
    static let goodPage = #"""
        {"queryCost":1,"days":[{"datetime":"2025-07-01","source":"obs","tempmax":88,"tempmin":70,"hours":[
        {"datetime":"00:00:00","datetimeEpoch":1751346000,"temp":75.1,"dew":60.0,"source":"obs"},
        {"datetime":"01:00:00","datetimeEpoch":1751349600,"temp":74.0,"dew":60.2,"source":"obs"}]}]}
        """#

    enum Failure: String, CaseIterable, Sendable {
        case refused, tooManyWithRetryAfter, tooManyWithout, serverError, badRequestEcho, dropped, malformedEcho, ok
    }

    @Test("every failure path: the key appears in no output, no file and no event", arguments: Failure.allCases)
    func keyNeverShows(_ failure: Failure) throws {
        let server = try ScriptedHTTPServer { target in
            switch failure {
            case .refused, .ok: return .json(Self.goodPage)
            case .tooManyWithRetryAfter: return .respond(status: 429, headers: [("Retry-After", "0")], body: [])
            case .tooManyWithout: return .respond(status: 429, body: Array("slow down".utf8))
            case .serverError: return .respond(status: 503, body: Array("maintenance for \(target)".utf8))
            case .badRequestEcho: return .respond(status: 400, body: Array("Bad API key in \(target)".utf8))
            case .dropped: return .drop(status: 200, body: Array(Self.goodPage.utf8), afterBytes: 30)
            case .malformedEcho:
                return .json(#"{"days":[{"datetime":"\#(target.split(separator: "=").last ?? "")","source":"obs"}]}"#)
            }
        }
        let base = server.baseURL
        if failure == .refused { server.stop() }  // nothing listens on the port any more
        defer { if failure != .refused { server.stop() } }
        try withTempDirectory { tmp in
            let log = tmp + "/chi"
            let r = try Self.run(
                [
                    "import", "weather", "--source", "vc", "--city", "CHI", "--from", "2025-07-01", "--to",
                    "2025-07-01",
                    "--log", log, "--base-url", base, "--attempts", "2", "--backoff", "0", "--rate", "1000",
                ], environment: ["VISUAL_CROSSING_API_KEY": Self.key])
            if failure == .ok {
                #expect(r.exitCode == 0, "\(r)")
            } else {
                #expect(r.exitCode == 2, "\(r)")
                #expect(r.stderr.contains("error: "), "\(r)")
            }
            if failure != .refused {
                #expect(
                    server.requests.contains { $0.contains("key=" + Self.key) }, "the key was sent: \(server.requests)")
            }
            #expect(!r.stdout.contains(Self.key), "stdout: \(r)")
            #expect(!r.stderr.contains(Self.key), "stderr: \(r)")
            if failure == .badRequestEcho || failure == .malformedEcho {
                #expect(r.stderr.contains("REDACTED"), "the echo is there, the key is not: \(r)")
            }
            for (path, bytes) in try Self.files(under: tmp) {
                #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "\(path) holds the key")
            }
            if FileManager.default.fileExists(atPath: log) {
                let cat = try CLI.run(["log", "cat", log])
                #expect(cat.exitCode == 0, "\(cat)")
                #expect(!cat.stdout.contains(Self.key) && !cat.stdout.isEmpty == (failure == .ok), "\(cat)")
            }
        }
    }

    @Test("a password in --dsn or a URL never reaches the error line")
    func databasePassword() throws {
        try withTempDirectory { tmp in
            let r = try CLI.run([
                "import", "postgres", "--dsn", "postgresql://me:Pg5ecretPw@127.0.0.1:9/none?connect_timeout=2",
                "--log", tmp + "/x",
            ])
            #expect(r.exitCode == 2, "\(r)")
            #expect(!r.stderr.contains("Pg5ecretPw") && !r.stdout.contains("Pg5ecretPw"), "\(r)")
            let url = try CLI.run([
                "import", "weather", "--source", "iem-cli", "--city", "NY", "--from", "2024-01-01", "--to",
                "2024-01-01",
                "--log", tmp + "/y", "--base-url", "http://me:UrlSecretPw@127.0.0.1:9",
            ])
            #expect(url.exitCode == 64 && !url.stderr.contains("UrlSecretPw"), "\(url)")
        }
    }

    @Test("record: --key-id-file reads the key id; the help says to prefer the environment or a file")
    func recordKeyId() throws {
        let help = try CLI.run(["record", "--help"])
        #expect(help.exitCode == 0)
        #expect(help.stdout.contains("--key-id-file") && help.stdout.contains("process list"), "\(help)")
        try withTempDirectory { tmp in
            let file = tmp + "/key-id"
            try "0f3c2d1e-key-id-from-a-file\n".write(toFile: file, atomically: true, encoding: .utf8)
            // A key id without its private key cannot sign: the same error as --key-id, and no id shown.
            let r = try CLI.run(["record", "--log", tmp + "/feed", "--key-id-file", file])
            #expect(r.exitCode == 2 && r.stderr.contains("give --private-key"), "\(r)")
            #expect(!r.stderr.contains("0f3c2d1e"), "\(r)")
            let both = try CLI.run(["record", "--log", tmp + "/feed", "--key-id-file", file, "--key-id", "x"])
            #expect(both.exitCode == 64 && both.stderr.contains("not both"), "\(both)")
            let empty = tmp + "/empty"
            try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
            let none = try CLI.run(["record", "--log", tmp + "/feed", "--key-id-file", empty])
            #expect(none.exitCode == 2 && none.stderr.contains("no key id in the file"), "\(none)")
        }
    }

    // MARK: - Support

    /// Every regular file under `directory`, with its bytes.
    static func files(under directory: String) throws -> [(String, Data)] {
        var out: [(String, Data)] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                out.append((path, try Data(contentsOf: URL(fileURLWithPath: path))))
            }
        }
        return out
    }

    /// Runs `isotherm` with extra environment variables (the rest inherited), capturing both outputs.
    static func run(_ arguments: [String], environment: [String: String]) throws -> CLIResult {
        let path = try #require(CLI.executablePath, "the isotherm executable was not found; run `swift build` first")
        return try withTempDirectory { scratch in
            let outPath = scratch + "/stdout"
            let errPath = scratch + "/stderr"
            FileManager.default.createFile(atPath: outPath, contents: nil)
            FileManager.default.createFile(atPath: errPath, contents: nil)
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
            let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            defer {
                try? out.close()
                try? err.close()
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = out
            process.standardError = err
            try process.run()
            process.waitUntilExit()
            return CLIResult(
                arguments: arguments,
                exitCode: process.terminationReason == .exit
                    ? process.terminationStatus : 128 + process.terminationStatus,
                stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
        }
    }
}
