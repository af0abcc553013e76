package import IsothermCore
package import IsothermEvents

/// A trade of a run: the one book's record (``TradeRecord``, IsothermCore).
package typealias Trade = TradeRecord

/// What the strategy and the exchange need to see from a slot's candles.
private struct Interest {
    static let watched: UInt8 = 1
    static let resting: UInt8 = 2
}

/// Runs one city's events through the state, the strategy and the simulated exchange, in the order
/// they arrive, and records every effect and answer as an event of the run (numbered from 1 in the
/// order they happen).
///
/// Timers fire after every input stamped at or before their due time and before the first input
/// after it (ties in due time: in the order they were asked for); at the end of the input, the
/// remaining timers fire in due order. A timer asked for a time already past fires at the time it was
/// asked for, never in the past.
package struct CityRun {
    /// The city's code.
    package let city: String
    package private(set) var state: CityState
    package private(set) var strategy: any Strategy
    package private(set) var exchange: SimulatedExchange
    /// The run's own events: decisions, intents, acknowledgements, fills, cancels, timers.
    package private(set) var output: [EventRecord] = []
    /// Holdings, trades, P&L and settlement.
    package private(set) var book = TradeBook()
    package var trades: [Trade] { book.trades }
    /// Buy orders the strategy placed (entries and shifts), whether or not they passed the risk limits.
    package private(set) var buyOrders = 0
    /// Limit orders that met a quote at or through their price when placed.
    package private(set) var crossedOrders = 0
    package private(set) var inputs: UInt64 = 0
    package private(set) var coverage = Coverage()
    private var timers: [(due: Timestamp, order: Int, key: String)] = []
    private var timerOrder = 0
    private var interest: [UInt8] = []
    private var effects: [Effect] = []
    private var lastDecision: UInt64 = 0
    private var restingOrders: [String: Symbol] = [:]  // client order id → market, while it rests
    private var dateFilter: DateFilter
    private var risk: RiskBook

    /// What the city's data held, for a run that trades nothing to say why.
    package struct Coverage: Sendable {
        /// Event dates of every market listed (in the run's dates or not).
        package var marketDates: ClosedRange<LocalDate>?
        /// Events (by date) listed inside the run's dates.
        package var eventsInRange = 0
        /// Target dates of the daily forecasts.
        package var forecastDates: ClosedRange<LocalDate>?

        mutating func add(market date: LocalDate, inRange: Bool, newEvent: Bool) {
            marketDates = marketDates.map { min($0.lowerBound, date)...max($0.upperBound, date) } ?? date...date
            if inRange && newEvent { eventsInRange += 1 }
        }

        mutating func add(forecast date: LocalDate) {
            forecastDates = forecastDates.map { min($0.lowerBound, date)...max($0.upperBound, date) } ?? date...date
        }
    }

    package init(
        city: String, strategy: any Strategy, exchange: ExchangeOptions, dates: DateFilter = DateFilter(),
        risk: RiskLimits = RiskLimits()
    ) {
        self.city = city
        state = CityState(city: city)
        self.risk = RiskBook(risk)
        self.strategy = strategy
        self.exchange = SimulatedExchange(options: exchange)
        dateFilter = dates
    }

    // MARK: - Input

    /// A candle of the listed market whose quotes are in `slot`. It updates the quote; only candles of
    /// markets the strategy watches or with resting orders go further.
    @inline(__always)
    package mutating func candle(_ candle: Candle, slot: Int, at time: Timestamp, sequence: UInt64) {
        inputs += 1
        if !timers.isEmpty && timers[0].due.nanos < time.nanos { fireTimers(before: time) }
        state.applyCandle(candle, slot: slot, at: time, sequence: sequence)
        let flags = interest[slot]
        guard flags != 0 else { return }
        if flags & Interest.resting != 0 {
            expire(before: time)
            for e in exchange.candle(candle, at: time) { answer(e, at: time) }
        }
        if flags & Interest.watched != 0 {
            strategy.onCandle(candle.ticker, at: time, state: state, holdings: book.holdings, effects: &effects)
            perform(at: time)
        }
    }

    /// An input that reaches nothing (a candle of a market outside the run's dates or never listed):
    /// it only moves the clock.
    package mutating func pass(at time: Timestamp) {
        inputs += 1
        if !timers.isEmpty && timers[0].due.nanos < time.nanos { fireTimers(before: time) }
    }

    /// Any other event of the city. Returns how the market table changes: a listing in the run's dates
    /// gets a slot, one outside them is routed nowhere, a determination frees its market's slot.
    package mutating func event(_ record: EventRecord, sequence: UInt64) -> (Symbol, MarketRoute?)? {
        inputs += 1
        if !timers.isEmpty && timers[0].due < record.time { fireTimers(before: record.time) }
        if exchange.hasResting { expire(before: record.time) }
        switch record.event {
        case .marketListed(let m):
            let inRange = dateFilter.contains(m.eventDate)
            coverage.add(market: m.eventDate, inRange: inRange, newEvent: state.events[m.eventDate] == nil)
            guard inRange else { return (m.ticker, MarketRoute(city: 0, slot: MarketRoute.ignoredSlot)) }
        case .dailyForecast(let f):
            coverage.add(forecast: f.targetDate)
        default:
            break
        }
        let change = state.apply(record, sequence: sequence)
        switch record.event {
        case .marketLifecycle(let l) where l.transition == .determined:
            if let result = l.result { settle(l.ticker, result: result, value: l.settlementValue, at: record.time) }
        case .settlement(let s) where s.isFinal:
            recordOfficialHigh(s)
        default:
            break
        }
        strategy.onEvent(record, sequence: sequence, state: state, effects: &effects)
        perform(at: record.time)
        switch change {
        case .assigned(let t, let slot):
            if slot == interest.count { interest.append(0) } else { interest[slot] = 0 }
            return (t, MarketRoute(city: 0, slot: Int32(slot)))
        case .released(let t):
            return (t, nil)
        case nil:
            if case .marketLifecycle(let l) = record.event, l.result != nil,
                l.transition == .determined || l.transition == .settled
            {
                return (l.ticker, nil)
            }
            return nil
        }
    }

    /// The input is over: remaining timers fire, resting orders are canceled.
    package mutating func finish() {
        fireTimers(before: Timestamp(nanos: Int64.max))
        expire(before: Timestamp(nanos: Int64.max))
    }

    // MARK: - Timers and effects

    private mutating func fireTimers(before time: Timestamp) {
        while let first = timers.first, first.due < time {
            timers.removeFirst()
            output.append(
                EventRecord(
                    time: first.due,
                    event: .timerFired(TimerFired(owner: strategy.name, key: first.key, dueTime: first.due))))
            if exchange.hasResting { expire(before: first.due) }
            strategy.onTimer(first.key, at: first.due, state: state, holdings: book.holdings, effects: &effects)
            perform(at: first.due)
        }
    }

    private mutating func perform(at time: Timestamp) {
        guard !effects.isEmpty else { return }
        let todo = effects
        effects.removeAll(keepingCapacity: true)
        for effect in todo {
            switch effect {
            case .decide(let d):
                output.append(EventRecord(time: time, event: .strategyDecision(d)))
                lastDecision = UInt64(output.count)
            case .place(var intent):
                intent.decisionSequence = lastDecision
                place(intent, at: time)
            case .cancel(let id, let reason):
                for e in exchange.cancel(id, reason: reason) { answer(e, at: time) }
            case .timer(let key, let due):
                timerOrder += 1
                let when = max(due, time)
                let entry = (due: when, order: timerOrder, key: key)
                let at = timers.firstIndex { ($0.due, $0.order) > (when, timerOrder) } ?? timers.count
                timers.insert(entry, at: at)
            case .watch(let t):
                if let slot = state.slot(of: t) { interest[slot] |= Interest.watched }
            case .unwatch(let t):
                if let slot = state.slot(of: t) { interest[slot] &= ~Interest.watched }
            }
        }
    }

    private mutating func place(_ intent: OrderIntent, at time: Timestamp) {
        output.append(EventRecord(time: time, event: .orderIntent(intent)))
        if intent.action == .buy { buyOrders += 1 }
        let event = state.event(of: intent.ticker)
        if let refused = risk.check(
            intent, eventTicker: event?.eventTicker, at: time, openOrders: exchange.restingCount)
        {
            output.append(EventRecord(time: time, event: .orderRejected(refused)))
            return
        }
        if intent.action == .buy { openTrade(intent, at: time) }
        let submission = exchange.submit(
            intent, at: time, market: event?.market(intent.ticker), quote: state.quote(intent.ticker))
        if submission.crossed {
            crossedOrders += 1
            book.markCrossed(intent.clientOrderId)
        }
        if submission.rests, let slot = state.slot(of: intent.ticker) {
            interest[slot] |= Interest.resting
            restingOrders[intent.clientOrderId] = intent.ticker
        }
        for e in submission.events { answer(e, at: time) }
    }

    private mutating func expire(before time: Timestamp) {
        for (t, e) in exchange.expire(before: time) { answer(e, at: t) }
    }

    // MARK: - Portfolio

    private mutating func openTrade(_ intent: OrderIntent, at time: Timestamp) {
        guard let event = state.event(of: intent.ticker) else { return }
        var decision: [Field] = []
        if lastDecision > 0, case .strategyDecision(let d) = output[Int(lastDecision) - 1].event { decision = d.values }
        book.open(intent, city: city, event: event, decision: decision, decisionSequence: lastDecision)
    }

    /// An exchange answer: logged, then applied to holdings and trades.
    private mutating func answer(_ e: Event, at time: Timestamp) {
        output.append(EventRecord(time: time, event: e))
        switch e {
        case .fill(let f):
            book.apply(f, at: time)
            leftBook(f.clientOrderId)
        case .orderCanceled(let c):
            leftBook(c.clientOrderId)
        default:
            break
        }
    }

    /// An order that rested may have left the book (filled in full, canceled): when its market has no
    /// resting order left, its candles no longer need to reach the exchange.
    private mutating func leftBook(_ clientOrderId: String) {
        guard let ticker = restingOrders[clientOrderId], !exchange.isResting(clientOrderId) else { return }
        restingOrders[clientOrderId] = nil
        if !exchange.hasResting(on: ticker), let slot = state.slot(of: ticker) { interest[slot] &= ~Interest.resting }
    }

    /// A market was determined: its trades are settled (``TradeBook/settle(_:result:value:officialHigh:at:)``).
    /// The settlement rule: Kalshi's determination pays; the official report's high is recorded beside
    /// it, and a disagreement is flagged on the trade.
    private mutating func settle(_ ticker: Symbol, result: MarketLifecycle.Result, value: Price?, at time: Timestamp) {
        let date = state.event(of: ticker)?.date
        let high = date.flatMap { state.finalReports[$0] }.map { $0.value.high.roundedDegrees }
        for pnl in book.settle(ticker, result: result, value: value, officialHigh: high, at: time) { risk.realize(pnl) }
    }

    /// A final (or corrected) report after a settlement: the trades of its day record the latest.
    private mutating func recordOfficialHigh(_ s: Settlement) {
        book.recordOfficialHigh(s.high.roundedDegrees, for: s.climateDate, city: city)
    }
}

