/// Which city an event is about.
package enum CityRoute: Equatable, Sendable {
    /// The event belongs to the city with this code.
    case city(String)
    /// The event is about no city: manifests, raw feed frames, the engine's own events.
    case none
    /// The event should name a city but what it names is no known city (the reason says what).
    case unknown(String)
}

/// The field of an event that names its city, before it is looked up: what a driver can cache, so
/// that routing an observation or a forecast costs a table lookup, not a catalog search.
package enum CityKey: Hashable, Sendable {
    /// A market's series ticker.
    case series(Symbol)
    /// A market or event ticker (its series is the part before the first `-`).
    case ticker(Symbol)
    /// A forecast's or settlement's city field.
    case cityField(Symbol)
    /// An observation's station.
    case station(Symbol)
    /// The event is about no city.
    case none

    /// The city the field names (``Event/cityRoute`` for its event).
    package var route: CityRoute {
        switch self {
        case .series(let s): Event.route(series: s.description)
        case .ticker(let t): Event.route(ticker: t)
        case .cityField(let c): .city(City.code(ofCityField: c.description))
        case .station(let s):
            if let city = City.catalog.first(where: { $0.station == s.description.uppercased() }) {
                .city(city.code)
            } else {
                .unknown("station \(s) is no catalog city's settlement station")
            }
        case .none: .none
        }
    }
}

extension Event {
    /// The field that names this event's city (see ``cityRoute``).
    package var cityKey: CityKey {
        switch self {
        case .marketListed(let m): .series(m.seriesTicker)
        case .marketLifecycle(let l): .ticker(l.ticker)
        case .candle(let c): .ticker(c.ticker)
        case .ticker(let t): .ticker(t.ticker)
        case .trade(let t): .ticker(t.ticker)
        case .bookSnapshot(let b): .ticker(b.ticker)
        case .bookDelta(let b): .ticker(b.ticker)
        case .dailyForecast(let f): .cityField(f.city)
        case .hourlyForecast(let f): .cityField(f.city)
        case .settlement(let s): .cityField(s.city)
        case .observation(let o): .station(o.station)
        case .timerFired, .strategyDecision, .orderIntent, .orderAcknowledged, .orderRejected, .orderCanceled, .fill,
            .runManifest, .rawFeedMessage:
            .none
        }
    }

    /// The city this event is about, from the field that says so: a market's series (or the series
    /// at the head of its ticker), a forecast's or settlement's city, an observation's station.
    /// Never guessed from anything else; a field that names no known city is ``CityRoute/unknown(_:)``.
    package var cityRoute: CityRoute { cityKey.route }

    /// The city of a market or event ticker, from its series.
    package static func route(ticker: Symbol) -> CityRoute { route(series: City.series(ofTicker: ticker.description)) }

    static func route(series: String) -> CityRoute {
        guard let code = City.code(ofSeries: series) else {
            return .unknown("series \(series) is no city's temperature series (KXHIGH…/KXLOW…)")
        }
        return .city(code)
    }
}
