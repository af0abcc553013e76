/// A United States time zone by its rules: the standard offset and whether daylight saving applies
/// (from 2007: second Sunday of March 02:00 local standard time to the first Sunday of November
/// 02:00 local daylight time). Enough for the KXHIGH cities without a time-zone database.
package struct USTimeZone: Hashable, Sendable {
    /// Hours east of UTC in standard time (New York −5).
    package let standardOffsetHours: Int
    package let observesDaylightSaving: Bool

    package init(standardOffsetHours: Int, observesDaylightSaving: Bool = true) {
        self.standardOffsetHours = standardOffsetHours
        self.observesDaylightSaving = observesDaylightSaving
    }

    package static let eastern = USTimeZone(standardOffsetHours: -5)
    package static let central = USTimeZone(standardOffsetHours: -6)
    package static let mountain = USTimeZone(standardOffsetHours: -7)
    package static let pacific = USTimeZone(standardOffsetHours: -8)

    private static let nanosPerHour: Int64 = 3_600 * Timestamp.nanosPerSecond

    /// The instant local *standard* time `minuteOfDay` begins on `date` (the climate day's clock).
    package func standardTime(_ date: LocalDate, minuteOfDay: Int) -> Timestamp {
        date.startUTC.adding(
            nanos: Int64(minuteOfDay) * Timestamp.nanosPerMinute - Int64(standardOffsetHours) * Self.nanosPerHour)
    }

    /// The instant the wall clock reads `minuteOfDay` on `date` (daylight time when it applies).
    /// Wall times that do not exist or occur twice on the change days resolve to standard time.
    package func wallTime(_ date: LocalDate, minuteOfDay: Int) -> Timestamp {
        let standard = standardTime(date, minuteOfDay: minuteOfDay)
        let daylight = standard.adding(nanos: -Self.nanosPerHour)
        return isDaylight(daylight) ? daylight : standard
    }

    /// Whether daylight saving time is in force at `instant`.
    package func isDaylight(_ instant: Timestamp) -> Bool {
        guard observesDaylightSaving else { return false }
        let standard = instant.adding(nanos: Int64(standardOffsetHours) * Self.nanosPerHour)
        let year = standard.utcDate.components.year
        // Both changes happen at 02:00 wall clock: 02:00 standard in March, 01:00 standard in November.
        let begins = Self.nthSunday(2, month: 3, year: year).startUTC.adding(nanos: 2 * Self.nanosPerHour)
        let ends = Self.nthSunday(1, month: 11, year: year).startUTC.adding(nanos: 1 * Self.nanosPerHour)
        return standard >= begins && standard < ends
    }

    /// Hours east of UTC at `instant`.
    package func offsetHours(at instant: Timestamp) -> Int { standardOffsetHours + (isDaylight(instant) ? 1 : 0) }

    /// The local-standard-time date (the climate day) containing `instant`.
    package func climateDate(of instant: Timestamp) -> LocalDate {
        instant.adding(nanos: Int64(standardOffsetHours) * Self.nanosPerHour).utcDate
    }

    /// Minutes since local standard midnight at `instant`.
    package func standardMinuteOfDay(_ instant: Timestamp) -> Int {
        let local = instant.nanos + Int64(standardOffsetHours) * Self.nanosPerHour
        let day = Timestamp.nanosPerDay
        return Int(((local % day + day) % day) / Timestamp.nanosPerMinute)
    }

    /// The `n`th Sunday (1-based) of a month.
    package static func nthSunday(_ n: Int, month: Int, year: Int) -> LocalDate {
        let first = LocalDate(year: year, month: month, day: 1)!
        let weekday = first.weekday  // 0 = Sunday
        return first.advanced(by: Int32((7 - weekday) % 7 + 7 * (n - 1)))
    }
}

extension LocalDate {
    /// Day of the week, 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    package var weekday: Int { Int(((daysSinceEpoch + 4) % 7 + 7) % 7) }
}
