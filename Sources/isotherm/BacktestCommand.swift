import ArgumentParser
import Glibc
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermLog
import IsothermPlatform
import IsothermStore

extension StrategyKind: ExpressibleByArgument {}
extension FillModel: ExpressibleByArgument {}

/// The help text of a strategy parameter's flag, from the registry, with its range and default.
func parameterHelp(_ flag: String) -> ArgumentHelp {
    guard let spec = ParameterSpec.all.first(where: { $0.flag == flag }) else { return ArgumentHelp("") }
    return ArgumentHelp("\(spec.help) \(spec.rangeText), default \(spec.defaultText).")
}

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract:
            "Run a strategy over logs with the live trader's reducers and a simulated exchange; print the report.",
        discussion: """
            Strategies (ARCHITECTURE.md, "Reducers, strategies and the backtest", has every rule):
            \(StrategyKind.allCases.map { "  \(BacktestCommand.pad($0.rawValue, 20)) \($0.summary)" }.joined(separator: "\n"))

            Inputs: --world DIR (one log per city, as isotherm generate writes them) and/or --log DIR \
            (repeatable). A log may hold one city or many (isotherm demo, import kalshi and import postgres \
            write one log for several): every event goes to its city's run by the series, station or city \
            it names, so the same data gives the same trades and output hash however it is split into logs. \
            An event that names no known city stops the run with its place.

            Fill models: assume (every maker order fills at its price, the seed's), touch (fills only if the \
            market traded or was offered at or below the price within --fill-window minutes of posting), \
            queue (the volume traded at or through the price, behind --queue-ahead contracts resting first). \
            An order posted before its market has a quote rests first in the book; a limit order that meets \
            the latest quote takes it (taker fee) or, post-only, is rejected as Kalshi rejects it.

            Every run ends with a run id, the hash of its parameters and inputs, and an output hash over its \
            decisions, orders, fills and P&L: the same data and flags give the same hash on any machine, in \
            debug or release, with one thread or many.

            Examples:
              isotherm generate --out world --start 2025-01-01 --end 2025-12-31
              isotherm backtest --world world --all-cities --price 0.50
              isotherm backtest --world world --city chicago --days 90 --fill-model touch --json
              isotherm backtest --world world --compare open_maker,exit,next_over --report compare.html
              isotherm backtest --world world --save --debug
              isotherm backtest --log demo-log --strategy midnight_heuristic --alpha 0.25
            """)

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    @Option(name: .long, help: "A directory of city logs (as isotherm generate writes them).")
    var world: String?

    @Option(name: .long, help: "An input log (one city or many); repeat for several.")
    var log: [String] = []

    @Flag(name: .long, help: "Every city found (the default).")
    var allCities = false

    @Option(
        name: .long,
        help: "Only these cities, comma-separated: codes (NY,CHI) or the old names the report prints (chicago).")
    var city: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: "The last N event dates up to --end-date (default: the end of the data).")
    var days: Int?

    @Option(name: .long, help: "First event date to trade (YYYY-MM-DD; default: the data's first).")
    var startDate: String?

    @Option(name: .long, help: "Last event date to trade (YYYY-MM-DD; default: the data's last).")
    var endDate: String?

    @Option(name: .long, help: ArgumentHelp("The strategy: \(StrategyKind.names)."))
    var strategy: StrategyKind = .openMaker

    @Option(name: .long, parsing: .unconditional, help: parameterHelp("price")) var price: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("bias")) var bias: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("basis-offset")) var basisOffset: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("bet-amount")) var betAmount: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("edge-cents")) var edgeCents: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("exit-after")) var exitAfter: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("exit-latest")) var exitLatest: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("exit-distance")) var exitDistance: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("decision-offset")) var decisionOffset: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("neighbor-price-min")) var neighborPriceMin:
        String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("our-price-max")) var ourPriceMax: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("gap-min")) var gapMin: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("slope-min")) var slopeMin: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("max-shift-bins")) var maxShiftBins: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("alpha")) var alpha: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("beta")) var beta: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("gamma")) var gamma: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("delta")) var delta: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("edge-threshold")) var edgeThreshold: String?
    @Option(name: .long, parsing: .unconditional, help: parameterHelp("split-threshold")) var splitThreshold: String?

    @Option(name: .long, help: "assume, touch or queue.")
    var fillModel: FillModel = .assume

    @Option(
        name: .long, parsing: .unconditional,
        help:
            "Minutes a maker order rests before it is canceled (touch, queue), 0 to 10080; 0: until the market closes.")
    var fillWindow: Int64 = 120

    @Option(name: .long, parsing: .unconditional, help: "Contracts resting ahead of ours (queue), 0 to 1000000.")
    var queueAhead: Int64 = 250

    @OptionGroup var risk: RiskOptions

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp(
            "Whom the risk limits bind: account (default) or city.",
            discussion: """
                account: as on the exchange, every city's orders, exposure and losses count against one set of \
                limits; the cities then run as one stream merged in time order (equal times: in the order of \
                the logs given, then of each log). city: each city has its own limits and the cities run in \
                parallel (what runs saved before account-wide limits did; their manifests replay that way).
                """))
    var riskScope: String?

    @Option(name: .long, help: "Compare strategies side by side (comma-separated; with --report, one page for all).")
    var compare: String?

    @Option(
        name: .long,
        help: "Append the run (manifest, decisions, orders, fills) to this runs log; --save alone: ./runs.")
    var save: String?

    @Option(
        name: .long, help: "Write a self-contained HTML report (equity curve, drawdown, daily P&L, cities, manifest).")
    var report: String?

    @Option(name: .long, parsing: .unconditional, help: "Print N trades in detail, evenly spaced; --debug alone: 20.")
    var debug: Int?

    @Option(name: .long, parsing: .unconditional, help: "Logs read at once (default: the number of cores), 1 to 256.")
    var threads: Int?

    @Flag(name: .long, help: "Print JSON (metrics, by city, trades, rejections, settlement disagreements).")
    var json = false

    @Option(name: .long, help: .hidden)
    var progressSeconds: Double = 2

    /// The values of the strategy flags by flag name.
    var flagText: [String: String] {
        var out: [String: String] = [:]
        let pairs: [(String, String?)] = [
            ("price", price), ("bias", bias), ("basis-offset", basisOffset), ("bet-amount", betAmount),
            ("edge-cents", edgeCents), ("exit-after", exitAfter), ("exit-latest", exitLatest),
            ("exit-distance", exitDistance), ("decision-offset", decisionOffset),
            ("neighbor-price-min", neighborPriceMin), ("our-price-max", ourPriceMax), ("gap-min", gapMin),
            ("slope-min", slopeMin), ("max-shift-bins", maxShiftBins), ("alpha", alpha), ("beta", beta),
            ("gamma", gamma), ("delta", delta), ("edge-threshold", edgeThreshold),
            ("split-threshold", splitThreshold),
        ]
        for (k, v) in pairs { if let v { out[k] = v } }
        return out
    }

    var strategies: [StrategyKind] {
        guard let compare else { return [strategy] }
        return compare.split(separator: ",", omittingEmptySubsequences: false).compactMap {
            StrategyKind(rawValue: $0.trimmingSpaces)
        }
    }

    func validate() throws {
        guard world != nil || !log.isEmpty else { throw ValidationError("give --world DIR or --log DIR") }
        if let compare {
            let names = compare.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
                throw ValidationError("--compare '\(compare)' needs strategy names separated by commas")
            }
            for n in names where StrategyKind(rawValue: n) == nil {
                throw ValidationError("--compare: '\(n)' is not one of \(StrategyKind.names)")
            }
        }
        let given = flagText
        for kind in strategies {
            do {
                _ = try StrategyChoice.parse(kind) { given[$0.flag] }
            } catch {
                throw ValidationError(error.description)
            }
        }
        // A flag no chosen strategy takes is a mistake worth saying.
        let taken = Set(strategies.flatMap { $0.specs.map(\.flag) })
        for flag in given.keys.sorted() where !taken.contains(flag) {
            throw ValidationError(
                "--\(flag) is not a parameter of \(strategies.map(\.rawValue).joined(separator: ", "))")
        }
        do {
            _ = try riskLimits()
        } catch {
            throw ValidationError(error.description)
        }
        if let d = days, d < 1 || d > 36_600 { throw ValidationError("--days \(d) must be 1 to 36600") }
        guard (0...10_080).contains(fillWindow) else { throw ValidationError("--fill-window must be 0 to 10080") }
        guard (0...1_000_000).contains(queueAhead) else { throw ValidationError("--queue-ahead must be 0 to 1000000") }
        if let t = threads, !(1...256).contains(t) { throw ValidationError("--threads must be 1 to 256") }
        if let d = debug, d < 1 { throw ValidationError("--debug must be at least 1") }
        for (name, v) in [("--start-date", startDate), ("--end-date", endDate)] {
            if let v, LocalDate(iso8601: v) == nil { throw ValidationError("\(name) '\(v)' is not a YYYY-MM-DD date") }
        }
        if let a = startDate.flatMap({ LocalDate(iso8601: $0) }), let b = endDate.flatMap({ LocalDate(iso8601: $0) }),
            a > b
        {
            throw ValidationError("--start-date \(a.iso8601) is after --end-date \(b.iso8601)")
        }
        if let city { _ = try selectedCities(city) }
    }

    func riskLimits() throws(ParameterError) -> RiskLimits {
        try risk.limits(scope: riskScope)
    }

    /// `--city` as catalog codes: each entry a code, an old name, a display name or a series.
    func selectedCities(_ text: String) throws -> [String] {
        var out: [String] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingSpaces
            guard let c = City.find(name) else {
                throw ValidationError(
                    "--city '\(name)' is not a city (known: \(City.catalog.map { "\($0.code)/\($0.legacyName)" }.joined(separator: ", ")))"
                )
            }
            if !out.contains(c.code) { out.append(c.code) }
        }
        return out
    }

    func run() throws {
        try reportingErrors {
            let cities = allCities ? nil : try city.map(selectedCities)
            let logs = try selectedLogs(cities)
            let dates = try dateFilter(logs)
            var exchange = ExchangeOptions(fillModel: fillModel)
            exchange.windowMinutes = fillWindow > 0 ? fillWindow : nil
            exchange.queueAhead = Count(contracts: queueAhead)
            let kinds = strategies
            // Several runs over the same logs hash them once.
            let hashes = kinds.count > 1 ? try Backtest.contentHashes(of: logs) : [:]
            let totalEvents = try logs.reduce(Int64(0)) {
                $0 + (try LogInspector.inspect(directory: $1).totals.records)
            }
            var results: [BacktestResult] = []
            for kind in kinds {
                let given = flagText
                var config = BacktestConfig(
                    logs: logs, strategy: try StrategyChoice.parse(kind) { given[$0.flag] }, exchange: exchange,
                    dates: dates, threads: threads ?? availableCores(), engineVersion: Isotherm.version)
                config.risk = try riskLimits()
                config.cities = cities
                config.contentHashes = hashes
                if !json {
                    printError(
                        "backtest \(kind.rawValue): \(logs.count) log(s), \(grouped(totalEvents)) events, event dates \(dates.text), fill model \(fillModel.rawValue)"
                    )
                }
                let total = Locked(UInt64(0))
                let progress = Locked(Progress(label: "replay", total: totalEvents))
                let quiet = json
                let interval = progressSeconds
                let result = try Backtest.run(config) { n in
                    let sum = total.withLock {
                        $0 += n
                        return $0
                    }
                    if !quiet { progress.withLock { $0.update(Int64(sum), interval: interval) } }
                }
                try checkCoverage(result)
                results.append(result)
            }
            if let save { try saveRuns(results, to: save) }
            if let report {
                let page =
                    results.count == 1 ? BacktestHTML.render(results[0]) : BacktestHTML.render(comparing: results)
                try Files.writeAtomically(report, Array(page.utf8))
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

    /// A run over dates the data does not hold is an error, not an empty report.
    func checkCoverage(_ r: BacktestResult) throws {
        guard let d = r.diagnosis, d.eventsInRange == 0 else { return }
        let covered = d.marketDates.map { "\($0.lowerBound.iso8601) to \($0.upperBound.iso8601)" }
        throw CLIError(
            "no markets with event dates \(r.config.dates.text) in the input"
                + (covered.map { ": the data's markets cover \($0)" } ?? ": the input holds no market listing"))
    }

    /// The logs to read: --log as given, and the logs in --world (with --city, only those named for a
    /// chosen city when the world's logs are named by city, as isotherm generate names them).
    func selectedLogs(_ cities: [String]?) throws -> [String] {
        var logs = log
        if let world {
            var inWorld = try StatusCommand.logsIn(world)
            if let cities {
                let named = inWorld.map { (path: $0, city: City.find(String($0.split(separator: "/").last ?? ""))) }
                if named.allSatisfy({ $0.city != nil }) {
                    inWorld = named.filter { cities.contains($0.city!.code) }.map(\.path)
                }
            }
            logs += inWorld
        }
        guard !logs.isEmpty else { throw CLIError("no log holds the cities asked for (--city \(city ?? ""))") }
        return logs
    }

    /// The event dates to trade: --start-date/--end-date (either open), or the last --days up to
    /// --end-date or the end of the data.
    func dateFilter(_ logs: [String]) throws -> DateFilter {
        var filter = DateFilter(
            from: startDate.flatMap { LocalDate(iso8601: $0) }, through: endDate.flatMap { LocalDate(iso8601: $0) })
        guard let days else { return filter }
        if filter.through == nil {
            // The data's last event date: markets close the day after their event date (UTC).
            var latest: LocalDate? = nil
            for l in logs {
                if let t = try LogInspector.inspect(directory: l).totals.maxEventTimeNanos {
                    let d = Timestamp(nanos: t).utcDate.advanced(by: -2)
                    latest = latest.map { max($0, d) } ?? d
                }
            }
            guard let latest else { throw CLIError("the input logs hold no events") }
            filter.through = latest
        }
        let from = filter.through!.advanced(by: Int32(1 - days))
        filter.from = filter.from.map { max($0, from) } ?? from
        return filter
    }

    /// Appends each run to a runs log (``BacktestResult/runsLogEvents``).
    func saveRuns(_ results: [BacktestResult], to directory: String) throws {
        let writer = try openLogWriter(directory)
        for r in results {
            for e in r.runsLogEvents { try writer.append(e) }
        }
        try writer.flush(sync: true)
        try writer.close()
        if !json { printError("saved \(results.count) run(s) to \(directory)") }
    }
}

extension Substring {
    /// Without leading and trailing spaces.
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
