import Glibc
package import IsothermCore
package import IsothermDigest
package import IsothermEvents
package import IsothermStore

/// Which strategy a backtest runs, with its parameters.
package enum StrategyChoice: Equatable, Sendable {
    case openMaker(OpenMaker.Parameters)
    case midnightHeuristic(MidnightHeuristic.Parameters)

    package func make() -> any Strategy {
        switch self {
        case .openMaker(let p): OpenMaker(p)
        case .midnightHeuristic(let p): MidnightHeuristic(p)
        }
    }
}

/// A backtest: which logs, which strategy, which fill model, which dates.
package struct BacktestConfig: Sendable {
    /// One log per city (as `isotherm generate` writes them). Each is run on its own: cities never
    /// interact, so the logs run in parallel and the result is the same on one thread or many.
    package var logs: [String]
    package var strategy: StrategyChoice
    package var exchange: ExchangeOptions
    /// Event dates to trade (markets of other dates are ignored); nil: all.
    package var dates: ClosedRange<LocalDate>?
    package var threads: Int
    package var engineVersion: String
    package var risk = RiskLimits()
    /// The inputs' content hashes by path, when already known (a comparison or a tuning study runs the
    /// same logs many times; each hash reads every byte of a log). Missing paths are hashed.
    package var contentHashes: [String: String] = [:]

    package init(
        logs: [String], strategy: StrategyChoice, exchange: ExchangeOptions, dates: ClosedRange<LocalDate>? = nil,
        threads: Int = 1, engineVersion: String
    ) {
        self.logs = logs
        self.strategy = strategy
        self.exchange = exchange
        self.dates = dates
        self.threads = threads
        self.engineVersion = engineVersion
    }

    /// SHA-256 of the strategy, its parameters, the fill model and the dates: what, besides the
    /// inputs, decides the output.
    package var parameterHash: String {
        let s = strategy.make()
        var text = "strategy=\(s.name)\n"
        for f in s.parameters { text += "\(f.name)=\(f.value)\n" }
        text +=
            "fill_model=\(exchange.fillModel.rawValue)\nfill_window_min=\(exchange.windowMinutes.map(String.init) ?? "close")\n"
        text += "queue_ahead=\(exchange.queueAhead.hundredths)\n"
        text += "dates=\(dates.map { "\($0.lowerBound.iso8601)..\($0.upperBound.iso8601)" } ?? "all")\n"
        for f in risk.fields { text += "\(f.name)=\(f.value)\n" }
        return SHA256Hasher.hash(Array(text.utf8)).hex
    }
}

/// What one log's run read and produced.
package struct LogRun: Sendable {
    package var log: String
    package var inputs: UInt64
    package var firstSequence: UInt64
    package var lastSequence: UInt64
    package var contentHash: String
    package var output: [EventRecord]
    package var trades: [Trade]
    package var ordersPlaced: Int
}

package struct BacktestResult: Sendable {
    package var config: BacktestConfig
    package var strategyName: String
    package var parameters: [Field]
    package var runs: [LogRun]
    /// Every trade, ordered by event date, then city, then ticker.
    package var trades: [Trade]
    package var metrics: Metrics
    package var byCity: [(city: String, metrics: Metrics)]
    /// SHA-256 over every output event (decisions, orders, answers, timers) of every log in order and
    /// every trade's P&L line: the same inputs and parameters give the same hash anywhere.
    package var outputHash: String
    package var manifest: RunManifest
    package var seconds: Double
}

package enum BacktestError: Error, CustomStringConvertible {
    case log(String, any Error)
    /// A backtest reads a city's events in time order; imported logs may not be (sort them once).
    case notInTimeOrder(String, UInt64, Timestamp, Timestamp)

    package var description: String {
        switch self {
        case .log(let path, let e): "\(path): \(e)"
        case .notInTimeOrder(let path, let sequence, let time, let after):
            "\(path): event \(sequence) at \(time) comes after an event at \(after): the log is not in time order "
                + "(imports append as they fetch); run `isotherm log sort \(path) \(path)-sorted` and backtest that"
        }
    }
}

