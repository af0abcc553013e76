import IsothermEvents

/// Reads NWS CLI text products: old and new layouts (`301 PM` and `2:31 PM` times), tabs, CRLF,
/// `MM` for missing, `R` and `E`/`(E)` flags, intraday and final reports, corrections, and files
/// holding several products. Values are read by words, not fixed columns, because the column layout
/// varies by office and software version while the order of the words does not.
package enum NWSClimateReportParser {
    /// Parses every CLI product in `text`.
    ///
    /// Each product is checked for the structure the settlement relies on: an issuance line, a
    /// headline whose climate day is the issue day or at most ``Plausible/reportDelayDaysMax`` days
    /// before it, a temperature section that something closes (the next section, a rule or `$$`: a
    /// product cut short ends inside it), no product starting before the previous one's `$$`, and
    /// observed values inside ``Plausible/fahrenheit`` with the maximum not below the minimum. The
    /// same report twice (a product pasted twice) gives one report; two finals for one station and
    /// day that disagree are an error.
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - source: the file name, for errors.
    /// - Throws: ``ImportError`` naming the line and field of the first problem, and when the text
    ///   holds no CLI product at all.
    package static func parse(_ text: String, source: String) throws(ImportError) -> [NWSClimateReport] {
        let lines = TextLines(text).lines
        var reports: [(report: NWSClimateReport, line: Int)] = []
        var start = 0
        // Products end with "$$"; a file may hold several.
        for i in lines.indices where lines[i].trimmingBlanks == "$$" || i == lines.count - 1 {
            let chunk = start...i
            start = i + 1
            guard lines[chunk].contains(where: { $0.contains("CLIMATE SUMMARY") }) else { continue }
            reports += try parseProduct(lines, chunk, source: source)
        }
        guard !reports.isEmpty else {
            throw ImportError(source, field: "headline", "no \"...THE <STATION> CLIMATE SUMMARY FOR <DATE>...\" line")
        }
        return try withoutRepeats(reports, source: source)
    }

    /// The reports with repeats left out: a report equal to an earlier one of the same station, day
    /// and kind (final, or preliminary issued at the same time) is the same report given twice.
    /// - Throws: ``ImportError`` when two such reports disagree (two finals that are not corrections,
    ///   or two preliminaries issued at the same time): which one settles is not for the importer to
    ///   guess.
    static func withoutRepeats(_ reports: [(report: NWSClimateReport, line: Int)], source: String) throws(ImportError)
        -> [NWSClimateReport]
    {
        var kept: [(report: NWSClimateReport, line: Int)] = []
        for (r, line) in reports {
            var repeated = false
            for (k, keptLine) in kept
            where k.pil == r.pil && k.stationName == r.stationName && k.climateDate == r.climateDate
                && k.isFinal == r.isFinal && k.isCorrection == r.isCorrection
                && (r.isFinal || k.issuedAt == r.issuedAt)
            {
                guard k.maximum == r.maximum && k.minimum == r.minimum else {
                    func show(_ x: NWSClimateReport.Reading?) -> String { x.map { String($0.fahrenheit) } ?? "MM" }
                    throw ImportError(
                        source, line: line + 1, field: "headline",
                        "a second \(r.isFinal ? "final" : "preliminary") report for \(r.stationName) on \(r.climateDate) "
                            + "(the first at line \(keptLine + 1)) disagrees: MAXIMUM \(show(k.maximum)) and \(show(r.maximum)), "
                            + "MINIMUM \(show(k.minimum)) and \(show(r.minimum)); import them apart if both are real")
                }
                repeated = true
            }
            if !repeated { kept.append((r, line)) }
        }
        return kept.map(\.report)
    }

    /// One product: the shared heading (WMO line, product id, issuance), then one or more station
    /// summaries, each from its headline to the next (Anchorage and Houston put several in one product).
    private static func parseProduct(_ lines: [String], _ range: ClosedRange<Int>, source: String) throws(ImportError)
        -> [(report: NWSClimateReport, line: Int)]
    {
        let headlines = range.filter { lines[$0].contains("CLIMATE SUMMARY") && lines[$0].contains("...THE ") }
        guard let firstHeadline = headlines.first else {
            throw ImportError(source, line: range.lowerBound + 1, field: "headline", "no climate summary headline")
        }
        var wmo: String?
        var pil: String?
        var issuedText: String?
        var headerCorrection = false
        for i in range.lowerBound..<firstHeadline {
            let line = lines[i].trimmingBlanks
            if wmo == nil, isWMOHeading(line) {
                wmo = line
            } else if pil == nil, line.count == 6, line.hasPrefix("CLI"),
                line.allSatisfy({ $0.isUppercase || $0.isNumber })
            {
                pil = line
            } else if line.hasPrefix("CLIMATE REPORT"), line.contains("CORRECTION") {
                headerCorrection = true
            } else if issuedText == nil, looksLikeIssuance(line) {
                issuedText = line
            }
        }
        if let bbb = wmo.flatMap({ TextLines.words($0).dropFirst(3).first }), bbb.count == 3, bbb.hasPrefix("CC") {
            headerCorrection = true  // CCA, CCB…: a corrected product; RRA (a delayed one) is not
        }
        // A WMO heading after the headline is the next product: this one lost its end ("$$").
        if let next = (firstHeadline...range.upperBound).first(where: { isWMOHeading(lines[$0].trimmingBlanks) }) {
            throw ImportError(
                source, line: next + 1, field: "$$",
                "a new product (\"\(lines[next].trimmingBlanks)\") begins before the previous one's \"$$\": the previous one is cut short"
            )
        }
        guard let issuedText, let issuedOn = issuanceDate(issuedText) else {
            throw ImportError(
                source, line: firstHeadline + 1, field: "issuance",
                "no issuance line (as \"116 AM EST THU JAN 3 2013\") before the headline: the product is not whole")
        }
        var reports: [(report: NWSClimateReport, line: Int)] = []
        for (k, headlineAt) in headlines.enumerated() {
            let end = k + 1 < headlines.count ? headlines[k + 1] - 1 : range.upperBound
            var report = try parseSummary(lines, headlineAt...end, source: source)
            let correction = report.isCorrection || headerCorrection
            guard Plausible.canReport(report.climateDate, issuedOn: issuedOn, correction: correction) else {
                let days = correction ? Plausible.correctionDelayDaysMax : Plausible.reportDelayDaysMax
                throw ImportError(
                    source, line: headlineAt + 1, field: "headline",
                    "the climate day \(report.climateDate) is not the issue day \(issuedOn) (\"\(issuedText)\") "
                        + "or up to \(days) days before it\(correction ? " (a correction)" : "")")
            }
            report.wmoHeading = wmo
            report.pil = pil ?? "CLI???"
            report.issuedText = issuedText
            report.issuedAt = issuanceInstant(issuedText)
            report.isCorrection = report.isCorrection || headerCorrection
            reports.append((report, headlineAt))
        }
        return reports
    }

    /// One station's summary: headline, an optional `VALID … AS OF` line, and the temperature section.
    private static func parseSummary(_ lines: [String], _ range: ClosedRange<Int>, source: String) throws(ImportError)
        -> NWSClimateReport
    {
        func fail(_ i: Int, _ field: String, _ message: String) -> ImportError {
            ImportError(source, line: i + 1, field: field, message)
        }
        let headlineAt = range.lowerBound
        var text = lines[headlineAt].trimmingBlanks
        if !text.dropFirst(3).contains("..."), headlineAt + 1 <= range.upperBound {  // wrapped headline
            text += " " + lines[headlineAt + 1].trimmingBlanks
        }
        guard let headline = parseHeadline(text) else {
            throw fail(
                headlineAt, "headline", "cannot read the station and date in \"\(lines[headlineAt].trimmingBlanks)\"")
        }
        var validAsOf: String?
        var temperatureAt: Int?
        for i in range {
            let line = lines[i].trimmingBlanks
            if validAsOf == nil, temperatureAt == nil, line.hasPrefix("VALID"), line.contains("AS OF") {
                validAsOf = line
            }
            if temperatureAt == nil, line.hasPrefix("TEMPERATURE") { temperatureAt = i }
        }
        guard let temperatureAt else {
            throw fail(headlineAt, "TEMPERATURE", "no temperature section after the headline")
        }

        // The temperature section: a day label, then MAXIMUM and MINIMUM lines (a morning report may
        // have only the minimum so far), until the next section.
        var dayLabel: String?
        var maximum: NWSClimateReport.Reading??
        var minimum: NWSClimateReport.Reading??
        var i = temperatureAt + 1
        var closed = false
        while i <= range.upperBound {
            let words = TextLines.words(lines[i])
            if let first = words.first, sectionHeaders.contains(String(first)) || first.hasPrefix("..") || first == "$$"
            {
                closed = true
                break
            }
            if words.count == 1, words[0] == "YESTERDAY" || words[0] == "TODAY" {
                if dayLabel == nil { dayLabel = String(words[0]) }
            } else if words.first == "MAXIMUM", maximum == nil {
                maximum = try reading(words.dropFirst(), line: i, field: "MAXIMUM", source: source)
            } else if words.first == "MINIMUM", minimum == nil {
                minimum = try reading(words.dropFirst(), line: i, field: "MINIMUM", source: source)
            }
            i += 1
        }
        guard closed else {
            throw fail(
                range.upperBound, "TEMPERATURE",
                "the product ends inside the temperature section (no section, rule or \"$$\" after it): it is cut short"
            )
        }
        guard maximum != nil || minimum != nil else {
            throw fail(temperatureAt, "TEMPERATURE", "neither a MAXIMUM nor a MINIMUM line in the temperature section")
        }
        if let high = maximum ?? nil, let low = minimum ?? nil, high.fahrenheit < low.fahrenheit {
            throw fail(
                temperatureAt, "MAXIMUM",
                "the maximum \(high.fahrenheit) °F is below the minimum \(low.fahrenheit) °F: a value is cut or wrong")
        }
        return NWSClimateReport(
            wmoHeading: nil, pil: "", stationName: headline.station, climateDate: headline.date, issuedText: nil,
            issuedAt: nil, validAsOf: validAsOf, dayLabel: dayLabel, isCorrection: headline.correction,
            maximum: maximum ?? nil, minimum: minimum ?? nil)
    }

    /// First words of the sections after the temperature section.
    static let sectionHeaders: Set<String> = [
        "PRECIPITATION", "SNOWFALL", "DEGREE", "WIND", "SKY", "WEATHER", "RELATIVE", "SUNRISE", "HEATING", "COOLING",
    ]

    /// `CDUS41 KOKX 030616` with an optional `CCA`/`RRA`/`AAA` suffix.
    static func isWMOHeading(_ line: String) -> Bool {
        let w = TextLines.words(line)
        guard w.count == 3 || w.count == 4 else { return false }
        return w[0].count == 6 && w[0].prefix(4).allSatisfy(\.isLetter) && w[0].suffix(2).allSatisfy(\.isNumber)
            && w[1].count == 4 && w[1].allSatisfy(\.isLetter) && w[2].count == 6 && w[2].allSatisfy(\.isNumber)
    }

    /// `...THE CENTRAL PARK NY CLIMATE SUMMARY FOR JANUARY 2 2013...` (also `FROM`, three-letter
    /// months, and `CORRECTION` before the closing dots).
    static func parseHeadline(_ line: String) -> (station: String, date: LocalDate, correction: Bool)? {
        guard let the = line.range(of: "...THE "), let summary = line[the.upperBound...].range(of: " CLIMATE SUMMARY ")
        else { return nil }
        let station = String(line[the.upperBound..<summary.lowerBound]).trimmingBlanks
        var rest = TextLines.words(line[summary.upperBound...].replacingOccurrences(of: ".", with: " "))
        guard let first = rest.first, first == "FOR" || first == "FROM" else { return nil }
        rest.removeFirst()
        let correction = rest.contains("CORRECTION")
        guard rest.count >= 3, let month = MonthName.number(rest[0]), let day = Int(rest[1]), let year = Int(rest[2]),
            let date = Plausible.date(year: year, month: month, day: day)
        else { return nil }
        return (station, date, correction)
    }

    /// Reads `33  301 PM …`, `R 99 …`, `-12R 645 AM …`, `58(E) 1159 PM …`, `77 E 355 PM …`, `MM …`.
    /// - Returns: nil for a missing (`MM`) value.
    static func reading(_ words: ArraySlice<Substring>, line: Int, field: String, source: String) throws(ImportError)
        -> NWSClimateReport.Reading?
    {
        var w = Array(words)
        var isRecord = false
        var isEstimated = false
        if w.first == "R" {
            isRecord = true
            w.removeFirst()
        }
        guard var value = w.first.map(String.init) else {
            throw ImportError(source, line: line + 1, field: field, "no observed value")
        }
        w.removeFirst()
        if value == "MM" { return nil }
        for (suffix, isFlagRecord) in [("(E)", false), ("(R)", true), ("E", false), ("R", true)]
        where value.hasSuffix(suffix) && value.count > suffix.count {
            value.removeLast(suffix.count)
            if isFlagRecord { isRecord = true } else { isEstimated = true }
        }
        guard let fahrenheit = Int(value) else {
            throw ImportError(source, line: line + 1, field: field, "observed value \"\(value)\" is not whole °F")
        }
        guard Plausible.fahrenheit.contains(fahrenheit) else {
            throw ImportError(
                source, line: line + 1, field: field,
                "observed value \(fahrenheit) °F is outside \(Plausible.fahrenheitText)")
        }
        if let flag = w.first, flag == "E" || flag == "R" || flag == "(E)" || flag == "(R)" {
            if flag.contains("E") { isEstimated = true } else { isRecord = true }
            w.removeFirst()
        }
        var time: String?
        if w.count >= 2, w[1] == "AM" || w[1] == "PM" {
            let digits = w[0].filter { $0 != ":" }
            if digits.count >= 3, digits.count <= 4, digits.allSatisfy(\.isNumber) {
                guard let hhmm = Int(digits), (0...12).contains(hhmm / 100), hhmm % 100 < 60 else {
                    throw ImportError(
                        source, line: line + 1, field: field, "time \"\(w[0]) \(w[1])\" is not a time of day")
                }
                time = "\(w[0]) \(w[1])"
            }
        }
        return NWSClimateReport.Reading(
            fahrenheit: fahrenheit, isRecord: isRecord, isEstimated: isEstimated, time: time)
    }

    /// UTC offsets, in hours, of the zone abbreviations NWS offices print.
    static let zoneOffsets: [String: Int] = [
        "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9,
        "AKDT": -8, "HST": -10, "SST": -11, "CHST": 10, "AST": -4, "UTC": 0, "GMT": 0,
    ]

    /// `116 AM EST THU JAN 3 2013` shaped, whatever the zone.
    static func looksLikeIssuance(_ line: String) -> Bool {
        let w = TextLines.words(line)
        return w.count == 7 && w[0].allSatisfy(\.isNumber) && (w[1] == "AM" || w[1] == "PM")
            && MonthName.number(w[4]) != nil && Int(w[6]) != nil
    }

    /// The local date of an issuance line `116 AM EST THU JAN 3 2013` (whatever the zone), or nil.
    static func issuanceDate(_ line: String) -> LocalDate? {
        let w = TextLines.words(line)
        guard w.count == 7, let month = MonthName.number(w[4]), let day = Int(w[5]), let year = Int(w[6]) else {
            return nil
        }
        return Plausible.date(year: year, month: month, day: day)
    }

    /// The instant of an issuance line `116 AM EST THU JAN 3 2013`, or nil.
    static func issuanceInstant(_ line: String) -> Timestamp? {
        let w = TextLines.words(line)
        guard w.count == 7, let hhmm = Int(w[0]), w[0].count <= 4, w[1] == "AM" || w[1] == "PM",
            let offset = zoneOffsets[String(w[2])], let date = issuanceDate(line)
        else { return nil }
        let hour12 = hhmm / 100
        let minute = hhmm % 100
        guard hour12 >= 1 && hour12 <= 12 && minute < 60 else { return nil }
        let hour = hour12 % 12 + (w[1] == "PM" ? 12 : 0)
        let localSeconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60)
        return Timestamp(seconds: localSeconds - Int64(offset * 3600))
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces.
    var trimmingBlanks: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }

    /// Every occurrence of `target` replaced (no Foundation).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return String(self) }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// The first range of `target` (no Foundation).
    func range(of target: String) -> Range<Index>? {
        let t = Array(target.utf8)
        let u = Array(utf8)
        guard !t.isEmpty, t.count <= u.count else { return nil }
        for start in 0...(u.count - t.count) where u[start..<(start + t.count)].elementsEqual(t) {
            let lower = utf8.index(startIndex, offsetBy: start)
            let upper = utf8.index(lower, offsetBy: t.count)
            return lower..<upper
        }
        return nil
    }
}
