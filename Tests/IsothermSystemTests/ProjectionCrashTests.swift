import Foundation
import IsothermEvents
import IsothermPostgres
import IsothermStore
import IsothermTestSupport
import IsothermWorld
import Testing

#if canImport(Glibc)
    import Glibc
#endif

private let crashConninfo = ProcessInfo.processInfo.environment["ISOTHERM_TEST_PG_CONNINFO"]

/// Runs the `isotherm` executable next to the test bundle (found by `IsothermExecutable`).
enum IsothermBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let path: String? = IsothermExecutable.path

    /// Starts `isotherm` with output to files in `scratch` (never a pipe that could fill up).
    static func start(_ arguments: [String], scratch: String) throws -> Process {
        let exe = try #require(path, "the isotherm executable was not found next to the test bundle; swift build first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = arguments
        _ = FileManager.default.createFile(atPath: scratch + "/stdout", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch + "/stderr", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: scratch + "/stdout")
        p.standardError = FileHandle(forWritingAtPath: scratch + "/stderr")
        try p.run()
        return p
    }

    static func output(_ scratch: String) -> (String, String) {
        (
            (try? String(contentsOfFile: scratch + "/stdout", encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: scratch + "/stderr", encoding: .utf8)) ?? ""
        )
    }

    /// Runs `isotherm` to completion.
    static func run(_ arguments: [String]) throws -> Result {
        let scratch = try ScratchDirectory()
        let p = try start(arguments, scratch: scratch.path)
        p.waitUntilExit()
        let (out, err) = output(scratch.path)
        return Result(status: p.terminationStatus, stdout: out, stderr: err)
    }
}

@Suite(
    "Catch-up killed at random points", .serialized,
    .enabled(if: crashConninfo != nil, "ISOTHERM_TEST_PG_CONNINFO is unset: run tools/test"))
struct ProjectionCrashTests {
    static let seed: UInt64 = 0x150_7E4A
    /// Kill points: 12 while reading and streaming by COPY, 8 in the last phase (merge and commit).
    static let trials = 20
    static let readingTrials = 12

    /// Every event of two cities over ten days (about 290,000), and where the first projection stops.
    static let events: [EventRecord] = {
        let start = Fixture.date("2025-06-01")
        var out: [EventRecord] = []
        for code in ["NY", "CHI"] {
            out += CityWorld(city: WorldCity.named(code)!, seed: 5, start: start, end: start.advanced(by: 9))
        }
        return out
    }()
    static var prefix: Int { events.count / 10 }

    /// A database projected (rebuild) from the first events of a log, with the rest appended since.
    static func prepare(_ label: String, _ dir: ScratchDirectory) throws -> (ScratchDatabase, String) {
        let db = try ScratchDatabase(label)
        let log = dir.path + "/log"
        try Fixture.append(events[..<prefix], to: log)
        _ = try Fixture.project(db, [log], mode: .rebuild)
        try Fixture.append(events[prefix...], to: log)
        return (db, log)
    }

    static func catchUpArguments(_ db: ScratchDatabase, _ log: String) -> [String] {
        ["project", "postgres", "--dsn", db.conninfo, "--log", log, "--incremental"]
    }

    /// Runs the catch-up to completion, waiting while the killed run's server session still holds the
    /// projector's lock (the server notices the dead client and rolls back on its own time).
    static func finish(_ db: ScratchDatabase, _ log: String) throws -> IsothermBinary.Result {
        var last: IsothermBinary.Result?
        for _ in 0..<300 {
            let r = try IsothermBinary.run(catchUpArguments(db, log))
            if r.status == 0 || !r.stderr.contains("another isotherm projection is running") { return r }
            last = r
            usleep(200_000)
        }
        return try #require(last)
    }

    /// The last progress stage a run printed.
    static func lastStage(_ stderr: String) -> String {
        let line = stderr.split(separator: "\n").last { $0.hasPrefix("  ") } ?? "(none)"
        return String(line.split(separator: ":").first ?? "").trimmingCharacters(in: .whitespaces)
    }

    /// Seconds from the start until stderr first holds `marker` (polled every 2 ms), or nil.
    static func waitFor(_ marker: String, in scratch: String, process p: Process, since start: Date) -> Double? {
        while p.isRunning {
            if IsothermBinary.output(scratch).1.contains(marker) { return Date().timeIntervalSince(start) }
            usleep(2_000)
        }
        return nil
    }

    /// Whether every checkpoint is at the log's end.
    static func caughtUp(_ db: ScratchDatabase) throws -> Bool {
        try Fixture.count(
            try db.connect(),
            "SELECT count(*) FROM isotherm.projection_checkpoint WHERE last_sequence <> \(events.count)") == 0
    }

    @Test("SIGKILL during catch-up, then catch-up again: every table equals a clean rebuild, row by row")
    func killedCatchUps() throws {
        #expect(Self.events.count > 250_000)
        // Calibrate: how long one uninterrupted catch-up takes here, and how long its last phase
        // (keyed tables: COPY into temporary tables, UPDATE/INSERT, checkpoints, COMMIT) takes.
        let calibration = try ScratchDirectory()
        let (cdb, clog) = try Self.prepare("crash_cal", calibration)
        let clock = Date()
        let cp = try IsothermBinary.start(Self.catchUpArguments(cdb, clog), scratch: calibration.path)
        let writingAt = try #require(
            Self.waitFor("  writing ", in: calibration.path, process: cp, since: clock), "no 'writing' stage seen")
        cp.waitUntilExit()
        let duration = Date().timeIntervalSince(clock)
        try #require(cp.terminationStatus == 0, "\(IsothermBinary.output(calibration.path).1)")
        let tail = duration - writingAt

