package import IsothermCore
package import IsothermEvents
import IsothermStore

/// Which decisions of a saved run to explain.
package enum AuditQuery: Equatable, Sendable {
    /// The decision that placed this order (its client order id).
    case order(String)
    /// Every decision about a city's event of a date.
    case cityDay(city: String, date: LocalDate)

    package var text: String {
        switch self {
        case .order(let id): id
        case .cityDay(let city, let date): "\(city) \(date)"
        }
    }
}

/// Why an audit cannot explain.
package enum AuditError: Error, Equatable, CustomStringConvertible {
    /// No decision of the run matches the query.
    case noDecision(runId: String, query: String)
    /// A decision read an event the input log no longer has.
    case inputEventMissing(log: String, sequence: UInt64)

    package var description: String {
        switch self {
        case .noDecision(let runId, let query): "run \(runId) has no decision about \(query)"
        case .inputEventMissing(let log, let sequence):
            "\(log) has no event \(sequence): the input log changed since the run"
        }
    }
}

/// One decision explained: what it read (the input events by sequence), the rule and values, what came
/// of it (its orders and every answer), and the outcome (its markets' determination and the city's
/// official report), with any disagreement between the two.
package struct DecisionAudit: Sendable {
    package var decision: StrategyDecision
    package var time: Timestamp
    /// The input log the decision's sequence numbers refer to, where it is now, and its content hash.
    package var log: String
    package var inputSHA256: String
    package var city: String?
    /// The events the decision read.
    package var inputs: [(sequence: UInt64, record: EventRecord)]
    /// Its orders' intents and every answer to them, in the run's order.
    package var orders: [EventRecord]
    /// The determinations of its markets after it, and the city's final reports of the day.
    package var outcome: [(sequence: UInt64, record: EventRecord)]
    /// Where the official report's high and Kalshi's determination disagree (Kalshi's result paid).
    package var disagreements: [String]
}

/// Explains the decisions of a saved run from the runs log and the input logs only (`isotherm audit`).
package enum Audit {
    /// Every decision of `run` that `query` selects, explained, in the run's order.
    /// - Parameter locate: where an input log is now (``InputLocator``, its content hash checked).
    /// - Throws: ``AuditError``; what `locate` and the log readers throw.
    package static func explain(
        _ run: SavedRun, _ query: AuditQuery, locate: (RunInput) throws -> String
    ) throws -> [DecisionAudit] {
        var out: [DecisionAudit] = []
        for section in run.sections {
            for (i, entry) in section.events.enumerated() {
                guard case .strategyDecision(let d) = entry.record.event, matches(d, query, in: section, at: i) else {
                    continue
                }
                out.append(try explain(d, at: i, in: section, log: try locate(section.input)))
            }
        }
        guard !out.isEmpty else { throw AuditError.noDecision(runId: run.manifest.runId, query: query.text) }
        return out
    }

    /// Whether the decision at `i` of `section` is one `query` asks about.
    static func matches(_ d: StrategyDecision, _ query: AuditQuery, in section: SavedRun.Section, at i: Int) -> Bool {
        switch query {
        case .order(let order):
            // The decision that placed this order: the order's decisionSequence is its 1-based place.
            return section.events.contains {
                if case .orderIntent(let o) = $0.record.event {
                    return o.clientOrderId == order && Int(o.decisionSequence) == i + 1
                }
                return false
            }
        case .cityDay(let code, let date):
            guard LocalDate(kalshiCode: d.subject) == date else { return false }
            if let c = section.city { return c == code }
            return City.code(ofSeries: City.series(ofTicker: d.subject)) == code
        }
    }

    static func inputEvent(_ log: String, _ sequence: UInt64) throws -> EventRecord? {
        var found: EventRecord?
        try EventLogReader(directory: log).forEach(from: .sequence(sequence)) { s, r in
            if s == sequence { found = r }
            return false
        }
        return found
    }

    /// The decision at `i` of `section`, whose inputs are in `log`.
    static func explain(_ d: StrategyDecision, at i: Int, in section: SavedRun.Section, log: String) throws
        -> DecisionAudit
    {
        var inputs: [(UInt64, EventRecord)] = []
        for s in d.inputSequences {
            guard let e = try inputEvent(log, s) else { throw AuditError.inputEventMissing(log: log, sequence: s) }
            inputs.append((s, e))
        }
        // What came of it: the orders this decision placed and every answer to them.
        var ids: [String] = []
        for e in section.events {
            if case .orderIntent(let o) = e.record.event, Int(o.decisionSequence) == i + 1 {
                ids.append(o.clientOrderId)
            }
        }
        var orders: [EventRecord] = []
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
            if let id, ids.contains(id) { orders.append(e.record) }
        }
        // The outcome, from the input log: the markets' determination and the city's official report.
        let time = section.events[i].record.time
        var outcome: [(UInt64, EventRecord)] = []
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
            where tickers.contains(l.ticker) && l.transition == .determined && r.time >= time:
                outcome.append((s, r))
                if let result = l.result { results[l.ticker] = result == .yes }
            case .settlement(let st)
            where st.climateDate == eventDate && st.isFinal && r.event.cityRoute == .city(city ?? ""):
                outcome.append((s, r))
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
        return DecisionAudit(
            decision: d, time: time, log: log, inputSHA256: section.input.contentHash, city: city, inputs: inputs,
            orders: orders, outcome: outcome, disagreements: disagreements)
    }
}
