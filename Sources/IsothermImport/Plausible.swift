package import IsothermEvents

/// The ranges every importer checks what it reads against, so that a value cut short, a typo or a
/// corrupted byte is refused with its place instead of becoming a settlement or an observation.
package enum Plausible {
    /// Air temperatures in whole °F: the US record low is −80 °F (Prospect Creek, 1971) and the world's
    /// record high 134 °F.
    package static let fahrenheit: ClosedRange<Int> = -80...140

    /// Years a weather record or a market may be dated in (NCEI's longest US records start in the
    /// 1800s; 2199 is the last year `isotherm generate` accepts).
    package static let years: ClosedRange<Int> = 1800...2199

    /// A report is issued on its climate day (an afternoon preliminary) or up to this many days after
    /// it (the next morning's final, a delayed product).
    package static let reportDelayDaysMax: Int32 = 7

    /// A correction may come later: New Bern's correction of 2014-09-28 was issued on 2014-10-18.
    package static let correctionDelayDaysMax: Int32 = 92

    /// Whether `t` (tenths of °F) is inside ``fahrenheit``.
    package static func contains(_ t: Temperature) -> Bool {
        t.tenths >= Int32(fahrenheit.lowerBound) * 10 && t.tenths <= Int32(fahrenheit.upperBound) * 10
    }

    /// The years as text for messages: `1800…2199`.
    package static var yearsText: String { "\(years.lowerBound)…\(years.upperBound)" }

    /// The range as text for messages: `−80…140 °F`.
    package static var fahrenheitText: String { "\(fahrenheit.lowerBound)…\(fahrenheit.upperBound) °F" }

    /// A date whose year is inside ``years``; nil for any other year or an impossible date. Checking
    /// the year first keeps a 20-digit year from overflowing the calendar arithmetic.
    package static func date(year: Int, month: Int, day: Int) -> LocalDate? {
        guard years.contains(year) else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD` with a year inside ``years``.
    package static func date(iso8601 text: String) -> LocalDate? {
        guard let d = LocalDate(iso8601: text), years.contains(d.components.year) else { return nil }
        return d
    }

    /// Unix seconds inside ``years`` as an instant; nil outside (so nanoseconds cannot overflow).
    package static func instant(unixSeconds: Int64) -> Timestamp? {
        let first = LocalDate(year: years.lowerBound, month: 1, day: 1)!.startUTC.seconds
        let end = LocalDate(year: years.upperBound + 1, month: 1, day: 1)!.startUTC.seconds
        guard unixSeconds >= first, unixSeconds < end else { return nil }
        return Timestamp(seconds: unixSeconds)
    }

    /// Whether an instant is inside ``years``.
    package static func contains(_ t: Timestamp) -> Bool {
        instant(unixSeconds: t.seconds) != nil
    }

    /// Whether a report issued on `issued` (a local date, or a UTC one with `slackDays` of slack) can
    /// be about `climateDay`: that day, or up to ``reportDelayDaysMax`` days before it
    /// (``correctionDelayDaysMax`` for a correction).
    package static func canReport(
        _ climateDay: LocalDate, issuedOn issued: LocalDate, correction: Bool = false, slackDays: Int32 = 0
    ) -> Bool {
        let delay = correction ? correctionDelayDaysMax : reportDelayDaysMax
        return climateDay <= issued.advanced(by: slackDays) && climateDay >= issued.advanced(by: -(delay + slackDays))
    }
}
