package import IsothermEvents

/// Kalshi's trading fees, exactly: `fee = ceil_to_cent(rate × C × P × (1 − P)) × multiplier`, P in
/// dollars, C contracts, on the order total. Integer arithmetic throughout (micro-dollars, hundredths
/// of a contract, a 128-bit product), so P = 0.10, C = 100 gives $0.63, never $0.64.
package enum Fees {
    /// Taker rate 0.07 and maker rate 0.0175, in ten-thousandths.
    package static let takerRate: Int64 = 700
    package static let makerRate: Int64 = 175

    /// The taker fee for `count` contracts at `price`, with the series multiplier (millionths).
    package static func taker(count: Count, price: Price, multiplierMillionths: Int64 = 1_000_000) -> Money {
        fee(rate: takerRate, count: count, price: price, multiplierMillionths: multiplierMillionths)
    }

    /// The maker fee: zero unless the series' fee type charges makers.
    package static func maker(count: Count, price: Price, feeType: FeeType, multiplierMillionths: Int64 = 1_000_000)
        -> Money
    {
        switch feeType {
        case .quadraticWithMakerFees, .quadraticWithComboMakerFees:
            fee(rate: makerRate, count: count, price: price, multiplierMillionths: multiplierMillionths)
        case .quadratic, .flat:
            .zero
        }
    }

    /// `ceil_to_cent(rate/10⁴ × C × P × (1 − P) × M)` in micro-dollars.
    static func fee(rate: Int64, count: Count, price: Price, multiplierMillionths: Int64) -> Money {
        let p = Int128(price.micros)
        guard p > 0 && p < 1_000_000 && count.hundredths > 0 else { return .zero }
        // In cents: rate/10⁴ × c/10² × p/10⁶ × (10⁶ − p)/10⁶ × m/10⁶ × 10² = rate·c·p·(10⁶ − p)·m / 10²²,
        // rounded up to the next whole cent.
        let numerator = Int128(rate) * Int128(count.hundredths) * p * (1_000_000 - p) * Int128(multiplierMillionths)
        let perCent: Int128 = 10_000_000_000_000_000_000_000  // 10²²
        let cents = (numerator + perCent - 1) / perCent
        let microsPerCent: Int128 = 10_000
        return Money(micros: Int64(cents * microsPerCent))
    }
}

extension Money {
    /// `count × price` (contracts in hundredths), exact.
    package static func cost(_ count: Count, _ price: Price) -> Money {
        Money(micros: count.hundredths * price.micros / 100)
    }
}
