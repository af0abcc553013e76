package import IsothermCore
package import IsothermEvents
package import IsothermImport

/// A trade of a run: the one book's record (``TradeRecord``, IsothermCore).
package typealias Trade = TradeRecord

/// What the strategy and the exchange need to see from a slot's candles.
private struct Interest {
    static let watched: UInt8 = 1
    static let resting: UInt8 = 2
}

/// The simulated-exchange driver of one city's ``Engine``: the engine plus a ``SimulatedExchange`` and
/// stream-time timers. The backtest pulls a log's events into it (``LogDriver``); a paper session
/// (``PaperSession``) pushes a feed's events into it as they arrive and moves its clock. It feeds the city's events in the order they arrive, performs the engine's
/// actions (appending its events to ``output``, numbered from 1 in the order they happen; submitting
/// and canceling at the exchange and feeding the answers back; scheduling timers; routing candles),
/// and decides which candles reach the engine and the exchange at all.
///
/// Timers fire after every input stamped at or before their due time and before the first input
/// after it (ties in due time: in the order they were asked for); at the end of the input, the
/// remaining timers fire in due order. A timer asked for a time already past fires at the time it was
/// asked for, never in the past. Orders whose fill window ended before an input or a timer are
/// canceled (stamped when the window ended) before it.
package struct CityRun {
    /// The city's code.
    package let city: String
    package private(set) var engine: Engine
    package private(set) var exchange: SimulatedExchange
    /// Set when the session trades at a real exchange: orders become requests for the live driver, and
    /// its logged answers and the feed's fills come back as inputs (``ExternalBroker``).
    package private(set) var broker: ExternalBroker?
    /// The run's own events: decisions, intents, acknowledgements, fills, cancels, timers.
    package private(set) var output: [EventRecord] = []
    package private(set) var inputs: UInt64 = 0
    package private(set) var coverage = Coverage()
    private var timers: [(due: Timestamp, order: Int, key: TimerKey)] = []
    private var timerOrder = 0
    private var interest: [UInt8] = []
    private var restingOrders: [String: Symbol] = [:]  // client order id → market, while it rests
    private var dateFilter: DateFilter
    private var actions: [EngineAction] = []

    package var state: CityState { engine.state }
    package var strategy: any Strategy { engine.strategy }
    /// Holdings, trades, P&L and settlement.
    package var book: TradeBook { engine.book }
    package var trades: [Trade] { engine.book.trades }
    /// Buy orders the strategy placed (entries and shifts), whether or not they passed the risk limits.
    package var buyOrders: Int { engine.buyOrders }
    /// Limit orders that met a quote at or through their price when placed.
    package var crossedOrders: Int { engine.crossedOrders }

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
        risk: RiskLimits = RiskLimits(), broker: ExternalBroker? = nil
    ) {
        self.city = city
        engine = Engine(city: city, strategy: strategy, risk: risk)
        self.exchange = SimulatedExchange(options: exchange)
        self.broker = broker
        dateFilter = dates
    }

    /// Requests the live driver must send before the next input (empty on paper).
    package var requests: [ExternalBroker.Request] { broker?.requests ?? [] }

    /// A logged answer to one of this city's requests: its events reach the engine, which goes on when
    /// it waited for it. - Returns: false when no request of this city waits for it.
    package mutating func answered(_ a: BrokerAnswer, at time: Timestamp) -> Bool {
        guard broker?.awaits(a.kind, a.engineId) == true, let (events, waited) = broker?.answer(a) else { return false }
        for e in events { engine.answer(e, at: time, into: &actions) }
        if waited { engine.resume(into: &actions) }
        performActions()
        return true
    }

    /// A fill from the private feed. - Returns: false when the order is not this city's.
    package mutating func filled(_ f: KalshiFillRecord, at time: Timestamp) -> Bool {
        guard broker?.knows(orderId: f.orderId) == true else { return false }
        if let fill = broker?.fill(f) {
            engine.answer(.fill(fill), at: time, into: &actions)
            performActions()
        }
        return true
    }

    /// Whether orders may end their fill window (at the simulated exchange, or at the real one).
    private var mayExpire: Bool { exchange.hasResting || broker != nil }

    // MARK: - Input

    /// A candle of the listed market whose quotes are in `slot`. It updates the quote; only candles of
    /// markets the strategy watches or with resting orders go further.
    @inline(__always)
    package mutating func candle(_ candle: Candle, slot: Int, at time: Timestamp, sequence: UInt64) {
        inputs += 1
        if !timers.isEmpty && timers[0].due.nanos < time.nanos { fireTimers(before: time) }
        let flags = interest[slot]
        guard flags != 0 else {
            engine.applyCandle(candle, slot: slot, at: time, sequence: sequence)
            return
        }
        show(flags, at: time) { $0.candle(candle, at: time) }
        engine.candle(
            candle, slot: slot, at: time, sequence: sequence, watched: flags & Interest.watched != 0, into: &actions)
        performActions()
    }

    /// A ticker update (the live feed's quote) of a listed market: as a candle, it moves the quote,
    /// reaches the exchange when an order rests on the market and the strategy when it watches it.
    package mutating func ticker(_ update: TickerUpdate, at time: Timestamp, sequence: UInt64) {
        inputs += 1
        if !timers.isEmpty && timers[0].due < time { fireTimers(before: time) }
        guard let slot = state.slot(of: update.ticker) else { return }
        let flags = interest[slot]
        if flags != 0 { show(flags, at: time) { $0.ticker(update, at: time) } }
        engine.quote(
            update, slot: slot, at: time, sequence: sequence, watched: flags & Interest.watched != 0, into: &actions)
        performActions()
    }

    /// Takes the run's events appended so far (``output`` is then empty): a session that writes its
    /// events to a log as they happen, instead of keeping them all.
    package mutating func takeOutput() -> [EventRecord] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    /// An input that reaches nothing (a candle of a market outside the run's dates or never listed):
    /// it only moves the clock.
    package mutating func pass(at time: Timestamp) {
        inputs += 1
        if !timers.isEmpty && timers[0].due.nanos < time.nanos { fireTimers(before: time) }
    }

    /// Any other event of the city (a ticker update goes to ``ticker(_:at:sequence:)``). Returns how the
    /// market table changes: a listing in the run's dates
    /// gets a slot, one outside them is routed nowhere, a determination frees its market's slot.
    package mutating func event(_ record: EventRecord, sequence: UInt64) -> (Symbol, MarketRoute?)? {
        if case .ticker(let update) = record.event {
            ticker(update, at: record.time, sequence: sequence)
            return nil
        }
        inputs += 1
        if !timers.isEmpty && timers[0].due < record.time { fireTimers(before: record.time) }
        if mayExpire { expire(before: record.time) }
        switch record.event {
        case .trade(let t):
            // A trade print may fill orders resting on its market; the strategy sees it as any event.
            if let slot = state.slot(of: t.ticker) {
                show(interest[slot], at: record.time) { $0.trade(t, at: record.time) }
            }
        case .marketListed(let m):
            let inRange = dateFilter.contains(m.eventDate)
            coverage.add(market: m.eventDate, inRange: inRange, newEvent: state.events[m.eventDate] == nil)
            guard inRange else { return (m.ticker, MarketRoute(city: 0, slot: MarketRoute.ignoredSlot)) }
        case .dailyForecast(let f):
            coverage.add(forecast: f.targetDate)
        default:
            break
        }
        engine.event(record, sequence: sequence, into: &actions)
        return performActions()
    }

    /// The input is over: remaining timers fire, resting orders are canceled.
    package mutating func finish() {
        fireTimers(before: Timestamp(nanos: Int64.max))
        expire(before: Timestamp(nanos: Int64.max))
    }

    // MARK: - Waking in time order (a driver of several cities that share one account)

    /// The time of the next thing this run does without an input: its first timer's due time or the end
    /// of its first resting order's window, whichever is earlier (`Int64.max`: nothing). It is done
    /// before any input stamped after it.
    package private(set) var nextWake = Int64.max

    /// Notes ``nextWake`` after the timers or the resting orders may have changed.
    private mutating func noteWake() {
        if engine.isWaiting {
            // Its answers come as the next inputs; nothing of this run happens before them.
            nextWake = Int64.max
            return
        }
        let timer = timers.first?.due.nanos ?? Int64.max
        if let end = broker?.nextExpiry?.nanos {
            nextWake = min(timer, end)
            return
        }
        if exchange.hasResting, let end = exchange.nextExpiry?.nanos {
            nextWake = min(timer, end)
        } else {
            nextWake = timer
        }
    }

    /// Does the next thing (``nextWake``): fires the first timer, or — when a resting order's window ends
    /// before it — cancels the orders whose window ends first. A driver of several cities calls it on
    /// the city whose wake is earliest (ties: the city first in the catalog), so that timers and
    /// expiries of every city happen in time order, as the account's risk book must see them. Within a
    /// city this is the order ``candle(_:slot:at:sequence:)`` and ``event(_:sequence:)`` keep too.
    package mutating func wake() {
        let timer = timers.first?.due.nanos ?? Int64.max
        if let end = broker?.nextExpiry?.nanos, end < timer {
            expire(before: Timestamp(nanos: end + 1))
        } else if exchange.hasResting, let end = exchange.nextExpiry?.nanos, end < timer {
            expire(before: Timestamp(nanos: end + 1))
        } else if timer != Int64.max {
            fireTimers(before: Timestamp(nanos: timer + 1), limit: 1)
        }
    }

    /// Exchanges the engine's risk book with `other` (``CityRuns`` swaps the account's in and out).
    @inline(__always)
    package mutating func swapRisk(_ other: inout RiskBook) { engine.swapRisk(&other) }

    // MARK: - Timers and actions

    /// A quote input (candle, tick, trade print) of a market whose `flags` are not 0, before the engine
    /// sees it: orders whose window ended before `time` are canceled, and when an order rests on the
    /// market the exchange is shown the input (`match`) and its fills go back to the engine.
    private mutating func show(_ flags: UInt8, at time: Timestamp, _ match: (inout SimulatedExchange) -> [Event]) {
        if mayExpire { expire(before: time) }
        guard flags & Interest.resting != 0 else { return }
        for e in match(&exchange) {
            engine.answer(e, at: time, into: &actions)
            performActions()
        }
    }

    private mutating func fireTimers(before time: Timestamp, limit: Int = Int.max) {
        var fired = 0
        while fired < limit, let first = timers.first, first.due < time {
            fired += 1
            timers.removeFirst()
            if mayExpire { expire(before: first.due) }
            engine.timer(first.key, due: first.due, into: &actions)
            performActions()
        }
        noteWake()
    }

    private mutating func expire(before time: Timestamp) {
        if broker != nil {
            broker!.expire(before: time)
            noteWake()
            return
        }
        for (t, e) in exchange.expire(before: time) {
            engine.answer(e, at: t, into: &actions)
            performActions()
        }
        noteWake()
    }

    /// Performs the engine's actions for one input (in ``actions``) in order; an order's answers go back
    /// to the engine at once, then it resumes. Leaves ``actions`` empty for the next input. Returns the
    /// market table's change, if the input made one.
    @discardableResult
    private mutating func performActions() -> (Symbol, MarketRoute?)? {
        var route: (Symbol, MarketRoute?)? = nil
        var i = 0
        while i < actions.count {
            let action = actions[i]
            i += 1
            switch action {
            case .append(let record):
                output.append(record)
                switch record.event {
                case .fill(let f): leftBook(f.clientOrderId)
                case .orderCanceled(let c): leftBook(c.clientOrderId)
                default: break
                }
            case .submit(let intent, let time):
                if broker != nil {
                    // Sent by the live driver; the answers come back as inputs (``answered(_:at:)``).
                    broker!.submit(intent, at: time, market: state.event(of: intent.ticker)?.market(intent.ticker))
                    continue
                }
                let submission = exchange.submit(
                    intent, at: time, market: state.event(of: intent.ticker)?.market(intent.ticker),
                    quote: state.quote(intent.ticker))
                if submission.rests, let slot = state.slot(of: intent.ticker) {
                    interest[slot] |= Interest.resting
                    restingOrders[intent.clientOrderId] = intent.ticker
                }
                for e in submission.events { engine.answer(e, at: time, into: &actions) }
                engine.resume(into: &actions)
            case .cancel(let id, let reason, let time):
                if broker != nil {
                    if !broker!.cancel(id, reason: reason, at: time) { engine.resume(into: &actions) }
                    continue
                }
                for e in exchange.cancel(id, reason: reason) { engine.answer(e, at: time, into: &actions) }
                engine.resume(into: &actions)
            case .schedule(let key, let due):
                timerOrder += 1
                let at = timers.firstIndex { ($0.due, $0.order) > (due, timerOrder) } ?? timers.count
                timers.insert((due: due, order: timerOrder, key: key), at: at)
            case .watch(let t):
                if let slot = state.slot(of: t) { interest[slot] |= Interest.watched }
            case .unwatch(let t):
                if let slot = state.slot(of: t) { interest[slot] &= ~Interest.watched }
            case .assigned(let t, let slot):
                if slot == interest.count { interest.append(0) } else { interest[slot] = 0 }
                route = (t, MarketRoute(city: 0, slot: Int32(slot)))
            case .released(let t):
                route = (t, nil)
            }
        }
        actions.removeAll(keepingCapacity: true)
        noteWake()
        return route
    }

    /// An order that rested may have left the book (filled in full, canceled): when its market has no
    /// resting order left, its candles no longer need to reach the exchange.
    private mutating func leftBook(_ clientOrderId: String) {
        guard let ticker = restingOrders[clientOrderId], !exchange.isResting(clientOrderId) else { return }
        restingOrders[clientOrderId] = nil
        if !exchange.hasResting(on: ticker), let slot = state.slot(of: ticker) { interest[slot] &= ~Interest.resting }
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
