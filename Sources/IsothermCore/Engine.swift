package import IsothermEvents

/// What reaches the engine: the city's events, the quotes of its listed markets (candles from history,
/// ticker updates from the live feed), the timers it asked for, and the exchange's answers to its orders.
package enum EngineInput: Sendable {
    /// Any event of the city other than a candle or a ticker update.
    case event(EventRecord, sequence: UInt64)
    /// A candle of the listed market in `slot`: its quote is folded in, and the strategy sees it when
    /// `watched`.
    case candle(Candle, slot: Int, at: Timestamp, sequence: UInt64, watched: Bool)
    /// A ticker update (the live feed's quote) of the listed market in `slot`: folded into its quote as a
    /// candle is, and the strategy sees it when `watched`.
    case quote(TickerUpdate, slot: Int, at: Timestamp, sequence: UInt64, watched: Bool)
    /// A timer the engine scheduled came due (`due` is its time).
    case timer(key: TimerKey, due: Timestamp)
    /// The exchange answered an order (acknowledged, rejected, filled, canceled) at `at`.
    case answer(Event, at: Timestamp)
    /// The driver has fed every answer to the last ``EngineAction/submit(_:at:)`` or
    /// ``EngineAction/cancel(clientOrderId:reason:at:)``: the engine goes on with what it had left to do.
    case resume
}

/// What the engine asks of its driver, in order. Every event it produces is an ``append(_:)`` (the
/// driver appends it to the run's output, or logs and syncs it live) before any action that depends
/// on it: an order's intent is appended before its ``submit(_:at:)``.
package enum EngineAction: Equatable, Sendable {
    /// Append this event to the run's output.
    case append(EventRecord)
    /// Send this order to the exchange; its intent was the previous ``append(_:)``. The engine does
    /// nothing more until the driver feeds the answers (``EngineInput/answer(_:at:)``, as many as the
    /// exchange gives now) and then ``EngineInput/resume``.
    case submit(OrderIntent, at: Timestamp)
    /// Cancel what rests of an order; as for ``submit(_:at:)``, answers then ``EngineInput/resume``.
    case cancel(clientOrderId: String, reason: String, at: Timestamp)
    /// Feed ``EngineInput/timer(key:due:)`` when the stream (or the clock) passes `due`. Timers due at
    /// the same time fire in the order they were scheduled.
    case schedule(key: TimerKey, due: Timestamp)
    /// Send, or stop sending, this market's candles and ticker updates with `watched: true`.
    case watch(Symbol)
    case unwatch(Symbol)
    /// A listing took a market slot (candles and ticker updates of `ticker` come with this slot from now on).
    case assigned(Symbol, slot: Int)
    /// A determined market gave its slot up (its ticker routes nowhere now).
    case released(Symbol)
}

