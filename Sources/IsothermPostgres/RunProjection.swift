import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermPlatform
import IsothermStore

/// What the sim tables need from a backtest's input log, for one city: its markets and, for each
/// market, the first determination and the city's latest official high for the event date in the
/// range the run read (what `CityRun` records).
struct InputFacts {
    struct Determination {
        var result: MarketLifecycle.Result
        var value: Price?
        var time: Timestamp
        var finalHigh: Int32?
    }

    var listings: [Symbol: MarketListed] = [:]
    var determinations: [Symbol: Determination] = [:]

    /// Reads an input log up to `lastSequence` (the range the run read), keeping `city`'s reports
    /// (nil: every report, for runs logs of engines before 0.2.0, which ran one log per city).
    init(directory: String, lastSequence: UInt64, city: String?) throws {
        var finalReports: [LocalDate: Temperature] = [:]
        var listings: [Symbol: MarketListed] = [:]
        var determinations: [Symbol: Determination] = [:]
        try EventLogReader(directory: directory).forEach(kinds: [.marketListed, .marketLifecycle, .settlement]) {
            sequence, record in
            guard sequence <= lastSequence else { return false }
            switch record.event {
            case .marketListed(let m):
                listings[m.ticker] = m
            case .settlement(let s) where s.isFinal:
                if let city, record.event.cityRoute != .city(city) { break }
                finalReports[s.climateDate] = s.high
            case .marketLifecycle(let l) where l.transition == .determined:
                guard let result = l.result, determinations[l.ticker] == nil else { break }
                determinations[l.ticker] = Determination(
                    result: result, value: l.settlementValue, time: record.time, finalHigh: nil)
            default:
                break
            }
            return true
        }
        for (ticker, d) in determinations {
            guard let date = listings[ticker]?.eventDate else { continue }
            determinations[ticker]?.finalHigh = finalReports[date].map { $0.roundedDegrees }
            _ = d
        }
        self.listings = listings
        self.determinations = determinations
    }
}

/// Folds a runs log (`isotherm backtest --save`) into sim.run, sim.decision and sim.trade rows.
///
/// A saved run is, per input log, a `started` manifest naming that input (a *section*), then the
/// run's events for it (timers, decisions, order intents and the simulated exchange's answers), and
/// at the end the `finished` manifest. An order intent's `decisionSequence` is the 1-based place of
/// its decision among the section's events, so a decision's number is its sequence minus the
/// marker's. Trades are rebuilt with the backtest's own book (``TradeBook``): the section's buy intents
/// and fills in order, then each traded market's first determination in the input log — and only
/// filled ones become rows. Rows are emitted at the finished manifest: a run still being written is
/// left for the next catch-up.
final class RunProjection {
    /// What the book needs from a section, in order: buy intents (with their decision) and fills.
    enum Booked {
        case buy(OrderIntent, decisionNo: Int, values: [Field])
        case fill(Fill, at: Timestamp)
    }

    struct Section {
        /// Its opening manifest as the framing read it: run, input log, city, marker sequence.
        var marker: RunsLogFraming.Section
        var runId: String { marker.runId }
        var input: RunInput { marker.input }
        /// The city of the section's run (nil before engine 0.2.0).
        var city: String? { marker.city }
        var markerSequence: UInt64 { marker.markerSequence }
        var decisions: [(no: Int, sequence: UInt64, time: Timestamp, decision: StrategyDecision)] = []
        var decisionValues: [Int: [Field]] = [:]
        var booked: [Booked] = []
    }

    /// The runs log (for the rows' `runs_log`).
    let log: String
    /// Other logs of the projection, where an input named by a relative path may be found.
    let knownLogs: [String]
    /// Sequence of the first marker of the run being read, if one is open.
    private(set) var openRunStart: UInt64?
    private var sections: [Section] = []
    private var framing = RunsLogFraming()
    private(set) var warnings: [String] = []

    init(log: String, knownLogs: [String]) {
        self.log = log
        self.knownLogs = knownLogs
    }

