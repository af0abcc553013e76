import Foundation
import IsothermTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What one run of the `isotherm` executable did.
struct CLIResult: CustomStringConvertible {
    var arguments: [String]
    var exitCode: Int32
    var stdout: String
    var stderr: String

    /// Standard output split into lines, without the empty piece after a final newline.
    var stdoutLines: [String] { lines(stdout) }
    /// Standard error split into lines, without the empty piece after a final newline.
    var stderrLines: [String] { lines(stderr) }

    var description: String {
        "isotherm \(arguments.joined(separator: " ")) → exit \(exitCode)\n--- stdout\n\(stdout.prefix(2000))\n--- stderr\n\(stderr.prefix(2000))"
    }

    private func lines(_ s: String) -> [String] {
        var parts = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        return parts
    }
}

/// Finds and runs the `isotherm` executable that `swift build` put next to the test bundle.
enum CLI {
    /// How long one run may take before it is killed (a 1-day demo takes about 2 s in debug).
    static let timeLimitSeconds = 180

    /// The executable's path, or nil when it was not built (see `IsothermExecutable`).
    static let executablePath: String? = IsothermExecutable.path

    /// Runs `isotherm` with `arguments` (in `directory`, else this process's), capturing standard output,
    /// standard error and the exit code.
    /// - Throws: when the executable is missing (build it with `swift build` first) or cannot start.
    static func run(_ arguments: [String], in directory: String? = nil) throws -> CLIResult {
        let path = try #require(
            executablePath,
            "the isotherm executable was not found next to the test bundle (\(CommandLine.arguments.first ?? "?")); run `swift build` first, or set ISOTHERM_BIN"
        )
        // Output goes to files, not pipes, so a chatty command can never block on a full pipe.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "isotherm-cli-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        try #require(FileManager.default.createFile(atPath: outURL.path, contents: nil))
        try #require(FileManager.default.createFile(atPath: errURL.path, contents: nil))
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = Watchdog(pid: process.processIdentifier)
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeLimitSeconds)) { watchdog.fire() }
        process.waitUntilExit()
        let killed = watchdog.finish()
        #expect(!killed, "isotherm \(arguments.joined(separator: " ")) ran over \(timeLimitSeconds) s and was killed")

        return CLIResult(
            arguments: arguments,
            exitCode: process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Starts `isotherm` with `arguments` and sends it SIGKILL after `delayMicros` (unless it finished
    /// first): a crash at a point chosen by the caller's seed. The assertions that follow must hold
    /// whatever point the kill lands on, so the delay picks which point is tested, never the outcome.
    /// - Returns: whether the process was killed (false: it finished first) and its exit status.
    @discardableResult
    static func runKilled(_ arguments: [String], afterMicros delayMicros: UInt32, in directory: String? = nil)
        throws -> (killed: Bool, status: Int32)
    {
        let path = try #require(executablePath, "the isotherm executable was not found; run `swift build` first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(delayMicros)
        let killed = process.isRunning && kill(process.processIdentifier, SIGKILL) == 0
        process.waitUntilExit()
        return (killed && process.terminationReason == .uncaughtSignal, process.terminationStatus)
    }

    /// Kills a run that takes too long, unless it finished first.
    private final class Watchdog: @unchecked Sendable {
        private let lock = NSLock()
        private let pid: Int32
        private var finished = false
        private var killed = false

        init(pid: Int32) { self.pid = pid }

        func fire() {
            lock.lock()
            defer { lock.unlock() }
            guard !finished else { return }
            killed = true
            kill(pid, SIGKILL)
        }

        /// Marks the run finished. - Returns: whether the watchdog killed it.
        func finish() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            finished = true
            return killed
        }
    }
}

/// A temporary directory removed when `body` returns.
func withTempDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("isotherm-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// The demo's `--json` summary (the fields the tests read).
struct DemoSummary: Decodable {
    var log: String
    var seed: UInt64
    var days: Int
    var events: Int64
    var eventsByKind: [String: Int64]
    var segments: Int
    var batches: Int
    var clean: Bool
    var replayMatches: Bool
    var contentSha256: String
}

/// `log inspect --json`.
struct InspectSummary: Decodable {
    struct Figures: Decodable {
        var path: String
        var firstSeq: UInt64
        var lastSeq: UInt64?
        var batches: Int
        var events: Int64
        var minTime: String?
        var maxTime: String?
    }
    var segments: [Figures]
    var totals: Figures
}

/// `log verify --json`.
struct VerifySummary: Decodable {
    struct Problem: Decodable {
        var segment: String
        var offset: Int64
        var firstSeq: UInt64?
        var lastSeq: UInt64?
        var tornTail: Bool
        var message: String
    }
    var clean: Bool
    var segments: Int
    var batches: Int
    var events: Int64
    var problems: [Problem]
}

/// Decodes snake_case JSON output.
func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String, sourceLocation: SourceLocation = #_sourceLocation)
    throws -> T
{
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    do {
        return try decoder.decode(type, from: Data(text.utf8))
    } catch {
        Issue.record("cannot decode \(type) from: \(text.prefix(500))", sourceLocation: sourceLocation)
        throw error
    }
}

/// Runs `isotherm demo --days 1 --dir DIR --json` and checks it succeeded.
func runDemo(_ dir: String, seed: UInt64? = nil) throws -> DemoSummary {
    var arguments = ["demo", "--days", "1", "--dir", dir, "--json"]
    if let seed { arguments += ["--seed", String(seed)] }
    let r = try CLI.run(arguments)
    try #require(r.exitCode == 0, "\(r)")
    #expect(r.stdoutLines.count == 1, "the JSON summary is one line: \(r)")
    return try decodeJSON(DemoSummary.self, r.stdout)
}