/// One city's trading, as a pure state machine: the state, the strategy, the risk limits and the book
/// of trades, driven by inputs and answering with actions. No I/O, no clock, no random: the backtest
/// drives it with a simulated exchange and stream-time timers, a live trader with Kalshi and the wall
/// clock, and both get the same actions for the same inputs.
///
/// The engine numbers nothing itself: the driver appends the events it is given in order, so the n-th
/// ``EngineAction/append(_:)`` is the run's n-th event. An order links to the decision before it by
/// that number.
package struct Engine: Sendable {
    package let city: String
    package private(set) var state: CityState
    package private(set) var strategy: any Strategy
    /// Holdings, trades, P&L and settlement.
    package private(set) var book = TradeBook()
    /// Buy orders the strategy placed (entries and shifts), whether or not they passed the risk limits.
    package private(set) var buyOrders = 0
    /// Limit orders that met a quote at or through their price when placed (a taker fill, or a
    /// post-only rejection).
    package private(set) var crossedOrders = 0
    /// Events appended so far.
    package private(set) var appended: UInt64 = 0
    private var risk: RiskBook
    /// Orders submitted and not yet rejected, filled in full or canceled, by client order id (the risk
    /// book counts them too, across cities when the account shares one).
    private var open: [String: OpenOrder] = [:]
    /// A submit or cancel is out: the engine waits for ``EngineInput/resume``.
    private var waiting = false
    private var lastDecision: UInt64 = 0
    private var lastDecisionValues: [Field] = []
    /// Effects the strategy asked for that are not performed yet (an order waits for its answers).
    private var pending: [Effect] = []
    private var pendingNext = 0
    private var pendingTime = Timestamp(nanos: 0)
    private var effects: [Effect] = []

    package init(city: String, strategy: any Strategy, risk: RiskLimits = RiskLimits()) {
        self.city = city
        state = CityState(city: city)
        self.strategy = strategy
        self.risk = RiskBook(risk)
    }

    /// Orders resting at the exchange as the engine knows them.
    package var openOrders: Int { open.count }

    /// The risk book: this city's own, or the account's when a driver shares one book among the cities'
    /// engines (it swaps the account's in before each input and out after).
    package var riskBook: RiskBook { risk }

    /// Exchanges this engine's risk book with `other`: a driver whose limits apply to the whole
    /// account holds one book and swaps it into the engine of the city whose input it handles.
    package mutating func swapRisk(_ other: inout RiskBook) { swap(&risk, &other) }

    /// Whether the engine waits for answers and ``EngineInput/resume``.
    package var isWaiting: Bool { waiting }

    /// A candle nobody watches: it only moves its market's quote. The same as
    /// ``handle(_:into:)`` with `.candle(…, watched: false)`, which has no actions, for the replay's
    /// hot path.
    @inline(__always)
    package mutating func applyCandle(_ candle: Candle, slot: Int, at time: Timestamp, sequence: UInt64) {
        state.applyCandle(candle, slot: slot, at: time, sequence: sequence)
    }

    /// Handles one input, appending its actions to `actions` (which it does not clear).
    package mutating func handle(_ input: EngineInput, into actions: inout [EngineAction]) {
        switch input {
        case .candle(let candle, let slot, let time, let sequence, let watched):
            self.candle(candle, slot: slot, at: time, sequence: sequence, watched: watched, into: &actions)
        case .quote(let update, let slot, let time, let sequence, let watched):
            quote(update, slot: slot, at: time, sequence: sequence, watched: watched, into: &actions)
        case .event(let record, let sequence):
            event(record, sequence: sequence, into: &actions)
        case .timer(let key, let due):
            timer(key, due: due, into: &actions)
        case .answer(let event, let time):
            answer(event, at: time, into: &actions)
        case .resume:
            resume(into: &actions)
        }
    }

    /// The actions of one input, in a new array (for tests and drivers that do not reuse a buffer).
    package mutating func handle(_ input: EngineInput) -> [EngineAction] {
        var actions: [EngineAction] = []
        handle(input, into: &actions)
        return actions
    }

    // MARK: - Inputs, one method each (what ``handle(_:into:)`` calls; a driver on the hot path calls
    // them directly and spares building an ``EngineInput``)

    /// ``EngineInput/candle(_:slot:at:sequence:watched:)``.
    package mutating func candle(
        _ candle: Candle, slot: Int, at time: Timestamp, sequence: UInt64, watched: Bool,
        into actions: inout [EngineAction]
    ) {
        precondition(!waiting, "a candle while the engine waits for answers")
        state.applyCandle(candle, slot: slot, at: time, sequence: sequence)
        guard watched else { return }
        strategy.onQuote(candle.ticker, at: time, state: state, holdings: book.holdings, effects: &effects)
        perform(at: time, into: &actions)
    }

    /// ``EngineInput/quote(_:slot:at:sequence:watched:)``.
    package mutating func quote(
        _ update: TickerUpdate, slot: Int, at time: Timestamp, sequence: UInt64, watched: Bool,
        into actions: inout [EngineAction]
    ) {
        precondition(!waiting, "a ticker update while the engine waits for answers")
        state.applyTicker(update, slot: slot, at: time, sequence: sequence)
        guard watched else { return }
        strategy.onQuote(update.ticker, at: time, state: state, holdings: book.holdings, effects: &effects)
        perform(at: time, into: &actions)
    }

    /// ``EngineInput/timer(key:due:)``.
    package mutating func timer(_ key: TimerKey, due: Timestamp, into actions: inout [EngineAction]) {
        precondition(!waiting, "a timer while the engine waits for answers")
        append(
            EventRecord(time: due, event: .timerFired(TimerFired(owner: strategy.name, key: key.text, dueTime: due))),
            into: &actions)
        strategy.onTimer(key, at: due, state: state, holdings: book.holdings, effects: &effects)
        perform(at: due, into: &actions)
    }

    /// ``EngineInput/resume``.
    package mutating func resume(into actions: inout [EngineAction]) {
        precondition(waiting, "resume without a submit or cancel")
        waiting = false
        performPending(into: &actions)
    }

    /// ``EngineInput/event(_:sequence:)``.
    package mutating func event(_ record: EventRecord, sequence: UInt64, into actions: inout [EngineAction]) {
        precondition(!waiting, "an event while the engine waits for answers")
        let change = state.apply(record, sequence: sequence)
        switch record.event {
        case .marketLifecycle(let l) where l.transition == .determined:
            if let result = l.result { settle(l.ticker, result: result, value: l.settlementValue, at: record.time) }
        case .settlement(let s) where s.isFinal:
            book.recordOfficialHigh(s.high.roundedDegrees, for: s.climateDate, city: city)
        default:
            break
        }
        strategy.onEvent(record, sequence: sequence, state: state, effects: &effects)
        switch change {
        case .assigned(let t, let slot):
            actions.append(.assigned(t, slot: slot))
        case .released(let t):
            actions.append(.released(t))
        case nil:
            if case .marketLifecycle(let l) = record.event, l.result != nil,
                l.transition == .determined || l.transition == .settled
            {
                actions.append(.released(l.ticker))
            }
        }
        perform(at: record.time, into: &actions)
    }

    /// ``EngineInput/answer(_:at:)``: appended, then applied to the open orders, holdings and trades.
    package mutating func answer(_ e: Event, at time: Timestamp, into actions: inout [EngineAction]) {
        append(EventRecord(time: time, event: e), into: &actions)
        switch e {
        case .orderRejected(let r):
            if close(r.clientOrderId), r.code == "post_only_rejected" { crossed(r.clientOrderId) }
        case .fill(let f):
            if var o = open[f.clientOrderId] {
                // A limit order that takes liquidity met the quote when it was placed.
                if f.isTaker && o.isLimit && !o.crossed {
                    o.crossed = true
                    crossed(f.clientOrderId)
                }
                o.remaining = Count(hundredths: o.remaining.hundredths - f.count.hundredths)
                if o.remaining.hundredths > 0 { open[f.clientOrderId] = o } else { close(f.clientOrderId) }
            }
            book.apply(f, at: time)
        case .orderCanceled(let c):
            close(c.clientOrderId)
        default:
            break
        }
    }

    // MARK: - Effects

    private mutating func perform(at time: Timestamp, into actions: inout [EngineAction]) {
        guard !effects.isEmpty else { return }
        pending.removeAll(keepingCapacity: true)
        swap(&pending, &effects)
        pendingNext = 0
        pendingTime = time
        performPending(into: &actions)
    }

    /// Performs pending effects until one needs the exchange's answers (or none is left).
    private mutating func performPending(into actions: inout [EngineAction]) {
        let time = pendingTime
        while pendingNext < pending.count {
            let effect = pending[pendingNext]
            pendingNext += 1
            switch effect {
            case .decide(let d):
                append(EventRecord(time: time, event: .strategyDecision(d)), into: &actions)
                lastDecision = appended
                lastDecisionValues = d.values
            case .place(var intent):
                intent.decisionSequence = lastDecision
                if place(intent, at: time, into: &actions) { return }
            case .cancel(let id, let reason):
                actions.append(.cancel(clientOrderId: id, reason: reason, at: time))
                waiting = true
                return
            case .timer(let key, let due):
                actions.append(.schedule(key: key, due: max(due, time)))
            case .watch(let t):
                actions.append(.watch(t))
            case .unwatch(let t):
                actions.append(.unwatch(t))
            }
        }
        pending.removeAll(keepingCapacity: true)
        pendingNext = 0
    }

    /// Appends the intent and checks the risk limits; submits it when they pass.
    /// - Returns: whether it was submitted (the engine then waits for the answers).
    private mutating func place(_ intent: OrderIntent, at time: Timestamp, into actions: inout [EngineAction]) -> Bool {
        append(EventRecord(time: time, event: .orderIntent(intent)), into: &actions)
        if intent.action == .buy { buyOrders += 1 }
        let event = state.event(of: intent.ticker)
        if let refused = risk.check(intent, eventTicker: event?.eventTicker, at: time) {
            append(EventRecord(time: time, event: .orderRejected(refused)), into: &actions)
            return false
        }
        if intent.action == .buy, let event {
            book.open(
                intent, city: city, event: event, decision: lastDecision > 0 ? lastDecisionValues : [],
                decisionSequence: lastDecision)
        }
        open[intent.clientOrderId] = OpenOrder(remaining: intent.count, isLimit: intent.type == .limit)
        risk.opened()
        waiting = true
        actions.append(.submit(intent, at: time))
        return true
    }

    /// An order left the book: no longer open here nor in the risk book.
    /// - Returns: whether it was open.
    @discardableResult
    private mutating func close(_ clientOrderId: String) -> Bool {
        guard open.removeValue(forKey: clientOrderId) != nil else { return false }
        risk.closed()
        return true
    }

    private struct OpenOrder: Sendable {
        var remaining: Count
        var isLimit: Bool
        var crossed = false
    }

    private mutating func crossed(_ clientOrderId: String) {
        crossedOrders += 1
        book.markCrossed(clientOrderId)
    }

    @inline(__always)
    private mutating func append(_ record: EventRecord, into actions: inout [EngineAction]) {
        appended += 1
        actions.append(.append(record))
    }

    // MARK: - Settlement

    /// A market was determined: its trades are settled (``TradeBook/settle(_:result:value:officialHigh:at:)``).
    /// Kalshi's determination pays; the official report's high is recorded beside it, and a disagreement
    /// is flagged on the trade.
    private mutating func settle(_ ticker: Symbol, result: MarketLifecycle.Result, value: Price?, at time: Timestamp) {
        let date = state.event(of: ticker)?.date
        let high = date.flatMap { state.finalReports[$0] }.map { $0.value.high.roundedDegrees }
        for pnl in book.settle(ticker, result: result, value: value, officialHigh: high, at: time) { risk.realize(pnl) }
    }
}
