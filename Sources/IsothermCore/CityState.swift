package import IsothermEvents

/// A fact the state knows, with the sequence number of the event that told it (the audit's thread).
package struct Seen<Value: Sendable>: Sendable {
    package var value: Value
    package var sequence: UInt64
    package var time: Timestamp
}

/// One event's markets (usually six), ordered from the lowest bracket to the highest.
package struct EventMarkets: Sendable {
    package var eventTicker: Symbol
    package var date: LocalDate
    package var markets: [MarketListed] = []
    package var brackets: [Bracket] = []
    package var listedSequences: [UInt64] = []

    package var openTime: Timestamp? { markets.map(\.openTime).min() }
    package var closeTime: Timestamp? { markets.map(\.closeTime).max() }

    package func market(_ ticker: Symbol) -> MarketListed? { markets.first { $0.ticker == ticker } }
    package func index(of ticker: Symbol) -> Int? { brackets.firstIndex { $0.ticker == ticker } }

    mutating func add(_ m: MarketListed, sequence: UInt64) {
        guard let bracket = Bracket(m) else { return }
        if let i = markets.firstIndex(where: { $0.ticker == m.ticker }) {
            markets[i] = m
            brackets[i] = bracket
            listedSequences[i] = sequence
            return
        }
        let at = brackets.firstIndex { $0.order > bracket.order } ?? brackets.count
        markets.insert(m, at: at)
        brackets.insert(bracket, at: at)
        listedSequences.insert(sequence, at: at)
    }
}

/// The last prices of a market, from its latest candle or ticker update.
package struct Quote: Sendable, Equatable {
    package var bid: Price?
    package var ask: Price?
    package var last: Price?
    package var time: Timestamp
    package var sequence: UInt64

    /// The price an exit sells at and compares: the bid, else (no bid: a zero bid) the bid/ask mid,
    /// else the last trade — the seed's `get_candle_price_for_exit`.
    package var exitPrice: Price? {
        if let bid, bid.micros > 0 { return bid }
        if let bid, let ask { return Price(micros: (ask.micros + bid.micros) / 2) }
        return last
    }

    /// The price a signal compares: the bid, else the last trade.
    package var signalPrice: Price? {
        if let bid, bid.micros > 0 { return bid }
        return last
    }

    /// The ask a buyer would take, if one is offered (a zero ask is none).
    package var offer: Price? { ask.flatMap { $0.micros > 0 ? $0 : nil } }
    /// The bid a seller would hit, if one is bid (a zero bid is none).
    package var bidPrice: Price? { bid.flatMap { $0.micros > 0 ? $0 : nil } }
}

/// A market's place in the state's quote table, as the driver routes candles by it.
package enum MarketSlotChange: Equatable, Sendable {
    /// A newly listed market's quotes live in `slot`.
    case assigned(Symbol, slot: Int)
    /// The market was determined: its slot is free and its quotes are gone.
    case released(Symbol)
}

/// The best-known official high of a climate day at some moment, and what it was read from.
package struct KnownHigh: Equatable, Sendable {
    package enum Source: String, Sendable {
        /// The final (or corrected) climate report.
        case final
        /// The preliminary report and the day's readings so far (the higher of the two).
        case preliminary
        /// The day's readings so far only (no report yet).
        case observations
    }

    /// Whole °F.
    package var high: Int32
    package var source: Source
    /// The sequence numbers of the report and of the reading it was read from.
    package var inputs: [UInt64]
}

