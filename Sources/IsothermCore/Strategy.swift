package import IsothermEvents

/// What a strategy asks the driver to do. The driver logs each effect as an event, in order, before
/// acting on it (live: before any request leaves).
package enum Effect: Equatable, Sendable {
    /// A decision, with what it read and why. The orders that follow it refer to it.
    case decide(StrategyDecision)
    /// Place an order. `decisionSequence` is filled in by the driver with the preceding decision's.
    case place(OrderIntent)
    /// Cancel what is left of an order.
    case cancel(clientOrderId: String, reason: String)
    /// Fire `key` for this strategy when the stream passes `due`.
    case timer(key: String, due: Timestamp)
    /// Start or stop hearing of a market's quote moves (``Strategy/onQuote(_:at:state:holdings:effects:)``).
    case watch(Symbol)
    case unwatch(Symbol)
}

/// A position in one market, as the driver's portfolio holds it.
package struct Holding: Equatable, Sendable {
    package var ticker: Symbol
    /// YES contracts held (bought minus sold).
    package var contracts: Count
    /// When the first contracts were bought.
    package var openedAt: Timestamp
    /// The client order id that opened it.
    package var openedBy: String

    package init(ticker: Symbol, contracts: Count, openedAt: Timestamp, openedBy: String) {
        self.ticker = ticker
        self.contracts = contracts
        self.openedAt = openedAt
        self.openedBy = openedBy
    }
}

/// A strategy: a reducer over a city's events. Given the state after each event, it appends effects.
/// It must be a pure function of what it is given: no clock, no random, no I/O, no iteration over a
/// dictionary or set.
package protocol Strategy: Sendable {
    /// `open_maker`, `exit`, …
    var name: String { get }
    /// Its parameters, in a fixed order, as recorded in every decision and in the run manifest.
    var parameters: [Field] { get }

    /// After a non-candle event was folded into `state`.
    mutating func onEvent(_ record: EventRecord, sequence: UInt64, state: CityState, effects: inout [Effect])
    /// A timer it asked for came due (`time` is the due time).
    mutating func onTimer(
        _ key: String, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect])
    /// After a watched market's quote moved (`state.quote(ticker)`): a candle (a backtest over
    /// history) or a ticker update (the live feed, or a backtest over a recorded one).
    mutating func onQuote(
        _ ticker: Symbol, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect])
}

extension Strategy {
    package mutating func onQuote(
        _ ticker: Symbol, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
    ) {}
}

/// Formatting of values recorded in decisions: fixed, human-readable, locale-free.
package enum DecisionText {
    package static func dollars(_ p: Price) -> String { FixedPoint.format(p.micros, scale: 6, minDecimals: 2) }
    package static func dollars(_ m: Money) -> String { FixedPoint.format(m.micros, scale: 6, minDecimals: 2) }
    package static func degrees(_ t: Temperature) -> String {
        FixedPoint.format(Int64(t.tenths), scale: 1, minDecimals: 1)
    }
    package static func degrees(tenths: Int32) -> String { FixedPoint.format(Int64(tenths), scale: 1, minDecimals: 1) }
}
