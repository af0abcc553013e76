package import IsothermEvents

/// Exact conversions from the temperature text the weather services send to ``Temperature`` (tenths
/// of °F). Nothing goes through `Double`: the text is read as a scaled integer and rounded once, half
/// away from zero, to the tenth.
package enum TemperatureText {
    /// `"47.8"`, `"71.00"`, `"-3"` in °F.
    package static func fahrenheit(_ text: String) -> Temperature? {
        guard let tenThousandths = bounded(FixedPoint.parse(trimmed(text), scale: 4)) else { return nil }
        return narrow(divideRounding(tenThousandths, by: 1_000))
    }

    /// `"29.4"`, `"30"` in °C: °F = °C × 9/5 + 32.
    package static func celsius(_ text: String) -> Temperature? {
        guard let tenThousandths = bounded(FixedPoint.parse(trimmed(text), scale: 4)) else { return nil }
        // tenths °F = °C × 18 + 320 = (°C × 10⁴) × 18 / 10⁴ + 320
        return narrow(divideRounding(tenThousandths * 18, by: 10_000) + 320)
    }

    /// NCEI's raw integer tenths of °C (`"  311"` = 31.1 °C).
    package static func tenthsCelsius(_ text: String) -> Temperature? {
        guard let tenths = bounded(FixedPoint.parse(trimmed(text), scale: 0)) else { return nil }
        return narrow(divideRounding(tenths * 18, by: 10) + 320)
    }

    /// A parsed value small enough for the arithmetic above (no temperature comes near 10¹²), or nil:
    /// `"922337203685477.5807"` must be refused, not overflow.
    private static func bounded(_ value: Int64?) -> Int64? {
        guard let value, value.magnitude < 1_000_000_000_000 else { return nil }
        return value
    }

    /// `n / d` rounded half away from zero (d > 0).
    package static func divideRounding(_ n: Int64, by d: Int64) -> Int64 {
        n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d)
    }

    private static func narrow(_ tenths: Int64) -> Temperature? {
        guard let v = Int32(exactly: tenths), abs(v) < 2_000 else { return nil }
        return Temperature(tenths: v)
    }

    private static func trimmed(_ text: String) -> String { String(text.trimmingBlanks) }
}
