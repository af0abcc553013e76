import ArgumentParser
import Glibc
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermWorld

struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Search open_maker's parameters on a training period and report them on the test period after it.",
        discussion: """
            The seed's tuner, kept and made reproducible: the event dates are split in time (the first \
            --train-ratio for training, the rest for testing); each trial backtests one parameter set on the \
            training dates; the best by --metric is then reported on both periods, with each parameter's \
            importance (the share of the metric's variance across trials its value explains) and a warning \
            when the test result is much worse than training.

            Search space (the seed's): entry_price in {0.30, 0.35, 0.40, 0.45, 0.50, 0.55}, temp_bias_deg in \
            [-3, 3] (tenths), basis_offset_days in {0, 1}. The sampler is seeded random search for the first 10 \
            trials, then steps around the best so far (not Optuna's TPE); the same seed gives the \
            same trials. --storage FILE keeps every trial as a JSON line: run the same command again to resume \
            or to share a study.

            Examples:
              isotherm tune --world world --trials 50 --metric total_pnl
              isotherm tune --world world --trials 40 --metric sharpe_daily --storage study.jsonl \\
                  --save-best config/open_maker_best_params.json
            """)

    @Option(name: .long, parsing: .unconditional, help: "A directory of city logs.")
    var world: String

    @Option(name: .long, parsing: .unconditional, help: "Trials to run in all (including those already in --storage).")
    var trials = 50

    @Option(name: .long, parsing: .unconditional, help: "total_pnl, sharpe_daily, sharpe_per_trade, roi or win_rate.")
    var metric = "total_pnl"

    @Option(name: .long, parsing: .unconditional, help: "Share of the event dates, from the start, used for training.")
    var trainRatio = 0.7

    @Option(name: .long, parsing: .unconditional, help: "assume, touch or queue.")
    var fillModel = "assume"

    @Option(name: .long, help: "Dollars per trade.")
    var betAmount = "200"

    @Option(name: .long, help: "Seed of the sampler.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "A JSON-lines file of trials: read to resume, appended to as trials finish.")
    var storage: String?

    @Option(name: .long, help: "Write the best parameters here as JSON.")
    var saveBest: String?

    @Option(name: .long, help: "Logs run at once (default: the number of cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    static let metrics = ["total_pnl", "sharpe_daily", "sharpe_per_trade", "roi", "win_rate"]
    static let prices: [Int64] = [30, 35, 40, 45, 50, 55]

    func validate() throws {
        guard Self.metrics.contains(metric) else {
            throw ValidationError("--metric must be one of \(Self.metrics.joined(separator: ", "))")
        }
        guard trainRatio > 0 && trainRatio < 1 else { throw ValidationError("--train-ratio must be between 0 and 1") }
        guard trials >= 1 && trials <= 10_000 else { throw ValidationError("--trials must be 1…10000") }
        guard FillModel(rawValue: fillModel) != nil else {
            throw ValidationError("--fill-model must be assume, touch or queue")
        }
        guard let bet = Money(dollars: betAmount), bet.micros >= 10_000 else {
            throw ValidationError("--bet-amount '\(betAmount)' is not dollars (at least 0.01)")
        }
        if let t = threads, !(1...256).contains(t) { throw ValidationError("--threads must be 1…256") }
    }

    struct Trial: Equatable {
        var priceCents: Int64
        var biasTenths: Int32
        var offset: Int32
        var value = 0.0
        var fields: String {
            "entry_price=\(FixedPoint.format(priceCents, scale: 2, minDecimals: 2)) temp_bias_deg=\(DecisionText.degrees(tenths: biasTenths)) basis_offset_days=\(offset)"
        }
    }

    func value(_ m: Metrics) -> Double {
        switch metric {
        case "sharpe_daily": m.sharpeDaily
        case "sharpe_per_trade": m.sharpePerTrade
        case "roi": m.roi
        case "win_rate": m.winRate
        default: Metrics.dollars(m.totalPnL)
        }
    }

    func config(_ t: Trial, logs: [String], dates: ClosedRange<LocalDate>, hashes: [String: String]) -> BacktestConfig {
        var p = OpenMaker.Parameters()
        p.entryPrice = Price(cents: t.priceCents)
        p.biasTenths = t.biasTenths
        p.basisOffsetDays = t.offset
        p.betAmount = Money(dollars: betAmount)!
        var c = BacktestConfig(
            logs: logs, strategy: .openMaker(p), exchange: ExchangeOptions(fillModel: FillModel(rawValue: fillModel)!),
            dates: DateFilter(from: dates.lowerBound, through: dates.upperBound), threads: threads ?? availableCores(),
            engineVersion: Isotherm.version)
        c.contentHashes = hashes
        return c
    }

    /// Trials drawn at random before the sampler starts stepping around the best (fixed, so a study
    /// resumed with more trials draws the same ones).
    static let randomTrials = 10

    /// The next trial: random for the first ``randomTrials``, then a step around the best so far.
    static func sample(_ rng: inout SplitMix64, index: Int, best: Trial?) -> Trial {
        if index < randomTrials || best == nil {
            return Trial(
                priceCents: prices[Int(rng.below(UInt64(prices.count)))], biasTenths: Int32(rng.below(61)) - 30,
                offset: Int32(rng.below(2)))
        }
        let b = best!
        let i = prices.firstIndex(of: b.priceCents) ?? 0
        let step = Int(rng.below(3)) - 1
        let bias = min(30, max(-30, b.biasTenths + Int32((rng.gaussian() * 6).rounded())))
        let offset = rng.below(5) == 0 ? 1 - b.offset : b.offset
        return Trial(priceCents: prices[min(prices.count - 1, max(0, i + step))], biasTenths: bias, offset: offset)
    }

    func run() throws {
        try reportingErrors {
            let logs = try StatusCommand.logsIn(world)
            // Every trial reads the same logs: hash them once.
            let hashes = try Backtest.contentHashes(of: logs)
            // The traded event dates, from one backtest at the seed's defaults.
            let all = try Backtest.run(
                config(
                    Trial(priceCents: 50, biasTenths: 0, offset: 1), logs: logs,
                    dates: LocalDate(daysSinceEpoch: 0)...LocalDate(daysSinceEpoch: 100_000), hashes: hashes))
            let days = all.metrics.daily.map(\.date)
            guard days.count >= 4 else {
                throw CLIError("\(world) has \(days.count) traded days; tuning needs at least 4")
            }
            let cut = max(1, min(days.count - 1, Int((Double(days.count) * trainRatio).rounded())))
            let train = days[0]...days[cut - 1]
            let test = days[cut]...days[days.count - 1]
            if !json {
                printError(
                    "tune: train \(train.lowerBound)…\(train.upperBound) (\(cut) days), test \(test.lowerBound)…\(test.upperBound) (\(days.count - cut) days), \(trials) trials, metric \(metric)"
                )
            }

            var done: [Trial] = []
            if let storage, let bytes = try? readWholeFile(storage) {
                for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                    let parts = line.split(separator: " ").map(String.init)
                    guard parts.count == 4, let c = Int64(parts[0]), let b = Int32(parts[1]), let o = Int32(parts[2]),
                        let v = Double(parts[3])
                    else { throw CLIError("\(storage): line \(done.count + 1) is not a trial (\(line.prefix(60)))") }
                    done.append(Trial(priceCents: c, biasTenths: b, offset: o, value: v))
                }
            }
            var rng = SplitMix64(seed: seed)
            var trialsOut: [Trial] = []
            var best: Trial? = nil
            for i in 0..<trials {
                var t = Self.sample(&rng, index: i, best: best)
                if i < done.count {
                    // A stored trial: the sampler must have drawn the same one (same seed and order).
                    guard
                        (done[i].priceCents, done[i].biasTenths, done[i].offset) == (
                            t.priceCents, t.biasTenths, t.offset
                        )
                    else {
                        throw CLIError(
                            "\(storage!): trial \(i + 1) was not drawn by --seed \(seed); use the study's seed or a new file"
                        )
                    }
                    t.value = done[i].value
                } else {
                    t.value = value(try Backtest.run(config(t, logs: logs, dates: train, hashes: hashes)).metrics)
                    if let storage {
                        var line = "\(t.priceCents) \(t.biasTenths) \(t.offset) \(t.value)\n"
                        let fd = open(storage, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                        guard fd >= 0 else { throw CLIError("\(storage): \(String(cString: strerror(errno)))") }
                        _ = line.withUTF8 { write(fd, $0.baseAddress, $0.count) }
                        fsync(fd)
                        close(fd)
                    }
                    if !json { printError("  trial \(i + 1)/\(trials): \(t.fields) → \(metric) \(fixed(t.value, 4))") }
                }
                trialsOut.append(t)
                if best.map({ t.value > $0.value }) ?? true { best = t }
            }
            let chosen = best!
            let trainResult = try Backtest.run(config(chosen, logs: logs, dates: train, hashes: hashes))
            let testResult = try Backtest.run(config(chosen, logs: logs, dates: test, hashes: hashes))
            let importance = Self.importance(trialsOut)
            let trainPerDay =
                value(trainResult.metrics) / (metric == "total_pnl" ? Double(max(1, trainResult.metrics.days)) : 1)
            let testPerDay =
                value(testResult.metrics) / (metric == "total_pnl" ? Double(max(1, testResult.metrics.days)) : 1)
            let overfit = trainPerDay > 0 && testPerDay < 0.5 * trainPerDay
            if let saveBest {
                let text = """
                    {"strategy":"open_maker","metric":"\(metric)","entry_price":"\(FixedPoint.format(chosen.priceCents, scale: 2, minDecimals: 2))",\
                    "temp_bias_deg":\(DecisionText.degrees(tenths: chosen.biasTenths)),"basis_offset_days":\(chosen.offset),\
                    "train":"\(train.lowerBound)..\(train.upperBound)","seed":\(seed),"trials":\(trials)}

                    """
                try writeWholeFile(saveBest, Array(text.utf8))
            }
            if json {
                var j = JSONWriter()
                j.beginObject()
                j.string("metric", metric)
                j.string("train", "\(train.lowerBound)..\(train.upperBound)")
                j.string("test", "\(test.lowerBound)..\(test.upperBound)")
                j.beginObject("best")
                j.string("entry_price", FixedPoint.format(chosen.priceCents, scale: 2, minDecimals: 2))
                j.rawNumber("temp_bias_deg", DecisionText.degrees(tenths: chosen.biasTenths))
                j.number("basis_offset_days", Int64(chosen.offset))
                j.endObject()
                j.rawNumber("train_value", fixed(value(trainResult.metrics), 4))
                j.rawNumber("test_value", fixed(value(testResult.metrics), 4))
                j.string("train_pnl", DecisionText.dollars(trainResult.metrics.totalPnL))
                j.string("test_pnl", DecisionText.dollars(testResult.metrics.totalPnL))
                j.bool("test_much_worse", overfit)
                j.beginObject("importance")
                for (name, share) in importance { j.rawNumber(name, fixed(share, 3)) }
                j.endObject()
                j.beginArray("trials")
                for t in trialsOut {
                    j.beginObject()
                    j.string("entry_price", FixedPoint.format(t.priceCents, scale: 2, minDecimals: 2))
                    j.rawNumber("temp_bias_deg", DecisionText.degrees(tenths: t.biasTenths))
                    j.number("basis_offset_days", Int64(t.offset))
                    j.rawNumber("value", fixed(t.value, 4))
                    j.endObject()
                }
                j.endArray()
                j.endObject()
                print(j.output)
            } else {
                print("best on training (\(metric) \(fixed(chosen.value, 4))): \(chosen.fields)")
                for (label, r) in [("train", trainResult), ("test", testResult)] {
                    let m = r.metrics
                    print(
                        "  \(rightPad(label, 6)) \(leftPad(String(m.trades), 5)) trades, \(fixed(m.winRate * 100, 1))% win, \(BacktestReport.money(m.totalPnL)) P&L, "
                            + "ROI \(BacktestReport.percent(m.roi, sign: true)), Sharpe daily \(fixed(m.sharpeDaily, 3)), output hash \(r.outputHash.prefix(16))"
                    )
                }
                print(
                    "parameter importance: "
                        + importance.map { "\($0.0) \(fixed($0.1 * 100, 0))%" }.joined(separator: ", "))
                if overfit {
                    print(
                        "WARNING: the test period is much worse than training (per day): the parameters may be overfit")
                }
            }
        }
    }

    /// Each parameter's share of the metric's variance explained by grouping the trials on its value
    /// (the correlation ratio η²; bias grouped by whole degrees), normalized to sum to one.
    static func importance(_ trials: [Trial]) -> [(String, Double)] {
        let values = trials.map(\.value)
        let mean = values.reduce(0, +) / Double(values.count)
        let total = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        func eta(_ key: (Trial) -> Int64) -> Double {
            guard total > 0 else { return 0 }
            var groups: [Int64: (Double, Int)] = [:]
            for t in trials {
                let g = groups[key(t)] ?? (0, 0)
                groups[key(t)] = (g.0 + t.value, g.1 + 1)
            }
            var between = 0.0
            for k in groups.keys.sorted() {
                let (sum, n) = groups[k]!
                let m = sum / Double(n)
                between += Double(n) * (m - mean) * (m - mean)
            }
            return between / total
        }
        let raw = [
            ("entry_price", eta { $0.priceCents }), ("temp_bias_deg", eta { Int64(($0.biasTenths + 300) / 10) }),
            ("basis_offset_days", eta { Int64($0.offset) }),
        ]
        let sum = raw.reduce(0) { $0 + $1.1 }
        return raw.map { ($0.0, sum > 0 ? $0.1 / sum : 0) }
    }
}
