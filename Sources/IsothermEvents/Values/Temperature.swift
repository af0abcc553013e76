/// A temperature in integer tenths of a degree Fahrenheit (`455` = 45.5 °F).
package struct Temperature: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Tenths of °F.
    package var tenths: Int32

    package init(tenths: Int32) { self.tenths = tenths }
    /// Whole degrees (CLI reports, strikes).
    package init(degrees: Int32) { self.tenths = degrees * 10 }

    /// Parses `"45.5"`, `"-3"`, `"84.00"`; `nil` if it has a significant second decimal.
    package init?(fahrenheit text: String) {
        guard let v = FixedPoint.parse(text, scale: 1), let t = Int32(exactly: v) else { return nil }
        self.tenths = t
    }

    /// Rounds to whole degrees, half up (45.5 → 46, −0.5 → 0), as the strategies' bracket lookup does.
    package var roundedDegrees: Int32 {
        tenths >= 0 ? (tenths + 5) / 10 : -((-tenths - 5 + 9) / 10)
    }

    /// `"45.5"` or `"45"`.
    package var description: String { FixedPoint.format(Int64(tenths), scale: 1, minDecimals: 0) }

    package static func < (a: Temperature, b: Temperature) -> Bool { a.tenths < b.tenths }
}
