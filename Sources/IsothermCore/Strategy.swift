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
    case timer(key: TimerKey, due: Timestamp)
    /// Start or stop hearing of a market's quote moves (``Strategy/onQuote(_:at:state:holdings:effects:)``).
    case watch(Symbol)
    case unwatch(Symbol)
}

/// What a strategy's timer is for: typed, so a strategy switches on it instead of parsing a string.
/// Its ``text`` is what the `timer_fired` event records (`open:KXHIGHNY-25JUN10`).
package enum TimerKey: Hashable, Sendable {
    /// open_maker: the event's open (its markets are listed).
    case open(eventTicker: String)
    /// exit: the exit window opens, and closes.
    case exitStart(eventTicker: String)
    case exitEnd(eventTicker: String)
    /// next_over and curve_gap: the decision time before the hourly forecast's peak.
    case nextOver(eventTicker: String)
    case curveGap(eventTicker: String)
    /// midnight_heuristic: local midnight starting the event day, and the adjustment before the high.
    case enter(date: LocalDate)
    case adjust(date: LocalDate)

    /// `kind:subject`, as the `timer_fired` event records it.
    package var text: String {
        switch self {
        case .open(let t): "open:" + t
        case .exitStart(let t): "exit-start:" + t
        case .exitEnd(let t): "exit-end:" + t
        case .nextOver(let t): "next-over:" + t
        case .curveGap(let t): "curve-gap:" + t
        case .enter(let d): "enter:" + d.iso8601
        case .adjust(let d): "adjust:" + d.iso8601
        }
    }

    /// Reads ``text`` back (nil for anything else).
    package init?(text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let subject = String(text[text.index(after: colon)...])
        switch text[..<colon] {
        case "open": self = .open(eventTicker: subject)
        case "exit-start": self = .exitStart(eventTicker: subject)
        case "exit-end": self = .exitEnd(eventTicker: subject)
        case "next-over": self = .nextOver(eventTicker: subject)
        case "curve-gap": self = .curveGap(eventTicker: subject)
        case "enter": guard let d = LocalDate(iso8601: subject) else { return nil }; self = .enter(date: d)
        case "adjust": guard let d = LocalDate(iso8601: subject) else { return nil }; self = .adjust(date: d)
        default: return nil
        }
    }
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
        _ key: TimerKey, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect])
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
