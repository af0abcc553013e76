import ArgumentParser
import IsothermBacktest
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

    func run() throws {
        try reportingErrors {
            let run = try SavedRun.loadNoting(runs: runs, runId: runId)
            let manifest = run.manifest
            var locator = InputLocator(inputs: inputs)
            let query: AuditQuery =
                if let order { .order(order) } else {
                    .cityDay(city: City.find(city!)!.code, date: LocalDate(iso8601: date!)!)
                }
            let audits = try Audit.explain(run, query) { try locator.locate($0, run: manifest.runId) }
            if json {
                print(
                    "{\"run_id\":\"\(manifest.runId)\",\"output_hash\":\"\(manifest.outputHash)\",\"decisions\":["
                        + audits.map(Self.json).joined(separator: ",") + "]}")
            } else {
                print(
                    "run \(manifest.runId) (\(manifest.runKind), engine \(manifest.engineVersion), output hash \(manifest.outputHash))"
                )
                print(audits.map(Self.text).joined(separator: "\n\n"))
            }
        }
    }

    /// A decision explained, as text.
    static func text(_ a: DecisionAudit) -> String {
        let d = a.decision
        var lines = ["decision \(d.strategy) \(d.action) \(d.subject) at \(a.time.rfc3339)"]
        lines.append("  rule: \(d.reason)")
        lines.append("  parameters: " + d.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
        lines.append("  computed: " + d.values.map { "\($0.name)=\($0.value)" }.joined(separator: " "))
        lines.append("  read from \(a.log) (sha256 \(a.inputSHA256.prefix(16))…):")
        for (s, e) in a.inputs { lines.append("    " + EventJSON.render(e, sequence: s)) }
        if !a.orders.isEmpty { lines.append("  orders:") }
        for e in a.orders { lines.append("    " + EventJSON.render(e)) }
        if !a.outcome.isEmpty { lines.append("  outcome:") }
        for (s, e) in a.outcome { lines.append("    " + EventJSON.render(e, sequence: s)) }
        for line in a.disagreements { lines.append("  SETTLEMENT DISAGREEMENT: " + line) }
        return lines.joined(separator: "\n")
    }

    /// A decision explained, as a JSON object.
    static func json(_ a: DecisionAudit) -> String {
        let d = a.decision
        var j = JSONWriter()
        j.beginObject()
        j.string("strategy", d.strategy)
        j.string("subject", d.subject)
        j.string("action", d.action.rawValue)
        j.string("time", a.time.rfc3339)
        j.string("rule", d.reason)
        j.beginObject("parameters")
        for f in d.parameters { j.string(f.name, f.value) }
        j.endObject()
        j.beginObject("computed")
        for f in d.values { j.string(f.name, f.value) }
        j.endObject()
        j.string("input_log", a.log)
        j.string("input_sha256", a.inputSHA256)
        j.stringOrNull("city", a.city)
        j.beginArray("settlement_disagreements")
        for line in a.disagreements { j.string(nil, line) }
        j.endArray()
        j.endObject()
        var obj = j.output
        obj.removeLast()
        obj +=
            ",\"inputs\":[" + a.inputs.map { EventJSON.render($0.record, sequence: $0.sequence) }.joined(separator: ",")
            + "],\"orders\":[" + a.orders.map { EventJSON.render($0) }.joined(separator: ",") + "],\"outcome\":["
            + a.outcome.map { EventJSON.render($0.record, sequence: $0.sequence) }.joined(separator: ",") + "]}"
        return obj
    }
}

extension SavedRun {
    /// ``load(runs:runId:)``, saying on standard error which incomplete runs it passed over.
    static func loadNoting(runs: String, runId: String?) throws -> SavedRun {
        let (run, incomplete) = try load(runs: runs, runId: runId)
        for r in incomplete {
            printError("note: \(runs) holds an incomplete run \(r) (cut short before its final manifest): ignored")
        }
        return run
    }
}