/// The event dates a run trades: from, through, either open.
package struct DateFilter: Equatable, Sendable {
    package var from: LocalDate?
    package var through: LocalDate?

    package init(from: LocalDate? = nil, through: LocalDate? = nil) {
        self.from = from
        self.through = through
    }

    @inline(__always)
    package func contains(_ d: LocalDate) -> Bool {
        (from.map { d >= $0 } ?? true) && (through.map { d <= $0 } ?? true)
    }

    /// `2025-01-01..2025-12-31`, `..2025-12-31`, `2025-01-01..`, or `all`: the manifest's form.
    package var text: String {
        if from == nil && through == nil { return "all" }
        return (from?.iso8601 ?? "") + ".." + (through?.iso8601 ?? "")
    }

    /// Reads ``text`` back.
    package init?(text: String) {
        if text == "all" {
            self.init()
            return
        }
        guard let r = text.firstRange(of: "..") else { return nil }
        let a = String(text[..<r.lowerBound])
        let b = String(text[r.upperBound...])
        let from = a.isEmpty ? nil : LocalDate(iso8601: a)
        let through = b.isEmpty ? nil : LocalDate(iso8601: b)
        guard a.isEmpty || from != nil, b.isEmpty || through != nil else { return nil }
        if let from, let through, from > through { return nil }
        self.init(from: from, through: through)
    }
}
