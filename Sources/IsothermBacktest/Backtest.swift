import Glibc
package import IsothermCore
import IsothermDigest
package import IsothermEvents
import IsothermPlatform
import IsothermStore

/// A backtest: which logs, which strategy, which fill model, which dates, which risk limits.
package struct BacktestConfig: Sendable {
    /// The input logs: one per city (as `isotherm generate` writes them), one holding many cities (as
    /// `demo`, `import kalshi` and `import postgres` may write), or a mix. Every event goes to its
    /// city's run; a city's events must all be in one log. Logs are read in parallel.
    package var logs: [String]
    package var strategy: StrategyChoice
    package var exchange: ExchangeOptions
    /// Event dates to trade (markets of other dates are ignored).
    package var dates: DateFilter
    package var threads: Int
    package var engineVersion: String
    package var risk = RiskLimits()
    /// The cities to run, by code (nil: every city in the logs).
    package var cities: [String]?
    /// Run the logs as one stream merged in time order (then log, then sequence), keeping every city's
    /// timers and expiries in time order, even without account-wide limits (which imply it). The
    /// output is the same as the parallel run's when the limits bind each city (tested); the merged
    /// benchmark measures it.
    package var merged = false
    /// The inputs' content hashes by path, when already known (a comparison or a tuning study runs the
    /// same logs many times; each hash reads every byte of a log). Missing paths are hashed.
    package var contentHashes: [String: String] = [:]

    package init(
        logs: [String], strategy: StrategyChoice, exchange: ExchangeOptions, dates: DateFilter = DateFilter(),
        threads: Int = 1, engineVersion: String
    ) {
        self.logs = logs
        self.strategy = strategy
        self.exchange = exchange
        self.dates = dates
        self.threads = threads
        self.engineVersion = engineVersion
    }

    /// Everything besides the inputs that decides the output, as the manifest records it: the
    /// strategy and its parameters, the fill model, the dates and the risk limits.
    package var parameters: [Field] {
        [Field("strategy", strategy.kind.rawValue)] + strategy.fields + [
            Field("fill_model", exchange.fillModel.rawValue),
            Field("fill_window_min", exchange.windowMinutes.map(String.init) ?? "close"),
            Field("queue_ahead", FixedPoint.format(exchange.queueAhead.hundredths, scale: 2, minDecimals: 0)),
            Field("dates", dates.text),
        ] + (exchange.atExchange ? [Field("broker", "exchange")] : [])
            + (cities.map { [Field("cities", $0.joined(separator: ","))] } ?? []) + risk.fields
    }

    /// SHA-256 of ``parameters``.
    package var parameterHash: String {
        var text = ""
        for f in parameters { text += "\(f.name)=\(f.value)\n" }
        return SHA256Hasher.hash(Array(text.utf8)).hex
    }
}

/// An input log as a run read it.
package struct LogInput: Sendable {
    /// The path as given.
    package var log: String
    /// The absolute path the manifest records, so a runs log can be read from any directory.
    package var absolutePath: String
    package var firstSequence: UInt64
    package var lastSequence: UInt64
    package var contentHash: String
    /// Events about no city (manifests, raw feed frames).
    package var unrouted: UInt64
}

/// What one city's run read and produced.
package struct LogRun: Sendable {
    package var city: String
    /// Index of its input log in ``BacktestResult/logs``.
    package var logIndex: Int
    package var inputs: UInt64
    package var output: [EventRecord]
    package var trades: [Trade]
    package var buyOrders: Int
    package var crossedOrders: Int
    package var coverage: CityRun.Coverage
}

package struct BacktestResult: Sendable {
    package var config: BacktestConfig
    package var strategyName: String
    package var parameters: [Field]
    package var logs: [LogInput]
    /// One per city, in the catalog's order (then by code).
    package var runs: [LogRun]
    /// Every trade, ordered by event date, then city, then ticker.
    package var trades: [Trade]
    package var metrics: Metrics
    package var byCity: [(city: String, metrics: Metrics)]
    /// SHA-256 over every city's output events (decisions, orders, answers, timers) in city order and
    /// every trade's P&L line: the same data and parameters give the same hash anywhere, however the
    /// data is laid out in logs (see ``Backtest/outputHash(_:trades:)``).
    package var outputHash: String
    package var manifest: RunManifest
    package var seconds: Double
    /// Why a run with markets placed no order, and what the data covers (nil when orders were placed).
    package var diagnosis: Diagnosis?
}

