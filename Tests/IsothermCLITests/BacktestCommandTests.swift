import Foundation
import Testing

@Suite("isotherm backtest and audit", .serialized)
struct BacktestCommandTests {
    struct Result: Decodable {
        struct M: Decodable {
            var trades: Int
            var ordersPlaced: Int
            var ordersFilled: Int
            var totalPnl: String
        }
        struct T: Decodable {
            var city: String
            var clientOrderId: String
            var eventDate: String
        }
        var runId: String
        var outputHash: String
        var fillModel: String
        var metrics: M
        var byCity: [M]
        var trades: [T]
    }

    struct Audit: Decodable {
        struct Input: Decodable { var kind: String }
        struct D: Decodable {
            var strategy: String
            var action: String
            var rule: String
            var inputs: [Input]
            var orders: [Input]
            var outcome: [Input]
        }
        var runId: String
        var decisions: [D]
    }

    @Test(
        "the same backtest in two processes, one thread or two, gives one output hash; touch fills fewer than assume; audit explains a trade"
    )
    func determinismFillModelsAndAudit() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-03-01", "--days", "12", "--cities", "NY,CHI",
                "--seed", "5",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            var hashes: [String] = []
            var last: Result?
            for threads in ["1", "2"] {
                let r = try CLI.run(["backtest", "--world", tmp + "/w", "--json", "--threads", threads])
                try #require(r.exitCode == 0, "\(r)")
                let result = try decodeJSON(Result.self, r.stdout)
                hashes.append(result.outputHash)
                last = result
            }
            #expect(hashes[0] == hashes[1])
            let assume = try #require(last)
            #expect(assume.metrics.trades == 24, "two cities × twelve days")
            #expect(assume.metrics.ordersFilled == assume.metrics.ordersPlaced)
            #expect(assume.byCity.count == 2)

            // At 20¢, below where the chosen bracket usually trades at the open, touch fills only some orders.
            let touchRun = try CLI.run([
                "backtest", "--world", tmp + "/w", "--json", "--fill-model", "touch", "--price", "0.20",
            ])
            let touch = try decodeJSON(Result.self, touchRun.stdout)
            let assumeRun = try CLI.run([
                "backtest", "--world", tmp + "/w", "--json", "--fill-model", "assume", "--price", "0.20",
            ])
            let assumed = try decodeJSON(Result.self, assumeRun.stdout)
            #expect(touch.fillModel == "touch" && touch.outputHash != assumed.outputHash)
            #expect(assumed.metrics.ordersFilled == 24)
            #expect(
                touch.metrics.ordersPlaced == 24 && touch.metrics.ordersFilled < 24 && touch.metrics.ordersFilled > 0,
                "\(touch.metrics)")

            let text = try CLI.run(["backtest", "--world", tmp + "/w", "--city", "CHI", "--days", "5", "--debug", "2"])
            #expect(text.exitCode == 0)
            #expect(text.stdout.contains("Total Trades: 5 (5 days)"), "\(text)")
            #expect(text.stdout.contains("  chicago        :    5 trades"), "\(text)")
            #expect(text.stdout.contains("Sample Trades (2 evenly spaced):"), "\(text)")

            let compare = try CLI.run(["backtest", "--world", tmp + "/w", "--compare", "open_maker,exit,next_over"])
            #expect(compare.exitCode == 0 && compare.stdoutLines.count == 7, "\(compare)")
            #expect(
                compare.stdoutLines.dropFirst().prefix(3).map { String($0.prefix(10)) } == [
                    "open_maker", "exit      ", "next_over ",
                ])

            // Save, then explain the first trade from the logs alone.
            let saved = try CLI.run(["backtest", "--world", tmp + "/w", "--save", tmp + "/runs", "--json"])
            let run = try decodeJSON(Result.self, saved.stdout)
            let order = run.trades[0].clientOrderId
            let audit = try CLI.run(["audit", "--runs", tmp + "/runs", "--order", order, "--json"])
            try #require(audit.exitCode == 0, "\(audit)")
            let a = try decodeJSON(Audit.self, audit.stdout)
            #expect(a.runId == run.runId)
            let d = try #require(a.decisions.first)
            #expect(
                d.strategy == "open_maker" && d.action == "post" && d.rule.contains("buy 400 YES at $0.50 as maker"))
            #expect(d.inputs.map(\.kind) == ["daily_forecast", "market_listed"])
            #expect(d.orders.map(\.kind) == ["order_intent", "order_acknowledged", "fill"])
            #expect(Set(d.outcome.map(\.kind)) == ["settlement", "market_lifecycle"])
            let day = try CLI.run([
                "audit", "--runs", tmp + "/runs", "--city", run.trades[0].city, "--date", run.trades[0].eventDate,
            ])
            #expect(day.exitCode == 0 && day.stdout.contains("rule: forecast"), "\(day)")
            let none = try CLI.run(["audit", "--runs", tmp + "/runs", "--order", "nope"])
            #expect(none.exitCode == 2 && none.stderr.contains("has no decision about nope"), "\(none)")
        }
    }

    @Test("bad flags are one clear line")
    func badFlags() throws {
        let price = try CLI.run(["backtest", "--world", "/nonexistent", "--price", "1.50"])
        #expect(
            price.exitCode == 64
                && price.stderr.contains("--price '1.50' is out of range (0.01 to 0.99)"), "\(price)")
        let strategy = try CLI.run(["backtest", "--world", "/nonexistent", "--strategy", "martingale"])
        #expect(
            strategy.exitCode == 64
                && strategy.stderr.contains("'martingale' is invalid for '--strategy")
                && strategy.stderr.contains("'open_maker', 'exit', 'next_over', 'curve_gap' or 'midnight_heuristic'"),
            "\(strategy)")
        let missing = try CLI.run(["backtest", "--world", "/nonexistent"])
        #expect(missing.exitCode == 2 && missing.stderr.contains("/nonexistent"), "\(missing)")
    }
}

