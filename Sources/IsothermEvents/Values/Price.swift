/// A price per contract, in integer micro-dollars (1 = $0.000001).
///
/// Kalshi quotes up to six decimals, so micro-dollars hold every price exactly; old integer-cent
/// data converts by × 10,000. A YES price lies in [0, 1 dollar].
package struct Price: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Micro-dollars.
    package var micros: Int64

    package init(micros: Int64) { self.micros = micros }

    /// Converts old integer cents exactly.
    package init(cents: Int64) { self.micros = cents * 10_000 }

    /// Parses a dollar string such as `"0.4500"`; `nil` if it is not an exact decimal of ≤ 6 places.
    package init?(dollars text: String) {
        guard let v = FixedPoint.parse(text, scale: 6) else { return nil }
        self.micros = v
    }

    package static let zero = Price(micros: 0)
    /// One dollar: what a winning contract pays.
    package static let one = Price(micros: 1_000_000)

    /// Whole cents, if the price is a whole number of cents.
    package var exactCents: Int64? { micros % 10_000 == 0 ? micros / 10_000 : nil }

    /// Kalshi's dollar-string form: at least four decimals (`"0.4500"`), up to six.
    package var dollarString: String { FixedPoint.format(micros, scale: 6, minDecimals: 4) }

    package var description: String { dollarString }

    package static func < (a: Price, b: Price) -> Bool { a.micros < b.micros }
}

/// An amount of money (cash, cost, fee, P&L), in signed integer micro-dollars.
package struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Micro-dollars; negative for a loss or an outflow.
    package var micros: Int64

    package init(micros: Int64) { self.micros = micros }
    package init(cents: Int64) { self.micros = cents * 10_000 }

    /// Parses a dollar string such as `"-12.34"`.
    package init?(dollars text: String) {
        guard let v = FixedPoint.parse(text, scale: 6) else { return nil }
        self.micros = v
    }

    package static let zero = Money(micros: 0)

    /// Dollar-string form with at least two decimals (`"-12.34"`, `"0.0063"`).
    package var dollarString: String { FixedPoint.format(micros, scale: 6, minDecimals: 2) }
    package var description: String { dollarString }

    package static func < (a: Money, b: Money) -> Bool { a.micros < b.micros }
    package static func + (a: Money, b: Money) -> Money { Money(micros: a.micros + b.micros) }
    package static func - (a: Money, b: Money) -> Money { Money(micros: a.micros - b.micros) }
}

/// A number of contracts, in integer hundredths (Kalshi allows fractional contracts down to 0.01).
package struct Count: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Hundredths of a contract; signed so that book deltas and position changes fit.
    package var hundredths: Int64

    package init(hundredths: Int64) { self.hundredths = hundredths }
    /// Whole contracts (old integer data).
    package init(contracts: Int64) { self.hundredths = contracts * 100 }

    /// Parses `"10.00"` or `"-54.00"`; `nil` if it has more than two significant decimals.
    package init?(fixedPoint text: String) {
        guard let v = FixedPoint.parse(text, scale: 2) else { return nil }
        self.hundredths = v
    }

    package static let zero = Count(hundredths: 0)

    /// Kalshi's `_fp` form, always two decimals: `"274.00"`.
    package var fixedPointString: String { FixedPoint.format(hundredths, scale: 2, minDecimals: 2) }
    package var description: String { fixedPointString }

    package static func < (a: Count, b: Count) -> Bool { a.hundredths < b.hundredths }
}
