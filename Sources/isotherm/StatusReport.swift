import IsothermEvents
import IsothermStore

/// `isotherm status` as text or JSON.
struct StatusReport {
    let cities: [CityStatus]
    let unknown: Int64
    let now: Timestamp
    let gapMinutes: Int64
    let verdicts: [MaxAgeVerdict]
    let minuteMapsPeak: Int

    /// Day ranges listed per row in the text (the JSON lists them all).
    static let rangesShown = 40

    init(_ coverage: StatusCoverage, now: Timestamp, gapMinutes: Int64, limits: [MaxAge]) {
        cities = coverage.orderedCities
        unknown = coverage.unknown
        self.now = now
        self.gapMinutes = gapMinutes
        verdicts = MaxAgeVerdict.check(limits, cities, now: now)
        minuteMapsPeak = coverage.minuteMapsPeak
    }

    var breaches: Int { verdicts.count(where: \.breached) }

    // MARK: Text

    var text: String {
        var lines = table()
        lines += dayLists()
        lines += candleGaps()
        lines += maxAges()
        if unknown > 0 {
            lines.append("")
            lines.append(
                "\(grouped(unknown)) events name no known city (a series, station or city field outside the catalog)")
        }
        return lines.joined(separator: "\n")
    }

    private func table() -> [String] {
        guard !cities.isEmpty else {
            return ["no markets, candles, ticks, forecasts, observations or settlements in these logs"]
        }
        var lines = [
            rightPad("city", 6) + rightPad("data", 13) + leftPad("events", 12) + "  " + rightPad("first day", 12)
                + rightPad("last day", 10) + leftPad("days", 7) + leftPad("missing", 9) + leftPad("incomplete", 12)
                + "  " + rightPad("latest event", 20) + leftPad("age", StatusAge.width + 2)
        ]
        for city in cities {
            var none: [String] = []
            for kind in StatusKind.allCases {
                let c = city[kind]
                guard let latest = c.latest, let (lo, hi) = city.span(kind) else {
                    none.append(kind.name)
                    continue
                }
                let missing = city.missing(kind).reduce(0) { $0 + Int($1.days) }
                let incomplete = kind == .settlements ? String(city.incomplete.reduce(0) { $0 + Int($1.days) }) : ""
                lines.append(
                    rightPad(city.code, 6) + rightPad(kind.name, 13) + leftPad(grouped(c.events), 12) + "  "
                        + rightPad(LocalDate(daysSinceEpoch: lo).iso8601, 12)
                        + rightPad(LocalDate(daysSinceEpoch: hi).iso8601, 10) + leftPad(String(c.days.count), 7)
                        + leftPad(String(missing), 9) + leftPad(incomplete, 12) + "  " + rightPad(latest.rfc3339, 20)
                        + leftPad(
                            StatusAge.text(seconds: StatusAge.seconds(from: latest, to: now)), StatusAge.width + 2))
            }
            if !none.isEmpty { lines.append(rightPad(city.code, 6) + "none: " + none.joined(separator: ", ")) }
        }
        return lines
    }

    /// `2 days: 2023-07-03…2023-07-04, 2023-07-09`, at most ``rangesShown`` ranges.
    private func listed(_ ranges: [DayRange]) -> String {
        let days = ranges.reduce(0) { $0 + Int($1.days) }
        var text = "\(days) day\(days == 1 ? "" : "s"): "
        text += ranges.prefix(Self.rangesShown).map(\.text).joined(separator: ", ")
        if ranges.count > Self.rangesShown {
            text += ", … and \(ranges.count - Self.rangesShown) more ranges (--json lists them all)"
        }
        return text
    }

