package import IsothermCore
package import IsothermEvents
package import IsothermImport

/// Paper trading: the engine of every city a feed speaks of, each with a simulated exchange, fed the
/// feed's events one at a time as they arrive — from a recorded feed log, or from the live WebSocket
/// and the weather pollers — with a clock the driver moves. The decisions, intents and fills are the
/// backtest's for the same events (`PaperSessionTests` checks it on a recorded feed), because both
/// run the same ``CityRun`` per city; what differs is the road in: a backtest pulls a whole log per
/// city as fast as it can decode, a session is pushed one event at a time, cities interleaved as they
/// arrive, and its timers fire when the clock passes them even when no event comes.
///
/// A ticker update moves its market's quote (the live feed has no candles), a trade print may fill a
/// resting order, and candles work as in a backtest, so a recorded feed and a candle history are both
/// inputs.
package struct PaperSession {
    /// The routing and the cities' runs: the backtest's own ``LogDriver``, kept in time order across
    /// the cities (its `ordered` mode) so a clock can move them without an input.
    private var driver: LogDriver
    /// The latest time the clock reached.
    package private(set) var clock = Timestamp(nanos: Int64.min)

    /// - Parameters:
    ///   - source: the feed's name, in errors.
    ///   - cities: the city codes to trade (nil: every city the feed speaks of).
    ///   - risk: the limits; account-wide ones (the default scope) bind every city together, as on the
    ///     exchange.
    ///   - make: a new city's run, given its code.
    package init(
        source: String = "feed", cities: [String]? = nil, risk: RiskLimits = RiskLimits(),
        make: @escaping (String) -> CityRun
    ) {
        driver = LogDriver(log: source, cities: cities, ordered: true, risk: risk, make: make)
    }

    /// The cities' runs, in the order their cities were first seen.
    package var cityRuns: [CityRun] { driver.runs }
    /// The account's risk book, when the limits bind the account.
    package var accountBook: RiskBook? { driver.accountBook }
    /// Events about no city (raw feed frames, manifests): read, routed nowhere.
    package var unrouted: UInt64 { driver.unrouted }
    /// Events of cities the session leaves out.
    package var skipped: UInt64 { driver.skipped }

    /// Moves the clock to `time` (a live driver calls it as its wall clock ticks; ``feed(_:sequence:)``
    /// calls it with each event's time): every city's timers due before it fire and resting orders
    /// whose window ended before it are canceled, in time order across the cities. The clock never goes
    /// back: an event stamped before the latest time reached is handled at that time's clock.
    package mutating func advance(to time: Timestamp) {
        guard time > clock else { return }
        clock = time
        driver.advance(to: time)
    }

    /// An event that came while requests to the exchange waited for their answers (moving the clock to
    /// its time made a timer send an order): it is fed once the last of them is answered.
    private var deferred: (record: EventRecord, sequence: UInt64)?

    /// One event as it arrives: the clock moves to its time, then its city's engine takes it. At an
    /// exchange, when moving the clock sent requests, the event waits for their answers.
    /// - Throws: ``UnroutableEvent`` for an event that names a city the catalog does not know.
    package mutating func feed(_ record: EventRecord, sequence: UInt64) throws(UnroutableEvent) {
        precondition(deferred == nil, "an event while another waits for the exchange's answers")
        advance(to: record.time)
        if driver.awaitsAnswers {
            deferred = (record, sequence)
            return
        }
        if case .candle(let c) = record.event {
            try driver.candle(c, at: record.time, sequence: sequence)
        } else {
            try driver.event(record, sequence: sequence)
        }
    }

    /// Requests the live driver must send, in order, before the next input (a session at a real
    /// exchange; empty on paper).
    package var requests: [ExternalBroker.Request] { driver.requests }
    /// Whether any request waits for its answer.
    package var awaitsAnswers: Bool { driver.awaitsAnswers }

    /// A logged answer to a request (``BrokerAnswer``), at the clock's time or its own if later.
    /// - Returns: false when no request waits for it.
    /// The event deferred for the answers is fed when the last one came.
    /// - Throws: ``UnroutableEvent`` (the deferred event's).
    package mutating func answered(_ a: BrokerAnswer, at time: Timestamp) throws(UnroutableEvent) -> Bool {
        advance(to: time)
        guard driver.answered(a, at: clock) else { return false }
        if !driver.awaitsAnswers, let (record, sequence) = deferred {
            deferred = nil
            try feed(record, sequence: sequence)
        }
        return true
    }

    /// A fill from the private feed. - Returns: false when it fills no order of the session.
    package mutating func filled(_ f: KalshiFillRecord, at time: Timestamp) -> Bool {
        advance(to: time)
        return driver.filled(f, at: clock)
    }

    /// The feed is over: every city's remaining timers fire and resting orders are canceled.
    package mutating func finish() { driver.finish() }

    /// Hands each city's events appended since the last call to `body`, city by city in the order
    /// first seen (a session log appends them as they happen); the runs then keep none.
    package mutating func drain<E: Error>(_ body: (String, [EventRecord]) throws(E) -> Void) throws(E) {
        try driver.drain(body)
    }
}
