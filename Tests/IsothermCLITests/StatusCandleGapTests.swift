import Foundation
import IsothermEvents
import Testing

@Suite("isotherm status: candle gaps over many markets")
struct StatusCandleGapTests {
    typealias E = StatusEvents

    /// Thirty days of two markets each, open 36 hours, each with one gap of 5 to 35 minutes ten hours
    /// after its open: about 127,000 candles, enough for the scan to summarise markets as it goes.
    struct Month {
        struct Market {
            var ticker: String
            var date: String
            var open: Timestamp
            var close: Timestamp
            var gapFrom: Timestamp
            var gapMinutes: Int64
        }
        var markets: [Market] = []

        init() {
            let first = LocalDate(iso8601: "2025-07-01")!
            for i in 0..<30 {
                let day = first.advanced(by: Int32(i))
                for (k, suffix) in ["B80.5", "T79"].enumerated() {
                    let open = day.startUTC
                    let gap = Int64((i * 2 + k) % 7 + 1) * 5
                    markets.append(
                        Market(
                            ticker: "KXHIGHNY-\(day.kalshiCode)-\(suffix)", date: day.iso8601, open: open,
                            close: open.adding(nanos: 36 * 60 * Timestamp.nanosPerMinute),
                            gapFrom: open.adding(nanos: 600 * Timestamp.nanosPerMinute), gapMinutes: gap))
                }
            }
        }

        func listings() -> [EventRecord] {
            markets.map {
                E.listing(
                    $0.ticker, date: $0.date, open: $0.open, close: $0.close,
                    at: $0.open.adding(nanos: -3_600_000_000_000))
            }
        }

        func candles(_ m: Market) -> [EventRecord] {
            E.candles(
                m.ticker, from: m.open, to: m.close,
                skipping: [(m.gapFrom, m.gapFrom.adding(nanos: m.gapMinutes * Timestamp.nanosPerMinute))])
        }

        /// Every event in time order (candles of one minute by ticker).
        func inTimeOrder() -> [EventRecord] {
            let all = markets.flatMap(candles)
            let sorted = all.enumerated().sorted {
                ($0.element.time, $0.offset) < ($1.element.time, $1.offset)
            }.map(\.element)
            return listings() + sorted
        }

        /// As `import kalshi` writes: every listing, then each market's candles, newest market first.
        func marketByMarket() -> [EventRecord] {
            listings() + markets.reversed().flatMap(candles)
        }

        /// What the status should find, worked out here from the plan.
        var expected: StatusJSON.MinuteGaps {
            let gaps = markets.map {
                StatusJSON.Gap(
                    ticker: $0.ticker, from: $0.gapFrom.rfc3339,
                    to: $0.gapFrom.adding(nanos: $0.gapMinutes * Timestamp.nanosPerMinute).rfc3339,
                    minutes: $0.gapMinutes)
            }
            let longest = gaps.sorted { (-$0.minutes, $0.from) < (-$1.minutes, $1.from) }.prefix(5)
            return StatusJSON.MinuteGaps(
                markets: 60, marketsWithoutCandles: 0, marketsWithoutHours: 0, minutesExpected: 60 * 36 * 60,
                minutesMissing: markets.reduce(0) { $0 + $1.gapMinutes },
                gaps: Int64(gaps.count(where: { $0.minutes >= 15 })),
                longest: Array(longest), candlesOutsideHours: 0, candlesAfterSummary: 0, duplicateCandles: 0)
        }
    }

    @Test("a log in time order and one written market by market give the same gaps, holding a few markets at a time")
    func layouts() throws {
        try withTempDirectory { tmp in
            let month = Month()
            try E.write(tmp + "/ordered", month.inTimeOrder())
            try E.write(tmp + "/by-market", month.marketByMarket())
            for log in ["ordered", "by-market"] {
                let r = try CLI.run(["status", tmp + "/" + log, "--json", "--now", "2025-08-15T00:00:00Z"])
                try #require(r.exitCode == 0, "\(r)")
                let report = try decodeJSON(StatusJSON.self, r.stdout)
                let gaps = try #require(report.cities.first?.candles.minuteGaps)
                #expect(gaps == month.expected, "\(log)")
                #expect(
                    report.minuteMapsPeak > 0 && report.minuteMapsPeak <= 12,
                    "\(log): markets are summarised as the scan passes them (\(report.minuteMapsPeak) of 60 held at once)"
                )
            }
        }
    }

    @Test("candles of a market already summarised are counted apart, and the text says how to merge the logs")
    func lateCandles() throws {
        try withTempDirectory { tmp in
            let month = Month()
            try E.write(tmp + "/a", month.inTimeOrder())
            try E.write(tmp + "/b", month.candles(month.markets[0]))
            let r = try CLI.run(["status", tmp + "/a", tmp + "/b", "--json", "--now", "2025-08-15T00:00:00Z"])
            try #require(r.exitCode == 0, "\(r)")
            let gaps = try #require(try decodeJSON(StatusJSON.self, r.stdout).cities.first?.candles.minuteGaps)
            var expected = month.expected
            expected.candlesAfterSummary = 36 * 60 - month.markets[0].gapMinutes
            #expect(gaps == expected)
            let text = try CLI.run(["status", tmp + "/a", tmp + "/b", "--now", "2025-08-15T00:00:00Z"])
            #expect(
                text.stdoutLines.contains {
                    $0.hasPrefix("NY: 2,155 candles came after their market was summarised")
                        && $0.contains("isotherm log sort")
                }, "\(text)")
        }
    }

    @Test("progress on standard error when asked (events read and percentage), none by default or in tests' way")
    func progress() throws {
        try withTempDirectory { tmp in
            try E.write(tmp + "/ordered", Month().inTimeOrder())
            let base = ["status", tmp + "/ordered", "--now", "2025-08-15T00:00:00Z"]
            let shown = try CLI.run(base + ["--progress", "--progress-seconds", "0"])
            #expect(shown.exitCode == 0, "\(shown)")
            let lines = shown.stderrLines
            #expect(lines.count > 10, "\(shown)")
            #expect(lines.allSatisfy { $0.hasPrefix("  status: ") && $0.contains(" events (") }, "\(shown)")
            #expect(lines.first?.hasPrefix("  status: 4,096 events (") == true, "\(shown)")
            #expect(lines.last?.contains("(100%)") == true, "\(shown)")
            #expect(try CLI.run(base).stderr.isEmpty)
            #expect(try CLI.run(base + ["--json", "--progress-seconds", "0"]).stderr.isEmpty)
            let off = try CLI.run(base + ["--no-progress", "--progress-seconds", "0"])
            #expect(off.exitCode == 0 && off.stderr.isEmpty, "\(off)")
        }
    }
}
