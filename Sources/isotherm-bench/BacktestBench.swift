import Glibc
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermStore
import IsothermWorld

/// The backtest benchmark: a generated year of the seven cities (cached under `dir`), replayed
/// (decode only) and backtested (open_maker), each on one core and on every core, in the same run.
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
            note("threads \(threads): output hash \(hash)")
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
