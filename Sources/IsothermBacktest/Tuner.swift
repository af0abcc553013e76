package import IsothermCore
package import IsothermEvents
package import IsothermWorld

/// What a tuning study maximises.
package enum TuneMetric: String, CaseIterable, Sendable {
    case totalPnL = "total_pnl"
    case sharpeDaily = "sharpe_daily"
    case sharpePerTrade = "sharpe_per_trade"
    case roi
    case winRate = "win_rate"

    package static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The metric of a run.
    package func value(_ m: Metrics) -> Double {
        switch self {
        case .sharpeDaily: m.sharpeDaily
        case .sharpePerTrade: m.sharpePerTrade
        case .roi: m.roi
        case .winRate: m.winRate
        case .totalPnL: Metrics.dollars(m.totalPnL)
        }
    }
}

/// One trial of open_maker's search space: a parameter set and the metric it scored on training.
package struct TuneTrial: Equatable, Sendable {
    package var priceCents: Int64
    package var biasTenths: Int32
    package var offset: Int32
    package var value = 0.0

    package init(priceCents: Int64, biasTenths: Int32, offset: Int32, value: Double = 0) {
        self.priceCents = priceCents
        self.biasTenths = biasTenths
        self.offset = offset
        self.value = value
    }

    /// `entry_price=0.45 temp_bias_deg=-1.5 basis_offset_days=1`.
    package var fields: String {
        "entry_price=\(FixedPoint.format(priceCents, scale: 2, minDecimals: 2)) temp_bias_deg=\(DecisionText.degrees(tenths: biasTenths)) basis_offset_days=\(offset)"
    }

    /// The trial as a line of the study file: `45 15 1 -26839.8`.
    package var storageLine: String { "\(priceCents) \(biasTenths) \(offset) \(value)\n" }

    /// The trials of a study file, in order.
    /// - Throws: ``TuneError/notATrial(file:line:text:)`` naming the first line that is not one.
    package static func parse(storage text: String, file: String) throws(TuneError) -> [TuneTrial] {
        var out: [TuneTrial] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 4, let c = Int64(parts[0]), let b = Int32(parts[1]), let o = Int32(parts[2]),
                let v = Double(parts[3])
            else { throw .notATrial(file: file, line: out.count + 1, text: String(line.prefix(60))) }
            out.append(TuneTrial(priceCents: c, biasTenths: b, offset: o, value: v))
        }
        return out
    }
}

/// Why a study cannot run.
package enum TuneError: Error, Equatable, CustomStringConvertible {
    /// The inputs trade on too few days to split them.
    case tooFewDays(source: String, days: Int)
    /// A stored trial is not the one the sampler draws with this seed at its place.
    case notDrawnBySeed(file: String, trial: Int, seed: UInt64)
    /// A line of the study file is not a trial.
    case notATrial(file: String, line: Int, text: String)

    package var description: String {
        switch self {
        case .tooFewDays(let source, let days):
            "\(source) has \(days) traded days; tuning needs at least 4"
        case .notDrawnBySeed(let file, let trial, let seed):
            "\(file): trial \(trial) was not drawn by --seed \(seed); use the study's seed or a new file"
        case .notATrial(let file, let line, let text):
            "\(file): line \(line) is not a trial (\(text))"
        }
    }
}

