import Foundation
import IsothermEvents
import IsothermStore
import Testing

/// The command-line side of "every number a trader reads is right": runs logs readable from anywhere,
/// exact parameters through save and replay, the flags the seed had, and no silent empty runs.
@Suite("isotherm backtest: what a trader reads", .serialized)
struct BacktestTruthCLITests {
    struct Result: Decodable {
        struct M: Decodable {
            var trades: Int
            var ordersPlaced: Int
            var ordersRejected: Int
            var wins: Int
            var bracketHits: Int
        }
        var runId: String
        var outputHash: String
        var datesRequested: String
        var startDate: String?
        var endDate: String?
        var parameters: [String: String]
        var metrics: M
    }

    static func generate(_ tmp: String, days: String = "10", cities: String = "NY,CHI") throws {
        let gen = try CLI.run([
            "generate", "--out", tmp + "/world", "--start", "2025-05-01", "--days", days, "--cities", cities, "--seed",
            "3",
        ])
        try #require(gen.exitCode == 0, "\(gen)")
    }

    @Test("an exact α is saved and replayed exactly; the runs log reads from anywhere, and from --inputs after a move")
    func exactParametersAndRunsLogsFromAnywhere() throws {
        try withTempDirectory { tmp in
            try Self.generate(tmp)
            // Relative paths, run from the temporary directory.
            let saved = try CLI.run(
                [
                    "backtest", "--world", "world", "--strategy", "midnight_heuristic", "--alpha", "0.12345",
                    "--beta", "0.000001", "--save", "runs", "--json",
                ], in: tmp)
            try #require(saved.exitCode == 0, "\(saved)")
            let run = try decodeJSON(Result.self, saved.stdout)
            #expect(run.parameters["alpha"] == "0.12345" && run.parameters["beta"] == "0.000001")
            #expect(run.metrics.trades > 0, "\(run.metrics)")

            // From the root directory, with the runs log's absolute path.
            let replay = try CLI.run(["replay", "--runs", tmp + "/runs", "--verify"], in: "/")
            #expect(replay.exitCode == 0 && replay.stdout.contains("identical"), "\(replay)")
            let audit = try CLI.run(
                ["audit", "--runs", tmp + "/runs", "--city", "chicago", "--date", "2025-05-05", "--json"], in: "/")
            #expect(audit.exitCode == 0 && audit.stdout.contains("midnight_heuristic"), "\(audit)")

            // The data moves: a clear error, then --inputs finds it by its trailing path.
            try FileManager.default.moveItem(atPath: tmp + "/world", toPath: tmp + "/moved")
            let lost = try CLI.run(["replay", "--runs", tmp + "/runs", "--verify"], in: "/")
            #expect(lost.exitCode == 2 && lost.stderr.contains("give --inputs DIR"), "\(lost)")
            let found = try CLI.run(
                ["replay", "--runs", tmp + "/runs", "--inputs", tmp + "/moved", "--verify"], in: "/")
            #expect(found.exitCode == 0 && found.stdout.contains("identical"), "\(found)")
            let foundAudit = try CLI.run(
                ["audit", "--runs", tmp + "/runs", "--inputs", tmp + "/moved", "--city", "NY", "--date", "2025-05-05"],
                in: "/")
            #expect(foundAudit.exitCode == 0, "\(foundAudit)")

            // Other data at that place is refused by its content hash.
            try Self.generate(tmp + "/other", days: "9")
            let wrong = try CLI.run(
                ["replay", "--runs", tmp + "/runs", "--inputs", tmp + "/other/world", "--verify"], in: "/")
            #expect(wrong.exitCode == 2 && wrong.stderr.contains("is not the input"), "\(wrong)")
        }
    }