@Suite("isotherm log sort")
struct LogSortTests {
    @Test("a log appended out of time order is refused by the backtest with the fix; sorted, it runs")
    func sortThenBacktest() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-03-01", "--days", "3", "--cities", "NY",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            // Settlements for earlier days, imported after the fact: appended after later events.
            let file = tmp + "/ncei.json"
            try #"[{"DATE":"2025-02-20","STATION":"USW00094728","TMAX":"100","TMIN":"20"}]"#.write(
                toFile: file, atomically: true, encoding: .utf8)
            let imp = try CLI.run(["import", "file", "--log", tmp + "/w/NY", "--format", "ncei-daily", file])
            try #require(imp.exitCode == 0, "\(imp)")
            let refused = try CLI.run(["backtest", "--log", tmp + "/w/NY"])
            #expect(refused.exitCode == 2, "\(refused)")
            #expect(refused.stderr.contains("the log is not in time order"), "\(refused)")
            #expect(refused.stderr.contains("run `isotherm log sort \(tmp)/w/NY \(tmp)/w/NY-sorted`"), "\(refused)")

            let sort = try CLI.run(["log", "sort", tmp + "/w/NY", tmp + "/sorted", "--json"])
            try #require(sort.exitCode == 0, "\(sort)")
            #expect(
                sort.stdout.contains(#""out_of_order":3"#), "the import's two manifests and its settlement: \(sort)")
            // Sorted in runs of 5 events on disk: the same log, and no scratch directory left behind.
            let small = try CLI.run(["log", "sort", tmp + "/w/NY", tmp + "/sorted-small", "--buffer-events", "5"])
            try #require(small.exitCode == 0 && small.stdout.contains("run(s) on disk"), "\(small)")
            #expect(
                try CLI.run(["log", "cat", tmp + "/sorted-small"]).stdout
                    == CLI.run(["log", "cat", tmp + "/sorted"]).stdout)
            #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.contains(".sort-") }.isEmpty)
            // A sort killed earlier left its working directory (named by its pid, now gone) and no OUT:
            // the next sort of the same OUT removes it and says so.
            let gone = Process()
            gone.executableURL = URL(fileURLWithPath: "/bin/true")
            try gone.run()
            gone.waitUntilExit()
            let stale = tmp + "/.sorted3.sort-\(gone.processIdentifier)"
            try FileManager.default.createDirectory(atPath: stale + "/log", withIntermediateDirectories: true)
            let third = try CLI.run(["log", "sort", tmp + "/w/NY", tmp + "/sorted3"])
            #expect(third.exitCode == 0 && third.stderr.contains("left by a log sort that did not finish"), "\(third)")
            #expect(!FileManager.default.fileExists(atPath: stale))
            let zero = try CLI.run(["log", "sort", tmp + "/w/NY", tmp + "/none", "--buffer-events", "0"])
            #expect(zero.exitCode == 64 && zero.stderr.contains("--buffer-events must be 1 or more"), "\(zero)")
            let again = try CLI.run(["log", "sort", tmp + "/w/NY", tmp + "/sorted"])
            #expect(again.exitCode == 2 && again.stderr.contains("already holds files"), "\(again)")
            let ok = try CLI.run(["backtest", "--log", tmp + "/sorted"])
            #expect(ok.exitCode == 0 && ok.stdout.contains("Total Trades: 3 (3 days)"), "\(ok)")
        }
    }
}

