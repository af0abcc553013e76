/// Open, high, low and close prices over a period.
///
/// Stored as four `Int32` micro-dollar values (a contract price never exceeds $1, far below the
/// $2,147 an `Int32` holds) so that a candle stays small: replay copies candles tens of millions of
/// times a second.
package struct OHLC: Hashable, Sendable {
    private var o: Int32
    private var h: Int32
    private var l: Int32
    private var c: Int32

    /// The largest price an OHLC holds, in micro-dollars.
    package static let microsMax = Int64(Int32.max)

    package init(open: Price, high: Price, low: Price, close: Price) {
        o = OHLC.narrow(open)
        h = OHLC.narrow(high)
        l = OHLC.narrow(low)
        c = OHLC.narrow(close)
    }

    /// A flat period at one price.
    package init(flat p: Price) { self.init(open: p, high: p, low: p, close: p) }

    /// All zero: the storage of an absent part.
    static let zero = OHLC(uncheckedMicros: 0, 0, 0, 0)

    /// Builds from micro-dollars already checked to lie in `0...microsMax` (the decoder checks).
    init(uncheckedMicros open: Int64, _ high: Int64, _ low: Int64, _ close: Int64) {
        o = Int32(truncatingIfNeeded: open)
        h = Int32(truncatingIfNeeded: high)
        l = Int32(truncatingIfNeeded: low)
        c = Int32(truncatingIfNeeded: close)
    }

    package var open: Price {
        get { Price(micros: Int64(o)) }
        set { o = OHLC.narrow(newValue) }
    }
    package var high: Price {
        get { Price(micros: Int64(h)) }
        set { h = OHLC.narrow(newValue) }
    }
    package var low: Price {
        get { Price(micros: Int64(l)) }
        set { l = OHLC.narrow(newValue) }
    }
    package var close: Price {
        get { Price(micros: Int64(c)) }
        set { c = OHLC.narrow(newValue) }
    }

    private static func narrow(_ p: Price) -> Int32 {
        precondition(p.micros >= 0 && p.micros <= microsMax, "OHLC price \(p) outside $0…$2147")
        return Int32(truncatingIfNeeded: p.micros)
    }
}

/// A candlestick for one market; the event time is the end of the period.
///
/// Optional parts are kept as presence bits over zeroed storage rather than `Optional`s, which keeps
/// the value at 128 bytes.
package struct Candle: Hashable, Sendable {
    package var ticker: Symbol
    /// Period length in minutes (1, 60 or 1440 at Kalshi).
    package var periodMinutes: UInt16
    private var presence: UInt8 = 0
    private var bid = OHLC(uncheckedMicros: 0, 0, 0, 0)
    private var ask = OHLC(uncheckedMicros: 0, 0, 0, 0)
    private var trade = OHLC(uncheckedMicros: 0, 0, 0, 0)
    private var mean: Int32 = 0
    private var previous: Int32 = 0
    package var volume: Count
    package var openInterest: Count

    package init(
        ticker: Symbol, periodMinutes: UInt16 = 1, yesBid: OHLC?, yesAsk: OHLC?, price: OHLC?,
        meanPrice: Price? = nil, previousPrice: Price? = nil, volume: Count, openInterest: Count
    ) {
        self.ticker = ticker
        self.periodMinutes = periodMinutes
        self.volume = volume
        self.openInterest = openInterest
        self.yesBid = yesBid
        self.yesAsk = yesAsk
        self.price = price
        self.meanPrice = meanPrice
        self.previousPrice = previousPrice
    }

    /// A one-minute candle of the empty symbol with nothing present: storage for decoders to fill.
    package static let placeholder = Candle(
        ticker: Symbol(), yesBid: nil, yesAsk: nil, price: nil, volume: .zero, openInterest: .zero)

    /// The decoder's initializer: parts already checked, absent ones zero, `presence` as on the wire.
    init(
        ticker: Symbol, periodMinutes: UInt16, presence: UInt8, bid: OHLC, ask: OHLC, trade: OHLC, mean: Int32,
        previous: Int32, volume: Count, openInterest: Count
    ) {
        self.ticker = ticker
        self.periodMinutes = periodMinutes
        self.presence = presence
        self.bid = bid
        self.ask = ask
        self.trade = trade
        self.mean = mean
        self.previous = previous
        self.volume = volume
        self.openInterest = openInterest
    }

    /// The closing YES bid, YES ask and trade price, the parts present: what a quote keeps of a candle,
    /// in one call (the backtest folds every candle into its market's quote).
    package var closes: (bid: Price?, ask: Price?, last: Price?) {
        (
            presence & 1 != 0 ? bid.close : nil, presence & 2 != 0 ? ask.close : nil,
            presence & 4 != 0 ? trade.close : nil
        )
    }

    package var yesBid: OHLC? {
        get { presence & 1 != 0 ? bid : nil }
        set { bid = present(newValue, bit: 1) }
    }
    package var yesAsk: OHLC? {
        get { presence & 2 != 0 ? ask : nil }
        set { ask = present(newValue, bit: 2) }
    }
    /// Trade prices; absent when nothing traded in the period.
    package var price: OHLC? {
        get { presence & 4 != 0 ? trade : nil }
        set { trade = present(newValue, bit: 4) }
    }
    package var meanPrice: Price? {
        get { presence & 8 != 0 ? Price(micros: Int64(mean)) : nil }
        set { mean = set(newValue, bit: 8) }
    }
    package var previousPrice: Price? {
        get { presence & 16 != 0 ? Price(micros: Int64(previous)) : nil }
        set { previous = set(newValue, bit: 16) }
    }

    /// Records whether `value` is present and returns what to store (zeros when absent).
    private mutating func present(_ value: OHLC?, bit: UInt8) -> OHLC {
        guard let value else {
            presence &= ~bit
            return OHLC(uncheckedMicros: 0, 0, 0, 0)
        }
        presence |= bit
        return value
    }

    private mutating func set(_ value: Price?, bit: UInt8) -> Int32 {
        guard let value else {
            presence &= ~bit
            return 0
        }
        precondition(value.micros >= 0 && value.micros <= OHLC.microsMax, "candle price \(value) outside $0…$2147")
        presence |= bit
        return Int32(truncatingIfNeeded: value.micros)
    }
}