    /// Whether a log is a runs log: its first event is a backtest or tune run's `started` marker.
    static func isRunsLog(_ reader: EventLogReader) throws -> Bool {
        var found = false
        try reader.forEach { _, record in
            found = RunsLog.opensRunsLog(record)
            return false
        }
        return found
    }

    /// Folds one event of the runs log; a `finished` manifest adds its run's rows to `tables`.
    /// - Parameter facts: input logs already read, by path and last sequence (shared by runs logs).
    func add(
        _ record: EventRecord, sequence: UInt64, into tables: inout SimRows, facts: inout [String: InputFacts?]
    ) throws {
        let (cut, step) = framing.add(record, sequence: sequence)
        if let cut {
            // A run cut short (no finished manifest) is dropped when another run starts, when the same
            // run is saved again (a city repeats) or another run finishes: only complete runs become rows.
            warnings.append("run \(cut) in \(log) was cut short before its final manifest: ignored")
            sections = []
            openRunStart = nil
        }
        switch step {
        case .section(let section):
            if openRunStart == nil { openRunStart = sequence }
            sections.append(Section(marker: section))
            return
        case .finished(let m):
            try finish(m, at: record.time, sequence: sequence, into: &tables, facts: &facts)
            sections = []
            openRunStart = nil
            return
        case .outside:
            return
        case .event:
            break
        }
        var s = sections[sections.count - 1]
        let no = Int(sequence - s.markerSequence)
        switch record.event {
        case .strategyDecision(let d):
            s.decisions.append((no, sequence, record.time, d))
            s.decisionValues[no] = d.values
        case .orderIntent(let o) where o.action == .buy:
            s.booked.append(
                .buy(o, decisionNo: Int(o.decisionSequence), values: s.decisionValues[Int(o.decisionSequence)] ?? []))
        case .fill(let f):
            s.booked.append(.fill(f, at: record.time))
        default:
            break
        }
        sections[sections.count - 1] = s
    }

    /// The input log's facts: the path as the manifest names it, else a projected log with the same
    /// last path component; nil (with a warning) when neither exists.
    private func inputFacts(_ input: RunInput, city: String?, _ facts: inout [String: InputFacts?]) throws
        -> InputFacts?
    {
        let key = input.log + "#" + String(input.lastSequence) + "#" + (city ?? "")
        if let cached = facts[key] { return cached }
        var candidates = [input.log]
        let name = input.log.split(separator: "/").last.map(String.init) ?? input.log
        candidates += knownLogs.filter { $0.split(separator: "/").last.map(String.init) == name }
        var found: InputFacts?
        for c in candidates where Files.isDirectory(c) {
            found = try InputFacts(directory: c, lastSequence: input.lastSequence, city: city)
            break
        }
        if found == nil {
            warnings.append(
                "input log \(input.log) of a run in \(log) was not found: its trades have no strikes or settlement")
        }
        facts[key] = .some(found)
        return found
    }

