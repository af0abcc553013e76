import Foundation
import IsothermEvents
import Testing

@Suite("isotherm demo, then log inspect / cat / verify on its log")
struct DemoCommandTests {
    @Test("a 1-day demo writes a clean log that inspect, cat and verify agree on")
    func demoThenExplore() throws {
        try withTempDirectory { tmp in
            let dir = tmp + "/world"
            let demo = try runDemo(dir)
            #expect(demo.clean)
            #expect(demo.replayMatches)
            #expect(demo.events > 100_000, "a day of seven cities is about 100k events, got \(demo.events)")
            #expect(demo.log == dir)
            #expect(demo.days == 1)
            #expect(demo.seed == 7, "the default seed")
            #expect(demo.eventsByKind.values.reduce(0, +) == demo.events)
            #expect(demo.eventsByKind["market_listed"] == 42, "7 cities × 6 brackets")
            #expect(demo.eventsByKind["daily_forecast"] == 7)
            #expect(demo.contentSha256.count == 64 && demo.contentSha256.allSatisfy(\.isHexDigit))

            // inspect --json: the same totals.
            let inspectRun = try CLI.run(["log", "inspect", dir, "--json"])
            try #require(inspectRun.exitCode == 0, "\(inspectRun)")
            #expect(inspectRun.stdout.contains("\"torn_tail\":null"))
            let inspect = try decodeJSON(InspectSummary.self, inspectRun.stdout)
            #expect(inspect.totals.events == demo.events)
            #expect(inspect.totals.firstSeq == 1)
            #expect(inspect.totals.lastSeq == UInt64(demo.events))
            #expect(inspect.totals.batches == demo.batches)
            #expect(inspect.segments.count == demo.segments)
            #expect(inspect.segments.map(\.events).reduce(0, +) == demo.events)
            #expect(inspect.totals.minTime == "2025-10-31T14:00:00Z", "markets list at 14:00Z the day before")

            // inspect (table): names the log and every segment file.
            let table = try CLI.run(["log", "inspect", dir])
            #expect(table.exitCode == 0)
            #expect(table.stdoutLines.first == "log \(dir)")
            for s in inspect.segments {
                let name = URL(fileURLWithPath: s.path).lastPathComponent
                #expect(table.stdout.contains(name), "\(name) missing from the table:\n\(table.stdout)")
            }

            // cat --kind market_listed --limit 3: exactly three listing lines.
            let listings = try CLI.run(["log", "cat", dir, "--kind", "market_listed", "--limit", "3"])
            #expect(listings.exitCode == 0, "\(listings)")
            #expect(listings.stdoutLines.count == 3, "\(listings)")
            for line in listings.stdoutLines {
                #expect(line.contains("\"kind\":\"market_listed\""), "\(line)")
                #expect(line.hasPrefix("{\"seq\":") && line.hasSuffix("}"), "\(line)")
            }
            let sequences = try listings.stdoutLines.map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return try #require(object?["seq"] as? Int, "no seq in \(line)")
            }
            #expect(sequences == sequences.sorted() && Set(sequences).count == 3, "\(sequences)")

            // cat --from-seq 10 --limit 1: exactly event 10.
            let tenth = try CLI.run(["log", "cat", dir, "--from-seq", "10", "--limit", "1"])
            #expect(tenth.exitCode == 0, "\(tenth)")
            #expect(tenth.stdoutLines.count == 1, "\(tenth)")
            #expect(tenth.stdout.hasPrefix("{\"seq\":10,"), "\(tenth)")

            // cat --from-time at the first event date's midnight starts at the second segment (daily roll).
            let midnight = try CLI.run(["log", "cat", dir, "--from-time", "2025-11-01", "--limit", "1"])
            #expect(midnight.exitCode == 0, "\(midnight)")
            try #require(inspect.segments.count >= 2)
            #expect(
                midnight.stdout.hasPrefix("{\"seq\":\(inspect.segments[1].firstSeq),\"time\":\"2025-11-01T00:00:00Z\""),
                "\(midnight)")

            // cat --limit 0 prints nothing; a kind the log lacks prints nothing; both succeed.
            for arguments in [["--limit", "0"], ["--kind", "fill"]] {
                let r = try CLI.run(["log", "cat", dir] + arguments)
                #expect(r.exitCode == 0 && r.stdout.isEmpty, "\(r)")
            }

            // verify: clean, with the same count.
            let verifyRun = try CLI.run(["log", "verify", dir, "--json"])
            #expect(verifyRun.exitCode == 0, "\(verifyRun)")
            let verify = try decodeJSON(VerifySummary.self, verifyRun.stdout)
            #expect(verify.clean)
            #expect(verify.problems.isEmpty)
            #expect(verify.events == demo.events)
            #expect(verify.segments == demo.segments)
            let text = try CLI.run(["log", "verify", dir])
            #expect(text.exitCode == 0, "\(text)")
            #expect(text.stdoutLines.last == "clean", "\(text)")
            #expect(!text.stdout.contains("DAMAGE"))

            // verify --hashes: one sha256 line per segment.
            let hashes = try CLI.run(["log", "verify", dir, "--hashes"])
            #expect(hashes.exitCode == 0)
            #expect(hashes.stdoutLines.filter { $0.hasPrefix("sha256 ") }.count == demo.segments, "\(hashes)")

            // A second demo into the same directory refuses to touch the existing log.
            let again = try CLI.run(["demo", "--days", "1", "--dir", dir, "--json"])
            #expect(again.exitCode == 2, "\(again)")
            #expect(again.stderr.contains("already holds a log"), "\(again)")
            let after = try CLI.run(["log", "inspect", dir, "--json"])
            #expect(try decodeJSON(InspectSummary.self, after.stdout).totals.events == demo.events)
        }
    }

    @Test("the same seed writes the same bytes; another seed does not")
    func demoIsDeterministic() throws {
        try withTempDirectory { tmp in
            let a = try runDemo(tmp + "/a", seed: 3)
            let b = try runDemo(tmp + "/b", seed: 3)
            let c = try runDemo(tmp + "/c", seed: 4)
            #expect(a.seed == 3 && c.seed == 4)
            #expect(a.events == b.events)
            #expect(a.contentSha256 == b.contentSha256)
            #expect(a.contentSha256 != c.contentSha256)
            // The event count depends on the calendar, not the seed.
            #expect(a.events == c.events)
        }
    }
}
