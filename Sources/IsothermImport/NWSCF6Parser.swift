package import IsothermEvents

/// One month of an NWS CF6 product (Preliminary Local Climatological Data, WS Form F-6): the daily
/// rows so far this month. Issued daily with month-to-date rows; the days are preliminary.
package struct NWSCF6Month: Equatable, Sendable {
    /// One day's row: whole °F, nil where the product prints `M`.
    package struct Day: Equatable, Sendable {
        package var date: LocalDate
        package var maximum: Int?
        package var minimum: Int?

        package init(date: LocalDate, maximum: Int?, minimum: Int?) {
            self.date = date
            self.maximum = maximum
            self.minimum = minimum
        }
    }

    /// The AWIPS product id, e.g. `CF6DSM`, when present.
    package var pil: String?
    /// The station as printed, e.g. `DES MOINES IA`.
    package var station: String
    package var year: Int
    package var month: Int
    package var days: [Day]

    /// Preliminary settlements for `city` from `station`, one per day with a maximum.
    package func settlements(city: Symbol, station: Symbol? = nil) -> [Settlement] {
        days.compactMap { day in
            day.maximum.map {
                Settlement(
                    city: city, station: station, source: .nwsCF6, climateDate: day.date,
                    high: Temperature(degrees: Int32($0)),
                    low: day.minimum.map { Temperature(degrees: Int32($0)) }, isFinal: false, isCorrection: false,
                    issuedAt: nil)
            }
        }
    }
}

/// Reads CF6 text: the `STATION:`, `MONTH:` (a name or a number) and `YEAR:` lines, then the daily
/// rows between the `DY MAX MIN …` header's rule and the next rule. The closing rule must be there (a
/// form cut short ends inside its table), days must rise, and values be inside
/// ``Plausible/fahrenheit`` with the maximum not below the minimum.
package enum NWSCF6Parser {
    /// - Throws: ``ImportError`` naming the line for a missing station, month or year, a missing or
    ///   unclosed daily table, or a row that is not `day max min …` for a real date of the month.
    package static func parse(_ text: String, source: String) throws(ImportError) -> NWSCF6Month {
        let lines = TextLines(text).lines
        var pil: String?
        var station: String?
        var month: Int?
        var year: Int?
        var headerAt: Int?
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingBlanks
            if pil == nil, line.count == 6, line.hasPrefix("CF6") { pil = line }
            let words = TextLines.words(line)
            guard let first = words.first else { continue }
            if station == nil, first == "STATION:" { station = words.dropFirst().joined(separator: " ") }
            if month == nil, first == "MONTH:", words.count >= 2 {
                month = Int(words[1]) ?? MonthName.number(words[1])
                guard month.map({ (1...12).contains($0) }) == true else {
                    throw ImportError(source, line: i + 1, field: "MONTH", "\"\(words[1])\" is not a month")
                }
            }
            if year == nil, first == "YEAR:", words.count >= 2 {
                year = Int(words[1])
                guard let y = year, Plausible.years.contains(y) else {
                    throw ImportError(source, line: i + 1, field: "YEAR", "\"\(words[1])\" is not a year")
                }
            }
            if headerAt == nil, words.count >= 3, first == "DY", words[1] == "MAX", words[2] == "MIN" { headerAt = i }
        }
        guard let station else { throw ImportError(source, field: "STATION", "no STATION: line") }
        guard let month, let year else { throw ImportError(source, field: "MONTH/YEAR", "no MONTH: and YEAR: lines") }
        guard let headerAt else { throw ImportError(source, field: "daily table", "no \"DY MAX MIN\" header") }
        var days: [NWSCF6Month.Day] = []
        var i = headerAt + 1
        while i < lines.count, lines[i].hasPrefix("=") || lines[i].trimmingBlanks.isEmpty { i += 1 }
        while i < lines.count, !lines[i].hasPrefix("=") {
            let words = TextLines.words(lines[i])
            defer { i += 1 }
            if words.isEmpty { continue }
            func value(_ k: Int, _ field: String) throws(ImportError) -> Int? {
                guard k < words.count else { throw ImportError(source, line: i + 1, field: field, "missing") }
                if words[k] == "M" { return nil }
                guard let v = Int(words[k]) else {
                    throw ImportError(source, line: i + 1, field: field, "\"\(words[k])\" is not whole °F or M")
                }
                guard Plausible.fahrenheit.contains(v) else {
                    throw ImportError(
                        source, line: i + 1, field: field, "\(v) °F is outside \(Plausible.fahrenheitText)")
                }
                return v
            }
            guard let day = Int(words[0]), let date = LocalDate(year: year, month: month, day: day) else {
                throw ImportError(source, line: i + 1, field: "DY", "\"\(words[0])\" is not a day of \(year)-\(month)")
            }
            if let previous = days.last, previous.date >= date {
                throw ImportError(
                    source, line: i + 1, field: "DY", "day \(day) comes after day \(previous.date.components.day)")
            }
            let maximum = try value(1, "MAX")
            let minimum = try value(2, "MIN")
            if let maximum, let minimum, maximum < minimum {
                throw ImportError(
                    source, line: i + 1, field: "MAX", "the maximum \(maximum) °F is below the minimum \(minimum) °F")
            }
            days.append(.init(date: date, maximum: maximum, minimum: minimum))
        }
        guard i < lines.count else {
            throw ImportError(
                source, line: lines.count, field: "daily table",
                "the form ends inside its daily table (no closing \"====\" rule): it is cut short")
        }
        return NWSCF6Month(pil: pil, station: station, year: year, month: month, days: days)
    }
}
