import Foundation
import IsothermEvents
import Testing

@Suite("isotherm status")
struct StatusCommandTests {
    /// A line's fields, split on runs of spaces.
    func fields(_ line: String) -> [String] { line.split(separator: " ").map(String.init) }

    @Test("a generated world is covered day by day; a gap in settlements is counted and listed in the text")
    func coverageAndGaps() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/world", "--start", "2025-11-20", "--days", "3", "--cities", "NY,DEN",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            let r = try CLI.run(["status", tmp + "/world", "--json", "--now", "2025-11-24T00:00:00Z"])
            try #require(r.exitCode == 0, "\(r)")
            #expect(r.stderr.isEmpty, "no progress with --json: \(r)")
            let report = try decodeJSON(StatusJSON.self, r.stdout)
            #expect(report.cities.map(\.city) == ["NY", "DEN"])
            let ny = report.cities[0]
            #expect(ny.markets.events == 18 && ny.markets.days == 3 && ny.markets.daysMissing == 0)
            #expect(ny.markets.firstDay == "2025-11-20" && ny.markets.lastDay == "2025-11-22")
            #expect(ny.candles.days == 3 && ny.candles.daysMissing == 0 && ny.candles.events > 40_000)
            // NY's last market closes at 11:59 PM EST on the 22nd: 04:59Z on the 23rd, 19 hours before --now.
            #expect(ny.candles.latestEvent == "2025-11-23T04:59:00Z" && ny.candles.ageSeconds == 19 * 3600 + 60)
            // The generator writes a candle for every minute a market trades: no gaps, nothing outside.
            let gaps = try #require(ny.candles.minuteGaps)
            #expect(gaps.markets == 18 && gaps.marketsWithoutCandles == 0 && gaps.marketsWithoutHours == 0)
            #expect(gaps.minutesExpected == ny.candles.events && gaps.minutesMissing == 0 && gaps.gaps == 0)
            #expect(gaps.longest.isEmpty && gaps.candlesOutsideHours == 0 && gaps.duplicateCandles == 0)
            #expect(ny.forecasts.firstDay == "2025-11-20" && ny.forecasts.lastDay == "2025-11-22")
            #expect(ny.settlements.days == 3 && ny.settlements.daysMissing == 0 && ny.settlements.daysIncomplete == 0)
            #expect(ny.preliminary.events >= 1, "afternoon reports are preliminary, counted apart")
            #expect(ny.observations.daysMissing == 0)
            #expect(ny.ticks.events == 0 && ny.ticks.latestEvent == nil)
            #expect(report.maxAge.isEmpty && report.maxAgeBreached == 0)

