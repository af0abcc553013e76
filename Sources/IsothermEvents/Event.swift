/// Every kind of event the system records. The raw value is the kind byte on disk and never changes.
package enum EventKind: UInt8, Sendable, NamedCase {
    case marketListed = 1
    case marketLifecycle = 2
    case candle = 3
    case ticker = 4
    case trade = 5
    case bookSnapshot = 6
    case bookDelta = 7
    case dailyForecast = 8
    case hourlyForecast = 9
    case observation = 10
    case settlement = 11
    case timerFired = 12
    case strategyDecision = 13
    case orderIntent = 14
    case orderAcknowledged = 15
    case orderRejected = 16
    case orderCanceled = 17
    case fill = 18
    case runManifest = 19
    case rawFeedMessage = 20

    /// The snake_case name used in JSON and on the command line (`--kind candle`).
    package var name: String {
        switch self {
        case .marketListed: "market_listed"
        case .marketLifecycle: "market_lifecycle"
        case .candle: "candle"
        case .ticker: "ticker"
        case .trade: "trade"
        case .bookSnapshot: "book_snapshot"
        case .bookDelta: "book_delta"
        case .dailyForecast: "daily_forecast"
        case .hourlyForecast: "hourly_forecast"
        case .observation: "observation"
        case .settlement: "settlement"
        case .timerFired: "timer_fired"
        case .strategyDecision: "strategy_decision"
        case .orderIntent: "order_intent"
        case .orderAcknowledged: "order_acknowledged"
        case .orderRejected: "order_rejected"
        case .orderCanceled: "order_canceled"
        case .fill: "fill"
        case .runManifest: "run_manifest"
        case .rawFeedMessage: "raw_feed_message"
        }
    }

    /// The schema version this build writes for the kind. Decoders accept every version from 1 up to
    /// it and upcast the old ones in `EventCodec` (`Schemas/events.md` gives every version's layout).
    package var currentVersion: UInt8 {
        switch self {
        // 2: every part optional (absent sizes, volume and open interest no longer written as zero) and
        // the exchange's time beside the receive time.
        case .ticker: 2
        // 2: whether it was a block trade may be unknown.
        case .trade: 2
        // 2: the station the report came from.
        case .settlement: 2
        default: 1
        }
    }
}

/// One event: what happened. Its time and sequence live in ``EventRecord``.
///
/// Candles are stored inline; every other kind is boxed (`indirect`), so an `Event` is the size of a
/// candle (about 130 bytes) rather than of the largest kind: replay moves tens of millions a second.
package enum Event: Hashable, Sendable {
    case candle(Candle)
    indirect case marketListed(MarketListed)
    indirect case marketLifecycle(MarketLifecycle)
    indirect case ticker(TickerUpdate)
    indirect case trade(Trade)
    indirect case bookSnapshot(BookSnapshot)
    indirect case bookDelta(BookDelta)
    indirect case dailyForecast(DailyForecast)
    indirect case hourlyForecast(HourlyForecast)
    indirect case observation(Observation)
    indirect case settlement(Settlement)
    indirect case timerFired(TimerFired)
    indirect case strategyDecision(StrategyDecision)
    indirect case orderIntent(OrderIntent)
    indirect case orderAcknowledged(OrderAcknowledged)
    indirect case orderRejected(OrderRejected)
    indirect case orderCanceled(OrderCanceled)
    indirect case fill(Fill)
    indirect case runManifest(RunManifest)
    indirect case rawFeedMessage(RawFeedMessage)

    package var kind: EventKind {
        switch self {
        case .marketListed: .marketListed
        case .marketLifecycle: .marketLifecycle
        case .candle: .candle
        case .ticker: .ticker
        case .trade: .trade
        case .bookSnapshot: .bookSnapshot
        case .bookDelta: .bookDelta
        case .dailyForecast: .dailyForecast
        case .hourlyForecast: .hourlyForecast
        case .observation: .observation
        case .settlement: .settlement
        case .timerFired: .timerFired
        case .strategyDecision: .strategyDecision
        case .orderIntent: .orderIntent
        case .orderAcknowledged: .orderAcknowledged
        case .orderRejected: .orderRejected
        case .orderCanceled: .orderCanceled
        case .fill: .fill
        case .runManifest: .runManifest
        case .rawFeedMessage: .rawFeedMessage
        }
    }
}

/// An event with its time: the unit the codec reads and writes. The log adds the sequence number.
package struct EventRecord: Hashable, Sendable {
    /// When the event happened (exchange or source time; for live inbound messages, receive time).
    package var time: Timestamp
    package var event: Event

    package init(time: Timestamp, event: Event) {
        self.time = time
        self.event = event
    }
}

/// The schema version written into every log batch header by this build.
package let eventSchemaVersion: UInt16 = 1