    private func dayLists() -> [String] {
        guard !cities.isEmpty else { return [] }
        var missing: [String] = []
        for city in cities {
            for kind in StatusKind.allCases {
                let ranges = city.missing(kind)
                if !ranges.isEmpty { missing.append(rightPad(city.code, 6) + rightPad(kind.name, 13) + listed(ranges)) }
            }
        }
        var lines = [""]
        lines += missing.isEmpty ? ["missing days: none"] : ["missing days:"] + missing
        guard cities.contains(where: { $0.span(.settlements) != nil }) else { return lines }
        let incomplete = cities.compactMap { city in
            city.incomplete.isEmpty
                ? nil : rightPad(city.code, 6) + rightPad("settlements", 13) + listed(city.incomplete)
        }
        lines.append("")
        lines +=
            incomplete.isEmpty
            ? ["incomplete days (a preliminary report, no final): none"]
            : ["incomplete days (a preliminary report, no final):"] + incomplete
        return lines
    }

    private func candleGaps() -> [String] {
        let shown = cities.filter { !$0.candleGaps.isEmpty }
        guard !shown.isEmpty else { return [] }
        let gapsTitle = "gaps≥" + StatusAge.text(seconds: gapMinutes * 60)
        var lines = [
            "",
            "candle gaps (minutes without a 1-minute candle between each market's open and close, up to now):",
            rightPad("city", 6) + leftPad("markets", 8) + leftPad("no candles", 12) + leftPad("minutes", 12)
                + leftPad("missing", 10) + leftPad(gapsTitle, 11) + leftPad("longest", 9),
        ]
        var notes: [String] = []
        for city in shown {
            let s = city.candleGaps
            lines.append(
                rightPad(city.code, 6) + leftPad(grouped(s.markets), 8) + leftPad(grouped(s.marketsWithoutCandles), 12)
                    + leftPad(grouped(s.minutesExpected), 12) + leftPad(grouped(s.minutesMissing), 10)
                    + leftPad(grouped(s.gaps), 11)
                    + leftPad(s.longest.first.map { StatusAge.text(seconds: $0.minutes * 60) } ?? "-", 9))
            let c = city.code
            if s.marketsWithoutHours > 0 {
                notes.append(
                    "\(c): \(s.marketsWithoutHours) markets with candles but no listing: gaps between candles only")
            }
            if s.candlesOutsideHours > 0 {
                notes.append(
                    "\(c): \(grouped(s.candlesOutsideHours)) candles outside their market's hours or after now")
            }
            if s.candlesAfterSummary > 0 {
                notes.append(
                    "\(c): \(grouped(s.candlesAfterSummary)) candles came after their market was summarised (logs out of time order: isotherm log sort merges them)"
                )
            }
        }
        let longest = shown.flatMap { city in city.candleGaps.longest.map { (city.code, $0) } }
        if !longest.isEmpty {
            lines.append("longest gaps:")
            for (code, g) in longest {
                lines.append(
                    rightPad(code, 6) + rightPad(g.ticker.description, 26) + g.from.rfc3339 + " → " + g.to.rfc3339
                        + leftPad(StatusAge.text(seconds: g.minutes * 60), StatusAge.width + 2))
            }
        }
        return lines + notes
    }

    private func maxAges() -> [String] {
        guard !verdicts.isEmpty else { return [] }
        var lines = [
            "",
            "max age (" + (breaches == 0 ? "all within their limits" : "\(breaches) of \(verdicts.count) breached")
                + "):",
            rightPad("data", 13) + leftPad("limit", 7) + "  " + rightPad("city", 6) + leftPad("age", StatusAge.width)
                + "  verdict",
        ]
        for v in verdicts {
            let age = v.ageSeconds.map { StatusAge.text(seconds: $0) } ?? "-"
            let verdict = v.breached ? (v.latest == nil ? "BREACHED (no data)" : "BREACHED") : "ok"
            lines.append(
                rightPad(v.limit.kind.name, 13) + leftPad(v.limit.text, 7) + "  " + rightPad(v.city ?? "-", 6)
                    + leftPad(age, StatusAge.width) + "  " + verdict)
        }
        return lines
    }

