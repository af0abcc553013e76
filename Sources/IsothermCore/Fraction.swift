/// An exact rational number (a numerator over a positive denominator), for comparisons that must not
/// round either side first: curve_gap's mean of readings against the interpolated hourly forecast.
/// 128-bit parts: temperatures in tenths times spans in nanoseconds stay far inside the range.
package struct Fraction: Comparable, Sendable, CustomStringConvertible {
    package let numerator: Int128
    /// Always positive.
    package let denominator: Int128

    package init(_ numerator: Int128, _ denominator: Int128) {
        precondition(denominator != 0, "a fraction needs a nonzero denominator")
        if denominator < 0 {
            self.numerator = -numerator
            self.denominator = -denominator
        } else {
            self.numerator = numerator
            self.denominator = denominator
        }
    }

    package static func - (a: Fraction, b: Fraction) -> Fraction {
        Fraction(a.numerator * b.denominator - b.numerator * a.denominator, a.denominator * b.denominator).reduced
    }

    package static prefix func - (a: Fraction) -> Fraction { Fraction(-a.numerator, a.denominator) }

    package static func == (a: Fraction, b: Fraction) -> Bool {
        a.numerator * b.denominator == b.numerator * a.denominator
    }

    package static func < (a: Fraction, b: Fraction) -> Bool {
        a.numerator * b.denominator < b.numerator * a.denominator
    }

    package var magnitude: Fraction { Fraction(numerator < 0 ? -numerator : numerator, denominator) }

    /// ⌊self / n⌋ for n > 0.
    package func floorDividing(by n: Int128) -> Int128 {
        let d = denominator * n
        let q = numerator / d
        return (numerator % d != 0 && numerator < 0) ? q - 1 : q
    }

    /// In lowest terms (keeps the parts small through chains of subtractions).
    var reduced: Fraction {
        var a = numerator < 0 ? -numerator : numerator
        var b = denominator
        while b != 0 { (a, b) = (b, a % b) }
        return a > 1 ? Fraction(numerator / a, denominator / a) : self
    }

    /// The value read as tenths of °F, in degrees with `places` decimals (rounded half away from zero;
    /// for display only — rules compare the exact value): 7205/100 tenths → `"72.05"`.
    package func degreesText(places: Int) -> String {
        precondition(places >= 1 && places <= 6)
        var scale: Int128 = 1
        for _ in 1..<places { scale *= 10 }
        let n = numerator * scale
        let whole = (n.magnitude + UInt128(denominator) / 2) / UInt128(denominator)
        let rounded = Int64(whole)
        return FixedPointText.format(numerator < 0 && rounded != 0 ? -rounded : rounded, places: places)
    }

    package var description: String { "\(numerator)/\(denominator)" }
}

/// Formatting a scaled integer with exactly `places` decimals.
enum FixedPointText {
    static func format(_ value: Int64, places: Int) -> String {
        var pow: Int64 = 1
        for _ in 0..<places { pow *= 10 }
        let m = value.magnitude
        let frac = String(m % UInt64(pow))
        return (value < 0 ? "-" : "") + String(m / UInt64(pow)) + "."
            + String(repeating: "0", count: places - frac.count) + frac
    }
}