    private func finish(
        _ m: RunManifest, at time: Timestamp, sequence: UInt64, into t: inout SimRows,
        facts cache: inout [String: InputFacts?]
    ) throws {
        var numOrders = 0
        var numTrades = 0
        var wins = 0
        var total = Money.zero
        var wagered = Money.zero
        var fees = Money.zero
        var dates: [LocalDate] = []
        var cities: [String] = []
        for s in sections {
            let facts = try inputFacts(s.input, city: s.city, &cache)
            for (no, seq, decidedAt, d) in s.decisions {
                var r = t.decisions.blank()
                r[t.decisions.column("run_id")] = .text(s.runId)
                r[t.decisions.column("input_log")] = .text(s.input.log)
                r[t.decisions.column("decision_no")] = .int(Int64(no))
                r[t.decisions.column("strategy")] = .text(d.strategy)
                r[t.decisions.column("subject")] = .text(d.subject)
                r[t.decisions.column("city")] = .text(
                    s.city.map { LegacyCity.name(code: $0) } ?? LegacyCity.name(ticker: d.subject))
                r[t.decisions.column("event_date")] = LegacyCity.eventDate(ofTicker: d.subject).map { .date($0) }
                r[t.decisions.column("action")] = .text(d.action.rawValue)
                r[t.decisions.column("reason")] = .text(d.reason)
                r[t.decisions.column("decided_at")] = .time(decidedAt)
                r[t.decisions.column("parameters")] = .json(Self.object(d.parameters))
                r[t.decisions.column("computed")] = .json(Self.object(d.values))
                r[t.decisions.column("input_sequences")] = .json(
                    "[" + d.inputSequences.map(String.init).joined(separator: ",") + "]")
                r[t.decisions.column("runs_sequence")] = .int(Int64(seq))
                t.decisions.merge(r)
            }
            let book = try Self.book(s, facts: facts, run: m.runId)
            numOrders += book.trades.count
            for tr in book.trades where tr.contracts.hundredths > 0 {
                let listing = facts?.listings[tr.ticker]
                let tickerText = tr.ticker.description
                let city = s.city.map { LegacyCity.name(code: $0) } ?? LegacyCity.name(ticker: tickerText)
                let eventDate = tr.eventDate
                let gross: Money? = tr.settled ? tr.grossPnL : nil
                let net: Money? = tr.settled ? tr.netPnL : nil
                let won: Bool? = tr.bracketWon
                let high: Int32? = tr.settledHigh
                let settledAt: Timestamp? = tr.settledAt
                let disagrees: Bool? = tr.settled && high != nil && tr.range != nil ? tr.settlementDisagrees : nil
                numTrades += 1
                if tr.won { wins += 1 }
                total = total + (net ?? .zero)
                wagered = wagered + tr.cost
                fees = fees + tr.fees
                dates.append(eventDate)
                if !cities.contains(city) { cities.append(city) }
                let what = "run \(m.runId) order \(tr.clientOrderId)"
                var r = t.trades.blank()
                r[t.trades.column("run_id")] = .text(s.runId)
                r[t.trades.column("client_order_id")] = .text(tr.clientOrderId)
                r[t.trades.column("strategy_id")] = .text(
                    m.parameters.first { $0.name == "strategy" }?.value
                        ?? tr.clientOrderId.prefix { $0 != "-" }.description)
                r[t.trades.column("input_log")] = .text(s.input.log)
                r[t.trades.column("decision_no")] = .int(Int64(tr.decisionSequence))
                r[t.trades.column("city")] = .text(city)
                r[t.trades.column("event_date")] = .date(eventDate)
                r[t.trades.column("ticker")] = .text(tickerText)
                r[t.trades.column("bracket")] = tr.range.map { .text($0.label) }
                r[t.trades.column("forecast_basis_date")] = tr.value("forecast_basis_date")
                    .flatMap { LocalDate(iso8601: $0) }.map { .date($0) }
                r[t.trades.column("temp_fcst_open")] = tr.value("forecast_high")
                    .flatMap { Temperature(fahrenheit: $0) }.map { .tenths($0) }
                r[t.trades.column("temp_adjusted")] = tr.value("adjusted_high")
                    .flatMap { Temperature(fahrenheit: $0) }.map { .tenths($0) }
                r[t.trades.column("floor_strike")] = listing?.floorStrike.map { .tenths($0) }
                r[t.trades.column("cap_strike")] = listing?.capStrike.map { .tenths($0) }
                r[t.trades.column("entry_price")] = .int(try LegacyUnits.cents(tr.entryPrice, what))
                r[t.trades.column("num_contracts")] = .int(try LegacyUnits.contracts(tr.contracts, what))
                r[t.trades.column("amount_usd")] = .dollars(tr.cost)
                r[t.trades.column("exit_price")] = try tr.exitPrice.map { .int(try LegacyUnits.cents($0, what)) }
                r[t.trades.column("exit_contracts")] = .int(try LegacyUnits.contracts(tr.exitContracts, what))
                r[t.trades.column("tmax_final")] = high.map { .int(Int64($0)) }
                r[t.trades.column("bin_won")] = won.map { .bool($0) }
                r[t.trades.column("settlement_disagrees")] = disagrees.map { .bool($0) }
                r[t.trades.column("pnl_gross")] = gross.map { .dollars($0) }
                r[t.trades.column("fees")] = .dollars(tr.fees)
                r[t.trades.column("pnl_net")] = net.map { .dollars($0) }
                r[t.trades.column("settled_at")] = settledAt.map { .time($0) }
                t.trades.merge(r)
            }
        }
        var r = t.runs.blank()
        r[t.runs.column("run_id")] = .text(m.runId)
        r[t.runs.column("run_kind")] = .text(m.runKind)
        r[t.runs.column("strategy_id")] = m.parameters.first { $0.name == "strategy" }.map { .text($0.value) }
        r[t.runs.column("engine_version")] = .text(m.engineVersion)
        r[t.runs.column("config_hash")] = .text(m.configHash)
        r[t.runs.column("output_hash")] = .text(m.outputHash)
        r[t.runs.column("params")] = .json(Self.object(m.parameters))
        var j = JSONWriter()
        j.beginArray()
        for i in m.inputs {
            j.beginObject()
            j.string("log", i.log)
            j.number("first_sequence", i.firstSequence)
            j.number("last_sequence", i.lastSequence)
            j.string("content_hash", i.contentHash)
            j.endObject()
        }
        j.endArray()
        r[t.runs.column("inputs")] = .json(j.output)
        r[t.runs.column("start_date")] = dates.min().map { .date($0) }
        r[t.runs.column("end_date")] = dates.max().map { .date($0) }
        r[t.runs.column("cities")] = cities.isEmpty ? nil : .text(cities.joined(separator: ","))
        r[t.runs.column("num_orders")] = .int(Int64(numOrders))
        r[t.runs.column("num_trades")] = .int(Int64(numTrades))
        r[t.runs.column("num_wins")] = .int(Int64(wins))
        r[t.runs.column("total_pnl")] = .dollars(total)
        r[t.runs.column("wagered")] = .dollars(wagered)
        r[t.runs.column("fees")] = .dollars(fees)
        r[t.runs.column("created_at")] = .time(time)
        r[t.runs.column("runs_log")] = .text(log)
        r[t.runs.column("runs_sequence")] = .int(Int64(sequence))
        t.runs.merge(r)
    }

