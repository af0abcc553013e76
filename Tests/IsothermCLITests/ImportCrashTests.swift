import Foundation
import IsothermDigest
import IsothermEvents
import IsothermStore
import IsothermTestSupport
import Testing

/// `import file` and a backfill killed anywhere (kill -9 at 20 seeded points each) or cut after any
/// of 20 seeded events, then run again: the log verifies and holds exactly the events of an
/// uninterrupted run, with its content hash.
@Suite("isotherm import under kill -9", .serialized)
struct ImportCrashTests {
    /// Every record of a log, in sequence order.
    static func records(_ log: String) throws -> [EventRecord] {
        var out: [EventRecord] = []
        try EventLogReader(directory: log).forEach { _, r in
            out.append(r)
            return true
        }
        return out
    }

    /// What an interrupted-then-resumed log must equal: the records and the content hash.
    struct Outcome: Equatable {
        var records: [EventRecord]
        var hash: String

        init(_ log: String) throws {
            records = try ImportCrashTests.records(log)
            hash = try LogContentHash.sha256(directory: log, cached: false).hex
        }
    }

    /// Checks a log after the rerun: it verifies and equals the uninterrupted one.
    static func expectResumed(_ log: String, _ reference: Outcome, _ what: String) throws {
        let verify = try CLI.run(["log", "verify", log])
        #expect(verify.exitCode == 0, "\(what): \(verify)")
        let got = try Outcome(log)
        if got.records != reference.records {
            let n = min(got.records.count, reference.records.count)
            let i = (0..<n).first { got.records[$0] != reference.records[$0] } ?? n
            Issue.record(
                "\(what): \(got.records.count) records, expected \(reference.records.count); first difference at \(i)")
        }
        #expect(got.hash == reference.hash, "\(what): the content hash")
    }