    // MARK: JSON

    var json: String {
        var j = JSONWriter()
        j.beginObject()
        j.string("now", now.rfc3339)
        j.number("gap_minutes", gapMinutes)
        j.beginArray("cities")
        for city in cities {
            j.beginObject()
            j.string("city", city.code)
            for kind in StatusKind.allCases { cell(&j, city, kind) }
            j.endObject()
        }
        j.endArray()
        j.number("unknown_city_events", unknown)
        j.beginArray("max_age")
        for v in verdicts {
            j.beginObject()
            j.string("kind", v.limit.kind.name)
            j.string("limit", v.limit.text)
            j.number("limit_seconds", v.limit.seconds)
            j.stringOrNull("city", v.city)
            j.stringOrNull("latest_event", v.latest?.rfc3339)
            if let age = v.ageSeconds { j.number("age_seconds", age) } else { j.null("age_seconds") }
            j.bool("breached", v.breached)
            j.endObject()
        }
        j.endArray()
        j.number("max_age_breached", Int64(breaches))
        j.number("minute_maps_peak", Int64(minuteMapsPeak))
        j.endObject()
        return j.output
    }

    private func ranges(_ j: inout JSONWriter, _ key: String, _ ranges: [DayRange]) {
        j.beginArray(key)
        for r in ranges {
            j.beginObject()
            j.string("from", LocalDate(daysSinceEpoch: r.from).iso8601)
            j.string("to", LocalDate(daysSinceEpoch: r.to).iso8601)
            j.number("days", Int64(r.days))
            j.endObject()
        }
        j.endArray()
    }

    private func cell(_ j: inout JSONWriter, _ city: CityStatus, _ kind: StatusKind) {
        let c = city[kind]
        let span = city.span(kind)
        let missing = city.missing(kind)
        j.beginObject(kind.name)
        j.number("events", c.events)
        j.stringOrNull("first_day", span.map { LocalDate(daysSinceEpoch: $0.first).iso8601 })
        j.stringOrNull("last_day", span.map { LocalDate(daysSinceEpoch: $0.last).iso8601 })
        j.number("days", Int64(c.days.count))
        j.number("days_missing", missing.reduce(0) { $0 + Int64($1.days) })
        ranges(&j, "missing", missing)
        if kind == .settlements {
            let incomplete = city.incomplete
            j.number("days_incomplete", incomplete.reduce(0) { $0 + Int64($1.days) })
            ranges(&j, "incomplete", incomplete)
            j.number("corrections", city.corrections)
        }
        j.stringOrNull("latest_event", c.latest?.rfc3339)
        if let latest = c.latest {
            j.number("age_seconds", StatusAge.seconds(from: latest, to: now))
        } else {
            j.null("age_seconds")
        }
        if kind == .candles { candleGaps(&j, city.candleGaps) }
        j.endObject()
    }

    private func candleGaps(_ j: inout JSONWriter, _ s: CandleGapSummary) {
        j.beginObject("minute_gaps")
        j.number("markets", s.markets)
        j.number("markets_without_candles", s.marketsWithoutCandles)
        j.number("markets_without_hours", s.marketsWithoutHours)
        j.number("minutes_expected", s.minutesExpected)
        j.number("minutes_missing", s.minutesMissing)
        j.number("gaps", s.gaps)
        j.beginArray("longest")
        for g in s.longest {
            j.beginObject()
            j.string("ticker", g.ticker.description)
            j.string("from", g.from.rfc3339)
            j.string("to", g.to.rfc3339)
            j.number("minutes", g.minutes)
            j.endObject()
        }
        j.endArray()
        j.number("candles_outside_hours", s.candlesOutsideHours)
        j.number("candles_after_summary", s.candlesAfterSummary)
        j.number("duplicate_candles", s.duplicateCandles)
        j.endObject()
    }
}
