package import IsothermCore
package import IsothermEvents

/// One position from entry to settlement (or exit), with what the decision read.
package struct Trade: Equatable, Sendable {
    package var city: String
    package var eventDate: LocalDate
    package var ticker: Symbol
    package var bracket: String
    /// The whole-°F range the market pays on (from its exact strikes).
    package var range: Bracket?
    package var clientOrderId: String
    /// Values the entry decision recorded (forecast basis date, raw and adjusted high, …).
    package var decision: [Field]
    package var decisionSequence: UInt64
    package var entryPrice: Price
    package var contracts: Count
    package var cost: Money
    package var fees: Money
    /// Set when the position was sold before settlement (the last sale's price).
    package var exitPrice: Price?
    package var exitContracts = Count.zero
    /// The official high (whole °F) from the latest final report for the event date, if one was seen.
    package var settledHigh: Int32?
    /// Kalshi's determination: whether our bracket paid YES.
    package var bracketWon: Bool?
    package var grossPnL = Money.zero
    package var netPnL = Money.zero
    package var settled = false
    /// Entry orders that crossed the quote when placed (filled as a taker).
    package var crossed = false

    package func value(_ name: String) -> String? { decision.first { $0.name == name }?.value }

    /// A trade that made money: net P&L above zero (a winning bracket bought too dear is not a win).
    package var won: Bool { netPnL.micros > 0 }

    /// The official report's high and Kalshi's determination disagree about our bracket: the report's
    /// high lies inside the bracket but it did not pay, or outside it and it paid. Kalshi's result is
    /// what paid; the disagreement is reported, never hidden.
    package var settlementDisagrees: Bool {
        guard let high = settledHigh, let won = bracketWon, let range else { return false }
        return range.pays(high) != won
    }
}

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
    package private(set) var trades: [Trade] = []
    /// Buy orders the strategy placed (entries and shifts), whether or not they passed the risk limits.
    package private(set) var buyOrders = 0
    /// Limit orders that met a quote at or through their price when placed.
    package private(set) var crossedOrders = 0
    package private(set) var inputs: UInt64 = 0
    package private(set) var coverage = Coverage()
    private var timers: [(due: Timestamp, order: Int, key: String)] = []
    private var timerOrder = 0
    private var interest: [UInt8] = []
    private var holdings: [Holding] = []
    private var effects: [Effect] = []
    private var lastDecision: UInt64 = 0
    private var openTrades: [String: Int] = [:]  // buy client order id → index in trades
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
            strategy.onCandle(candle.ticker, at: time, state: state, holdings: holdings, effects: &effects)
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
            strategy.onTimer(first.key, at: first.due, state: state, holdings: holdings, effects: &effects)
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
            if let i = openTrades[intent.clientOrderId] { trades[i].crossed = true }
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
        guard let event = state.event(of: intent.ticker), let i = event.index(of: intent.ticker) else { return }
        var decision: [Field] = []
        if lastDecision > 0, case .strategyDecision(let d) = output[Int(lastDecision) - 1].event { decision = d.values }
        openTrades[intent.clientOrderId] = trades.count
        trades.append(
            Trade(
                city: city, eventDate: event.date, ticker: intent.ticker, bracket: event.brackets[i].label,
                range: event.brackets[i], clientOrderId: intent.clientOrderId, decision: decision,
                decisionSequence: lastDecision, entryPrice: intent.price, contracts: .zero, cost: .zero, fees: .zero))
    }

    /// An exchange answer: logged, then applied to holdings and trades.
    private mutating func answer(_ e: Event, at time: Timestamp) {
        output.append(EventRecord(time: time, event: e))
        switch e {
        case .fill(let f):
            applyFill(f, at: time)
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

    private mutating func applyFill(_ f: Fill, at time: Timestamp) {
        if f.action == .buy {
            if let i = openTrades[f.clientOrderId] {
                trades[i].contracts = Count(hundredths: trades[i].contracts.hundredths + f.count.hundredths)
                trades[i].cost = trades[i].cost + Money.cost(f.count, f.price)
                trades[i].fees = trades[i].fees + f.fee
            }
            if let h = holdings.firstIndex(where: { $0.ticker == f.ticker }) {
                holdings[h].contracts = Count(hundredths: holdings[h].contracts.hundredths + f.count.hundredths)
            } else {
                holdings.append(
                    Holding(ticker: f.ticker, contracts: f.count, openedAt: time, openedBy: f.clientOrderId))
            }
        } else if let h = holdings.firstIndex(where: { $0.ticker == f.ticker }) {
            let sold = min(f.count.hundredths, holdings[h].contracts.hundredths)
            holdings[h].contracts = Count(hundredths: holdings[h].contracts.hundredths - sold)
            if let i = openTrades[holdings[h].openedBy] {
                trades[i].exitPrice = f.price
                trades[i].exitContracts = Count(hundredths: trades[i].exitContracts.hundredths + sold)
                trades[i].fees = trades[i].fees + f.fee
                trades[i].grossPnL = trades[i].grossPnL + Money.cost(Count(hundredths: sold), f.price)
            }
        }
    }

    /// A market was determined: every trade in it is settled (YES pays the settlement value, $1 for
    /// a win) and its holding closed. The settlement rule: Kalshi's determination pays; the official
    /// report's high is recorded beside it, and a disagreement is flagged on the trade.
    private mutating func settle(_ ticker: Symbol, result: MarketLifecycle.Result, value: Price?, at time: Timestamp) {
        let payout = value ?? (result == .yes ? .one : .zero)
        for i in trades.indices where trades[i].ticker == ticker && !trades[i].settled {
            var t = trades[i]
            let held = Count(hundredths: t.contracts.hundredths - t.exitContracts.hundredths)
            t.settled = true
            t.bracketWon = result == .yes
            t.settledHigh = state.finalReports[t.eventDate].map { $0.value.high.roundedDegrees }
            // Gross P&L: what the contracts returned (sold plus settled) minus what they cost.
            t.grossPnL = t.grossPnL + Money.cost(held, payout) - t.cost
            t.netPnL = t.grossPnL - t.fees
            trades[i] = t
            risk.realize(t.netPnL)
        }
        holdings.removeAll { $0.ticker == ticker }
    }

    /// A final (or corrected) report after a settlement: the trades of its day record the latest.
    private mutating func recordOfficialHigh(_ s: Settlement) {
        for i in trades.indices where trades[i].settled && trades[i].eventDate == s.climateDate {
            trades[i].settledHigh = s.high.roundedDegrees
        }
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