extension BacktestResult {
    /// The events `isotherm backtest --save` appends to a runs log for this run: per city, a `started`
    /// manifest naming the city (`section_city`) and the input log its decisions' sequence numbers
    /// refer to, then that city's decisions, orders, answers and timers; last, the `finished` manifest.
    /// ``RunsLogFraming`` reads this layout for `isotherm replay`, `audit` and the Postgres sim
    /// projection (`Schemas/runs-log.md`).
    package var runsLogEvents: [EventRecord] {
        var out: [EventRecord] = []
        for run in runs {
            var marker = manifest
            marker.phase = .started
            marker.inputs = [manifest.inputs[run.logIndex]]
            marker.parameters = manifest.parameters + [Field(RunsLog.sectionCityParameter, run.city)]
            marker.outputHash = ""
            out.append(EventRecord(time: run.output.first?.time ?? Timestamp(nanos: 0), event: .runManifest(marker)))
            out += run.output
        }
        out.append(
            EventRecord(
                time: trades.last.map { $0.eventDate.advanced(by: 2).startUTC } ?? Timestamp(nanos: 0),
                event: .runManifest(manifest)))
        return out
    }
}

package enum BacktestError: Error, CustomStringConvertible {
    case log(String, any Error)
    /// A backtest reads a city's events in time order; imported logs may not be (sort them once).
    case notInTimeOrder(String, UInt64, Timestamp, Timestamp)
    /// A city's events are split over two input logs.
    case cityInTwoLogs(String, String, String)

    package var description: String {
        switch self {
        case .log(let path, let e): "\(path): \(e)"
        case .notInTimeOrder(let path, let sequence, let time, let after):
            "\(path): event \(sequence) at \(time) comes after an event at \(after): the log is not in time order "
                + "(imports append as they fetch); run `isotherm log sort \(path) \(path)-sorted` and backtest that"
        case .cityInTwoLogs(let city, let a, let b):
            "city \(city) has events in \(a) and in \(b): a city's events must come from one log; merge them with "
                + "`isotherm log sort \(a) \(b) OUT` and backtest OUT"
        }
    }
}