            let text = try CLI.run(["status", tmp + "/world", "--now", "2025-11-24T00:00:00Z"])
            #expect(
                text.exitCode == 0 && text.stderr.isEmpty, "no progress when standard error is no terminal: \(text)")
            #expect(!text.stdoutLines.contains { $0.hasPrefix("NY    ticks") }, "no empty rows: \(text)")
            #expect(text.stdoutLines.contains("NY    none: ticks"), "\(text)")
            #expect(
                text.stdoutLines.contains {
                    fields($0) == [
                        "NY", "candles", "41,022", "2025-11-20", "2025-11-22", "3", "0", "2025-11-23T04:59:00Z",
                        "19h01m",
                    ]
                }, "\(text)")
            #expect(text.stdoutLines.contains { fields($0) == ["NY", "18", "0", "41,022", "0", "0", "-"] }, "\(text)")

            // Settlements for the 1st, 2nd and 5th: two days missing, listed in the text.
            let file = tmp + "/ncei.json"
            try #"""
            [{"DATE":"2023-07-01","STATION":"USW00094728","TMAX":"311","TMIN":"217"},
             {"DATE":"2023-07-02","STATION":"USW00094728","TMAX":"300","TMIN":"210"},
             {"DATE":"2023-07-05","STATION":"USW00094728","TMAX":"290","TMIN":"200"}]
            """#.write(toFile: file, atomically: true, encoding: .utf8)
            let imp = try CLI.run(["import", "file", "--log", tmp + "/ny", "--format", "ncei-daily", file])
            try #require(imp.exitCode == 0, "\(imp)")
            let now = "2025-11-24T00:00:00Z"
            let gap = try decodeJSON(
                StatusJSON.self, try CLI.run(["status", tmp + "/ny", "--json", "--now", now]).stdout)
            let s = try #require(gap.cities.first).settlements
            #expect(s.events == 3 && s.days == 3 && s.daysMissing == 2)
            #expect(s.missing == [.init(from: "2023-07-03", to: "2023-07-04", days: 2)])

            let table = try CLI.run(["status", tmp + "/ny", "--now", now])
            #expect(
                table.stdoutLines.contains {
                    fields($0).prefix(7) == ["NY", "settlements", "3", "2023-07-01", "2023-07-05", "3", "2"]
                },
                "\(table)")
            #expect(table.stdoutLines.contains("NY    settlements  2 days: 2023-07-03…2023-07-04"), "\(table)")
            let none = try CLI.run(["status", tmp, "--now", now])
            #expect(none.exitCode == 0, "a directory of logs: \(none)")
            let empty = try CLI.run(["status", tmp + "/nothing"])
            #expect(empty.exitCode == 2 && empty.stderr.contains("nothing"), "\(empty)")
        }
    }

    /// One New York log with every case: a market with three gaps (one at its close), a duplicate and
    /// an out-of-hours candle; a listed market with no candle; candles of an unlisted market; final,
    /// corrected and preliminary reports with a preliminary-only day and a missing day; a year-old
    /// observation; a tick 45 s old.
    static func writeCases(_ dir: String) throws {
        typealias E = StatusEvents
        let open = E.time("2025-06-10T00:00:00Z")
        let close = E.time("2025-06-10T06:00:00Z")
        let listedAt = E.time("2025-06-09T14:00:00Z")
        var records = [
            E.listing("KXHIGHNY-25JUN10-B80.5", date: "2025-06-10", open: open, close: close, at: listedAt),
            E.listing("KXHIGHNY-25JUN10-T79", date: "2025-06-10", open: open, close: close, at: listedAt),
        ]
        records += E.candles(
            "KXHIGHNY-25JUN10-B80.5", from: open, to: close,
            skipping: [
                (E.time("2025-06-10T01:00:00Z"), E.time("2025-06-10T01:20:00Z")),
                (E.time("2025-06-10T02:00:00Z"), E.time("2025-06-10T02:03:00Z")),
                (E.time("2025-06-10T05:30:00Z"), close),
            ])
        records.append(E.candle("KXHIGHNY-25JUN10-B80.5", minute: E.time("2025-06-10T00:10:00Z")))
        records.append(E.candle("KXHIGHNY-25JUN10-B80.5", minute: E.time("2025-06-10T06:30:00Z")))
        for m in ["03:00", "03:01", "03:10"] {
            records.append(E.candle("KXHIGHNY-25JUN10-B84.5", minute: E.time("2025-06-10T\(m):00Z")))
        }
        records += [
            E.settlement("2025-06-01", final: true, at: E.time("2025-06-02T12:00:00Z")),
            E.settlement("2025-06-02", final: true, at: E.time("2025-06-03T12:00:00Z")),
            E.settlement("2025-06-02", final: true, correction: true, at: E.time("2025-06-03T15:00:00Z")),
            E.settlement("2025-06-03", final: false, at: E.time("2025-06-03T21:00:00Z")),
            E.settlement("2025-06-05", final: false, at: E.time("2025-06-05T21:00:00Z")),
            E.settlement("2025-06-05", final: true, at: E.time("2025-06-06T12:00:00Z")),
            E.observation(at: E.time("2024-05-01T12:00:00Z")),
            E.tick("KXHIGHNY-25JUN10-B80.5", at: E.time("2025-06-12T11:59:15Z")),
        ]
        try E.write(dir, records)
    }

    static let casesNow = "2025-06-12T12:00:00Z"

    @Test("final and preliminary reports apart; missing and incomplete days; minute gaps; ages that fit")
    func everyCase() throws {
        try withTempDirectory { tmp in
            try Self.writeCases(tmp + "/ny")
            let r = try CLI.run(["status", tmp + "/ny", "--json", "--now", Self.casesNow])
            try #require(r.exitCode == 0, "\(r)")
            let report = try decodeJSON(StatusJSON.self, r.stdout)
            let ny = try #require(report.cities.first)
            #expect(report.cities.count == 1 && report.unknownCityEvents == 0 && report.gapMinutes == 15)

            let s = ny.settlements
            #expect(s.events == 4 && s.days == 3 && s.corrections == 1, "finals only, corrections included")
            #expect(s.firstDay == "2025-06-01" && s.lastDay == "2025-06-05")
            #expect(s.missing == [.init(from: "2025-06-04", to: "2025-06-04", days: 1)] && s.daysMissing == 1)
            #expect(s.incomplete == [.init(from: "2025-06-03", to: "2025-06-03", days: 1)] && s.daysIncomplete == 1)
            #expect(s.latestEvent == "2025-06-06T12:00:00Z" && s.ageSeconds == 6 * 86_400)
            let p = ny.preliminary
            #expect(p.events == 2 && p.days == 2 && p.firstDay == "2025-06-03" && p.lastDay == "2025-06-05")
            #expect(p.missing == [.init(from: "2025-06-04", to: "2025-06-04", days: 1)])

            #expect(ny.candles.events == 307 + 2 + 3 && ny.candles.days == 1)
            let g = try #require(ny.candles.minuteGaps)
            #expect(g.markets == 2 && g.marketsWithoutCandles == 1 && g.marketsWithoutHours == 1)
            #expect(g.minutesExpected == 360 + 11 && g.minutesMissing == 53 + 8 && g.gaps == 2)
            #expect(g.candlesOutsideHours == 1 && g.duplicateCandles == 1 && g.candlesAfterSummary == 0)
            #expect(
                g.longest == [
                    .init(
                        ticker: "KXHIGHNY-25JUN10-B80.5", from: "2025-06-10T05:30:00Z", to: "2025-06-10T06:00:00Z",
                        minutes: 30),
                    .init(
                        ticker: "KXHIGHNY-25JUN10-B80.5", from: "2025-06-10T01:00:00Z", to: "2025-06-10T01:20:00Z",
                        minutes: 20),
                    .init(
                        ticker: "KXHIGHNY-25JUN10-B84.5", from: "2025-06-10T03:02:00Z", to: "2025-06-10T03:10:00Z",
                        minutes: 8),
                    .init(
                        ticker: "KXHIGHNY-25JUN10-B80.5", from: "2025-06-10T02:00:00Z", to: "2025-06-10T02:03:00Z",
                        minutes: 3),
                ])
            #expect(ny.ticks.ageSeconds == 45 && ny.observations.ageSeconds == 407 * 86_400)

            let t = try CLI.run(["status", tmp + "/ny", "--now", Self.casesNow])
            try #require(t.exitCode == 0, "\(t)")
            let lines = t.stdoutLines
            let header = try #require(lines.first)
            let rows = lines.prefix { !$0.isEmpty }.dropFirst().filter { !$0.contains("none:") }
            #expect(rows.count == 6, "markets, candles, ticks, observations, settlements, preliminary: \(t)")
            #expect(rows.allSatisfy { $0.count == header.count }, "every row as wide as the header: \(t)")
            #expect(
                rows.contains { $0.hasPrefix("NY    observations") && $0.hasSuffix("2024-05-01T12:00:00Z    407d") },
                "\(t)")
            #expect(
                rows.contains { $0.hasPrefix("NY    ticks") && $0.hasSuffix("2025-06-12T11:59:15Z     45s") }, "\(t)")
            #expect(
                rows.contains {
                    fields($0) == [
                        "NY", "settlements", "4", "2025-06-01", "2025-06-05", "3", "1", "1", "2025-06-06T12:00:00Z",
                        "6d00h",
                    ]
                }, "\(t)")
            #expect(
                rows.contains {
                    fields($0) == [
                        "NY", "preliminary", "2", "2025-06-03", "2025-06-05", "2", "1", "2025-06-05T21:00:00Z", "6d15h",
                    ]
                }, "\(t)")
            #expect(lines.contains("NY    none: forecasts"), "\(t)")
            #expect(lines.contains("NY    settlements  1 day: 2025-06-04"), "missing days listed: \(t)")
            #expect(lines.contains("NY    preliminary  1 day: 2025-06-04"), "\(t)")
            let incomplete = try #require(lines.firstIndex { $0.hasPrefix("incomplete days") }, "\(t)")
            #expect(lines[incomplete + 1] == "NY    settlements  1 day: 2025-06-03", "\(t)")
            #expect(lines.contains { fields($0) == ["NY", "2", "1", "371", "61", "2", "30m"] }, "\(t)")
            #expect(
                lines.contains {
                    fields($0) == [
                        "NY", "KXHIGHNY-25JUN10-B80.5", "2025-06-10T05:30:00Z", "→", "2025-06-10T06:00:00Z", "30m",
                    ]
                }, "\(t)")
            #expect(lines.contains("NY: 1 markets with candles but no listing: gaps between candles only"), "\(t)")
            #expect(lines.contains("NY: 1 candles outside their market's hours or after now"), "\(t)")
        }
    }

    @Test("--max-age: a breached limit exits 1 and says which; --json gives every verdict; bad values are usage errors")
    func maxAge() throws {
        try withTempDirectory { tmp in
            try Self.writeCases(tmp + "/ny")
            let limits = [
                "--max-age", "observations=400d", "--max-age", "ticks=1m", "--max-age", "settlements=36h",
                "--max-age", "forecasts=1d",
            ]
            let text = try CLI.run(["status", tmp + "/ny", "--now", Self.casesNow] + limits)
            #expect(text.exitCode == 1, "\(text)")
            #expect(text.stderr.contains("status: 3 of 4 max-age checks breached"), "\(text)")
            let lines = text.stdoutLines
            #expect(lines.contains("max age (3 of 4 breached):"), "\(text)")
            #expect(lines.contains { fields($0) == ["observations", "400d", "NY", "407d", "BREACHED"] }, "\(text)")
            #expect(lines.contains { fields($0) == ["ticks", "1m", "NY", "45s", "ok"] }, "\(text)")
            #expect(lines.contains { fields($0) == ["settlements", "36h", "NY", "6d00h", "BREACHED"] }, "\(text)")
            #expect(
                lines.contains { fields($0) == ["forecasts", "1d", "NY", "-", "BREACHED", "(no", "data)"] }, "\(text)")

            let json = try CLI.run(["status", tmp + "/ny", "--json", "--now", Self.casesNow] + limits)
            #expect(json.exitCode == 1, "\(json)")
            let report = try decodeJSON(StatusJSON.self, json.stdout)
            #expect(report.maxAgeBreached == 3)
            typealias V = StatusJSON.Verdict
            let day: Int64 = 86_400
            let expected: [V] = [
                V(
                    kind: "observations", limit: "400d", limitSeconds: 400 * day, city: "NY",
                    latestEvent: "2024-05-01T12:00:00Z", ageSeconds: 407 * day, breached: true),
                V(
                    kind: "ticks", limit: "1m", limitSeconds: 60, city: "NY", latestEvent: "2025-06-12T11:59:15Z",
                    ageSeconds: 45, breached: false),
                V(
                    kind: "settlements", limit: "36h", limitSeconds: 36 * 3_600, city: "NY",
                    latestEvent: "2025-06-06T12:00:00Z", ageSeconds: 6 * day, breached: true),
                V(
                    kind: "forecasts", limit: "1d", limitSeconds: day, city: "NY", latestEvent: nil, ageSeconds: nil,
                    breached: true),
            ]
            #expect(report.maxAge == expected)

            // Within every limit (compound durations, any case): exit 0. A limit equal to the age holds.
            let fine = try CLI.run([
                "status", tmp + "/ny", "--now", Self.casesNow, "--max-age", "ticks=45s", "--max-age",
                "Observations=407d1h",
                "--max-age", "preliminary=6d15h",
            ])
            #expect(fine.exitCode == 0 && fine.stdoutLines.contains("max age (all within their limits):"), "\(fine)")

            for (value, message) in [
                ("candles=15x", "'15x' is not a duration"), ("candle=15m", "'candle' is not one of markets, candles"),
                ("15m", "not KIND=DURATION"), ("ticks=0s", "'0s' is not a duration"), ("ticks=30m1h", "'30m1h'"),
            ] {
                let bad = try CLI.run(["status", tmp + "/ny", "--max-age", value])
                #expect(bad.exitCode == 64, "\(bad)")
                #expect(bad.stderr.contains("'\(value)'") && bad.stderr.contains(message), "\(bad)")
            }
            let gap = try CLI.run(["status", tmp + "/ny", "--gap-minutes", "0"])
            #expect(gap.exitCode == 64 && gap.stderr.contains("--gap-minutes"), "\(gap)")
        }
    }
}
