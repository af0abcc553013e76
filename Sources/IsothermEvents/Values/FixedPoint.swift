/// Exact decimal-string parsing and formatting for fixed-point values.
///
/// Kalshi sends prices as dollar strings with up to six decimals (`"0.4500"`) and counts with two
/// (`"10.00"`). Nothing here goes through `Double`: digits are accumulated into an `Int64` scaled by
/// a power of ten, and a string with more decimals than the unit holds is an error, not a rounding.
package enum FixedPoint {
    /// Parses `text` as a decimal scaled by 10^`scale`.
    /// - Parameters:
    ///   - text: an optional sign, digits, an optional `.` and fraction digits (no exponent, no spaces).
    ///   - scale: how many decimal places the unit holds (6 for micro-dollars, 2 for hundredths).
    /// - Returns: the scaled integer, or `nil` if the text is not such a number, has more significant
    ///   decimals than `scale`, or overflows `Int64`.
    package static func parse(_ text: Substring.UTF8View, scale: Int) -> Int64? {
        var index = text.startIndex
        guard index != text.endIndex else { return nil }
        var negative = false
        if text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
            negative = text[index] == UInt8(ascii: "-")
            index = text.index(after: index)
        }
        var value: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        while index != text.endIndex {
            let c = text[index]
            index = text.index(after: index)
            if c == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
                continue
            }
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(c - UInt8(ascii: "0"))
            digits += 1
            if seenPoint {
                fractionDigits += 1
                if fractionDigits > scale {
                    // Extra decimals are allowed only if they are zeros ("0.450000000").
                    guard digit == 0 else { return nil }
                    continue
                }
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(digit)
            guard !o1 && !o2 else { return nil }
            value = a
        }
        guard digits > 0 else { return nil }
        var remaining = scale - min(fractionDigits, scale)
        while remaining > 0 {
            let (m, o) = value.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            value = m
            remaining -= 1
        }
        return negative ? -value : value
    }

    /// Parses a `String` (see ``parse(_:scale:)-(Substring.UTF8View,_)``).
    package static func parse(_ text: String, scale: Int) -> Int64? {
        parse(Substring(text).utf8, scale: scale)
    }

    /// Formats a scaled integer with at least `minDecimals` and at most `scale` decimals,
    /// dropping only trailing zeros beyond `minDecimals`: `450000, scale 6, min 4` → `"0.4500"`.
    package static func format(_ value: Int64, scale: Int, minDecimals: Int) -> String {
        precondition(scale >= 0 && scale <= 18 && minDecimals <= scale)
        var magnitude = value.magnitude
        var pow: UInt64 = 1
        for _ in 0..<scale { pow *= 10 }
        let whole = magnitude / pow
        magnitude %= pow
        var fraction = [UInt8](repeating: UInt8(ascii: "0"), count: scale)
        var i = scale - 1
        while i >= 0 {
            fraction[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            i -= 1
        }
        var keep = scale
        while keep > minDecimals && fraction[keep - 1] == UInt8(ascii: "0") { keep -= 1 }
        var out = value < 0 ? "-" : ""
        out += String(whole)
        if keep > 0 {
            out += "."
            out += String(decoding: fraction[0..<keep], as: UTF8.self)
        }
        return out
    }
}
