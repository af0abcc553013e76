import ArgumentParser
import Glibc
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermPlatform
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

    func validate() throws {
        guard TuneMetric(rawValue: metric) != nil else {
            throw ValidationError("--metric must be one of \(TuneMetric.names)")
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

    func run() throws {
        try reportingErrors {
            let logs = try StatusCommand.logsIn(world)
            var tuner = OpenMakerTuner(
                logs: logs, metric: TuneMetric(rawValue: metric)!, trainRatio: trainRatio,
                fillModel: FillModel(rawValue: fillModel)!, betAmount: Money(dollars: betAmount)!, seed: seed,
                trials: trials, threads: threads ?? availableCores(), engineVersion: Isotherm.version)
            // Every trial reads the same logs: hash them once.
            tuner.contentHashes = try Backtest.contentHashes(of: logs)
            let split = try tuner.split(source: world)
            if !json {
                printError(
                    "tune: train \(split.train.lowerBound)…\(split.train.upperBound) (\(split.trainDays) days), test \(split.test.lowerBound)…\(split.test.upperBound) (\(split.testDays) days), \(trials) trials, metric \(metric)"
                )
            }
            var stored: [TuneTrial] = []
            if let storage, let bytes = try? Files.readWhole(storage) {
                stored = try TuneTrial.parse(storage: String(decoding: bytes, as: UTF8.self), file: storage)
            }
            let outcome = try tuner.run(split: split, stored: stored, storageName: storage ?? "") { i, t, new in
                guard new else { return }
                if let storage { try appendLine(storage, t.storageLine) }
                if !json { printError("  trial \(i)/\(trials): \(t.fields) → \(metric) \(fixed(t.value, 4))") }
            }
            let chosen = outcome.best
            let train = split.train
            if let saveBest {
                let text = """
                    {"strategy":"open_maker","metric":"\(metric)","entry_price":"\(FixedPoint.format(chosen.priceCents, scale: 2, minDecimals: 2))",\
                    "temp_bias_deg":\(DecisionText.degrees(tenths: chosen.biasTenths)),"basis_offset_days":\(chosen.offset),\
                    "train":"\(train.lowerBound)..\(train.upperBound)","seed":\(seed),"trials":\(trials)}

                    """
                try Files.writeAtomically(saveBest, Array(text.utf8))
            }
            let value = { (r: BacktestResult) in tuner.metric.value(r.metrics) }
            if json {
                var j = JSONWriter()
                j.beginObject()
                j.string("metric", metric)
                j.string("train", "\(train.lowerBound)..\(train.upperBound)")
                j.string("test", "\(split.test.lowerBound)..\(split.test.upperBound)")
                j.beginObject("best")
                j.string("entry_price", FixedPoint.format(chosen.priceCents, scale: 2, minDecimals: 2))
                j.rawNumber("temp_bias_deg", DecisionText.degrees(tenths: chosen.biasTenths))
                j.number("basis_offset_days", Int64(chosen.offset))
                j.endObject()
                j.rawNumber("train_value", fixed(value(outcome.train), 4))
                j.rawNumber("test_value", fixed(value(outcome.test), 4))
                j.string("train_pnl", DecisionText.dollars(outcome.train.metrics.totalPnL))
                j.string("test_pnl", DecisionText.dollars(outcome.test.metrics.totalPnL))
                j.bool("test_much_worse", outcome.testMuchWorse)
                j.beginObject("importance")
                for (name, share) in outcome.importance { j.rawNumber(name, fixed(share, 3)) }
                j.endObject()
                j.beginArray("trials")
                for t in outcome.trials {
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
                for (label, r) in [("train", outcome.train), ("test", outcome.test)] {
                    let m = r.metrics
                    print(
                        "  \(rightPad(label, 6)) \(leftPad(String(m.trades), 5)) trades, \(fixed(m.winRate * 100, 1))% win, \(BacktestReport.money(m.totalPnL)) P&L, "
                            + "ROI \(BacktestReport.percent(m.roi, sign: true)), Sharpe daily \(fixed(m.sharpeDaily, 3)), output hash \(r.outputHash.prefix(16))"
                    )
                }
                print(
                    "parameter importance: "
                        + outcome.importance.map { "\($0.0) \(fixed($0.1 * 100, 0))%" }.joined(separator: ", "))
                if outcome.testMuchWorse {
                    print(
                        "WARNING: the test period is much worse than training (per day): the parameters may be overfit")
                }
            }
        }
    }

    /// Appends `line` to the study file and syncs it (a trial is kept once it is written).
    func appendLine(_ path: String, _ line: String) throws {
        var line = line
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw CLIError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let n = line.withUTF8 { write(fd, $0.baseAddress, $0.count) }
        guard n == line.utf8.count, fsync(fd) == 0 else {
            throw CLIError("\(path): \(String(cString: strerror(errno)))")
        }
    }
}
