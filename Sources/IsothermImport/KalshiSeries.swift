package import IsothermEvents

/// A fee schedule: Kalshi's `fee_type` and `fee_multiplier` (a series') or `fee_type_override` and
/// `fee_multiplier_override` (an event's).
package struct KalshiFees: Hashable, Sendable {
    package var feeType: FeeType
    /// The multiplier in millionths (1 = 1,000,000), read exactly from the JSON number.
    package var multiplierMillionths: Int64

    package init(feeType: FeeType, multiplierMillionths: Int64) {
        self.feeType = feeType
        self.multiplierMillionths = multiplierMillionths
    }

    /// Quadratic × 1: what every daily-high series had when it was checked (2026-07-27). Used only when
    /// neither the series nor the event response is at hand.
    package static let assumedDefault = KalshiFees(feeType: .quadratic, multiplierMillionths: 1_000_000)
}

/// A series (`GET /series/{series_ticker}`, or an element of `GET /series`).
package struct KalshiSeries: Hashable, Sendable {
    package var ticker: Symbol
    package var title: String
    package var frequency: String
    package var fees: KalshiFees

    package init(ticker: Symbol, title: String, frequency: String, fees: KalshiFees) {
        self.ticker = ticker
        self.title = title
        self.frequency = frequency
        self.fees = fees
    }
}

/// An event (`GET /events`, `GET /events/{event_ticker}`): its identity, an optional fee override, and
/// its markets when the response nests them.
package struct KalshiEvent: Hashable, Sendable {
    package var eventTicker: Symbol
    package var seriesTicker: Symbol
    package var title: String
    package var subTitle: String
    /// `fee_type_override` with `fee_multiplier_override`; nil when the event has none.
    package var feeOverride: KalshiFees?
    /// The event's markets (`event.markets` with `with_nested_markets=true`, or `GET /events/{t}`'s
    /// top-level `markets`); empty when the response carries none.
    package var markets: [KalshiMarket]

    package init(
        eventTicker: Symbol, seriesTicker: Symbol, title: String, subTitle: String, feeOverride: KalshiFees?,
        markets: [KalshiMarket]
    ) {
        self.eventTicker = eventTicker
        self.seriesTicker = seriesTicker
        self.title = title
        self.subTitle = subTitle
        self.feeOverride = feeOverride
        self.markets = markets
    }
}

/// A page of `GET /events`.
package struct KalshiEventsPage: Hashable, Sendable {
    package var events: [KalshiEvent]
    /// The cursor for the next page; nil on the last page.
    package var cursor: String?

    package init(events: [KalshiEvent], cursor: String?) {
        self.events = events
        self.cursor = cursor
    }
}

/// Which fee schedule applies to a market: the event's override, else the series', else
/// ``KalshiFees/assumedDefault``.
package struct KalshiFeeSchedule: Sendable {
    private var bySeries: [Symbol: KalshiFees] = [:]
    private var byEvent: [Symbol: KalshiFees] = [:]

    /// - Parameters:
    ///   - series: series responses read so far (a later one for the same ticker wins).
    ///   - events: event responses read so far; only their overrides matter here.
    package init(series: [KalshiSeries] = [], events: [KalshiEvent] = []) {
        for s in series { bySeries[s.ticker] = s.fees }
        for e in events { if let f = e.feeOverride { byEvent[e.eventTicker] = f } }
    }

    package func fees(for market: KalshiMarket) -> KalshiFees {
        byEvent[market.eventTicker] ?? bySeries[market.seriesTicker] ?? .assumedDefault
    }

    /// Every market's events (see ``KalshiMarket/records(fees:)``), market by market in the order given.
    package func records(_ markets: [KalshiMarket]) -> [EventRecord] {
        markets.flatMap { $0.records(fees: fees(for: $0)) }
    }
}
