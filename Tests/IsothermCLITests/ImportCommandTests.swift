import Foundation
import IsothermDigest
import IsothermEvents
import IsothermImport
import IsothermStore
import IsothermTestSupport
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
            #expect(s.station == Symbol("KNYC"), "the report's station: CLINYC is Central Park, KNYC")
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
                    && foreign.stderr.contains("station: CLIEWN is not the settlement station of a city Isotherm knows"),
                "\(foreign)")
            let written = FileManager.default.fileExists(atPath: log) ? try records(log).count : 0
            #expect(written == 0)
            let format = try CLI.run(["import", "file", "--log", log, "--format", "csv", good])
            #expect(
                format.exitCode == 64 && format.stderr.contains("--format 'csv' is not one of nws-cli, nws-cf6"),
                "\(format)")
        }
    }

    /// A Miami CLI report: the Central Park sample with Miami's product id, office and headline
    /// (constructed; there is no real Miami sample here).
    static func miamiReport(_ dir: String) throws -> String {
        var text = try String(contentsOfFile: samples + "/nws-cli/CLINYC.txt", encoding: .utf8)
        for (a, b) in [
            ("CLINYC", "CLIMIA"), ("KOKX", "KMFL"), ("NEW YORK NY", "MIAMI FL"), ("CENTRAL PARK NY", "MIAMI FL"),
        ] { text = text.replacingOccurrences(of: a, with: b) }
        let path = dir + "/CLIMIA.txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a file that names its station wins; a --city naming another city is an error, never an override")
    func theFileNamesItsStation() throws {
        try withTempDirectory { tmp in
            let log = tmp + "/log"
            let miami = try Self.miamiReport(tmp)
            let wrong = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", "--city", "NY", miami])
            #expect(wrong.exitCode == 2, "\(wrong)")
            #expect(
                wrong.stderr.contains(
                    "--city: the report names CLIMIA, Miami's station (MIA); --city NY names New York: a report that names its station settles that station's city"
                ), "\(wrong)")
            #expect(!FileManager.default.fileExists(atPath: log), "nothing written")

            for city in [[], ["--city", "miami"]] {
                let dir = tmp + "/ok\(city.count)"
                let r = try CLI.run(["import", "file", "--log", dir, "--format", "nws-cli"] + city + [miami])
                try #require(r.exitCode == 0, "\(r)")
                guard case .settlement(let s) = try records(dir)[1].event else {
                    Issue.record("no settlement")
                    continue
                }
                #expect(s.city == Symbol("MIA") && s.station == Symbol("KMIA"), "\(s)")
            }

            // A station of no city the catalog holds cannot be settled under --city either.
            let ewn = Self.samples + "/nws-cli/CLIEWN.txt"
            let foreign = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", "--city", "NY", ewn])
            #expect(
                foreign.exitCode == 2 && foreign.stderr.contains("; --city NY cannot make it New York's"), "\(foreign)")
        }
    }

    @Test("every NCEI row and IEM day is checked, not only the first; a CF6 form names its site by product id")
    func everyRowNamesItsStation() throws {
        try withTempDirectory { tmp in
            let mixed = tmp + "/ncei.json"
            try #"""
            [{"DATE":"2023-07-15","STATION":"USW00094728","TMAX":"  311","TMIN":"  217"},
             {"DATE":"2023-07-15","STATION":"USW00012839","TMAX":"  322","TMIN":"  261"}]
            """#.write(toFile: mixed, atomically: true, encoding: .utf8)
            let both = try CLI.run(["import", "file", "--log", tmp + "/both", "--format", "ncei-daily", mixed])
            try #require(both.exitCode == 0, "\(both)")
            let settled = try records(tmp + "/both").compactMap { r -> Settlement? in
                if case .settlement(let s) = r.event { return s }
                return nil
            }
            #expect(settled.map(\.city) == [Symbol("NY")!, Symbol("MIA")!])
            #expect(settled.map(\.station) == [Symbol("KNYC")!, Symbol("KMIA")!])
            let forced = try CLI.run([
                "import", "file", "--log", tmp + "/forced", "--format", "ncei-daily", "--city", "NY", mixed,
            ])
            #expect(
                forced.exitCode == 2
                    && forced.stderr.contains("the report names USW00012839, Miami's station (MIA); --city NY"),
                "\(forced)")

            let iem = Self.samples + "/iem/iem_json_cli_KMDW_2026-08-21_CONSTRUCTED.json"
            let iemWrong = try CLI.run([
                "import", "file", "--log", tmp + "/iem", "--format", "iem-cli", "--city", "NY", iem,
            ])
            #expect(
                iemWrong.exitCode == 2 && iemWrong.stderr.contains("the report names KMDW, Chicago's station (CHI)"),
                "\(iemWrong)")

            // CF6NYC names Central Park's site; without its product line the form names no station.
            let dsm = try String(
                contentsOfFile: Self.samples + "/nws-cli/nws_CF6DSM_2020-02_partial_pyIEM.txt", encoding: .utf8)
            let nyc = tmp + "/CF6NYC.txt"
            try dsm.replacingOccurrences(of: "CF6DSM", with: "CF6NYC").write(
                toFile: nyc, atomically: true, encoding: .utf8)
            let cf6 = try CLI.run(["import", "file", "--log", tmp + "/cf6", "--format", "nws-cf6", nyc])
            try #require(cf6.exitCode == 0, "\(cf6)")
            guard case .settlement(let s) = try records(tmp + "/cf6")[1].event else {
                Issue.record("no settlement")
                return
            }
            #expect(s.city == Symbol("NY") && s.station == Symbol("KNYC") && !s.isFinal)
            let anonymous = tmp + "/anonymous.txt"
            try dsm.replacingOccurrences(of: "CF6DSM\n", with: "").write(
                toFile: anonymous, atomically: true, encoding: .utf8)
            let noId = try CLI.run(["import", "file", "--log", tmp + "/a", "--format", "nws-cf6", anonymous])
            #expect(
                noId.exitCode == 2 && noId.stderr.contains("the file does not name its station; give --city"), "\(noId)"
            )
            let given = try CLI.run([
                "import", "file", "--log", tmp + "/a", "--format", "nws-cf6", "--city", "NY", anonymous,
            ])
            try #require(given.exitCode == 0, "\(given)")
            guard case .settlement(let g) = try records(tmp + "/a")[1].event else {
                Issue.record("no settlement")
                return
            }
            #expect(g.city == Symbol("NY") && g.station == nil, "the form does not say which station: none recorded")
        }
    }

    @Test("a weather backfill keeps the station each report names, and stops on a report of another station")
    func backfillChecksTheStation() throws {
        let wrongStation = ManagedFlag(false)
        let server = try ScriptedHTTPServer { target in
            let station = wrongStation.value ? "KMIA" : "KNYC"
            return .json(
                #"{"results":[{"station":"\#(station)","valid":"2024-01-01","high":31,"low":21,"product":"202401020617-KOKX-CDUS41-CLINYC"}]}"#
            )
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            func run(_ log: String) throws -> CLIResult {
                try CLI.run([
                    "import", "weather", "--source", "iem-cli", "--city", "NY", "--from", "2024-01-01", "--to",
                    "2024-01-01", "--log", log, "--base-url", server.baseURL, "--rate", "100",
                ])
            }
            let ok = try run(tmp + "/ok")
            try #require(ok.exitCode == 0, "\(ok)")
            guard case .settlement(let s) = try records(tmp + "/ok")[1].event else {
                Issue.record("no settlement")
                return
            }
            #expect(s.city == Symbol("NY") && s.station == Symbol("KNYC"))
            wrongStation.value = true
            let wrong = try run(tmp + "/wrong")
            #expect(wrong.exitCode == 2, "\(wrong)")
            #expect(
                wrong.stderr.contains("the report names KMIA, Miami's station (MIA); --city NY names New York"),
                "\(wrong)")
        }
    }
}
