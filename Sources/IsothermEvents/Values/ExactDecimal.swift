/// A decimal number with up to six fractional digits, held exactly as millionths: strategy
/// parameters such as midnight_heuristic's α or its edge threshold. What a user types is what the
/// run manifest records and what a replay reads back — never a `Double` in between. Arithmetic that
/// needs a `Double` converts at the point of use (``double``: one correctly rounded division).
package struct ExactDecimal: Hashable, Comparable, Sendable, CustomStringConvertible {
    package static let scale = 6
    /// The value × 10⁶.
    package var millionths: Int64

    package init(millionths: Int64) { self.millionths = millionths }

    /// Parses `"0.5"`, `"-1.25"`, `"3"`; nil for anything else, or for a seventh significant decimal
    /// (an extra decimal is refused, never rounded).
    package init?(_ text: String) {
        guard let v = FixedPoint.parse(text, scale: Self.scale) else { return nil }
        millionths = v
    }

    /// The value as a `Double` (the nearest one).
    package var double: Double { Double(millionths) / 1_000_000 }

    /// `"0.5"`, `"0.12345"`, `"2"`: every significant decimal, no trailing zeros.
    package var description: String { FixedPoint.format(millionths, scale: Self.scale, minDecimals: 0) }

    /// With at least `minDecimals` decimals (`0.5` → `"0.50"` for 2).
    package func text(minDecimals: Int) -> String {
        FixedPoint.format(millionths, scale: Self.scale, minDecimals: min(minDecimals, Self.scale))
    }

    package static func < (a: ExactDecimal, b: ExactDecimal) -> Bool { a.millionths < b.millionths }
}
