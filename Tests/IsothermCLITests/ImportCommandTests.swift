import Foundation
import IsothermDigest
import IsothermEvents
import IsothermImport
import IsothermStore
import Testing

@Suite("isotherm import file")
struct ImportCommandTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IsothermImportTests/Samples").path

    func records(_ dir: String) throws -> [EventRecord] {
        var out: [EventRecord] = []
        try EventLogReader(directory: dir).forEach { _, r in
            out.append(r)
            return true
        }
        return out
    }

    @Test("files are appended once, between import manifests; a second import of the same file appends nothing")
    func exactlyOnce() throws {
        try withTempDirectory { tmp in
            let log = tmp + "/log"
            let nyc = Self.samples + "/nws-cli/CLINYC.txt"
            let asos = Self.samples + "/iem/iem_asos1min_MIA_2021-06-15T12Z_10min.csv"
            let first = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", nyc])
            try #require(first.exitCode == 0, "\(first)")
            #expect(first.stdout == "\(nyc): 1 events, 1 appended\n")
            let second = try CLI.run(["import", "file", "--log", log, "--format", "iem-asos", asos, "--json"])
            try #require(second.exitCode == 0, "\(second)")
            #expect(second.stdout.contains(#""events":10,"appended":10"#), "\(second)")
            let again = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", nyc])
            #expect(
                again.exitCode == 0 && again.stdout.contains("0 appended (already imported (sequence 3))"), "\(again)")

            let all = try records(log)
            #expect(all.count == 3 + 12, "two manifests around each file's events")
            guard case .settlement(let s) = all[1].event else {
                Issue.record("expected the settlement second")
                return
            }
            #expect(
                s.city == Symbol("NY") && s.climateDate.iso8601 == "2013-01-02" && s.high == Temperature(degrees: 33))
            // The observations are in time order.
            let times = all[4..<14].map(\.time)
            #expect(times == times.sorted())
        }
    }

    @Test("an import cut short by a crash resumes after the events it wrote, without duplicates")
    func resumeAfterCrash() throws {
        try withTempDirectory { tmp in
            let log = tmp + "/log"
            let path = Self.samples + "/iem/iem_asos1min_MIA_2021-06-15T12Z_10min.csv"
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let events = try ImportFormat.iemASOS.parse(bytes, source: path, options: .init())
            #expect(events.count == 10)
            // What a crashed import leaves: its start manifest and the first four events.
            let sha = SHA256Hasher.hash(bytes).hex
            do {
                let w = try EventLogWriter(directory: log)
                _ = try w.append(
                    EventRecord(
                        time: events[0].time,
                        event: .runManifest(
                            RunManifest(
                                runId: "import-" + sha, phase: .started, runKind: "import", engineVersion: "0.1.0",
                                configHash: "", parameters: [], inputs: [], outputHash: ""))))
                for e in events.prefix(4) { _ = try w.append(e) }
                try w.close()
            }
            let r = try CLI.run(["import", "file", "--log", log, "--format", "iem-asos", path])
            try #require(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("10 events, 6 appended (resumed after 4 events"), "\(r)")
            let all = try records(log)
            #expect(all.count == 12)
            #expect(Array(all[1...10]) == events, "every event exactly once, in order")

            // Something else written after an unfinished import: refuse rather than guess.
            let other = tmp + "/other"
            do {
                let w = try EventLogWriter(directory: other)
                _ = try w.append(
                    EventRecord(
                        time: events[0].time,
                        event: .runManifest(
                            RunManifest(
                                runId: "import-" + sha, phase: .started, runKind: "import", engineVersion: "0.1.0",
                                configHash: "", parameters: [], inputs: [], outputHash: ""))))
                _ = try w.append(events[5])
                try w.close()
            }
            let refused = try CLI.run(["import", "file", "--log", other, "--format", "iem-asos", path])
            #expect(refused.exitCode == 2 && refused.stderr.contains("is followed by other events"), "\(refused)")
            #expect(try records(other).count == 2, "nothing appended")
        }
    }

    @Test("a file that cannot be read stops everything, names the place, and writes nothing")
    func badFileWritesNothing() throws {
        try withTempDirectory { tmp in
            let log = tmp + "/log"
            let good = Self.samples + "/nws-cli/CLINYC.txt"
            let bad = tmp + "/bad.csv"
            try "station,valid,tmpf\nNYC,2026-09-01 00:51,7l\n".write(toFile: bad, atomically: true, encoding: .utf8)
            let r = try CLI.run(["import", "file", "--log", log, "--format", "iem-asos", good, bad])
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderr.hasPrefix("error: "), "\(r)")
            let foreign = try CLI.run([
                "import", "file", "--log", log, "--format", "nws-cli", Self.samples + "/nws-cli/CLIEWN.txt",
            ])
            #expect(
                foreign.exitCode == 2
                    && foreign.stderr.contains("does not name a KXHIGH station (CLIEWN); give --city"), "\(foreign)")
            let written = FileManager.default.fileExists(atPath: log) ? try records(log).count : 0
            #expect(written == 0)
            let format = try CLI.run(["import", "file", "--log", log, "--format", "csv", good])
            #expect(
                format.exitCode == 64 && format.stderr.contains("--format 'csv' is not one of nws-cli, nws-cf6"),
                "\(format)")
        }
    }
}
