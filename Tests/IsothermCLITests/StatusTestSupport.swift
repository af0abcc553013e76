import Foundation
import IsothermEvents
import IsothermStore
import Testing

/// `isotherm status --json`, the fields the tests read.
struct StatusJSON: Decodable {
    struct Range: Decodable, Equatable {
        var from: String
        var to: String
        var days: Int
    }
    struct Gap: Decodable, Equatable {
        var ticker: String
        var from: String
        var to: String
        var minutes: Int64
    }
    struct MinuteGaps: Decodable, Equatable {
        var markets: Int64
        var marketsWithoutCandles: Int64
        var marketsWithoutHours: Int64
        var minutesExpected: Int64
        var minutesMissing: Int64
        var gaps: Int64
        var longest: [Gap]
        var candlesOutsideHours: Int64
        var candlesAfterSummary: Int64
        var duplicateCandles: Int64
    }
    struct Cell: Decodable {
        var events: Int64
        var firstDay: String?
        var lastDay: String?
        var days: Int
        var daysMissing: Int
        var missing: [Range]
        var daysIncomplete: Int?
        var incomplete: [Range]?
        var corrections: Int64?
        var latestEvent: String?
        var ageSeconds: Int64?
        var minuteGaps: MinuteGaps?
    }
    struct City: Decodable {
        var city: String
        var markets: Cell
        var candles: Cell
        var ticks: Cell
        var forecasts: Cell
        var observations: Cell
        var settlements: Cell
        var preliminary: Cell
    }
    struct Verdict: Decodable, Equatable {
        var kind: String
        var limit: String
        var limitSeconds: Int64
        var city: String?
        var latestEvent: String?
        var ageSeconds: Int64?
        var breached: Bool
    }
    var now: String
    var gapMinutes: Int64
    var cities: [City]
    var unknownCityEvents: Int64
    var maxAge: [Verdict]
    var maxAgeBreached: Int
    var minuteMapsPeak: Int
}

/// Builds events for status tests: times from text, one-minute candles, listings and reports.
enum StatusEvents {
    static func time(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }
    static func date(_ text: String) -> LocalDate { LocalDate(iso8601: text)! }

    /// A market of New York's daily high, trading from `open` to `close`.
    static func listing(_ ticker: String, date: String, open: Timestamp, close: Timestamp, at time: Timestamp)
        -> EventRecord
    {
        let m = MarketListed(
            ticker: Symbol(ticker)!,
            eventTicker: Symbol(String(ticker.split(separator: "-").prefix(2).joined(separator: "-")))!,
            seriesTicker: Symbol("KXHIGHNY")!, eventDate: Self.date(date), strikeType: .between,
            floorStrike: Temperature(degrees: 80), capStrike: Temperature(degrees: 81), openTime: open,
            closeTime: close, feeType: .quadraticWithMakerFees, feeMultiplierMillionths: 1_000_000,
            title: "Will the high temperature in NYC be 80-81° on \(date)?")
        return EventRecord(time: time, event: .marketListed(m))
    }

    /// The 1-minute candle covering the minute that starts at `minute` (it ends a minute later).
    static func candle(_ ticker: String, minute: Timestamp) -> EventRecord {
        let c = Candle(
            ticker: Symbol(ticker)!, yesBid: OHLC(flat: Price(cents: 40)), yesAsk: OHLC(flat: Price(cents: 42)),
            price: nil, volume: .zero, openInterest: Count(contracts: 10))
        return EventRecord(time: minute.adding(nanos: Timestamp.nanosPerMinute), event: .candle(c))
    }

    /// Candles for every minute from `from` (inclusive) to `to` (exclusive) except those in `skipping`.
    static func candles(
        _ ticker: String, from: Timestamp, to: Timestamp, skipping: [(Timestamp, Timestamp)] = []
    ) -> [EventRecord] {
        var out: [EventRecord] = []
        var m = from
        while m < to {
            if !skipping.contains(where: { m >= $0.0 && m < $0.1 }) { out.append(candle(ticker, minute: m)) }
            m = m.adding(nanos: Timestamp.nanosPerMinute)
        }
        return out
    }

    static func settlement(_ day: String, final: Bool, correction: Bool = false, at time: Timestamp) -> EventRecord {
        let s = Settlement(
            city: Symbol("NY")!, source: .nwsCLI, climateDate: date(day), high: Temperature(degrees: 80),
            low: Temperature(degrees: 65), isFinal: final, isCorrection: correction, issuedAt: time)
        return EventRecord(time: time, event: .settlement(s))
    }

    static func observation(at time: Timestamp) -> EventRecord {
        let o = Observation(
            station: Symbol("KNYC")!, source: .nws, observedAt: time, temperature: Temperature(degrees: 70),
            dewpoint: nil)
        return EventRecord(time: time, event: .observation(o))
    }

    static func tick(_ ticker: String, at time: Timestamp) -> EventRecord {
        let t = TickerUpdate(
            ticker: Symbol(ticker)!, lastPrice: Price(cents: 41), yesBid: Price(cents: 40), yesAsk: Price(cents: 42),
            yesBidSize: Count(contracts: 5), yesAskSize: Count(contracts: 5), volume: Count(contracts: 100),
            openInterest: Count(contracts: 10))
        return EventRecord(time: time, event: .ticker(t))
    }

    /// Writes `records`, in this order, to a new log at `dir`.
    static func write(_ dir: String, _ records: [EventRecord]) throws {
        let w = try EventLogWriter(directory: dir)
        for r in records { try w.append(r) }
        try w.close()
    }
}
