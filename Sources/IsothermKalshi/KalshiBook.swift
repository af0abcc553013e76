package import IsothermEvents

/// One market's order book folded from Kalshi's `orderbook_snapshot` and `orderbook_delta` messages:
/// resting contracts by price on the YES side and the NO side (NO prices are the NO leg's, as Kalshi
/// sends them unless asked for YES pricing). The best YES ask is 1 − the best NO bid.
package struct KalshiBook: Equatable, Sendable {
    package let ticker: Symbol
    /// Price in micro-dollars → contracts in hundredths; a level that reaches zero is removed.
    package private(set) var yes: [Int64: Int64] = [:]
    package private(set) var no: [Int64: Int64] = [:]

    package init(_ snapshot: BookSnapshot) {
        ticker = snapshot.ticker
        for l in snapshot.yesBids where l.count.hundredths > 0 { yes[l.price.micros, default: 0] += l.count.hundredths }
        for l in snapshot.noBids where l.count.hundredths > 0 { no[l.price.micros, default: 0] += l.count.hundredths }
    }

    /// Applies a delta. - Returns: false, changing nothing, when it is another market's or would take a
    /// level below zero: the book is out of step with the exchange and needs a new snapshot.
    package mutating func apply(_ d: BookDelta) -> Bool {
        guard d.ticker == ticker else { return false }
        let now = (d.side == .yes ? yes : no)[d.price.micros, default: 0] + d.delta.hundredths
        guard now >= 0 else { return false }
        if d.side == .yes {
            yes[d.price.micros] = now == 0 ? nil : now
        } else {
            no[d.price.micros] = now == 0 ? nil : now
        }
        return true
    }

    package var bestYesBid: Price? { yes.keys.max().map { Price(micros: $0) } }
    package var bestYesAsk: Price? { no.keys.max().map { Price(micros: 1_000_000 - $0) } }

    /// The book as a snapshot event, each side best first.
    package var snapshot: BookSnapshot {
        BookSnapshot(
            ticker: ticker,
            yesBids: yes.keys.sorted(by: >).map {
                BookLevel(price: Price(micros: $0), count: Count(hundredths: yes[$0]!))
            },
            noBids: no.keys.sorted(by: >).map { BookLevel(price: Price(micros: $0), count: Count(hundredths: no[$0]!)) }
        )
    }
}
