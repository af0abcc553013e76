import Glibc
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermStore
import IsothermWorld

/// The backtest benchmark: a generated year of the seven cities (cached under `dir`), replayed
/// (decode only) and backtested (open_maker), each on one core and on every core, in the same run;
/// then backtested as one stream merged in time order, without limits and with account-wide ones.
/// Target: the backtest adds at most 50% to the replay, and a year runs in under 5 s.
enum BacktestBench {
    static func run(days: Int, dir: String) throws {
        let start = LocalDate(iso8601: "2025-01-01")!
        let end = start.advanced(by: Int32(days - 1))
        let world = dir + "/world-\(days)"
        let logs = WorldCity.kxhigh.map { world + "/" + $0.code }
        if access(logs.last! + "/LOCK", F_OK) != 0 {
            note("generating \(days) days × 7 cities into \(world) (cached for later runs)…")
            removeTree(world)
            mkdir(dir, 0o755)
            mkdir(world, 0o755)
            for city in WorldCity.kxhigh {
                var w = CityWorld(city: city, seed: 1, start: start, end: end)
                let writer = try EventLogWriter(directory: world + "/" + city.code)
                while let r = w.next() { try writer.append(r) }
                try writer.close()
            }
        }
        let cores = availableCores()
        var rows: [(String, Double, Double, Int)] = []
        var parallelHash = ""
        for threads in [1, cores] where threads == 1 || cores > 1 {
            var replayBest = Double.infinity
            var backtestBest = Double.infinity
            var events = 0
            var hash = ""
            for _ in 0..<3 {
                var watch = Stopwatch()
                events = try replay(logs, threads: threads)
                replayBest = min(replayBest, watch.lap())
                let config = BacktestConfig(
                    logs: logs, strategy: .openMaker(OpenMaker.Parameters()),
                    exchange: ExchangeOptions(fillModel: .assume),
                    threads: threads, engineVersion: "bench")
                watch = Stopwatch()
                let result = try Backtest.run(config)
                backtestBest = min(backtestBest, watch.lap())
                precondition(hash.isEmpty || hash == result.outputHash, "the output hash changed between runs")
                hash = result.outputHash
            }
            rows.append(("\(threads) thread\(threads == 1 ? "" : "s")", replayBest, backtestBest, events))
            parallelHash = hash
            note("threads \(threads): output hash \(hash)")
        }
        // One merged stream in time order (one core): without limits (its output hash must be the
        // parallel run's), and with limits that bind the whole account.
        var account = RiskLimits()
        account.maxOpenOrders = 10
        account.maxExposurePerDay = Money(dollars: "5000")!
        account.killAfterLoss = Money(dollars: "100000")!
        let oneThreadReplay = rows.first?.1 ?? 1
        var merged: [(String, Double)] = []
        for (label, risk, mustMatch) in [
            ("merged", RiskLimits(), true), ("merged, account-wide limits", account, false),
        ] {
            var best = Double.infinity
            var hash = ""
            for _ in 0..<3 {
                var config = BacktestConfig(
                    logs: logs, strategy: .openMaker(OpenMaker.Parameters()),
                    exchange: ExchangeOptions(fillModel: .assume), threads: 1, engineVersion: "bench")
                config.merged = true
                config.risk = risk
                var watch = Stopwatch()
                let result = try Backtest.run(config)
                best = min(best, watch.lap())
                hash = result.outputHash
            }
            if mustMatch {
                precondition(hash == parallelHash, "the merged run's output hash is not the parallel run's")
            }
            note("\(label): output hash \(hash)")
            merged.append((label, best))
        }
        print("backtest benchmark: \(days) days × 7 cities, open_maker, fill model assume (best of 3)")
        print("  threads   events        replay (decode only)   backtest            backtest / replay")
        for (label, replay, backtest, events) in rows {
            func pad(_ s: String, _ n: Int) -> String {
                s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
            }
            let replayText = fmt(replay, 2) + " s (" + rate(events, replay) + ")"
            let backtestText = fmt(backtest, 2) + " s"
            print(
                "  " + pad(label, 10) + pad(String(events), 14) + pad(replayText, 23) + pad(backtestText, 20)
                    + fmt(backtest / replay, 2) + "×")
        }
        print("  one stream merged in time order (1 thread)        backtest            backtest / 1-thread replay")
        for (label, seconds) in merged {
            print(
                "  " + label + String(repeating: " ", count: max(1, 50 - label.count)) + fmt(seconds, 2) + " s"
                    + String(repeating: " ", count: 15) + fmt(seconds / oneThreadReplay, 2) + "×")
        }
    }

    /// Decodes every event of every log (candles through the fast path), summing a field.
    static func replay(_ logs: [String], threads: Int) throws -> Int {
        var total = 0
        for r in parallelMap(logs.count, threads: threads, { try Bench.replay(logs[$0]).count }) {
            total += try r.get()
        }
        return total
    }

    enum BenchError: Error { case replayFailed }
}