package enum Backtest {
    /// Runs the backtest. `progress` is called now and then with inputs read so far (any thread).
    package static func run(_ config: BacktestConfig, progress: @Sendable (UInt64) -> Void = { _ in }) throws
        -> BacktestResult
    {
        let start = monotonicSeconds()
        let results = parallelMap(config.logs.count, threads: config.threads) { i in
            try runLog(config.logs[i], config: config, progress: progress)
        }
        var runs: [LogRun] = []
        for (i, r) in results.enumerated() {
            do {
                runs.append(try r.get())
            } catch let e as BacktestError {
                throw e
            } catch {
                throw BacktestError.log(config.logs[i], error)
            }
        }
        return summarize(config, runs: runs, seconds: monotonicSeconds() - start)
    }

    static func runLog(_ path: String, config: BacktestConfig, progress: @Sendable (UInt64) -> Void) throws -> LogRun {
        var run = CityRun(
            label: path, strategy: config.strategy.make(), exchange: config.exchange, dates: config.dates,
            risk: config.risk)
        var first: UInt64 = 0
        var last: UInt64 = 0
        var latest = Timestamp(nanos: Int64.min)
        var disorder: (sequence: UInt64, time: Timestamp, after: Timestamp)?
        try withUnsafeMutablePointer(to: &run) { r in
            try EventLogReader(directory: path).forEach(
                candles: { sequence, time, candle in
                    if time < latest {
                        disorder = (sequence, time, latest)
                        return false
                    }
                    latest = time
                    r.pointee.candle(candle, at: time, sequence: sequence)
                    if first == 0 { first = sequence }
                    last = sequence
                    if sequence & 0xF_FFFF == 0 { progress(0x10_0000) }
                    return true
                },
                others: { sequence, record in
                    if record.time < latest {
                        disorder = (sequence, record.time, latest)
                        return false
                    }
                    latest = record.time
                    r.pointee.event(record, sequence: sequence)
                    if first == 0 { first = sequence }
                    last = sequence
                    return true
                })
        }
        if let d = disorder {
            throw BacktestError.notInTimeOrder(path, d.sequence, d.time, d.after)
        }
        run.finish()
        let hash = try config.contentHashes[path] ?? LogContentHash.sha256(directory: path).hex
        return LogRun(
            log: path, inputs: run.inputs, firstSequence: first, lastSequence: last, contentHash: hash,
            output: run.output,
            trades: run.trades, ordersPlaced: run.ordersPlaced)
    }

    static func summarize(_ config: BacktestConfig, runs: [LogRun], seconds: Double) -> BacktestResult {
        let strategy = config.strategy.make()
        let cityOrder = ["NY", "CHI", "MIA", "AUS", "DEN", "LAX", "PHIL"]
        func cityRank(_ c: String) -> Int { cityOrder.firstIndex(of: c) ?? cityOrder.count }
        let trades = runs.flatMap(\.trades).sorted {
            ($0.eventDate, cityRank($0.city), $0.city, $0.ticker.description)
                < ($1.eventDate, cityRank($1.city), $1.city, $1.ticker.description)
        }
        let position: (Trade) -> Int? = { $0.value("bracket_position").flatMap { Int($0) } }
        let metrics = Metrics(trades: trades, ordersPlaced: trades.count, position: position)
        var cities: [String] = []
        for t in trades where !cities.contains(t.city) { cities.append(t.city) }
        cities.sort { (cityRank($0), $0) < (cityRank($1), $1) }
        let byCity = cities.map { c in
            let ts = trades.filter { $0.city == c }
            return (c, Metrics(trades: ts, ordersPlaced: ts.count, position: position))
        }

        var hasher = SHA256Hasher()
        for (i, r) in runs.enumerated() {
            hasher.update(Array("log \(i) \(r.output.count)\n".utf8))
            for e in r.output { hasher.update(EventCodec.encode(e)) }
        }
        for t in trades {
            hasher.update(
                Array(
                    "trade \(t.clientOrderId) \(t.contracts.hundredths) \(t.cost.micros) \(t.fees.micros) \(t.netPnL.micros)\n"
                        .utf8))
        }
        let outputHash = hasher.finalize().hex
        let inputs = runs.map {
            RunInput(
                log: $0.log, firstSequence: $0.firstSequence, lastSequence: $0.lastSequence, contentHash: $0.contentHash
            )
        }
        var idText = config.parameterHash
        for i in inputs { idText += i.contentHash }
        let runId = String(SHA256Hasher.hash(Array(idText.utf8)).hex.prefix(12))
        let manifest = RunManifest(
            runId: runId, phase: .finished, runKind: "backtest", engineVersion: config.engineVersion,
            configHash: config.parameterHash,
            parameters: [Field("strategy", strategy.name)] + strategy.parameters + [
                Field("fill_model", config.exchange.fillModel.rawValue),
                Field("fill_window_min", config.exchange.windowMinutes.map(String.init) ?? "close"),
                Field(
                    "queue_ahead", FixedPoint.format(config.exchange.queueAhead.hundredths, scale: 2, minDecimals: 0)),
                Field("dates", config.dates.map { "\($0.lowerBound.iso8601)..\($0.upperBound.iso8601)" } ?? "all"),
            ] + config.risk.fields, inputs: inputs, outputHash: outputHash)
        return BacktestResult(
            config: config, strategyName: strategy.name, parameters: strategy.parameters, runs: runs, trades: trades,
            metrics: metrics, byCity: byCity, outputHash: outputHash, manifest: manifest, seconds: seconds)
    }

    /// The content hash of each log, for ``BacktestConfig/contentHashes``.
    package static func contentHashes(of logs: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for log in logs { out[log] = try LogContentHash.sha256(directory: log).hex }
        return out
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