    /// IEM one-minute CSVs, each `rows` long, each a different station-day.
    static func csvFiles(in dir: String, count: Int, rows: Int) throws -> [String] {
        var paths: [String] = []
        for f in 0..<count {
            var text = "station,station_name,valid(UTC),tmpf,dwpf\n"
            text.reserveCapacity(rows * 48)
            for m in 0..<rows {
                let day = 1 + f * 2 + m / 1_440
                let minute = m % 1_440
                let t = 60 + (m * 7 + f * 13) % 300 / 10
                text +=
                    "MIA,MIAMI INTL AIRPORT,2021-06-\(pad(day)) \(pad(minute / 60)):\(pad(minute % 60)),\(t),\(t - 8)\n"
            }
            let path = dir + "/asos-\(f).csv"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        return paths
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    @Test(
        "import file of four files killed at 20 seeded points, then run again: the log verifies and equals an uninterrupted one"
    )
    func killedFileImports() throws {
        try withTempDirectory { tmp in
            let files = try Self.csvFiles(in: tmp, count: 4, rows: 2_880)
            let command = ["import", "file", "--format", "iem-asos"] + files
            let started = Date()
            let first = try CLI.run(command + ["--log", tmp + "/reference"])
            try #require(first.exitCode == 0, "\(first)")
            let micros = UInt32(max(50_000, Date().timeIntervalSince(started) * 1_000_000))
            let reference = try Outcome(tmp + "/reference")
            #expect(reference.records.count == 4 * (2_880 + 2))
            var rng = SeededGenerator(seed: 60_211)
            var killedCount = 0
            for trial in 0..<20 {
                let log = tmp + "/killed-\(trial)"
                let (killed, _) = try CLI.runKilled(
                    command + ["--log", log], afterMicros: UInt32.random(in: 1_000...micros, using: &rng))
                if killed { killedCount += 1 }
                let again = try CLI.run(command + ["--log", log])
                #expect(again.exitCode == 0, "trial \(trial): \(again)")
                try Self.expectResumed(log, reference, "trial \(trial)")
            }
            #expect(killedCount >= 10, "most kills must land while the import runs (\(killedCount) of 20)")
        }
    }

    @Test(
        "import file: a log cut after any of 20 seeded events, then the import run again, equals an uninterrupted one")
    func cutFileImports() throws {
        try withTempDirectory { tmp in
            let files = try Self.csvFiles(in: tmp, count: 3, rows: 400)
            let command = ["import", "file", "--format", "iem-asos"] + files
            let first = try CLI.run(command + ["--log", tmp + "/reference"])
            try #require(first.exitCode == 0, "\(first)")
            let reference = try Outcome(tmp + "/reference")
            var rng = SeededGenerator(seed: 4_711)
            for trial in 0..<20 {
                // What a process killed after `cut` durable events leaves.
                let cut = Int.random(in: 1..<reference.records.count, using: &rng)
                let log = tmp + "/cut-\(trial)"
                let w = try EventLogWriter(directory: log)
                for r in reference.records.prefix(cut) { try w.append(r) }
                try w.close()
                let again = try CLI.run(command + ["--log", log])
                #expect(again.exitCode == 0, "cut \(cut): \(again)")
                try Self.expectResumed(log, reference, "cut \(cut)")
            }
        }
    }

    // MARK: - Backfill

    /// api.weather.gov observations for the request's week: one every five minutes, newest first, as
    /// the service lists them.
    static func observations(_ target: String) -> ScriptedHTTPServer.Reply { FakeWeather.nwsObservations(target) }

    static func backfill(_ log: String, _ server: ScriptedHTTPServer) -> [String] {
        [
            "import", "weather", "--source", "nws-observations", "--city", "NY", "--from", "2025-03-01", "--to",
            "2025-03-28", "--log", log, "--base-url", server.baseURL, "--rate", "1000", "--quiet",
        ]
    }

    @Test("a backfill killed at 20 seeded points, then run again: the log verifies and equals an uninterrupted one")
    func killedBackfills() throws {
        let server = try ScriptedHTTPServer { Self.observations($0) }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let started = Date()
            let first = try CLI.run(Self.backfill(tmp + "/reference", server))
            try #require(first.exitCode == 0, "\(first)")
            #expect(first.stdout.contains("4 pages fetched, 0 already done, 8064 events appended"), "\(first)")
            let micros = UInt32(max(50_000, Date().timeIntervalSince(started) * 1_000_000))
            let reference = try Outcome(tmp + "/reference")
            var rng = SeededGenerator(seed: 1_729)
            var killedCount = 0
            for trial in 0..<20 {
                let log = tmp + "/killed-\(trial)"
                let (killed, _) = try CLI.runKilled(
                    Self.backfill(log, server), afterMicros: UInt32.random(in: 1_000...micros, using: &rng))
                if killed { killedCount += 1 }
                let again = try CLI.run(Self.backfill(log, server))
                #expect(again.exitCode == 0, "trial \(trial): \(again)")
                try Self.expectResumed(log, reference, "trial \(trial)")
            }
            #expect(killedCount >= 10, "most kills must land while the backfill runs (\(killedCount) of 20)")
        }
    }

    @Test("a backfill log cut after any of 20 seeded events, then the backfill run again, equals an uninterrupted one")
    func cutBackfills() throws {
        let server = try ScriptedHTTPServer { Self.observations($0) }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let first = try CLI.run(Self.backfill(tmp + "/reference", server))
            try #require(first.exitCode == 0, "\(first)")
            let reference = try Outcome(tmp + "/reference")
            var rng = SeededGenerator(seed: 31_337)
            for trial in 0..<20 {
                let cut = Int.random(in: 1..<reference.records.count, using: &rng)
                let log = tmp + "/cut-\(trial)"
                let w = try EventLogWriter(directory: log)
                for r in reference.records.prefix(cut) { try w.append(r) }
                try w.close()
                let requests = server.requests.count
                let again = try CLI.run(Self.backfill(log, server))
                #expect(again.exitCode == 0, "cut \(cut): \(again)")
                try Self.expectResumed(log, reference, "cut \(cut)")
                // A page the cut log finished is not fetched again.
                let finished = reference.records.prefix(cut).filter {
                    if case .runManifest(let m) = $0.event { m.phase == .finished } else { false }
                }.count
                #expect(server.requests.count - requests == 4 - finished, "cut \(cut)")
            }
        }
    }
}
