package import IsothermCore
package import IsothermEvents
package import IsothermImport

/// A backtest input event whose city cannot be told: what it is and where.
package struct UnroutableEvent: Error, CustomStringConvertible {
    package var log: String
    package var sequence: UInt64
    package var event: String
    package var why: String

    package var description: String {
        "\(log): event \(sequence) (\(event)) belongs to no city: \(why); a backtest never guesses a city"
    }
}

/// Reads one input log for a backtest and hands each event to the run of its city: the series of a
/// market (or the series at the head of its ticker), the city of a forecast or settlement, the station
/// of an observation say which (``Event/cityRoute``). A log holding one city and a log holding seven
/// give each city the same events in the same order, so the same decisions. Events about no city
/// (manifests, raw feed frames) reach no run; an event naming no known city stops the run with
/// ``UnroutableEvent``.
///
/// Candles, the bulk of a log, are routed through ``MarketRoutes`` (one table lookup); a candle of a
/// market never listed falls back to its ticker's series. The runs are held in ``CityRuns``: a run of
/// one log's cities leaves them independent; a merged run keeps their timers in time order and, with
/// account-wide limits, one risk book.
package struct LogDriver {
    /// The log being read (named in errors); a merged run sets it to each event's log.
    package var log: String
    private var cities: CityRuns
    private var routes = MarketRoutes()
    /// Routes already looked up, by the field that names the city (a few dozen keys in all).
    private var known: [CityKey: CityRoute] = [:]
    package private(set) var unrouted: UInt64 = 0
    /// Events of cities the run leaves out (`cities`).
    package private(set) var skipped: UInt64 = 0
    /// The run the last input went to (nil: none).
    package private(set) var lastRun: Int?

    /// - Parameters:
    ///   - cities: the city codes to run (nil: every city found); other cities' events are read and
    ///     routed but reach no run.
    ///   - ordered: keep every city's timers and expiries in time order (a merged run of several cities;
    ///     implied by account-wide `risk`).
    ///   - risk: the limits, when they bind the whole account (``RiskLimits/isAccountWide``).
    ///   - make: a new city's run, given its code.
    package init(
        log: String, cities: [String]? = nil, ordered: Bool = false, risk: RiskLimits = RiskLimits(),
        make: @escaping (String) -> CityRun
    ) {
        self.log = log
        self.cities = CityRuns(cities: cities, ordered: ordered, risk: risk, make: make)
    }

    /// The cities' runs, in the order first seen.
    package var runs: [CityRun] { cities.runs }
    /// The account's risk book, when the limits bind the account.
    package var accountBook: RiskBook? { cities.accountBook }

    @inline(__always)
    package mutating func candle(_ candle: Candle, at time: Timestamp, sequence: UInt64) throws(UnroutableEvent) {
        cities.wake(before: time)
        lastRun = nil
        if let route = routes.find(candle.ticker) {
            let city = Int(route.city)
            if route.slot >= 0 {
                lastRun = city
                cities.enter(city)
                cities.runs[city].candle(candle, slot: Int(route.slot), at: time, sequence: sequence)
                cities.leave(city)
            } else if city >= 0 {
                pass(city, at: time)
            } else {
                skipped += 1
            }
            return
        }
        switch Event.route(ticker: candle.ticker) {
        case .city(let code):
            if let i = cities.index(of: code) { pass(i, at: time) } else { skipped += 1 }
        case .unknown(let why):
            throw UnroutableEvent(log: log, sequence: sequence, event: "candle of \(candle.ticker)", why: why)
        case .none:
            unrouted += 1
        }
    }

    /// A candle that reaches no market of run `i` (outside its dates, or never listed): it moves the clock.
    private mutating func pass(_ i: Int, at time: Timestamp) {
        lastRun = i
        cities.enter(i)
        cities.runs[i].pass(at: time)
        cities.leave(i)
    }

    /// The city of a non-candle event: a listed market's from the table, else from the field that names
    /// it, looked up once per distinct field.
    private mutating func route(_ event: Event) -> CityRoute {
        let key = event.cityKey
        if case .ticker(let t) = key {
            // A listed market's city is in the table; another market's (rare: a determination after its
            // routes entry is gone) comes from its series, uncached so the cache stays bounded.
            if let r = routes.find(t), r.city >= 0 { return .city(cities.codes[Int(r.city)]) }
            return key.route
        }
        if let r = known[key] { return r }
        let r = key.route
        known[key] = r
        return r
    }

    package mutating func event(_ record: EventRecord, sequence: UInt64) throws(UnroutableEvent) {
        cities.wake(before: record.time)
        lastRun = nil
        switch route(record.event) {
        case .none:
            unrouted += 1
        case .unknown(let why):
            throw UnroutableEvent(log: log, sequence: sequence, event: record.event.kind.name, why: why)
        case .city(let code):
            guard let i = cities.index(of: code) else {
                skipped += 1
                switch record.event {
                case .marketListed(let m): routes.insert(m.ticker, MarketRoute(city: -1, slot: MarketRoute.ignoredSlot))
                case .marketLifecycle(let l) where l.result != nil: routes.remove(l.ticker)
                default: break
                }
                return
            }
            lastRun = i
            cities.enter(i)
            let change = cities.runs[i].event(record, sequence: sequence)
            cities.leave(i)
            guard let (ticker, route) = change else { return }
            if var route {
                route.city = Int32(i)
                routes.insert(ticker, route)
            } else {
                routes.remove(ticker)
            }
        }
    }

    /// The clock reached `time` with no input (a paper or live session's clock): with `ordered`, every
    /// city's timers and expiries before it happen.
    package mutating func advance(to time: Timestamp) { cities.wake(before: time) }

    /// Hands each city's events appended since the last call to `body`, in the order cities were first
    /// seen; the runs then keep none.
    package mutating func drain<E: Error>(_ body: (String, [EventRecord]) throws(E) -> Void) throws(E) {
        for i in cities.runs.indices {
            let events = cities.runs[i].takeOutput()
            if !events.isEmpty { try body(cities.codes[i], events) }
        }
    }

    /// The input is over: every city's remaining timers fire.
    package mutating func finish() { cities.finish() }

    // MARK: - A session at a real exchange

    /// The requests every city's broker waits to have sent, city by city in the order first seen.
    package var requests: [ExternalBroker.Request] { cities.runs.flatMap(\.requests) }

    /// Whether any request waits for its answer (what every input asks; it builds no array).
    package var awaitsAnswers: Bool { cities.runs.contains { $0.broker?.requests.isEmpty == false } }

    /// A logged answer, to the city whose request it answers. - Returns: false when none waits for it.
    package mutating func answered(_ a: BrokerAnswer, at time: Timestamp) -> Bool {
        for i in cities.runs.indices where cities.runs[i].broker?.awaits(a.kind, a.engineId) == true {
            cities.enter(i)
            let done = cities.runs[i].answered(a, at: time)
            cities.leave(i)
            return done
        }
        return false
    }

    /// A fill from the private feed, to the city whose order it fills. - Returns: false when none knows it.
    package mutating func filled(_ f: KalshiFillRecord, at time: Timestamp) -> Bool {
        for i in cities.runs.indices where cities.runs[i].broker?.knows(orderId: f.orderId) == true {
            cities.enter(i)
            let done = cities.runs[i].filled(f, at: time)
            cities.leave(i)
            return done
        }
        return false
    }
}
