import ArgumentParser
import Glibc
import IsothermEvents
import IsothermLog
import IsothermPlatform
import IsothermStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Coverage and freshness of the data in logs, per city: markets, candles, ticks, forecasts, observations, settlements.",
        discussion: """
            For each city and kind of data: how many events, the first and last day covered, the days \
            missing in between (listed after the table), and the latest event with its age. Kinds: \
            \(StatusKind.meanings). A settlement day with only a preliminary report is incomplete, and \
            listed. Ages read 45s, 12m, 3h05m, 2d04h, 400d.

            Candle gaps: each market's minutes between its open and its close (up to now) that have \
            no 1-minute candle, per city: minutes missing, gaps of at least --gap-minutes, the five \
            longest, and the listed markets with no candle at all.

            --max-age KIND=DURATION (repeatable) checks that every city's latest event of that kind \
            is at most that old (durations: 90s, 15m, 36h, 2d, 1h30m); a city with no such event \
            breaches it. With --json each check's verdict is in "max_age".

            Progress goes to standard error every two seconds when it is a terminal (--progress or \
            --no-progress to choose).

            A directory that holds no segments but holds logs (as `isotherm generate` writes them) is \
            read as all of them.

            Exit status: 0 fine; 1 a --max-age limit is breached; 2 could not run (a missing or \
            damaged log); 64 usage error.

            Examples (the last for cron: it exits 1 when candles or final reports are stale):
              isotherm status world
              isotherm status data/NY data/CHI --json
              isotherm status data --max-age candles=15m --max-age settlements=36h
            """)

    @Argument(help: "Log directories (or a directory of logs).")
    var logs: [String]

    @Option(name: .long, help: "Measure ages from this time (RFC 3339) instead of now.")
    var now: String?

    @Option(
        name: .customLong("max-age"),
        help: ArgumentHelp(
            "Alert (exit 1) when a kind's latest event is older than this in any city.", valueName: "kind=duration"),
        transform: MaxAge.parse)
    var maxAges: [MaxAge] = []

    @Option(name: .long, help: "Count candle gaps of at least this many minutes.")
    var gapMinutes: Int64 = 15

    @Flag(inversion: .prefixedNo, help: "Progress on standard error (default: when it is a terminal, without --json).")
    var progress: Bool?

    @Option(name: .long, help: .hidden)
    var progressSeconds: Double = 2

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (1...10_080).contains(gapMinutes) else { throw ValidationError("--gap-minutes must be 1 to 10080") }
        guard progressSeconds >= 0 else { throw ValidationError("--progress-seconds must not be negative") }
    }

    func run() throws {
        try reportingErrors {
            let reference = try now.map { try parseInstant($0, option: "--now") } ?? wallClockNow()
            let dirs = try logs.flatMap(Self.logsIn)
            var coverage = StatusCoverage(gapMinutes: gapMinutes, now: reference)
            let showProgress = progress ?? (!json && isatty(2) == 1)
            var meter = showProgress ? Progress(label: "status", total: Self.eventCount(dirs)) : nil
            let interval = progressSeconds
            var read: Int64 = 0
            for dir in dirs {
                coverage.beginLog()
                try EventLogReader(directory: dir).forEach(
                    candles: { _, time, candle in
                        coverage.candle(candle, at: time)
                        read += 1
                        if read & 4_095 == 0 { meter?.update(read, interval: interval) }
                        return true
                    },
                    others: { _, record in
                        coverage.add(record)
                        read += 1
                        if read & 4_095 == 0 { meter?.update(read, interval: interval) }
                        return true
                    })
            }
            coverage.finish()
            meter?.update(read, interval: interval)
            let report = StatusReport(coverage, now: reference, gapMinutes: gapMinutes, limits: maxAges)
            print(json ? report.json : report.text)
            if report.breaches > 0 {
                printError("status: \(report.breaches) of \(report.verdicts.count) max-age checks breached")
                throw ExitCode(1)
            }
        }
    }

    /// The events in `dirs` (for the progress percentage; 0 when a log cannot say).
    static func eventCount(_ dirs: [String]) -> Int64 {
        dirs.reduce(0) { sum, dir in sum + Int64((try? LogReader(directory: dir).lastSequence()).flatMap { $0 } ?? 0) }
    }

    /// `path` itself when it is a log, else the logs directly inside it (sorted by name).
    static func logsIn(_ path: String) throws -> [String] {
        let entries = try Files.names(in: path)
        if entries.contains(where: { $0.hasSuffix(".lz4") }) { return [path] }
        let children = entries.sorted().map { path + "/" + $0 }.filter {
            (try? Files.names(in: $0).contains(where: { $0.hasSuffix(".lz4") })) == true
        }
        guard !children.isEmpty else { throw CLIError("\(path) holds no log segments and no logs") }
        return children
    }
}

/// The wall clock as an instant (``SystemClock/wallNanos()``): monitoring, request signatures, the
/// recorder's received time; never an input to a reducer.
func wallClockNow() -> Timestamp { Timestamp(nanos: SystemClock.wallNanos()) }