package enum Backtest {
    /// Runs the backtest. `progress` is called every 65,536 sequences of a log with that count (any thread).
    package static func run(_ config: BacktestConfig, progress: @Sendable (UInt64) -> Void = { _ in }) throws
        -> BacktestResult
    {
        let start = SystemClock.monotonicSeconds()
        if config.merged || config.risk.isAccountWide {
            let (logs, runs) = try runMerged(config, progress: progress)
            return summarize(config, logs: logs, runs: runs, seconds: SystemClock.monotonicSeconds() - start)
        }
        let results = parallelMap(config.logs.count, threads: config.threads) { i in
            try runLog(config.logs[i], index: i, config: config, progress: progress)
        }
        var logs: [LogInput] = []
        var runs: [LogRun] = []
        for (i, r) in results.enumerated() {
            do {
                let (input, cityRuns) = try r.get()
                logs.append(input)
                for run in cityRuns {
                    if let other = runs.first(where: { $0.city == run.city }) {
                        throw BacktestError.cityInTwoLogs(run.city, config.logs[other.logIndex], config.logs[i])
                    }
                    runs.append(run)
                }
            } catch let e as BacktestError {
                throw e
            } catch let e as UnroutableEvent {
                throw BacktestError.log(config.logs[i], e)
            } catch {
                throw BacktestError.log(config.logs[i], error)
            }
        }
        runs.sort { (City.rank($0.city), $0.city) < (City.rank($1.city), $1.city) }
        return summarize(config, logs: logs, runs: runs, seconds: SystemClock.monotonicSeconds() - start)
    }

    static func runLog(_ path: String, index: Int, config: BacktestConfig, progress: @Sendable (UInt64) -> Void)
        throws -> (LogInput, [LogRun])
    {
        var driver = LogDriver(log: path, cities: config.cities) { city in
            CityRun(
                city: city, strategy: config.strategy.make(), exchange: config.exchange, dates: config.dates,
                risk: config.risk)
        }
        var first: UInt64 = 0
        var last: UInt64 = 0
        var latest = Timestamp(nanos: Int64.min)
        var disorder: (sequence: UInt64, time: Timestamp, after: Timestamp)?
        var failure: UnroutableEvent?
        try withUnsafeMutablePointer(to: &driver) { d in
            try EventLogReader(directory: path).forEach(
                candles: { sequence, time, candle in
                    if time.nanos < latest.nanos {
                        disorder = (sequence, time, latest)
                        return false
                    }
                    latest = time
                    do throws(UnroutableEvent) {
                        try d.pointee.candle(candle, at: time, sequence: sequence)
                    } catch {
                        failure = error
                        return false
                    }
                    if first == 0 { first = sequence }
                    last = sequence
                    if sequence & 0xFFFF == 0 { progress(0x1_0000) }
                    return true
                },
                others: { sequence, record in
                    if record.time < latest {
                        disorder = (sequence, record.time, latest)
                        return false
                    }
                    latest = record.time
                    do throws(UnroutableEvent) {
                        try d.pointee.event(record, sequence: sequence)
                    } catch {
                        failure = error
                        return false
                    }
                    if first == 0 { first = sequence }
                    last = sequence
                    return true
                })
        }
        if let failure { throw failure }
        if let d = disorder {
            throw BacktestError.notInTimeOrder(path, d.sequence, d.time, d.after)
        }
        driver.finish()
        let hash = try config.contentHashes[path] ?? LogContentHash.sha256(directory: path).hex
        let input = LogInput(
            log: path, absolutePath: absolutePath(path), firstSequence: first, lastSequence: last, contentHash: hash,
            unrouted: driver.unrouted)
        let runs = driver.runs.map { r in
            LogRun(
                city: r.city, logIndex: index, inputs: r.inputs, output: r.output, trades: r.trades,
                buyOrders: r.buyOrders, crossedOrders: r.crossedOrders, coverage: r.coverage)
        }
        return (input, runs)
    }

    /// Every log as one stream, merged in time order (then log, then sequence: ``EventMerge``), through
    /// one ``LogDriver`` whose cities keep their timers and expiries in time order and, when the limits
    /// bind the account, share one risk book. A city's events must still come from one log.
    static func runMerged(_ config: BacktestConfig, progress: @Sendable (UInt64) -> Void) throws
        -> ([LogInput], [LogRun])
    {
        /// Everything the merge's callbacks change, behind one pointer: a captured local passed `inout`
        /// costs a dynamic exclusivity check per event.
        struct State {
            var driver: LogDriver
            var first: [UInt64]
            var last: [UInt64]
            var unrouted: [UInt64]
            /// The log each city's events came from (by run index).
            var logOfRun: [Int] = []
            var source = -1
            var count: UInt64 = 0
            var failure: (any Error)?

            /// Before an event of log `from`: errors name that log.
            @inline(__always)
            mutating func enter(_ from: Int, _ logs: [String]) {
                if from != source {
                    source = from
                    driver.log = logs[from]
                }
            }

            /// After it: the log's counts, and the check that a city's events come from one log.
            @inline(__always)
            mutating func after(_ from: Int, _ sequence: UInt64, unroutedBefore: UInt64, _ logs: [String]) -> Bool {
                unrouted[from] += driver.unrouted - unroutedBefore
                if let r = driver.lastRun {
                    if r == logOfRun.count {
                        logOfRun.append(from)
                    } else if logOfRun[r] != from {
                        failure = BacktestError.cityInTwoLogs(driver.runs[r].city, logs[logOfRun[r]], logs[from])
                        return false
                    }
                }
                if first[from] == 0 { first[from] = sequence }
                last[from] = sequence
                count += 1
                return true
            }
        }
        let logs = config.logs
        var state = State(
            driver: LogDriver(log: logs.first ?? "", cities: config.cities, ordered: true, risk: config.risk) { city in
                CityRun(
                    city: city, strategy: config.strategy.make(), exchange: config.exchange, dates: config.dates,
                    risk: config.risk)
            },
            first: [UInt64](repeating: 0, count: logs.count), last: [UInt64](repeating: 0, count: logs.count),
            unrouted: [UInt64](repeating: 0, count: logs.count))
        var merge = try CandleMerge(directories: logs)
        /// Stops the merge after a failure the callbacks recorded.
        struct Stop: Error {}
        do {
            try withUnsafeMutablePointer(to: &state) { s in
                try merge.forEach(
                    candles: { from, sequence, time, candle in
                        s.pointee.enter(from, logs)
                        let before = s.pointee.driver.unrouted
                        do throws(UnroutableEvent) {
                            try s.pointee.driver.candle(candle, at: time, sequence: sequence)
                        } catch {
                            s.pointee.failure = BacktestError.log(logs[from], error)
                            throw Stop()
                        }
                        guard s.pointee.after(from, sequence, unroutedBefore: before, logs) else { throw Stop() }
                        if s.pointee.count & 0xFFFF == 0 { progress(0x1_0000) }
                    },
                    others: { from, sequence, record in
                        s.pointee.enter(from, logs)
                        let before = s.pointee.driver.unrouted
                        do throws(UnroutableEvent) {
                            try s.pointee.driver.event(record, sequence: sequence)
                        } catch {
                            s.pointee.failure = BacktestError.log(logs[from], error)
                            throw Stop()
                        }
                        guard s.pointee.after(from, sequence, unroutedBefore: before, logs) else { throw Stop() }
                    })
            }
        } catch let e as MergeOrderError {
            throw BacktestError.notInTimeOrder(e.directory, e.sequence, e.time, e.previous)
        } catch is Stop {
            throw state.failure ?? BacktestError.log(logs[max(0, state.source)], Stop())
        }
        state.driver.finish()
        var inputs: [LogInput] = []
        for (i, path) in logs.enumerated() {
            let hash = try config.contentHashes[path] ?? LogContentHash.sha256(directory: path).hex
            inputs.append(
                LogInput(
                    log: path, absolutePath: absolutePath(path), firstSequence: state.first[i],
                    lastSequence: state.last[i], contentHash: hash, unrouted: state.unrouted[i]))
        }
        let runs = state.driver.runs.enumerated().map { (i, r) in
            LogRun(
                city: r.city, logIndex: state.logOfRun[i], inputs: r.inputs, output: r.output, trades: r.trades,
                buyOrders: r.buyOrders, crossedOrders: r.crossedOrders, coverage: r.coverage)
        }
        .sorted { (City.rank($0.city), $0.city) < (City.rank($1.city), $1.city) }
        return (inputs, runs)
    }

    static func summarize(_ config: BacktestConfig, logs: [LogInput], runs: [LogRun], seconds: Double)
        -> BacktestResult
    {
        let strategy = config.strategy.make()
        let trades = runs.flatMap(\.trades).sorted {
            ($0.eventDate, City.rank($0.city), $0.city, $0.ticker.description)
                < ($1.eventDate, City.rank($1.city), $1.city, $1.ticker.description)
        }
        let position: (Trade) -> Int? = { $0.value("bracket_position").flatMap { Int($0) } }
        var metrics = Metrics(trades: trades, ordersPlaced: runs.reduce(0) { $0 + $1.buyOrders }, position: position)
        metrics.count(runs.flatMap(\.output), crossed: runs.reduce(0) { $0 + $1.crossedOrders })
        let byCity = runs.filter { r in trades.contains { $0.city == r.city } }.map { r in
            let ts = trades.filter { $0.city == r.city }
            var m = Metrics(trades: ts, ordersPlaced: r.buyOrders, position: position)
            m.count(r.output, crossed: r.crossedOrders)
            return (r.city, m)
        }
        let outputHash = Self.outputHash(runs, trades: trades)
        let inputs = logs.map {
            RunInput(
                log: $0.absolutePath, firstSequence: $0.firstSequence, lastSequence: $0.lastSequence,
                contentHash: $0.contentHash)
        }
        var idText = config.parameterHash
        for i in inputs { idText += i.contentHash }
        let runId = String(SHA256Hasher.hash(Array(idText.utf8)).hex.prefix(12))
        let manifest = RunManifest(
            runId: runId, phase: .finished, runKind: "backtest", engineVersion: config.engineVersion,
            configHash: config.parameterHash, parameters: config.parameters, inputs: inputs, outputHash: outputHash)
        let diagnosis = metrics.ordersPlaced == 0 ? Diagnosis(config: config, runs: runs) : nil
        return BacktestResult(
            config: config, strategyName: strategy.name, parameters: strategy.parameters, logs: logs, runs: runs,
            trades: trades, metrics: metrics, byCity: byCity, outputHash: outputHash, manifest: manifest,
            seconds: seconds, diagnosis: diagnosis)
    }

    /// SHA-256 over each city's run in city order — a line naming the city and its event count, then
    /// each output event's canonical encoding — then each trade's P&L line. A decision's input
    /// sequence numbers are left out of the hash: they say where in which log the decision read its
    /// inputs (kept in the runs log, compared by `replay --verify`, shown by `audit`), and they differ
    /// when the same data is laid out in other logs. Everything the run did is in it: every decision's
    /// strategy, action, parameters, values and reason; every order, answer and timer with its time.
    package static func outputHash(_ runs: [LogRun], trades: [Trade]) -> String {
        var hasher = SHA256Hasher()
        for r in runs {
            hasher.update(Array("city \(r.city) \(r.output.count)\n".utf8))
            for e in r.output { hasher.update(canonicalBytes(e)) }
        }
        for t in trades {
            hasher.update(
                Array(
                    "trade \(t.clientOrderId) \(t.contracts.hundredths) \(t.cost.micros) \(t.fees.micros) \(t.netPnL.micros)\n"
                        .utf8))
        }
        return hasher.finalize().hex
    }

    /// An output event's bytes for the output hash: its encoding, a decision without its input
    /// sequence numbers.
    static func canonicalBytes(_ e: EventRecord) -> [UInt8] {
        guard case .strategyDecision(var d) = e.event else { return EventCodec.encode(e) }
        d.inputSequences = []
        return EventCodec.encode(EventRecord(time: e.time, event: .strategyDecision(d)))
    }

    /// The content hash of each log, for ``BacktestConfig/contentHashes``.
    package static func contentHashes(of logs: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for log in logs { out[log] = try LogContentHash.sha256(directory: log).hex }
        return out
    }

    /// `path` absolute and free of symbolic links (as the Postgres projector names logs), so a runs log
    /// can be read from any directory; the path itself when it cannot be resolved.
    package static func absolutePath(_ path: String) -> String {
        guard let p = realpath(path, nil) else { return path }
        defer { free(p) }
        return String(cString: p)
    }
}