    /// A section's trades through the one book: its buy intents and fills in order, then each traded
    /// market's first determination in the input log, with the city's latest official high.
    static func book(_ s: Section, facts: InputFacts?, run: String) throws -> TradeBook {
        var book = TradeBook()
        let city = s.city ?? ""
        for entry in s.booked {
            switch entry {
            case .buy(let o, let no, let values):
                let tickerText = o.ticker.description
                let listing = facts?.listings[o.ticker]
                guard let eventDate = listing?.eventDate ?? LegacyCity.eventDate(ofTicker: tickerText) else {
                    throw ProjectionError("run \(run): traded market \(tickerText) has no event date")
                }
                let range = listing.flatMap { Bracket($0) }
                book.open(
                    TradeRecord(
                        city: city, eventDate: eventDate, ticker: o.ticker, bracket: range?.label ?? "",
                        range: range, clientOrderId: o.clientOrderId, decision: values, decisionSequence: UInt64(no),
                        entryPrice: o.price))
            case .fill(let f, let time):
                book.apply(f, at: time)
            }
        }
        var traded: [Symbol] = []
        for t in book.trades where !traded.contains(t.ticker) { traded.append(t.ticker) }
        for ticker in traded {
            guard let det = facts?.determinations[ticker] else { continue }
            book.settle(ticker, result: det.result, value: det.value, officialHigh: det.finalHigh, at: det.time)
        }
        return book
    }

    /// Fields as a JSON object, keys in their order.
    static func object(_ fields: [Field]) -> String {
        var j = JSONWriter()
        j.beginObject()
        for f in fields { j.string(f.name, f.value) }
        j.endObject()
        return j.output
    }
}

/// The three sim tables' rows.
struct SimRows {
    var runs = KeyedRows(ProjectedTable.simRun.spec)
    var decisions = KeyedRows(ProjectedTable.simDecision.spec)
    var trades = KeyedRows(ProjectedTable.simTrade.spec)
}
