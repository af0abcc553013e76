import ArgumentParser
import Glibc
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermLog
import IsothermStore

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract:
            "Run a strategy over logs with the live trader's reducers and a simulated exchange; print the report.",
        discussion: """
            Strategies (../shared/design/strategies.md, ARCHITECTURE.md):
              open_maker   at market open, buy YES as maker at --price in the bracket holding the forecast + --bias
              exit         open_maker, then sell at the bid when the bracket --exit-distance away bids --edge-cents above ours
              next_over    open_maker, then sell at the bid before the predicted high if the next bracket up is rich and ours cheap
              curve_gap    open_maker, then before the predicted high move up (down) a bracket when observations run \
            --gap-min ahead of (behind) the hourly forecast and still rise (fall) --slope-min per hour
              midnight_heuristic  at local midnight, buy (taker) the bracket whose model probability beats its ask by \
            --edge-threshold (model: forecast + α·recent error + β·trend, spread γ + δ·|error|); adjust two hours before the peak

            Fill models: assume (every maker order fills, the seed's), touch (fills only if the market traded or was \
            offered at or below the price within --fill-window minutes of posting, default 120), queue (the volume \
            traded at or through the price, behind --queue-ahead contracts resting first).

            Every run ends with a run id, the hash of its parameters and inputs, and an output hash over its \
            decisions, orders, fills and P&L: the same logs and flags give the same hash on any machine, in debug or \
            release, with one thread or many.

            Examples:
              isotherm generate --out world --start 2025-01-01 --end 2025-12-31
              isotherm backtest --world world --all-cities --price 0.50
              isotherm backtest --world world --city CHI --days 90 --fill-model touch --json
              isotherm backtest --world world --compare open_maker,exit,next_over
              isotherm backtest --world world --save runs --debug 5 --report backtest.html
            """)

    @Option(name: .long, help: "A directory of city logs (as isotherm generate writes them).")
    var world: String?

    @Option(name: .long, help: "A city log; repeat for several.")
    var log: [String] = []

    @Flag(name: .long, help: "Every city found (the default).")
    var allCities = false

    @Option(name: .long, help: "Only these cities (comma-separated: NY,CHI,…).")
    var city: String?

    @Option(name: .long, help: "The last N event dates up to --end-date (default: the end of the data).")
    var days: Int?

    @Option(name: .long, help: "First event date (YYYY-MM-DD).")
    var startDate: String?

    @Option(name: .long, help: "Last event date (YYYY-MM-DD).")
    var endDate: String?

    @Option(name: .long, help: "Entry price in dollars (0.01–0.99).")
    var price = "0.50"

    @Option(name: .long, help: "Added to the forecast before the bracket lookup, °F.")
    var bias = "0.0"

    @Option(
        name: .long,
        help: "Forecast basis: 1 = the day before the event date, 0 = the same day (falls back to the latest earlier).")
    var basisOffset: Int32 = 1

    @Option(name: .long, help: "Dollars per trade; contracts = floor(bet / price).")
    var betAmount = "200"

    @Option(name: .long, help: "open_maker, exit or next_over.")
    var strategy = "open_maker"

    @Option(name: .long, help: "assume, touch or queue.")
    var fillModel = "assume"

    @Option(
        name: .long,
        help: "Minutes a maker order rests before it is canceled (touch, queue); 0: until the market closes.")
    var fillWindow: Int64 = 120

    @Option(name: .long, help: "Contracts resting ahead of ours (queue).")
    var queueAhead: Int64 = 250

    @Option(name: .long, help: "exit: cents the far bracket must bid above ours.")
    var edgeCents: Int64 = 5

    @Option(name: .long, help: "exit: minutes after entry before exits are considered.")
    var exitAfter: Int64 = 60

    @Option(name: .long, help: "exit: minutes after entry after which exits stop.")
    var exitLatest: Int64 = 360

    @Option(name: .long, help: "exit: brackets away to watch (1 or 2).")
    var exitDistance = 2

    @Option(name: .long, help: "next_over, curve_gap: minutes before the predicted high to decide.")
    var decisionOffset: Int64 = 60

    @Option(name: .long, help: "next_over: the next bracket's price at or above this, cents.")
    var neighborPriceMin: Int64 = 50

    @Option(name: .long, help: "next_over: our price at or below this, cents.")
    var ourPriceMax: Int64 = 30

    @Option(name: .long, help: "curve_gap: °F the observations must run ahead of (or behind) the hourly forecast.")
    var gapMin = "2.0"

    @Option(name: .long, help: "curve_gap: °F per hour they must still be rising (or falling).")
    var slopeMin = "0.5"

    @Option(name: .long, help: "curve_gap: brackets to move at most.")
    var maxShiftBins = 1

    @Option(name: .long, help: "midnight_heuristic: weight of the last three days' forecast error.")
    var alpha = 0.5

    @Option(name: .long, help: "midnight_heuristic: weight of the last three days' observed trend (°F/day).")
    var beta = 0.3

    @Option(name: .long, help: "midnight_heuristic: base spread of the model (°F).")
    var gamma = 2.0

    @Option(name: .long, help: "midnight_heuristic: spread added per °F of recent forecast error.")
    var delta = 0.3

    @Option(name: .long, help: "midnight_heuristic: minimum model-minus-ask edge to enter (0–1).")
    var edgeThreshold = 0.05

    @Option(name: .long, help: "midnight_heuristic: an adjacent bracket's edge at which the stake is split.")
    var splitThreshold = 0.03

    @Option(name: .long, help: "Risk: most contracts in one order.")
    var maxContracts: Int64?

    @Option(name: .long, help: "Risk: most dollars bought in one event.")
    var maxEventExposure: String?

    @Option(name: .long, help: "Risk: most dollars bought on one day (per city log).")
    var maxDayExposure: String?

    @Option(name: .long, help: "Risk: most orders resting at once.")
    var maxOpenOrders: Int?

    @Option(
        name: .long, help: "Risk: refuse every order once the realized loss reaches this many dollars (kill switch).")
    var killAfterLoss: String?

    @Option(name: .long, help: "Compare strategies side by side (comma-separated).")
    var compare: String?

    @Option(name: .long, help: "Append the run (manifest, decisions, orders, fills) to this runs log.")
    var save: String?

    @Option(
        name: .long, help: "Write a self-contained HTML report (equity curve, drawdown, daily P&L, cities, manifest).")
    var report: String?

    @Option(name: .long, help: "Print N trades in detail.")
    var debug: Int?

    @Option(name: .long, help: "Logs run at once (default: the number of cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print JSON (metrics, by city, trades).")
    var json = false

    func validate() throws {
        guard world != nil || !log.isEmpty else { throw ValidationError("give --world DIR or --log DIR") }
        guard let p = Price(dollars: price), p.micros > 0, p.micros < 1_000_000 else {
            throw ValidationError("--price '\(price)' must be a dollar amount between 0.01 and 0.99")
        }
        guard Temperature(fahrenheit: bias) != nil else {
            throw ValidationError("--bias '\(bias)' is not degrees (e.g. -1.5)")
        }
        guard let bet = Money(dollars: betAmount), bet.micros > 0 else {
            throw ValidationError("--bet-amount '\(betAmount)' is not dollars")
        }
        guard FillModel(rawValue: fillModel) != nil else {
            throw ValidationError("--fill-model must be assume, touch or queue")
        }
        for s in (compare ?? strategy).split(separator: ",") where !Self.strategies.contains(String(s)) {
            throw ValidationError(
                "--strategy '\(s)' is not one of \(Self.strategies.joined(separator: ", "))"
            )
        }
        if let d = days, d < 1 { throw ValidationError("--days must be at least 1") }
        for (name, v) in [
            ("--max-event-exposure", maxEventExposure), ("--max-day-exposure", maxDayExposure),
            ("--kill-after-loss", killAfterLoss),
        ] {
            if let v, Money(dollars: v) == nil { throw ValidationError("\(name) '\(v)' is not dollars") }
        }
        for (name, v) in [("--start-date", startDate), ("--end-date", endDate)] {
            if let v, LocalDate(iso8601: v) == nil { throw ValidationError("\(name) '\(v)' is not a YYYY-MM-DD date") }
        }
    }

    static let strategies = ["open_maker", "exit", "next_over", "curve_gap", "midnight_heuristic"]

    func parameters(for name: String) -> StrategyChoice {
        if name == "midnight_heuristic" {
            var m = MidnightHeuristic.Parameters()
            m.alpha = alpha
            m.beta = beta
            m.gamma = gamma
            m.delta = delta
            m.edgeThreshold = edgeThreshold
            m.splitThreshold = splitThreshold
            m.betAmount = Money(dollars: betAmount)!
            return .midnightHeuristic(m)
        }
        var p = OpenMaker.Parameters()
        p.entryPrice = Price(dollars: price)!
        p.biasTenths = Temperature(fahrenheit: bias)!.tenths
        p.basisOffsetDays = basisOffset
        p.betAmount = Money(dollars: betAmount)!
        if name == "exit" {
            var e = OpenMaker.ExitRule()
            e.edgeCents = edgeCents
            e.afterMinutes = exitAfter
            e.latestMinutes = exitLatest
            e.distance = exitDistance
            p.exit = e
        }
        if name == "next_over" {
            var n = OpenMaker.NextOverRule()
            n.offsetMinutes = decisionOffset
            n.neighborMinCents = neighborPriceMin
            n.ourMaxCents = ourPriceMax
            p.nextOver = n
        }
        if name == "curve_gap" {
            var c = OpenMaker.CurveGapRule()
            c.offsetMinutes = decisionOffset
            c.gapMinTenths = Temperature(fahrenheit: gapMin)?.tenths ?? 20
            c.slopeMinTenthsPerHour = Temperature(fahrenheit: slopeMin)?.tenths ?? 5
            c.maxShiftBins = maxShiftBins
            p.curveGap = c
        }
        return .openMaker(p)
    }

    func run() throws {
        try reportingErrors {
            let logs = try selectedLogs()
            let range = try dateRange(logs)
            var exchange = ExchangeOptions(fillModel: FillModel(rawValue: fillModel)!)
            exchange.windowMinutes = fillWindow > 0 ? fillWindow : nil
            exchange.queueAhead = Count(contracts: queueAhead)
            let names = (compare ?? strategy).split(separator: ",").map(String.init)
            // Several runs over the same logs hash them once.
            let hashes = names.count > 1 ? try Backtest.contentHashes(of: logs) : [:]
            var results: [BacktestResult] = []
            for name in names {
                var config = BacktestConfig(
                    logs: logs, strategy: parameters(for: name), exchange: exchange, dates: range,
                    threads: threads ?? availableCores(), engineVersion: Isotherm.version)
                config.risk.maxContractsPerOrder = maxContracts.map { Count(contracts: $0) }
                config.risk.maxExposurePerEvent = maxEventExposure.flatMap { Money(dollars: $0) }
                config.risk.maxExposurePerDay = maxDayExposure.flatMap { Money(dollars: $0) }
                config.risk.maxOpenOrders = maxOpenOrders
                config.risk.killAfterLoss = killAfterLoss.flatMap { Money(dollars: $0) }
                config.contentHashes = hashes
                if !json {
                    printError(
                        "backtest \(name): \(logs.count) logs, event dates up to \(range.upperBound.iso8601), fill model \(fillModel)"
                    )
                }
                let total = Locked(UInt64(0))
                let progress = Locked(Progress(label: "replay", total: 0))
                let quiet = json
                results.append(
                    try Backtest.run(config) { n in
                        let sum = total.withLock {
                            $0 += n
                            return $0
                        }
                        if !quiet { progress.withLock { $0.update(Int64(sum), interval: 2) } }
                    })
            }
            if let save { try saveRuns(results, to: save) }
            if let report {
                try writeWholeFile(report, Array(BacktestHTML.render(results[0]).utf8))
                if !json { printError("report: \(report)") }
            }
            if json {
                print(
                    results.count == 1
                        ? BacktestReport.json(results[0])
                        : "[" + results.map(BacktestReport.json).joined(separator: ",") + "]")
            } else if results.count > 1 {
                print(BacktestReport.comparison(results))
            } else {
                print(BacktestReport.text(results[0], debug: debug ?? 0))
            }
        }
    }

    func selectedLogs() throws -> [String] {
        var logs = log
        if let world { logs += try StatusCommand.logsIn(world) }
        guard let city, !allCities else { return logs }
        let wanted = city.uppercased().split(separator: ",").map(String.init)
        let chosen = logs.filter { wanted.contains(String($0.split(separator: "/").last ?? "").uppercased()) }
        guard chosen.count == wanted.count else {
            let names = logs.map { String($0.split(separator: "/").last ?? "") }
            throw CLIError("--city \(city): not every city has a log (found \(names.joined(separator: ", ")))")
        }
        return chosen
    }

    /// The event dates to trade: --start-date/--end-date, or the last --days up to the end of the data.
    func dateRange(_ logs: [String]) throws -> ClosedRange<LocalDate> {
        var end = endDate.flatMap { LocalDate(iso8601: $0) }
        if end == nil {
            // The data's last event date: markets close the day after their event date (UTC).
            var latest = LocalDate(daysSinceEpoch: Int32.min / 2)
            for l in logs {
                if let t = try LogInspector.inspect(directory: l).totals.maxEventTimeNanos {
                    latest = max(latest, Timestamp(nanos: t).utcDate.advanced(by: -2))
                }
            }
            end = latest
        }
        var start = startDate.flatMap { LocalDate(iso8601: $0) } ?? LocalDate(daysSinceEpoch: 0)
        if let days { start = max(start, end!.advanced(by: Int32(1 - days))) }
        guard start <= end! else { throw CLIError("no event dates between \(start.iso8601) and \(end!.iso8601)") }
        return start...end!
    }

    /// Appends each run to a runs log: its decisions, orders and answers, then its manifest.
    func saveRuns(_ results: [BacktestResult], to directory: String) throws {
        let writer = try EventLogWriter(directory: directory)
        for r in results {
            for (input, run) in zip(r.manifest.inputs, r.runs) {
                // A marker naming the input log the following decisions' sequence numbers refer to.
                var marker = r.manifest
                marker.phase = .started
                marker.inputs = [input]
                marker.outputHash = ""
                try writer.append(
                    EventRecord(time: run.output.first?.time ?? Timestamp(nanos: 0), event: .runManifest(marker)))
                for e in run.output { try writer.append(e) }
            }
            try writer.append(
                EventRecord(
                    time: r.trades.last.map { $0.eventDate.advanced(by: 2).startUTC } ?? Timestamp(nanos: 0),
                    event: .runManifest(r.manifest)))
        }
        try writer.flush(sync: true)
        try writer.close()
        if !json { printError("saved \(results.count) run(s) to \(directory)") }
    }
}