/// Why a backtest over data that holds markets placed no order: what the strategy's skip decisions
/// said (by reason), and what dates the data covers against the dates asked for.
package struct Diagnosis: Sendable {
    /// Skip decisions by reason code (`no_forecast`, `listed_after_open`, …), most frequent first.
    package var skips: [(reason: String, count: Int)]
    /// Event dates of all markets in the data, and how many events fall in the run's dates.
    package var marketDates: ClosedRange<LocalDate>?
    package var eventsInRange: Int
    /// Target dates of the data's daily forecasts.
    package var forecastDates: ClosedRange<LocalDate>?
    package var requested: DateFilter

    init(config: BacktestConfig, runs: [LogRun]) {
        requested = config.dates
        var counts: [(String, Int)] = []
        for r in runs {
            for e in r.output {
                guard case .strategyDecision(let d) = e.event, d.action == .skip else { continue }
                let code = d.values.first { $0.name == "skip_reason" }?.value ?? "other"
                if let i = counts.firstIndex(where: { $0.0 == code }) {
                    counts[i].1 += 1
                } else {
                    counts.append((code, 1))
                }
            }
        }
        skips = counts.sorted { ($1.1, $0.0) < ($0.1, $1.0) }.map { (reason: $0.0, count: $0.1) }
        func union(_ a: ClosedRange<LocalDate>?, _ b: ClosedRange<LocalDate>?) -> ClosedRange<LocalDate>? {
            guard let a else { return b }
            guard let b else { return a }
            return min(a.lowerBound, b.lowerBound)...max(a.upperBound, b.upperBound)
        }
        marketDates = runs.reduce(nil) { union($0, $1.coverage.marketDates) }
        forecastDates = runs.reduce(nil) { union($0, $1.coverage.forecastDates) }
        eventsInRange = runs.reduce(0) { $0 + $1.coverage.eventsInRange }
    }

    /// One line per finding, for the report and standard error.
    package var lines: [String] {
        var out: [String] = []
        let covered = marketDates.map { "\($0.lowerBound.iso8601) to \($0.upperBound.iso8601)" } ?? "no markets"
        out.append(
            "the data's markets cover event dates \(covered); \(eventsInRange) event(s) fall in the dates asked for (\(requested.text))"
        )
        if let f = forecastDates {
            out.append("its daily forecasts cover target dates \(f.lowerBound.iso8601) to \(f.upperBound.iso8601)")
        } else {
            out.append("it holds no daily forecast")
        }
        for s in skips { out.append("\(s.count) event(s) skipped: \(SkipReason.words(s.reason))") }
        return out
    }
}

extension SkipReason {
    /// What a skip reason code means, for people.
    package static func words(_ code: String) -> String {
        switch code {
        case noForecast: "no forecast for the event date was known at the decision (no_forecast)"
        case noBracket: "no bracket paid on the forecast (no_bracket)"
        case betTooSmall: "the bet buys no contract at the price (bet_too_small)"
        case listedAfterOpen:
            "the markets were listed after their open, so no order could be placed at it (listed_after_open)"
        case noClock: "the city has no clock in the catalog (no_clock)"
        case noEdge: "no bracket's edge reached the threshold (no_edge)"
        case noQuotes: "no bracket was offered at the decision (no_quotes)"
        default: code
        }
    }
}