        var rng = SplitMix64(seed: Self.seed)
        var notes: [String] = []
        for trial in 0..<Self.trials {
            let dir = try ScratchDirectory()
            let (db, log) = try Self.prepare("crash\(trial)", dir)
            let start = Date()
            let p = try IsothermBinary.start(Self.catchUpArguments(db, log), scratch: dir.path)
            let delay: Double
            if trial < Self.readingTrials {
                // Reading the log and streaming candles and observations by COPY: 5 %…80 % of the run.
                delay = duration * (0.05 + 0.75 * (Double(trial) + rng.unit()) / Double(Self.readingTrials))
                usleep(useconds_t(delay * 1e6))
            } else {
                // The last phase: from the first 'writing' stage to the commit and a little after.
                let anchor = Self.waitFor("  writing ", in: dir.path, process: p, since: start) ?? 0
                let k = Double(trial - Self.readingTrials)
                delay = anchor + tail * 1.1 * (k + rng.unit()) / Double(Self.trials - Self.readingTrials)
                let wait = delay - Date().timeIntervalSince(start)
                if wait > 0 { usleep(useconds_t(wait * 1e6)) }
            }
            let killed = p.isRunning
            if killed { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let (_, stderr) = IsothermBinary.output(dir.path)
            let committed = (try? Self.caughtUp(db)) ?? false
            notes.append(
                "trial \(trial): \(String(format: "%.3f", delay)) s of \(String(format: "%.3f", duration)) s, "
                    + (killed
                        ? "killed during '\(Self.lastStage(stderr))'"
                        : "finished first (status \(p.terminationStatus))")
                    + (committed ? ", after the commit" : ", before the commit"))

            let r = try Self.finish(db, log)
            #expect(r.status == 0, "trial \(trial): \(r.stderr)")
            let c = try db.connect()
            let end = Int64(Self.events.count)
            #expect(
                try Fixture.count(
                    c, "SELECT count(*) FROM isotherm.projection_checkpoint WHERE last_sequence <> \(end)") == 0,
                "trial \(trial): a checkpoint is not at the log's end")

            // A clean rebuild of the same log, next to the caught-up tables.
            _ = try c.query(
                "ALTER SCHEMA kalshi RENAME TO caught_kalshi; ALTER SCHEMA wx RENAME TO caught_wx; ALTER SCHEMA sim RENAME TO caught_sim"
            )
            _ = try Fixture.project(db, [log], mode: .rebuild)
            for t in ProjectedTable.allCases {
                let caught = "caught_" + t.rawValue
                #expect(
                    try Fixture.count(c, "SELECT count(*) FROM \(caught)")
                        == Fixture.count(c, "SELECT count(*) FROM \(t.rawValue)"), "trial \(trial): \(t.rawValue)")
                #expect(
                    try LegacyImportFixture.difference(c, caught, t.rawValue) == 0,
                    "trial \(trial): \(t.rawValue) differs from a rebuild")
            }
            #expect(try Fixture.count(c, "SELECT count(*) FROM kalshi.candles_1m") > 250_000)
        }
        print("ProjectionCrashTests:\n  " + notes.joined(separator: "\n  "))
    }
}

@Suite(
    "Catch-up with a schema gone",
    .enabled(if: crashConninfo != nil, "ISOTHERM_TEST_PG_CONNINFO is unset: run tools/test"))
struct ProjectionCrashMissingSchemaTests {
    @Test("wx dropped between runs: --incremental stops with one error line; kalshi and the checkpoints are untouched")
    func missingSchema() throws {
        let db = try ScratchDatabase("crash_schema")
        let dir = try ScratchDirectory()
        let log = dir.path + "/log"
        let events = Fixture.world("2025-06-01", "2025-06-02")
        try Fixture.append(events[..<(events.count / 2)], to: log)
        _ = try Fixture.project(db, [log], mode: .rebuild)
        try Fixture.append(events[(events.count / 2)...], to: log)

        let c = try db.connect()
        func snapshot() throws -> [[[String?]]] {
            [
                try Fixture.dump(c, .markets), try Fixture.dump(c, .candles), try Fixture.dump(c, .marketOpenLog),
                try c.query("SELECT table_name, log, last_sequence FROM isotherm.projection_checkpoint ORDER BY 1, 2"),
            ]
        }
        let before = try snapshot()
        _ = try c.query("SET client_min_messages TO warning; DROP SCHEMA wx CASCADE")

        let r = try IsothermBinary.run(["project", "postgres", "--dsn", db.conninfo, "--log", log, "--incremental"])
        #expect(r.status == 2)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(errors == ["error: wx.settlement does not exist: project it with --rebuild first"], "\(r.stderr)")
        #expect(try snapshot() == before)
        #expect(try Fixture.count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'wx'") == 0)
    }
}