/// open_maker's tuner (the seed's search space): the traded event dates split in time (the first
/// `trainRatio` for training), trials drawn by a seeded sampler (random for ``randomTrials``, then steps
/// around the best so far), each backtested on the training dates; the best is then run on both
/// periods, with each parameter's importance. The same seed draws the same trials, so a study stored
/// as it goes resumes exactly.
package struct OpenMakerTuner: Sendable {
    package var logs: [String]
    package var metric: TuneMetric
    package var trainRatio: Double
    package var fillModel: FillModel
    package var betAmount: Money
    package var seed: UInt64
    package var trials: Int
    package var threads: Int
    package var engineVersion: String
    /// The logs' content hashes, when known (each trial reads the same logs).
    package var contentHashes: [String: String] = [:]

    package init(
        logs: [String], metric: TuneMetric, trainRatio: Double, fillModel: FillModel, betAmount: Money, seed: UInt64,
        trials: Int, threads: Int, engineVersion: String
    ) {
        self.logs = logs
        self.metric = metric
        self.trainRatio = trainRatio
        self.fillModel = fillModel
        self.betAmount = betAmount
        self.seed = seed
        self.trials = trials
        self.threads = threads
        self.engineVersion = engineVersion
    }

    /// The search space's entry prices, in cents.
    package static let prices: [Int64] = [30, 35, 40, 45, 50, 55]
    /// Trials drawn at random before the sampler starts stepping around the best (fixed, so a study
    /// resumed with more trials draws the same ones).
    package static let randomTrials = 10

    /// The training and test event dates.
    package struct Split: Equatable, Sendable {
        package var train: ClosedRange<LocalDate>
        package var test: ClosedRange<LocalDate>
        package var trainDays: Int
        package var testDays: Int
    }

    /// What a study found.
    package struct Outcome: Sendable {
        package var split: Split
        package var trials: [TuneTrial]
        package var best: TuneTrial
        package var train: BacktestResult
        package var test: BacktestResult
        /// Each parameter's share of the metric's variance across trials.
        package var importance: [(String, Double)]
        /// The test period is much worse than training (per day for total P&L): maybe overfit.
        package var testMuchWorse: Bool
    }

    /// The backtest of one trial over `dates`.
    package func config(_ t: TuneTrial, dates: ClosedRange<LocalDate>) -> BacktestConfig {
        var p = OpenMaker.Parameters()
        p.entryPrice = Price(cents: t.priceCents)
        p.biasTenths = t.biasTenths
        p.basisOffsetDays = t.offset
        p.betAmount = betAmount
        var c = BacktestConfig(
            logs: logs, strategy: .openMaker(p), exchange: ExchangeOptions(fillModel: fillModel),
            dates: DateFilter(from: dates.lowerBound, through: dates.upperBound), threads: threads,
            engineVersion: engineVersion)
        c.contentHashes = contentHashes
        return c
    }

    /// The traded event dates (one backtest at the seed's defaults), split in time.
    /// - Throws: ``TuneError/tooFewDays(source:days:)`` under four traded days; what a backtest throws.
    package func split(source: String) throws -> Split {
        let all = try Backtest.run(
            config(
                TuneTrial(priceCents: 50, biasTenths: 0, offset: 1),
                dates: LocalDate(daysSinceEpoch: 0)...LocalDate(daysSinceEpoch: 100_000)))
        let days = all.metrics.daily.map(\.date)
        guard days.count >= 4 else { throw TuneError.tooFewDays(source: source, days: days.count) }
        let cut = max(1, min(days.count - 1, Int((Double(days.count) * trainRatio).rounded())))
        return Split(
            train: days[0]...days[cut - 1], test: days[cut]...days[days.count - 1], trainDays: cut,
            testDays: days.count - cut)
    }

    /// Runs the study over `split`, taking the trials of `stored` (a resumed study) as already run.
    /// - Parameters:
    ///   - storageName: the study file's name, for errors.
    ///   - onTrial: called with each trial's number (from 1), the trial with its value, and whether it
    ///     was run now (false: taken from `stored`); a study file appends the new ones.
    /// - Throws: ``TuneError/notDrawnBySeed(file:trial:seed:)`` when a stored trial is not the one this
    ///   seed draws at its place; what a backtest or `onTrial` throws.
    package func run(
        split: Split, stored: [TuneTrial] = [], storageName: String = "",
        onTrial: (Int, TuneTrial, Bool) throws -> Void = { _, _, _ in }
    ) throws -> Outcome {
        var rng = SplitMix64(seed: seed)
        var done: [TuneTrial] = []
        var best: TuneTrial? = nil
        for i in 0..<trials {
            var t = Self.sample(&rng, index: i, best: best)
            if i < stored.count {
                let s = stored[i]
                guard (s.priceCents, s.biasTenths, s.offset) == (t.priceCents, t.biasTenths, t.offset) else {
                    throw TuneError.notDrawnBySeed(file: storageName, trial: i + 1, seed: seed)
                }
                t.value = s.value
                try onTrial(i + 1, t, false)
            } else {
                t.value = metric.value(try Backtest.run(config(t, dates: split.train)).metrics)
                try onTrial(i + 1, t, true)
            }
            done.append(t)
            if best.map({ t.value > $0.value }) ?? true { best = t }
        }
        let chosen = best!
        let train = try Backtest.run(config(chosen, dates: split.train))
        let test = try Backtest.run(config(chosen, dates: split.test))
        let perDay = { (r: BacktestResult) in
            metric.value(r.metrics) / (metric == .totalPnL ? Double(max(1, r.metrics.days)) : 1)
        }
        let trainPerDay = perDay(train)
        return Outcome(
            split: split, trials: done, best: chosen, train: train, test: test, importance: Self.importance(done),
            testMuchWorse: trainPerDay > 0 && perDay(test) < 0.5 * trainPerDay)
    }

    /// The next trial: random for the first ``randomTrials``, then a step around the best so far.
    package static func sample(_ rng: inout SplitMix64, index: Int, best: TuneTrial?) -> TuneTrial {
        if index < randomTrials || best == nil {
            return TuneTrial(
                priceCents: prices[Int(rng.below(UInt64(prices.count)))], biasTenths: Int32(rng.below(61)) - 30,
                offset: Int32(rng.below(2)))
        }
        let b = best!
        let i = prices.firstIndex(of: b.priceCents) ?? 0
        let step = Int(rng.below(3)) - 1
        let bias = min(30, max(-30, b.biasTenths + Int32((rng.gaussian() * 6).rounded())))
        let offset = rng.below(5) == 0 ? 1 - b.offset : b.offset
        return TuneTrial(priceCents: prices[min(prices.count - 1, max(0, i + step))], biasTenths: bias, offset: offset)
    }

    /// Each parameter's share of the metric's variance explained by grouping the trials on its value
    /// (the correlation ratio η²; bias grouped by whole degrees), normalized to sum to one.
    package static func importance(_ trials: [TuneTrial]) -> [(String, Double)] {
        let values = trials.map(\.value)
        let mean = values.reduce(0, +) / Double(max(1, values.count))
        let total = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        func eta(_ key: (TuneTrial) -> Int64) -> Double {
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
