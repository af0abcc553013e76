package import IsothermCore
package import IsothermEvents

/// One position from entry to settlement (or exit), with what the decision read.
package struct Trade: Equatable, Sendable {
    package var city: String
    package var eventDate: LocalDate
    package var ticker: Symbol
    package var bracket: String
    package var clientOrderId: String
    /// Values the entry decision recorded (forecast basis date, raw and adjusted high, …).
    package var decision: [Field]
    package var decisionSequence: UInt64
    package var entryPrice: Price
    package var contracts: Count
    package var cost: Money
    package var fees: Money
    /// Set when the position was sold before settlement.
    package var exitPrice: Price?
    package var exitContracts = Count.zero
    /// The official high (whole °F) when a final report was seen.
    package var settledHigh: Int32?
    package var won: Bool?
    package var grossPnL = Money.zero
    package var netPnL = Money.zero
    package var settled = false

    package func value(_ name: String) -> String? { decision.first { $0.name == name }?.value }
}

/// Runs one city's log through the state, the strategy and the simulated exchange, in the log's
/// order, and records every effect and answer as an event of the run (numbered from 1 in the order
/// they happen).
///
/// Timers fire after every input stamped at or before their due time and before the first input
/// after it (ties in due time: in the order they were asked for); at the end of the input, the
/// remaining timers fire in due order.
package struct CityRun {
    /// The log's name, for messages.
    package let label: String
    package private(set) var state = CityState()
    package private(set) var strategy: any Strategy
    package private(set) var exchange: SimulatedExchange
    /// The run's own events: decisions, intents, acknowledgements, fills, cancels, timers.
    package private(set) var output: [EventRecord] = []
    package private(set) var trades: [Trade] = []
    package private(set) var ordersPlaced = 0
    package private(set) var inputs: UInt64 = 0
    private var timers: [(due: Timestamp, order: Int, key: String)] = []
    private var timerOrder = 0
    private var watched: [Symbol] = []
    private var holdings: [Holding] = []
    private var effects: [Effect] = []
    private var lastDecision: UInt64 = 0
    private var openTrades: [String: Int] = [:]  // buy client order id → index in trades
    private var dateFilter: ClosedRange<LocalDate>?
    private var risk: RiskBook

    package init(
        label: String, strategy: any Strategy, exchange: ExchangeOptions, dates: ClosedRange<LocalDate>? = nil,
        risk: RiskLimits = RiskLimits()
    ) {
        self.label = label
        self.risk = RiskBook(risk)
        self.strategy = strategy
        self.exchange = SimulatedExchange(options: exchange)
        dateFilter = dates
    }

    // MARK: - Input

    /// A candle from the log. Only candles of watched markets or of markets with resting orders reach
    /// the state; the rest cost one comparison per watched market.
    package mutating func candle(_ candle: Candle, at time: Timestamp, sequence: UInt64) {
        inputs += 1
        if !timers.isEmpty && timers[0].due < time { fireTimers(before: time) }
        let forStrategy = watched.contains(candle.ticker)
        let forExchange = exchange.hasResting && exchange.hasResting(on: candle.ticker)
        guard forStrategy || forExchange else { return }
        state.applyCandle(candle, at: time, sequence: sequence)
        if forExchange {
            expire(before: time)
            for e in exchange.candle(candle, at: time) { answer(e, at: time) }
        }
        if forStrategy {
            strategy.onCandle(candle.ticker, at: time, state: state, holdings: holdings, effects: &effects)
            perform(at: time)
        }
    }

    /// Any other event from the log.
    package mutating func event(_ record: EventRecord, sequence: UInt64) {
        inputs += 1
        if !timers.isEmpty && timers[0].due < record.time { fireTimers(before: record.time) }
        if exchange.hasResting { expire(before: record.time) }
        if case .marketListed(let m) = record.event, let dateFilter, !dateFilter.contains(m.eventDate) { return }
        state.apply(record, sequence: sequence)
        if case .marketLifecycle(let l) = record.event, l.transition == .determined, let result = l.result {
            settle(l.ticker, result: result, value: l.settlementValue, at: record.time)
        }
        strategy.onEvent(record, sequence: sequence, state: state, effects: &effects)
        perform(at: record.time)
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
                output.append(EventRecord(time: time, event: .orderIntent(intent)))
                ordersPlaced += 1
                let event = state.event(of: intent.ticker)
                if let refused = risk.check(
                    intent, eventTicker: event?.eventTicker, at: time, openOrders: exchange.restingCount)
                {
                    output.append(EventRecord(time: time, event: .orderRejected(refused)))
                    continue
                }
                if intent.action == .buy { openTrade(intent, at: time) }
                let market = event?.market(intent.ticker)
                for e in exchange.submit(intent, at: time, market: market) { answer(e, at: time) }
            case .cancel(let id, let reason):
                for e in exchange.cancel(id, reason: reason) { answer(e, at: time) }
            case .timer(let key, let due):
                timerOrder += 1
                let entry = (due: due, order: timerOrder, key: key)
                let at = timers.firstIndex { ($0.due, $0.order) > (due, timerOrder) } ?? timers.count
                timers.insert(entry, at: at)
            case .watch(let t):
                if !watched.contains(t) { watched.append(t) }
            case .unwatch(let t):
                watched.removeAll { $0 == t }
            }
        }
    }

    private mutating func expire(before time: Timestamp) {
        for (t, e) in exchange.expire(before: time) { answer(e, at: t) }
    }

    // MARK: - Portfolio

    /// `KXHIGHCHI-25NOV28` → `CHI`.
    static func city(of eventTicker: Symbol) -> String {
        let series = eventTicker.description.prefix { $0 != "-" }
        for prefix in ["KXHIGH", "KXLOW", "HIGH"] where series.hasPrefix(prefix) {
            return String(series.dropFirst(prefix.count))
        }
        return String(series)
    }

    private mutating func openTrade(_ intent: OrderIntent, at time: Timestamp) {
        guard let event = state.event(of: intent.ticker), let i = event.index(of: intent.ticker) else { return }
        var decision: [Field] = []
        if lastDecision > 0, case .strategyDecision(let d) = output[Int(lastDecision) - 1].event { decision = d.values }
        openTrades[intent.clientOrderId] = trades.count
        trades.append(
            Trade(
                city: Self.city(of: event.eventTicker), eventDate: event.date, ticker: intent.ticker,
                bracket: event.brackets[i].label,
                clientOrderId: intent.clientOrderId, decision: decision, decisionSequence: lastDecision,
                entryPrice: intent.price, contracts: .zero, cost: .zero, fees: .zero))
    }

    /// An exchange answer: logged, then applied to holdings and trades.
    private mutating func answer(_ e: Event, at time: Timestamp) {
        output.append(EventRecord(time: time, event: e))
        guard case .fill(let f) = e else { return }
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
    /// a win) and its holding closed.
    private mutating func settle(_ ticker: Symbol, result: MarketLifecycle.Result, value: Price?, at time: Timestamp) {
        let payout = value ?? (result == .yes ? .one : .zero)
        for i in trades.indices where trades[i].ticker == ticker && !trades[i].settled {
            var t = trades[i]
            let held = Count(hundredths: t.contracts.hundredths - t.exitContracts.hundredths)
            t.settled = true
            t.won = result == .yes
            t.settledHigh = state.finalReports[t.eventDate].map { $0.value.high.roundedDegrees }
            // Gross P&L: what the contracts returned (sold plus settled) minus what they cost.
            t.grossPnL = t.grossPnL + Money.cost(held, payout) - t.cost
            t.netPnL = t.grossPnL - t.fees
            trades[i] = t
            risk.realize(t.netPnL)
        }
        holdings.removeAll { $0.ticker == ticker }
    }
}
