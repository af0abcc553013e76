/// Open, high, low and close prices over a period.
package struct OHLC: Hashable, Sendable {
    package var open: Price
    package var high: Price
    package var low: Price
    package var close: Price

    package init(open: Price, high: Price, low: Price, close: Price) {
        self.open = open
        self.high = high
        self.low = low
        self.close = close
    }

    /// A flat period at one price.
    package init(flat p: Price) { self.init(open: p, high: p, low: p, close: p) }
}

/// A candlestick for one market; the event time is the end of the period.
package struct Candle: Hashable, Sendable {
    package var ticker: Symbol
    /// Period length in minutes (1, 60 or 1440 at Kalshi).
    package var periodMinutes: UInt16
    package var yesBid: OHLC?
    package var yesAsk: OHLC?
    /// Trade prices; absent when nothing traded in the period.
    package var price: OHLC?
    package var meanPrice: Price?
    package var previousPrice: Price?
    package var volume: Count
    package var openInterest: Count

    package init(
        ticker: Symbol, periodMinutes: UInt16 = 1, yesBid: OHLC?, yesAsk: OHLC?, price: OHLC?,
        meanPrice: Price? = nil, previousPrice: Price? = nil, volume: Count, openInterest: Count
    ) {
        self.ticker = ticker
        self.periodMinutes = periodMinutes
        self.yesBid = yesBid
        self.yesAsk = yesAsk
        self.price = price
        self.meanPrice = meanPrice
        self.previousPrice = previousPrice
        self.volume = volume
        self.openInterest = openInterest
    }
}

/// A top-of-book and last-trade update (Kalshi WebSocket `ticker`).
package struct TickerUpdate: Hashable, Sendable {
    package var ticker: Symbol
    package var lastPrice: Price?
    package var yesBid: Price?
    package var yesAsk: Price?
    package var yesBidSize: Count
    package var yesAskSize: Count
    package var volume: Count
    package var openInterest: Count

    package init(
        ticker: Symbol, lastPrice: Price?, yesBid: Price?, yesAsk: Price?, yesBidSize: Count, yesAskSize: Count,
        volume: Count, openInterest: Count
    ) {
        self.ticker = ticker
        self.lastPrice = lastPrice
        self.yesBid = yesBid
        self.yesAsk = yesAsk
        self.yesBidSize = yesBidSize
        self.yesAskSize = yesAskSize
        self.volume = volume
        self.openInterest = openInterest
    }
}

/// Which outcome a contract pays on.
package enum Side: UInt8, Sendable, CaseIterable {
    case yes = 1, no = 2
    package var name: String { self == .yes ? "yes" : "no" }
    package init?(name: String) {
        switch name {
        case "yes": self = .yes
        case "no": self = .no
        default: return nil
        }
    }
}

/// A public trade print.
package struct Trade: Hashable, Sendable {
    package var tradeId: String
    package var ticker: Symbol
    package var yesPrice: Price
    package var count: Count
    /// The outcome the taker bought.
    package var takerSide: Side
    package var isBlockTrade: Bool

    package init(tradeId: String, ticker: Symbol, yesPrice: Price, count: Count, takerSide: Side, isBlockTrade: Bool) {
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