/// What one city's engine knows, folded from its events in order: markets by event date, forecasts
/// by target date, the latest observations and each climate day's highest reading, reports, market
/// results, and the latest quote of every listed market not yet determined. Pure: `apply` is the only
/// way in, and nothing here reads a clock.
///
/// The dictionaries are only ever looked up by key, never iterated, so their (randomly seeded) order
/// cannot reach a decision.
package struct CityState: Sendable {
    /// The city's code (`NY`).
    package let city: String
    /// Its clock, when the catalog knows the city (local midnight, the climate day).
    package let zone: USTimeZone?
    package private(set) var events: [LocalDate: EventMarkets] = [:]
    package private(set) var eventDateOfTicker: [Symbol: LocalDate] = [:]
    /// Daily forecasts by target date, in arrival order.
    package private(set) var dailyForecasts: [LocalDate: [Seen<DailyForecast>]] = [:]
    /// The latest hourly forecast by target date.
    package private(set) var hourlyForecasts: [LocalDate: Seen<HourlyForecast>] = [:]
    /// The latest final (or corrected) report by climate date, and the latest preliminary one.
    package private(set) var finalReports: [LocalDate: Seen<Settlement>] = [:]
    package private(set) var preliminaryReports: [LocalDate: Seen<Settlement>] = [:]
    /// Determination results by market.
    package private(set) var results: [Symbol: Seen<MarketLifecycle>] = [:]
    /// The latest observations, oldest first (the last `observationWindow`).
    package private(set) var observations: [Seen<Observation>] = []
    /// The highest reading of each local-standard-time climate day seen so far (the last
    /// `observedHighDays` days), with the reading that set it.
    package private(set) var observedHighs: [LocalDate: Seen<Temperature>] = [:]
    private var observedHighDates: [LocalDate] = []
    /// Quotes by slot; a slot per listed market until it is determined (`sequence` 0: no candle yet).
    private var quotes: [Quote] = []
    private var slotOfTicker: [Symbol: Int] = [:]
    private var freeSlots: [Int] = []
    package let observationWindow = 72
    package let observedHighDays = 40

    /// - Parameter city: a city code; its clock comes from the catalog (``City``).
    package init(city: String = "") {
        self.city = city
        zone = City.find(city)?.zone
    }

    /// Folds one non-candle event into the state. Returns the change to the quote table when a market
    /// is listed (a slot assigned) or determined (its slot released).
    @discardableResult
    package mutating func apply(_ record: EventRecord, sequence: UInt64) -> MarketSlotChange? {
        switch record.event {
        case .marketListed(let m):
            eventDateOfTicker[m.ticker] = m.eventDate
            events[m.eventDate, default: EventMarkets(eventTicker: m.eventTicker, date: m.eventDate)].add(
                m, sequence: sequence)
            guard slotOfTicker[m.ticker] == nil, results[m.ticker] == nil else { return nil }
            let slot = freeSlots.popLast() ?? quotes.count
            if slot == quotes.count { quotes.append(Self.noQuote) } else { quotes[slot] = Self.noQuote }
            slotOfTicker[m.ticker] = slot
            return .assigned(m.ticker, slot: slot)
        case .dailyForecast(let f):
            dailyForecasts[f.targetDate, default: []].append(Seen(value: f, sequence: sequence, time: record.time))
        case .hourlyForecast(let f):
            hourlyForecasts[f.targetDate] = Seen(value: f, sequence: sequence, time: record.time)
        case .observation(let o):
            observe(Seen(value: o, sequence: sequence, time: record.time))
        case .settlement(let s):
            let seen = Seen(value: s, sequence: sequence, time: record.time)
            if s.isFinal { finalReports[s.climateDate] = seen } else { preliminaryReports[s.climateDate] = seen }
        case .marketLifecycle(let l) where l.transition == .determined || l.transition == .settled:
            guard l.result != nil else { return nil }
            results[l.ticker] = Seen(value: l, sequence: sequence, time: record.time)
            guard let slot = slotOfTicker.removeValue(forKey: l.ticker) else { return nil }
            quotes[slot] = Self.noQuote
            freeSlots.append(slot)
            return .released(l.ticker)
        default:
            break
        }
        return nil
    }

    private mutating func observe(_ seen: Seen<Observation>) {
        observations.append(seen)
        if observations.count > 2 * observationWindow {
            observations.removeFirst(observations.count - observationWindow)
        }
        guard let zone else { return }
        let day = zone.climateDate(of: seen.value.observedAt)
        let reading = Seen(value: seen.value.temperature, sequence: seen.sequence, time: seen.time)
        if let old = observedHighs[day] {
            if reading.value > old.value { observedHighs[day] = reading }
            return
        }
        observedHighs[day] = reading
        observedHighDates.append(day)
        observedHighDates.sort()
        while observedHighDates.count > observedHighDays {
            observedHighs[observedHighDates.removeFirst()] = nil
        }
    }

    /// The slot of a listed, undetermined market's quotes.
    package func slot(of ticker: Symbol) -> Int? { slotOfTicker[ticker] }

    private static let noQuote = Quote(time: Timestamp(nanos: 0), sequence: 0)

    /// Folds a candle of the market in `slot` into its quote: the closing bid and ask, the last trade
    /// (a part the candle lacks leaves the quote's as it was). In place: the backtest calls it for every
    /// candle.
    @inline(__always)
    package mutating func applyCandle(_ candle: Candle, slot: Int, at time: Timestamp, sequence: UInt64) {
        let closes = candle.closes
        quotes.withUnsafeMutableBufferPointer { q in
            if let bid = closes.bid { q[slot].bid = bid }
            if let ask = closes.ask { q[slot].ask = ask }
            if let last = closes.last { q[slot].last = last }
            q[slot].time = time
            q[slot].sequence = sequence
        }
    }

    /// Folds a ticker update (the live feed's quote: Kalshi's `ticker` channel) of the market in `slot`
    /// into its quote: the YES bid and ask and the last trade, as a candle's closes are (a part the
    /// update lacks leaves the quote's as it was).
    package mutating func applyTicker(_ update: TickerUpdate, slot: Int, at time: Timestamp, sequence: UInt64) {
        if let bid = update.yesBid { quotes[slot].bid = bid }
        if let ask = update.yesAsk { quotes[slot].ask = ask }
        if let last = update.lastPrice { quotes[slot].last = last }
        quotes[slot].time = time
        quotes[slot].sequence = sequence
    }

    /// Folds a candle into its market's quote (nothing for a market not listed or already determined).
    package mutating func applyCandle(_ candle: Candle, at time: Timestamp, sequence: UInt64) {
        guard let slot = slotOfTicker[candle.ticker] else { return }
        applyCandle(candle, slot: slot, at: time, sequence: sequence)
    }

    /// The latest quote of a listed market not yet determined, if it has had a candle or ticker update.
    package func quote(_ ticker: Symbol) -> Quote? {
        guard let slot = slotOfTicker[ticker], quotes[slot].sequence != 0 else { return nil }
        return quotes[slot]
    }

    /// The event a market belongs to.
    package func event(of ticker: Symbol) -> EventMarkets? { eventDateOfTicker[ticker].flatMap { events[$0] } }

    /// The latest daily forecast for `target` whose basis date is at most `latestBasis`.
    package func latestForecast(for target: LocalDate, basisAtMost latestBasis: LocalDate) -> Seen<DailyForecast>? {
        var best: Seen<DailyForecast>? = nil
        for f in dailyForecasts[target] ?? [] where f.value.basisDate <= latestBasis {
            if best.map({ f.value.basisDate >= $0.value.basisDate }) ?? true { best = f }
        }
        return best
    }

    /// Observations of the last `minutes` before `time` (oldest first).
    package func recentObservations(minutes: Int, before time: Timestamp) -> [Seen<Observation>] {
        let from = time.adding(nanos: -Int64(minutes) * Timestamp.nanosPerMinute)
        return observations.filter { $0.value.observedAt > from && $0.value.observedAt <= time }
    }

    /// The instant the city's wall clock reads 00:00 on `date` (daylight time when it applies), or nil
    /// when the catalog has no clock for the city.
    package func localMidnight(starting date: LocalDate) -> Timestamp? { zone?.wallTime(date, minuteOfDay: 0) }

    /// The best-known official high of climate day `date`, from what has been published: the final
    /// (or corrected) report when there is one; else the higher of the preliminary report and the
    /// day's highest reading so far, rounded half up to whole °F; nil when nothing is known.
    package func knownHigh(_ date: LocalDate) -> KnownHigh? {
        if let f = finalReports[date] {
            return KnownHigh(high: f.value.high.roundedDegrees, source: .final, inputs: [f.sequence])
        }
        let prelim = preliminaryReports[date]
        let observed = observedHighs[date]
        switch (prelim, observed) {
        case (nil, nil):
            return nil
        case (let p?, nil):
            return KnownHigh(high: p.value.high.roundedDegrees, source: .preliminary, inputs: [p.sequence])
        case (nil, let o?):
            return KnownHigh(high: o.value.roundedDegrees, source: .observations, inputs: [o.sequence])
        case (let p?, let o?):
            return KnownHigh(
                high: max(p.value.high.roundedDegrees, o.value.roundedDegrees), source: .preliminary,
                inputs: [p.sequence, o.sequence])
        }
    }
}