@Suite("isotherm tune")
struct TuneCommandTests {
    struct Result: Decodable {
        struct Best: Decodable, Equatable {
            var entryPrice: String
            var tempBiasDeg: Double
            var basisOffsetDays: Int
        }
        var train: String
        var test: String
        var best: Best
        var trials: [Best]
        var importance: [String: Double]
    }

    @Test("a chronological split, reproducible trials, a resumable study, and the best parameters saved")
    func tuneAndResume() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-04-01", "--days", "10", "--cities", "CHI",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            let study = tmp + "/study.jsonl"
            let first = try CLI.run(["tune", "--world", tmp + "/w", "--trials", "11", "--storage", study, "--json"])
            try #require(first.exitCode == 0, "\(first)")
            let a = try decodeJSON(Result.self, first.stdout)
            #expect(a.train == "2025-04-01..2025-04-07" && a.test == "2025-04-08..2025-04-10", "70% of 10 days")
            #expect(a.trials.count == 11)
            #expect(abs(a.importance.values.reduce(0, +) - 1) < 0.01)

            // Resumed with more trials: the first eleven are read back, not run again, and are the same.
            let more = try CLI.run([
                "tune", "--world", tmp + "/w", "--trials", "13", "--storage", study, "--json", "--save-best",
                tmp + "/best.json",
            ])
            try #require(more.exitCode == 0, "\(more)")
            let b = try decodeJSON(Result.self, more.stdout)
            #expect(Array(b.trials.prefix(11)) == a.trials)
            #expect(try String(contentsOfFile: study, encoding: .utf8).split(separator: "\n").count == 13)
            #expect(
                try String(contentsOfFile: tmp + "/best.json", encoding: .utf8).contains(
                    #""entry_price":"\#(b.best.entryPrice)""#))

            // A fresh study with the same seed draws the same trials.
            let again = try CLI.run(["tune", "--world", tmp + "/w", "--trials", "11", "--json"])
            #expect(try decodeJSON(Result.self, again.stdout).trials == a.trials)
            // Another seed cannot continue this study.
            let other = try CLI.run([
                "tune", "--world", tmp + "/w", "--trials", "12", "--storage", study, "--seed", "9",
            ])
            #expect(other.exitCode == 2 && other.stderr.contains("was not drawn by --seed 9"), "\(other)")
        }
    }
}

@Suite("isotherm log sort: merging a city's sources")
struct LogMergeTests {
    @Test("markets and weather in separate logs merge by time, then input, then sequence")
    func mergeSources() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-03-01", "--days", "2", "--cities", "NY",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            // The log merged with itself: every event twice, in time order, the first input's copy first.
            let r = try CLI.run(["log", "sort", tmp + "/w/NY", tmp + "/w/NY", tmp + "/both", "--json"])
            try #require(r.exitCode == 0, "\(r)")
            #expect(
                r.stdout.contains(#""inputs":["\#(tmp)/w/NY","\#(tmp)/w/NY"]"#)
                    && r.stdout.contains(#""out_of_order":0"#), "\(r)")
            let one = try CLI.run(["log", "cat", tmp + "/w/NY"]).stdoutLines
            let both = try CLI.run(["log", "cat", tmp + "/both"]).stdoutLines
            #expect(both.count == 2 * one.count)
            func body(_ line: String) -> String { String(line.drop { $0 != "," }) }
            let times = both.map { line in
                line.range(of: "\"time\":\"").map { String(line[$0.upperBound...].prefix(20)) } ?? ""
            }
            #expect(times == times.sorted())
            #expect(Set(both.map(body)) == Set(one.map(body)))
            let none = try CLI.run(["log", "sort", tmp + "/w/NY"])
            #expect(none.exitCode == 64 && none.stderr.contains("give at least one log to read"), "\(none)")
        }
    }
}
