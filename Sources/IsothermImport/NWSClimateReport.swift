package import IsothermEvents

/// One NWS Climatological Report (Daily), the "CLI" product Kalshi settles KXHIGH markets on.
///
/// The parser reads what the settlement needs and what an audit wants to show: the climate day from
/// the headline (never from the issuance time), the observed maximum and minimum with their flags and
/// times, whether the report is preliminary (`TODAY`, or a `VALID … AS OF` line) or final
/// (`YESTERDAY`), and whether it is a correction.
package struct NWSClimateReport: Equatable, Sendable {
    /// An observed temperature as printed: whole °F, flags, and the time of day if given.
    package struct Reading: Equatable, Sendable {
        package var fahrenheit: Int
        /// `R`: the value set or tied a record.
        package var isRecord: Bool
        /// `E` or `(E)`: the value is estimated.
        package var isEstimated: Bool
        /// The time as printed (`301 PM`, `2:31 PM`), in local standard time; nil when none is given.
        package var time: String?

        package init(fahrenheit: Int, isRecord: Bool = false, isEstimated: Bool = false, time: String? = nil) {
            self.fahrenheit = fahrenheit
            self.isRecord = isRecord
            self.isEstimated = isEstimated
            self.time = time
        }

        /// Minutes after local-standard-time midnight, from ``time``.
        package var minuteOfDay: Int? {
            guard let time else { return nil }
            let parts = TextLines.words(time)
            guard parts.count == 2 else { return nil }
            let digits = parts[0].filter { $0 != ":" }
            guard let hhmm = Int(digits), digits.count >= 3 else { return nil }
            var hour = hhmm / 100 % 12
            if parts[1] == "PM" { hour += 12 }
            return hour * 60 + hhmm % 100
        }
    }

    /// The WMO heading, e.g. `CDUS41 KOKX 030616` (with a `CCA`-style suffix on corrections).
    package var wmoHeading: String?
    /// The AWIPS product id, e.g. `CLINYC`.
    package var pil: String
    /// The station as the headline names it, e.g. `CENTRAL PARK NY`.
    package var stationName: String
    /// The climate day the report covers (local standard time), from the headline.
    package var climateDate: LocalDate
    /// The issuance line as printed, e.g. `116 AM EST THU JAN 3 2013`.
    package var issuedText: String?
    /// The issuance instant, when the line's time zone is one this parser knows.
    package var issuedAt: Timestamp?
    /// The `VALID … AS OF …` line of an intraday report, as printed.
    package var validAsOf: String?
    /// `YESTERDAY` or `TODAY`, the label under `TEMPERATURE (F)`.
    package var dayLabel: String?
    /// The product says it corrects an earlier one.
    package var isCorrection: Bool
    /// The observed maximum; nil when reported missing (`MM`).
    package var maximum: Reading?
    /// The observed minimum; nil when reported missing (`MM`).
    package var minimum: Reading?

    /// The 3-letter climate site, e.g. `NYC` from `CLINYC`.
    package var site: String { String(pil.dropFirst(3)) }

    /// A final report covers a finished day: labelled `YESTERDAY` and not valid "as of" a time.
    package var isFinal: Bool { validAsOf == nil && dayLabel != "TODAY" }

    /// The settlement event this report gives for `city` from `station`, or nil when the maximum is
    /// missing.
    package func settlement(city: Symbol, station: Symbol? = nil) -> Settlement? {
        guard let maximum else { return nil }
        return Settlement(
            city: city, station: station, source: .nwsCLI, climateDate: climateDate,
            high: Temperature(degrees: Int32(maximum.fahrenheit)),
            low: minimum.map { Temperature(degrees: Int32($0.fahrenheit)) }, isFinal: isFinal,
            isCorrection: isCorrection, issuedAt: issuedAt)
    }
}