    @Test("the seed's flags: --save and --debug alone, --city by the old names, every strategy in --help")
    func theSeedsFlags() throws {
        try withTempDirectory { tmp in
            try Self.generate(tmp)
            let r = try CLI.run(["backtest", "--world", "world", "--city", "chicago", "--save", "--debug"], in: tmp)
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("  chicago        :   10 trades") && !r.stdout.contains("new_york"), "\(r)")
            #expect(r.stdout.contains("Sample Trades (10 evenly spaced):"), "\(r)")
            #expect(FileManager.default.fileExists(atPath: tmp + "/runs"), "--save alone writes ./runs")
            let help = try CLI.run(["backtest", "--help"])
            for name in ["open_maker", "exit", "next_over", "curve_gap", "midnight_heuristic"] {
                #expect(help.stdout.contains(name), "\(name)")
            }
            #expect(!help.stdout.contains("../shared"), "help points at files in the repository only")
            let compareNone = try CLI.run(["backtest", "--world", "world", "--compare", ""], in: tmp)
            #expect(compareNone.exitCode == 64 && compareNone.stderr.contains("--compare"), "\(compareNone)")
            let unknown = try CLI.run(["backtest", "--world", "world", "--city", "gotham"], in: tmp)
            #expect(unknown.exitCode == 64 && unknown.stderr.contains("'gotham' is not a city"), "\(unknown)")
            // Negative values are values, not flags (`--bias -1.5` used to be "Missing value").
            let cold = try CLI.run(["backtest", "--world", "world", "--bias", "-1.5", "--json"], in: tmp)
            #expect(cold.exitCode == 0 && cold.stdout.contains(#""temp_bias_deg":"-1.5""#), "\(cold)")
            let negative = try CLI.run(["backtest", "--world", "world", "--days", "-3"], in: tmp)
            #expect(negative.exitCode == 64 && negative.stderr.contains("--days -3 must be 1 to 36600"), "\(negative)")
            let notTaken = try CLI.run(["backtest", "--world", "world", "--alpha", "0.2"], in: tmp)
            #expect(notTaken.exitCode == 64 && notTaken.stderr.contains("--alpha is not a parameter of open_maker"))
        }
    }

    @Test("progress counts toward the events of the logs (it stayed at 0% on a year)")
    func progressMoves() throws {
        try withTempDirectory { tmp in
            try Self.generate(tmp)
            let r = try CLI.run(["backtest", "--world", tmp + "/world", "--progress-seconds", "0"])
            #expect(r.exitCode == 0, "\(r)")
            let lines = r.stderrLines.filter { $0.contains("replay:") }
            #expect(!lines.isEmpty, "\(r.stderr)")
            #expect(!lines.contains { $0.contains("(0%)") }, "\(lines)")
        }
    }

    @Test(
        "dates: none given is the data's range (no 1970); dates outside the data are an error naming the data's dates")
    func datesAreTheDatas() throws {
        try withTempDirectory { tmp in
            try Self.generate(tmp)
            let all = try CLI.run(["backtest", "--world", tmp + "/world", "--json"])
            let r = try decodeJSON(Result.self, all.stdout)
            #expect(r.datesRequested == "all" && r.startDate == "2025-05-01" && r.endDate == "2025-05-10", "\(r)")
            let outside = try CLI.run([
                "backtest", "--world", tmp + "/world", "--start-date", "2030-01-01", "--end-date", "2030-12-31",
            ])
            #expect(outside.exitCode == 2, "\(outside)")
            #expect(
                outside.stderr.contains("no markets with event dates 2030-01-01..2030-12-31")
                    && outside.stderr.contains("cover 2025-05-01 to 2025-05-10"), "\(outside)")
        }
    }

    @Test("rejections are counted by reason; --compare --report writes one page with every strategy")
    func rejectionsAndComparisonPage() throws {
        try withTempDirectory { tmp in
            try Self.generate(tmp)
            let refused = try CLI.run(["backtest", "--world", tmp + "/world", "--max-contracts", "300", "--json"])
            let r = try decodeJSON(Result.self, refused.stdout)
            #expect(r.metrics.trades == 0 && r.metrics.ordersPlaced == 20 && r.metrics.ordersRejected == 20, "\(r)")
            #expect(refused.stdout.contains(#""rejections":{"risk_max_contracts":20}"#))
            let text = try CLI.run(["backtest", "--world", tmp + "/world", "--max-contracts", "300"])
            #expect(text.stdout.contains("Rejected Orders: 20") && text.stdout.contains("risk_max_contracts"))
            #expect(text.stdout.contains("max_contracts: 300"), "risk limits are parameters")

            let page = tmp + "/compare.html"
            let compare = try CLI.run([
                "backtest", "--world", tmp + "/world", "--compare", "open_maker,exit,midnight_heuristic", "--report",
                page,
            ])
            #expect(compare.exitCode == 0, "\(compare)")
            let html = try String(contentsOfFile: page, encoding: .utf8)
            for name in ["open_maker", "exit", "midnight_heuristic"] { #expect(html.contains(name), "\(name)") }
            #expect(html.contains("Strategy comparison") && html.contains("<polyline"))
        }
    }

    /// New York, June 10 2025: a forecast of 81.4 buys B81.5 (81–82°) at the open; the official report
    /// says 80 °F, yet Kalshi determines B81.5 YES.
    static func disagreeingDay(_ log: String) throws {
        func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s)! }
        let day = LocalDate(iso8601: "2025-06-10")!
        let open = t("2025-06-09T14:00:00Z")
        var events = [
            EventRecord(
                time: t("2025-06-09T10:00:00Z"),
                event: .dailyForecast(
                    DailyForecast(
                        city: Symbol("NY")!, source: .visualCrossing, basisDate: day.advanced(by: -1), targetDate: day,
                        high: Temperature(tenths: 814), low: nil)))
        ]
        for (suffix, type, floor, cap) in [
            ("T79", StrikeType.less, nil, 79), ("B79.5", .between, 79, 80), ("B81.5", .between, 81, 82),
            ("B83.5", .between, 83, 84), ("B85.5", .between, 85, 86), ("T86", .greater, 86, nil),
        ] as [(String, StrikeType, Int32?, Int32?)] {
            events.append(
                EventRecord(
                    time: open,
                    event: .marketListed(
                        MarketListed(
                            ticker: Symbol("KXHIGHNY-25JUN10-" + suffix)!, eventTicker: Symbol("KXHIGHNY-25JUN10")!,
                            seriesTicker: Symbol("KXHIGHNY")!, eventDate: day, strikeType: type,
                            floorStrike: floor.map { Temperature(degrees: $0) },
                            capStrike: cap.map { Temperature(degrees: $0) }, openTime: open,
                            closeTime: t("2025-06-11T03:59:00Z"), feeType: .quadratic,
                            feeMultiplierMillionths: 1_000_000, title: ""))))
        }
        events.append(
            EventRecord(
                time: t("2025-06-11T11:00:00Z"),
                event: .settlement(
                    Settlement(
                        city: Symbol("NY")!, source: .nwsCLI, climateDate: day, high: Temperature(degrees: 80),
                        low: nil, isFinal: true, isCorrection: false, issuedAt: nil))))
        events.append(
            EventRecord(
                time: t("2025-06-11T12:00:00Z"),
                event: .marketLifecycle(
                    MarketLifecycle(
                        ticker: Symbol("KXHIGHNY-25JUN10-B81.5")!, transition: .determined, result: .yes,
                        settlementValue: .one))))
        let w = try EventLogWriter(directory: log)
        for e in events { _ = try w.append(e) }
        try w.close()
    }

    @Test("a settlement disagreement is in the trade record, the report, --json and audit")
    func settlementDisagreementsAreShown() throws {
        try withTempDirectory { tmp in
            try Self.disagreeingDay(tmp + "/ny")
            let text = try CLI.run(["backtest", "--log", tmp + "/ny", "--debug", "1", "--save", tmp + "/runs"])
            #expect(text.exitCode == 0, "\(text)")
            #expect(text.stdout.contains("Settlement disagreements: 1 trade(s)") && text.stdout.contains("2025-06-10"))
            #expect(text.stdout.contains("high 80F, bracket won (the report disagrees)"), "\(text)")
            let json = try CLI.run(["backtest", "--log", tmp + "/ny", "--json"])
            #expect(json.stdout.contains(#""settlement_disagreements":1"#))
            #expect(json.stdout.contains(#""settled_high":80,"bracket_won":true,"settlement_disagrees":true"#))
            let audit = try CLI.run(["audit", "--runs", tmp + "/runs", "--order", "open_maker-KXHIGHNY-25JUN10-buy"])
            #expect(
                audit.exitCode == 0
                    && audit.stdout.contains(
                        "SETTLEMENT DISAGREEMENT: the official report's high 80°F is outside 81-82° (KXHIGHNY-25JUN10-B81.5) but Kalshi determined it YES"
                    ), "\(audit)")
        }
    }
}
