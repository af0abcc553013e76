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

/// The last prices of a market, from its latest candle.
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
}

/// What one city's engine knows, folded from its events in order: markets by event date, forecasts
/// by target date, the latest observations, reports, market results, and (for the markets someone
/// watches) the latest quotes. Pure: `apply` is the only way in, and nothing here reads a clock.
///
/// The dictionaries are only ever looked up by key, never iterated, so their (randomly seeded) order
/// cannot reach a decision.
package struct CityState: Sendable {
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
    package private(set) var quotes: [Symbol: Quote] = [:]
    package let observationWindow = 72

    package init() {}

    /// Folds one non-candle event into the state.
    package mutating func apply(_ record: EventRecord, sequence: UInt64) {
        switch record.event {
        case .marketListed(let m):
            eventDateOfTicker[m.ticker] = m.eventDate
            events[m.eventDate, default: EventMarkets(eventTicker: m.eventTicker, date: m.eventDate)].add(
                m, sequence: sequence)
        case .dailyForecast(let f):
            dailyForecasts[f.targetDate, default: []].append(Seen(value: f, sequence: sequence, time: record.time))
        case .hourlyForecast(let f):
            hourlyForecasts[f.targetDate] = Seen(value: f, sequence: sequence, time: record.time)
        case .observation(let o):
            observations.append(Seen(value: o, sequence: sequence, time: record.time))
            if observations.count > 2 * observationWindow {
                observations.removeFirst(observations.count - observationWindow)
            }
        case .settlement(let s):
            let seen = Seen(value: s, sequence: sequence, time: record.time)
            if s.isFinal { finalReports[s.climateDate] = seen } else { preliminaryReports[s.climateDate] = seen }
        case .marketLifecycle(let l) where l.transition == .determined || l.transition == .settled:
            if l.result != nil { results[l.ticker] = Seen(value: l, sequence: sequence, time: record.time) }
        default:
            break
        }
    }

    /// Folds a candle of a watched market into its quote.
    package mutating func applyCandle(_ candle: Candle, at time: Timestamp, sequence: UInt64) {
        var q = quotes[candle.ticker] ?? Quote(time: time, sequence: sequence)
        if let bid = candle.yesBid { q.bid = bid.close }
        if let ask = candle.yesAsk { q.ask = ask.close }
        if let price = candle.price { q.last = price.close }
        q.time = time
        q.sequence = sequence
        quotes[candle.ticker] = q
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
}
