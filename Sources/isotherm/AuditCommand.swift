import ArgumentParser
import IsothermCore
import IsothermEvents
import IsothermStore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Explain a trade: the events its decision read, the rule that fired, the orders and the settlement.",
        discussion: """
            Reads only logs: the runs log a backtest saved (--save) and the input logs its manifest names. \
            For an order (its client order id) or a city-day, prints each decision: the strategy and its \
            parameters, the values it computed, the rule that fired, every input event it read (by sequence \
            number, from the input log), then the order's acknowledgement, fills and cancels, and the \
            market's determination and the official report.

            Input logs are found where the run's manifest recorded them (absolute paths), or under \
            --inputs DIR when they moved; their content hashes must match the run's.

            Examples:
              isotherm backtest --world world --save runs
              isotherm audit --runs runs --city NY --date 2025-06-10
              isotherm audit --runs runs --city chicago --date 2025-06-10 --inputs /archive/world
              isotherm audit --runs runs --order open_maker-KXHIGHNY-25JUN10-buy --json
            """)

    @Option(name: .long, help: "The runs log (isotherm backtest --save).")
    var runs: String

    @Option(name: .customLong("run"), help: "Run id (default: the last run in the log).")
    var runId: String?

    @Option(name: .long, help: "A client order id.")
    var order: String?

    @Option(name: .long, help: "City (with --date): every decision about that city's event; a code or an old name.")
    var city: String?

    @Option(name: .long, help: "Where the input logs are now, when they moved since the run (found by trailing path).")
    var inputs: String?

    @Option(name: .long, help: "Event date (YYYY-MM-DD), with --city.")
    var date: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (order != nil) != (city != nil && date != nil) else {
            throw ValidationError("give --order ID, or --city and --date")
        }
        if let date, LocalDate(iso8601: date) == nil {
            throw ValidationError("--date '\(date)' is not a YYYY-MM-DD date")
        }
        if let city, City.find(city) == nil {
            throw ValidationError(
                "--city '\(city)' is not a city (\(City.catalog.map(\.code).joined(separator: ", ")))")
        }
    }

    typealias Section = SavedRun.Section

    func run() throws {
        try reportingErrors {
            let (manifest, sections) = try loadRun()
            var locator = InputLocator(inputs: inputs)
            var explained: [String] = []
            var jsonItems: [String] = []
            for section in sections {
                for (i, entry) in section.events.enumerated() {
                    guard case .strategyDecision(let d) = entry.record.event, matches(d, in: section, at: i) else {
                        continue
                    }
                    let log = try locator.locate(section.input, run: manifest.runId)
                    let (text, js) = try explain(d, at: i, in: section, log: log)
                    explained.append(text)
                    jsonItems.append(js)
                }
            }
            guard !explained.isEmpty else {
                throw CLIError("run \(manifest.runId) has no decision about \(order ?? "\(city!) \(date!)")")
            }
            if json {
                print(
                    "{\"run_id\":\"\(manifest.runId)\",\"output_hash\":\"\(manifest.outputHash)\",\"decisions\":["
                        + jsonItems.joined(separator: ",") + "]}")
            } else {
                print(
                    "run \(manifest.runId) (\(manifest.runKind), engine \(manifest.engineVersion), output hash \(manifest.outputHash))"
                )
                print(explained.joined(separator: "\n\n"))
            }
        }
    }

    /// The run's manifest and its per-input sections, from the runs log.
    func loadRun() throws -> (RunManifest, [Section]) {
        let run = try SavedRun.load(runs: runs, runId: runId)
        return (run.manifest, run.sections)
    }

    func matches(_ d: StrategyDecision, in section: Section, at i: Int) -> Bool {
        if let order {
            // The decision that placed this order: the order's decisionSequence is its 1-based place.
            return section.events.contains {
                if case .orderIntent(let o) = $0.record.event {
                    return o.clientOrderId == order && Int(o.decisionSequence) == i + 1
                }
                return false
            }
        }
        let code = City.find(city!)!.code
        guard LocalDate(kalshiCode: d.subject) == LocalDate(iso8601: date!) else { return false }
        if let c = section.city { return c == code }
        return City.code(ofSeries: City.series(ofTicker: d.subject)) == code
    }

    func inputEvent(_ log: String, _ sequence: UInt64) throws -> EventRecord? {
        var found: EventRecord?
        try EventLogReader(directory: log).forEach(from: .sequence(sequence)) { s, r in
            if s == sequence { found = r }
            return false
        }
        return found
    }

    func explain(_ d: StrategyDecision, at i: Int, in section: Section, log: String) throws -> (String, String) {
        var lines = ["decision \(d.strategy) \(d.action) \(d.subject) at \(section.events[i].record.time.rfc3339)"]
        lines.append("  rule: \(d.reason)")
        lines.append("  parameters: " + d.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
        lines.append("  computed: " + d.values.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
        lines.append("  read from \(log) (sha256 \(section.input.contentHash.prefix(16))…):")
        var inputsJSON: [String] = []
        for s in d.inputSequences {
            guard let e = try inputEvent(log, s) else {
                throw CLIError("\(log) has no event \(s): the input log changed since the run")
            }
            let js = EventJSON.render(e, sequence: s)
            inputsJSON.append(js)
            lines.append("    " + js)
        }
        // What came of it: the orders this decision placed and every answer to them.
        var ids: [String] = []
        for e in section.events {
            if case .orderIntent(let o) = e.record.event, Int(o.decisionSequence) == i + 1 {
                ids.append(o.clientOrderId)
            }
        }
        var orderJSON: [String] = []
        var tickers: [Symbol] = []
        for e in section.events {
            let id: String?
            switch e.record.event {
            case .orderIntent(let o):
                id = o.clientOrderId
                if ids.contains(o.clientOrderId) && !tickers.contains(o.ticker) { tickers.append(o.ticker) }
            case .orderAcknowledged(let a): id = a.clientOrderId
            case .fill(let f): id = f.clientOrderId
            case .orderCanceled(let c): id = c.clientOrderId
            case .orderRejected(let r): id = r.clientOrderId
            default: id = nil
            }
            guard let id, ids.contains(id) else { continue }
            let js = EventJSON.render(e.record)
            orderJSON.append(js)
            if orderJSON.count == 1 { lines.append("  orders:") }
            lines.append("    " + js)
        }
        // The outcome, from the input log: the markets' determination and the city's official report.
        var outcomeJSON: [String] = []
        let eventDate = LocalDate(kalshiCode: d.subject)
        let city = section.city ?? City.code(ofSeries: City.series(ofTicker: d.subject))
        var brackets: [Symbol: Bracket] = [:]
        var results: [Symbol: Bool] = [:]
        var officialHigh: Int32?
        try EventLogReader(directory: log).forEach(kinds: [.marketListed, .marketLifecycle, .settlement]) { s, r in
            switch r.event {
            case .marketListed(let m) where tickers.contains(m.ticker):
                brackets[m.ticker] = Bracket(m)
            case .marketLifecycle(let l)
            where tickers.contains(l.ticker) && l.transition == .determined && r.time >= section.events[i].record.time:
                outcomeJSON.append(EventJSON.render(r, sequence: s))
                if let result = l.result { results[l.ticker] = result == .yes }
            case .settlement(let st)
            where st.climateDate == eventDate && st.isFinal && r.event.cityRoute == .city(city ?? ""):
                outcomeJSON.append(EventJSON.render(r, sequence: s))
                officialHigh = st.high.roundedDegrees
            default:
                break
            }
            return true
        }
        var disagreements: [String] = []
        if let high = officialHigh {
            for t in tickers {
                guard let b = brackets[t], let won = results[t], b.pays(high) != won else { continue }
                disagreements.append(
                    "the official report's high \(high)°F is \(b.pays(high) ? "inside" : "outside") \(b.label) (\(t)) but Kalshi determined it \(won ? "YES" : "NO"); Kalshi's result paid"
                )
            }
        }
        if !outcomeJSON.isEmpty {
            lines.append("  outcome:")
            for o in outcomeJSON { lines.append("    " + o) }
        }
        for line in disagreements { lines.append("  SETTLEMENT DISAGREEMENT: " + line) }
        var j = JSONWriter()
        j.beginObject()
        j.string("strategy", d.strategy)
        j.string("subject", d.subject)
        j.string("action", d.action)
        j.string("time", section.events[i].record.time.rfc3339)
        j.string("rule", d.reason)
        j.beginObject("parameters")
        for f in d.parameters { j.string(f.name, f.value) }
        j.endObject()
        j.beginObject("computed")
        for f in d.values { j.string(f.name, f.value) }
        j.endObject()
        j.string("input_log", log)
        j.string("input_sha256", section.input.contentHash)
        j.stringOrNull("city", city)
        j.beginArray("settlement_disagreements")
        for line in disagreements { j.string(nil, line) }
        j.endArray()
        j.endObject()
        var obj = j.output
        obj.removeLast()
        obj +=
            ",\"inputs\":[" + inputsJSON.joined(separator: ",") + "],\"orders\":[" + orderJSON.joined(separator: ",")
            + "],\"outcome\":[" + outcomeJSON.joined(separator: ",") + "]}"
        return (lines.joined(separator: "\n"), obj)
    }
}