/// A top-of-book and last-trade update (Kalshi WebSocket `ticker`).
///
/// Every part is optional: a message that leaves a field out is recorded without it (nothing is
/// invented, not even a zero size). The record's time is when Isotherm received the update; the
/// exchange's own time for it, when the message gives one, is ``exchangeTime``.
package struct TickerUpdate: Hashable, Sendable {
    package var ticker: Symbol
    package var lastPrice: Price?
    package var yesBid: Price?
    package var yesAsk: Price?
    package var yesBidSize: Count?
    package var yesAskSize: Count?
    /// Contracts traded in the market so far.
    package var volume: Count?
    package var openInterest: Count?
    /// When the exchange says the update happened (`ts_ms`, or the older `ts`); nil when it does not say.
    package var exchangeTime: Timestamp?

    package init(
        ticker: Symbol, lastPrice: Price?, yesBid: Price?, yesAsk: Price?, yesBidSize: Count?, yesAskSize: Count?,
        volume: Count?, openInterest: Count?, exchangeTime: Timestamp? = nil
    ) {
        self.ticker = ticker
        self.lastPrice = lastPrice
        self.yesBid = yesBid
        self.yesAsk = yesAsk
        self.yesBidSize = yesBidSize
        self.yesAskSize = yesAskSize
        self.volume = volume
        self.openInterest = openInterest
        self.exchangeTime = exchangeTime
    }
}

/// Which outcome a contract pays on.
package enum Side: UInt8, Sendable, NamedCase {
    case yes = 1, no = 2
    package var name: String { self == .yes ? "yes" : "no" }
}

/// A public trade print. The record's time is the trade time.
package struct Trade: Hashable, Sendable {
    package var tradeId: String
    package var ticker: Symbol
    package var yesPrice: Price
    package var count: Count
    /// The outcome the taker bought.
    package var takerSide: Side
    /// Whether it was a block trade; nil when the message does not say (messages from before block
    /// trades existed carry no such field).
    package var isBlockTrade: Bool?

    package init(tradeId: String, ticker: Symbol, yesPrice: Price, count: Count, takerSide: Side, isBlockTrade: Bool?) {
        self.tradeId = tradeId
        self.ticker = ticker
        self.yesPrice = yesPrice
        self.count = count
        self.takerSide = takerSide
        self.isBlockTrade = isBlockTrade
    }
}

/// One price level of a book side.
package struct BookLevel: Hashable, Sendable {
    package var price: Price
    package var count: Count
    package init(price: Price, count: Count) {
        self.price = price
        self.count = count
    }
}

/// A full order book: YES bids and NO bids (a NO bid at p is a YES ask at 1 − p), best first.
package struct BookSnapshot: Hashable, Sendable {
    package var ticker: Symbol
    package var yesBids: [BookLevel]
    package var noBids: [BookLevel]
    package init(ticker: Symbol, yesBids: [BookLevel], noBids: [BookLevel]) {
        self.ticker = ticker
        self.yesBids = yesBids
        self.noBids = noBids
    }
}

/// A change of resting size at one price of one book side.
package struct BookDelta: Hashable, Sendable {
    package var ticker: Symbol
    package var side: Side
    package var price: Price
    /// Signed change in resting contracts.
    package var delta: Count
    /// Set when our own order caused the change.
    package var clientOrderId: String?
    package init(ticker: Symbol, side: Side, price: Price, delta: Count, clientOrderId: String?) {
        self.ticker = ticker
        self.side = side
        self.price = price
        self.delta = delta
        self.clientOrderId = clientOrderId
    }
}
