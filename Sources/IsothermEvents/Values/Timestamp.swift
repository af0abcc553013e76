/// An instant as Int64 nanoseconds since 1970-01-01T00:00:00Z.
///
/// Times only ever come from events; nothing in the engine reads the wall clock into one of these
/// except the live driver when it stamps an inbound message.
package struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    package var nanos: Int64

    package init(nanos: Int64) { self.nanos = nanos }
    package init(seconds: Int64) { self.nanos = seconds * 1_000_000_000 }
    package init(milliseconds: Int64) { self.nanos = milliseconds * 1_000_000 }

    package static let nanosPerSecond: Int64 = 1_000_000_000
    package static let nanosPerMinute: Int64 = 60_000_000_000
    package static let nanosPerDay: Int64 = 86_400_000_000_000

    /// Whole seconds since the epoch, rounded toward negative infinity.
    package var seconds: Int64 { nanos >= 0 ? nanos / Self.nanosPerSecond : (nanos + 1) / Self.nanosPerSecond - 1 }

    /// The UTC calendar day this instant falls in.
    package var utcDate: LocalDate {
        LocalDate(daysSinceEpoch: Int32(nanos >= 0 ? nanos / Self.nanosPerDay : (nanos + 1) / Self.nanosPerDay - 1))
    }

    /// The instant shifted by a fixed UTC offset, e.g. −5 h for US Eastern Standard Time.
    package func adding(nanos delta: Int64) -> Timestamp { Timestamp(nanos: nanos + delta) }

    /// RFC 3339 in UTC with the fraction only when needed: `2025-11-28T14:00:00Z`,
    /// `2025-11-28T14:00:00.123Z`, `…00.000000001Z`.
    package var rfc3339: String {
        let day = utcDate
        // The floored remainder, not `nanos − day × nanosPerDay`: before 1677-09-21T00:12:44Z the day's
        // start is below Int64.min.
        let remainder = nanos % Self.nanosPerDay
        let nanosOfDay = remainder < 0 ? remainder + Self.nanosPerDay : remainder
        let secondOfDay = nanosOfDay / Self.nanosPerSecond
        var fraction = nanosOfDay % Self.nanosPerSecond
        var out =
            day.iso8601 + "T" + pad2(secondOfDay / 3600) + ":" + pad2(secondOfDay / 60 % 60) + ":"
            + pad2(secondOfDay % 60)
        if fraction != 0 {
            var digits = 9
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            let text = String(fraction)
            out += "." + String(repeating: "0", count: digits - text.count) + text
        }
        return out + "Z"
    }

    package var description: String { rfc3339 }

    /// Parses RFC 3339 (`2025-11-28T14:00:00Z`, fractions to nanoseconds, `+HH:MM` offsets).
    /// - Returns: `nil` when the text is not a valid RFC 3339 date-time, or names an instant Int64
    ///   nanoseconds cannot hold (before 1677-09-21T00:12:43.145224192Z, after 2262-04-11T23:47:16.854775807Z).
    package init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, let date = LocalDate(iso8601: String(decoding: b[0..<10], as: UTF8.self)),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let hh = digitsValue(b[11..<13]), let mm = digitsValue(b[14..<16]), let ss = digitsValue(b[17..<19]),
            hh < 24, mm < 60, ss < 61
        else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100_000_000
            let start = i
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                fraction += Int64(b[i] - UInt8(ascii: "0")) * scale
                scale /= 10
                i += 1
            }
            guard i > start, i - start <= 9 || scale == 0 else { return nil }
        }
        guard i < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard b.count == i + 6, b[i + 3] == UInt8(ascii: ":"),
                let oh = digitsValue(b[(i + 1)..<(i + 3)]), let om = digitsValue(b[(i + 4)..<(i + 6)])
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        // Days are Int32, so seconds cannot overflow; nanoseconds can.
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + hh * 3600 + mm * 60 + ss - offsetSeconds
        let (whole, overflowed) = seconds.multipliedReportingOverflow(by: Self.nanosPerSecond)
        guard !overflowed else { return nil }
        let (nanos, overflowedAgain) = whole.addingReportingOverflow(fraction)
        guard !overflowedAgain else { return nil }
        self.nanos = nanos
    }

    package static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanos < b.nanos }
}

/// A calendar date with no time zone (a market's event date, a forecast's basis date, a climate day),
/// as days since 1970-01-01.
package struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible, Strideable {
    package var daysSinceEpoch: Int32

    package init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// A proleptic Gregorian date; `nil` for an impossible one (2025-02-30).
    package init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(year: year, month: month) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.daysSinceEpoch = Int32(era * 146_097 + doe - 719_468)
    }

    /// Parses `YYYY-MM-DD`.
    package init?(iso8601 text: String) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            let y = digitsValue(b[0..<4]), let m = digitsValue(b[5..<7]), let d = digitsValue(b[8..<10])
        else { return nil }
        self.init(year: Int(y), month: Int(m), day: Int(d))
    }

    /// Year, month (1–12) and day (1–31).
    package var components: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = Int(daysSinceEpoch) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `YYYY-MM-DD`.
    package var iso8601: String {
        let c = components
        let y = String(c.year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + pad2(Int64(c.month)) + "-"
            + pad2(Int64(c.day))
    }

    /// Midnight UTC at the start of this date.
    package var startUTC: Timestamp { Timestamp(nanos: Int64(daysSinceEpoch) * Timestamp.nanosPerDay) }

    package var description: String { iso8601 }

    /// Days in a month of the proleptic Gregorian calendar.
    package static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    package static func < (a: LocalDate, b: LocalDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }
    package func distance(to other: LocalDate) -> Int32 { other.daysSinceEpoch - daysSinceEpoch }
    package func advanced(by n: Int32) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + n) }
}

func pad2(_ v: Int64) -> String { v < 10 ? "0" + String(v) : String(v) }

func digitsValue(_ bytes: ArraySlice<UInt8>) -> Int64? {
    var v: Int64 = 0
    for c in bytes {
        guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
        v = v * 10 + Int64(c - UInt8(ascii: "0"))
    }
    return bytes.isEmpty ? nil : v
}

extension LocalDate {
    private static let monthCodes = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ]

    /// Kalshi's date code in event and market tickers: `25NOV28`.
    package var kalshiCode: String {
        let (year, month, day) = components
        let yy = year % 100
        return (yy < 10 ? "0" : "") + String(yy) + Self.monthCodes[month - 1] + (day < 10 ? "0" : "") + String(day)
    }

    /// Parses `25NOV28` (years 2000–2099), or the date code inside a ticker (`KXHIGHCHI-25NOV28-B45.5`).
    package init?(kalshiCode text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let b = Array((parts.count > 1 ? String(parts[1]) : String(text)).utf8)
        func digits(_ x: UInt8, _ y: UInt8) -> Int? {
            let zero = UInt8(ascii: "0")
            guard x >= zero, x <= zero + 9, y >= zero, y <= zero + 9 else { return nil }
            return Int(x - zero) * 10 + Int(y - zero)
        }
        guard b.count == 7, let yy = digits(b[0], b[1]), let dd = digits(b[5], b[6]),
            let month = Self.monthCodes.firstIndex(of: String(decoding: b[2..<5], as: UTF8.self))
        else { return nil }
        self.init(year: 2000 + yy, month: month + 1, day: dd)
    }
}
