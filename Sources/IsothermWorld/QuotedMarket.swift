package import IsothermEvents

/// One simulated market's quotes, minute by minute: the shared candle model of the generators.
///
/// Quotes are sticky: the spread (one or two cents, one near the extremes) changes now and then, and
/// bid and ask move when fair value does, with a one-cent excursion inside the minute `noise` times
/// in 100 (busy hours: 6, quiet: 1). A trade happens `tradeChance` times in 100, at a price between
/// bid and ask, for 1–250 contracts (1–40 when quiet); open interest grows by half the volume.
package struct QuotedMarket: Sendable {
    package var ticker: Symbol
    package var lastCents: Int64 = 50
    package var bidCents: Int64 = 49
    package var askCents: Int64 = 51
    package var spread: Int64 = 1
    package var openInterest: Int64 = 0

    package init(ticker: Symbol) { self.ticker = ticker }

    /// The candle of the minute in which fair value is `fairCents`, drawing from `rng` in a fixed order.
    package mutating func candle(fairCents fair: Int64, busy: Bool, tradeChance: UInt64, rng: inout SplitMix64)
        -> Candle
    {
        if rng.below(100) < 2 { spread = fair <= 3 || fair >= 97 ? 1 : 1 + Int64(rng.below(2)) }
        let bidClose = Swift.max(1, fair - spread)
        let askClose = Swift.min(99, Swift.max(bidClose + 1, fair + spread))
        let noise: UInt64 = busy ? 6 : 1
        let bid = Self.ohlc(open: bidCents, close: bidClose, noise: noise, rng: &rng)
        let ask = Self.ohlc(open: askCents, close: askClose, noise: noise, rng: &rng)
        bidCents = bidClose
        askCents = askClose
        var price: OHLC? = nil
        var volume: Int64 = 0
        if rng.below(100) < tradeChance {
            let traded = bidClose + Int64(rng.below(UInt64(askClose - bidClose + 1)))
            price = Self.ohlc(open: lastCents, close: traded, noise: noise, rng: &rng)
            volume = 1 + Int64(rng.below(busy ? 250 : 40))
            openInterest += volume / 2
            lastCents = traded
        }
        return Candle(
            ticker: ticker, yesBid: bid, yesAsk: ask, price: price, volume: Count(contracts: volume),
            openInterest: Count(contracts: openInterest))
    }

    /// OHLC from `open` to `close` (in cents), with a one-cent excursion beyond them `noise` times in 100.
    static func ohlc(open: Int64, close: Int64, noise: UInt64, rng: inout SplitMix64) -> OHLC {
        let r = rng.below(200)
        let high = Swift.min(99, Swift.max(open, close) + (r < noise ? 1 : 0))
        let low = Swift.max(1, Swift.min(open, close) - (r >= 100 && r < 100 + noise ? 1 : 0))
        return OHLC(
            open: Price(cents: open), high: Price(cents: high), low: Price(cents: low), close: Price(cents: close))
    }
}
