package import IsothermEvents

/// Visual Crossing's Timeline API response → forecasts and observations.
///
/// Days and hours carry a `source`: `obs` (observed), `fcst` (forecast) or `comb` (a day mixing
/// observed and forecast hours). Observed hours (and minutes, with `include=minutes`) become
/// ``Observation``s at their `datetimeEpoch`; each forecast or combined day becomes a
/// ``DailyForecast`` (its `tempmax`/`tempmin`) and an ``HourlyForecast`` of its forecast hours. A
/// forecast needs the date it was issued on: the response does not say, so the caller passes the
/// request's `forecastBasisDate` (or the day the live request was made); without one, forecast days
/// are an error rather than a guess.
package enum VisualCrossingImporter {
    package enum Units: Sendable {
        /// `unitGroup=us` (°F), the default.
        case us
        /// `unitGroup=metric` or `uk` (°C).
        case metric
    }

    package static func parse(
        _ bytes: [UInt8], source: String, city: Symbol, station: Symbol, basisDate: LocalDate?, units: Units = .us
    ) throws(ImportError) -> [EventRecord] {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var out: [EventRecord] = []
        let days = try root.array("days")
        for (d, dayValue) in days.enumerated() {
            let day = try JSONFields(dayValue, source: source, path: "days[\(d)]")
            let dateText = try day.string("datetime")
            guard let date = Plausible.date(iso8601: dateText) else {
                throw day.fail("datetime", "\"\(dateText)\" is not a YYYY-MM-DD date in \(Plausible.years)")
            }
            let daySource = try day.optionalString("source") ?? "obs"
            var points: [HourlyPoint] = []
            for (h, hourValue) in (day.optional("hours")?.arrayValue ?? []).enumerated() {
                let hour = try JSONFields(hourValue, source: source, path: day.path + ".hours[\(h)]")
                let hourSource = try hour.optionalString("source") ?? daySource
                guard let reading = try self.reading(hour, units: units) else { continue }
                if hourSource == "obs" {
                    out.append(observation(reading, station: station))
                } else {
                    points.append(HourlyPoint(time: reading.time, temperature: reading.temperature))
                }
                for (m, minuteValue) in (hour.optional("minutes")?.arrayValue ?? []).enumerated() {
                    let minute = try JSONFields(minuteValue, source: source, path: hour.path + ".minutes[\(m)]")
                    let minuteSource = try minute.optionalString("source") ?? hourSource
                    guard minuteSource == "obs", let r = try self.reading(minute, units: units) else { continue }
                    out.append(observation(r, station: station))
                }
            }
            guard daySource == "fcst" || daySource == "comb" else { continue }
            guard let basisDate else {
                throw day.fail(
                    "source",
                    "a \(daySource) day needs the forecast's basis date (the request's forecastBasisDate); the response does not say it"
                )
            }
            guard let high = try temperature(day, "tempmax", units: units) else { throw day.fail("tempmax", "missing") }
            let issued = basisDate.startUTC
            out.append(
                EventRecord(
                    time: issued,
                    event: .dailyForecast(
                        DailyForecast(
                            city: city, source: .visualCrossing, basisDate: basisDate, targetDate: date, high: high,
                            low: try temperature(day, "tempmin", units: units)))))
            if !points.isEmpty {
                out.append(
                    EventRecord(
                        time: issued,
                        event: .hourlyForecast(
                            HourlyForecast(
                                city: city, source: .visualCrossing, basisDate: basisDate, targetDate: date,
                                points: points))))
            }
        }
        return out
    }

    private struct Reading {
        var time: Timestamp
        var temperature: Temperature
        var dewpoint: Temperature?
    }

    private static func reading(_ o: JSONFields, units: Units) throws(ImportError) -> Reading? {
        guard let epoch = try o.integer("datetimeEpoch") else { throw o.fail("datetimeEpoch", "missing") }
        guard let time = Plausible.instant(unixSeconds: epoch) else {
            throw o.fail("datetimeEpoch", "\(epoch) is not Unix seconds in \(Plausible.years)")
        }
        guard let t = try temperature(o, "temp", units: units) else { return nil }
        return Reading(time: time, temperature: t, dewpoint: try temperature(o, "dew", units: units))
    }

    private static func observation(_ r: Reading, station: Symbol) -> EventRecord {
        EventRecord(
            time: r.time,
            event: .observation(
                Observation(
                    station: station, source: .visualCrossing, observedAt: r.time, temperature: r.temperature,
                    dewpoint: r.dewpoint)))
    }

    private static func temperature(_ o: JSONFields, _ key: String, units: Units) throws(ImportError) -> Temperature? {
        guard let v = o.optional(key) else { return nil }
        guard case .number(let text) = v else { throw o.fail(key, "expected a number, found \(v.typeName)") }
        let t = units == .us ? TemperatureText.fahrenheit(text) : TemperatureText.celsius(text)
        guard let t else { throw o.fail(key, "\"\(text)\" is not a temperature") }
        guard Plausible.contains(t) else { throw o.fail(key, "\(t) °F is outside \(Plausible.fahrenheitText)") }
        return t
    }
}

/// One station-day of the Iowa Environmental Mesonet's CLI service (`/json/cli.py`): the values of the
/// most recent NWS climate report for that day.
package struct IEMClimateDay: Equatable, Sendable {
    package var station: String
    package var date: LocalDate
    /// Whole °F; nil when `"M"`.
    package var high: Int32?
    package var low: Int32?
    /// The product id, `202608220633-KLOT-CDUS43-CLIMDW`.
    package var product: String?
    /// When that product was issued, from the product id (UTC).
    package var issuedAt: Timestamp?

    /// A report issued after the climate day ended (in any US zone: after 08:00Z the next day at the
    /// latest) is final; earlier ones are the afternoon preliminary.
    package var isFinal: Bool {
        guard let issuedAt else { return false }
        return issuedAt >= date.advanced(by: 1).startUTC.adding(nanos: 4 * 3_600 * Timestamp.nanosPerSecond)
    }

    /// The settlement this day gives for `city` from `station`, or nil when the high is missing.
    package func settlement(city: Symbol, station: Symbol? = nil) -> Settlement? {
        guard let high else { return nil }
        return Settlement(
            city: city, station: station, source: .iem, climateDate: date, high: Temperature(degrees: high),
            low: low.map { Temperature(degrees: $0) }, isFinal: isFinal, isCorrection: false, issuedAt: issuedAt)
    }
}

package enum IEMClimateImporter {
    /// Parses `{"results":[{station, valid, high, low, product, …}]}`. `"M"` is missing; the day is
    /// `valid`, never the product's issue time.
    package static func parse(_ bytes: [UInt8], source: String) throws(ImportError) -> [IEMClimateDay] {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var out: [IEMClimateDay] = []
        for (i, value) in try root.array("results").enumerated() {
            let r = try JSONFields(value, source: source, path: "results[\(i)]")
            let valid = try r.string("valid")
            guard let date = Plausible.date(iso8601: valid) else {
                throw r.fail("valid", "\"\(valid)\" is not a YYYY-MM-DD date in \(Plausible.years)")
            }
            let product = try r.optionalString("product")
            var issuedAt: Timestamp? = nil
            if let product {
                let stamp = String(product.prefix(12))
                guard stamp.count == 12, stamp.allSatisfy(\.isNumber),
                    let day = Plausible.date(
                        iso8601: "\(stamp.prefix(4))-\(stamp.dropFirst(4).prefix(2))-\(stamp.dropFirst(6).prefix(2))"),
                    let hh = Int64(stamp.dropFirst(8).prefix(2)), let mm = Int64(stamp.dropFirst(10)), hh < 24, mm < 60
                else { throw r.fail("product", "\"\(product)\" does not start with a YYYYMMDDHHMM issue time") }
                issuedAt = day.startUTC.adding(nanos: (hh * 60 + mm) * Timestamp.nanosPerMinute)
                // The stamp is UTC and the climate day local (UTC−10 to UTC+10): a day of slack. The
                // product may be a correction (IEM keeps the latest): a correction's window.
                guard Plausible.canReport(date, issuedOn: day, correction: true, slackDays: 1) else {
                    throw r.fail(
                        "product",
                        "issued \(day) (\(product.prefix(12))), which cannot report on \(date): a report comes on its day "
                            + "or up to \(Plausible.correctionDelayDaysMax) days after")
                }
            }
            let high = try whole(r, "high")
            let low = try whole(r, "low")
            if let high, let low, high < low {
                throw r.fail("high", "\(high) °F is below the low \(low) °F")
            }
            let day = IEMClimateDay(
                station: try r.string("station"), date: date, high: high, low: low, product: product,
                issuedAt: issuedAt)
            if let same = out.firstIndex(where: { $0.station == day.station && $0.date == day.date }) {
                // The same station-day twice: once if it is the same, an error if not.
                guard out[same] == day else {
                    throw r.fail(
                        "valid",
                        "\(day.station) \(date) appears twice with different values (results[\(same)] and here)")
                }
                continue
            }
            out.append(day)
        }
        return out
    }

    private static func whole(_ r: JSONFields, _ key: String) throws(ImportError) -> Int32? {
        guard let v = r.optional(key) else { return nil }
        if v == .string("M") { return nil }
        guard case .number(let text) = v, let n = FixedPoint.parse(text, scale: 0), let w = Int32(exactly: n) else {
            throw r.fail(
                key, "expected whole °F or \"M\", found \(v.typeName) \(v.numberText.map { "\"\($0)\"" } ?? "")")
        }
        guard Plausible.fahrenheit.contains(Int(w)) else {
            throw r.fail(key, "\(w) °F is outside \(Plausible.fahrenheitText)")
        }
        return w
    }
}

/// One row of NCEI's daily summaries: a station's official high and low for a day, whole °F.
package struct NCEIDay: Equatable, Sendable {
    /// `STATION`, the GHCN id (`USW00094728`); nil when the row has none.
    package var station: String?
    package var date: LocalDate
    package var high: Temperature
    package var low: Temperature?

    package init(station: String?, date: LocalDate, high: Temperature, low: Temperature?) {
        self.station = station
        self.date = date
        self.high = high
        self.low = low
    }

    /// The final settlement this row gives for `city` from `station` (NCEI publishes the official
    /// station values after quality control).
    package func settlement(city: Symbol, station: Symbol? = nil) -> Settlement {
        Settlement(
            city: city, station: station, source: .ncei, climateDate: date, high: high, low: low, isFinal: true,
            isCorrection: false, issuedAt: nil)
    }
}

/// NCEI's Access Data Service, `dataset=daily-summaries`, JSON: `[{"DATE","STATION","TMAX","TMIN"}]`
/// with string values. Without `units=standard` the values are tenths of °C (`"  311"` = 31.1 °C =
/// 88 °F); with it, °F.
package enum NCEIDailyImporter {
    package enum Units: Sendable {
        /// No `units` parameter: tenths of °C.
        case tenthsCelsius
        /// `units=standard`: °F.
        case standard
    }

    /// The rows with a maximum, each with the station it names, rounded half up to whole °F.
    package static func parse(_ bytes: [UInt8], source: String, units: Units = .tenthsCelsius)
        throws(ImportError) -> [NCEIDay]
    {
        guard case .array(let rows) = try JSONParser.parse(bytes, source: source) else {
            throw ImportError(source, field: "document", "expected an array of daily rows")
        }
        var out: [NCEIDay] = []
        for (i, row) in rows.enumerated() {
            let r = try JSONFields(row, source: source, path: "[\(i)]")
            let dateText = try r.string("DATE")
            guard let date = Plausible.date(iso8601: dateText) else {
                throw r.fail("DATE", "\"\(dateText)\" is not a YYYY-MM-DD date in \(Plausible.years)")
            }
            func value(_ key: String) throws(ImportError) -> Temperature? {
                guard let text = try r.optionalString(key), !text.trimmingBlanks.isEmpty else { return nil }
                let t = units == .tenthsCelsius ? TemperatureText.tenthsCelsius(text) : TemperatureText.fahrenheit(text)
                guard let t else { throw r.fail(key, "\"\(text)\" is not a temperature") }
                guard Plausible.contains(t) else { throw r.fail(key, "\(t) °F is outside \(Plausible.fahrenheitText)") }
                return t
            }
            guard let high = try value("TMAX") else { continue }
            let low = try value("TMIN")
            if let low, high < low { throw r.fail("TMAX", "\(high) is below TMIN \(low)") }
            let day = NCEIDay(
                station: try r.optionalString("STATION"), date: date, high: Temperature(degrees: high.roundedDegrees),
                low: low.map { Temperature(degrees: $0.roundedDegrees) })
            if let same = out.firstIndex(where: { $0.station == day.station && $0.date == day.date }) {
                // The same station-day twice: once if it is the same, an error if not.
                guard out[same] == day else {
                    throw r.fail("DATE", "\(day.station ?? "the station") \(date) appears twice with different values")
                }
                continue
            }
            out.append(day)
        }
        return out
    }
}

/// api.weather.gov `/stations/{id}/observations`: a GeoJSON FeatureCollection whose features'
/// `properties` hold `stationId`, `timestamp` and `temperature`/`dewpoint` `{unitCode, value}`
/// (°C; `value` null when missing).
package enum NWSObservationsImporter {
    package static func parse(_ bytes: [UInt8], source: String) throws(ImportError) -> [EventRecord] {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var out: [EventRecord] = []
        for (i, feature) in try root.array("features").enumerated() {
            let f = try JSONFields(feature, source: source, path: "features[\(i)]")
            guard let p = try f.child("properties") else { throw f.fail("properties", "missing") }
            let stationText = try p.string("stationId")
            guard let station = Symbol(stationText) else {
                throw p.fail("stationId", "\"\(stationText)\" is not a station id")
            }
            guard let time = try p.time("timestamp") else { throw p.fail("timestamp", "missing") }
            guard Plausible.contains(time) else { throw p.fail("timestamp", "\(time) is outside \(Plausible.years)") }
            guard let temperature = try measure(p, "temperature") else { continue }
            out.append(
                EventRecord(
                    time: time,
                    event: .observation(
                        Observation(
                            station: station, source: .nws, observedAt: time, temperature: temperature,
                            dewpoint: try measure(p, "dewpoint")))))
        }
        // The service lists newest first; events go in time order.
        return out.sorted { $0.time < $1.time }
    }

    private static func measure(_ p: JSONFields, _ key: String) throws(ImportError) -> Temperature? {
        guard let m = try p.child(key), let v = m.optional("value") else { return nil }
        let unit = try m.optionalString("unitCode") ?? "wmoUnit:degC"
        guard case .number(let text) = v else { throw m.fail("value", "expected a number, found \(v.typeName)") }
        let t: Temperature?
        switch unit {
        case "wmoUnit:degC": t = TemperatureText.celsius(text)
        case "wmoUnit:degF": t = TemperatureText.fahrenheit(text)
        default: throw m.fail("unitCode", "unknown unit \"\(unit)\"")
        }
        guard let t else { throw m.fail("value", "\"\(text)\" is not a temperature") }
        guard Plausible.contains(t) else { throw m.fail("value", "\(t) °F is outside \(Plausible.fahrenheitText)") }
        return t
    }
}

/// IEM's ASOS downloads, CSV: `asos.py` (`station,valid,tmpf,…`) and `asos1min.py`
/// (`station,station_name,valid(UTC),tmpf,dwpf`). Times are UTC (the request's `tz=UTC`); `M`, `null`
/// or an empty cell is missing; `#` lines are comments. Three-letter US station ids get their `K`.
/// Line ends may be LF or CRLF. Every row must end with its line end (IEM's files do: a file cut
/// short ends inside its last row), times must be `YYYY-MM-DD HH:MM[:SS]` with two-digit fields in
/// range, temperatures inside ``Plausible/fahrenheit``, and a file with rows must give at least one
/// observation.
package enum IEMASOSImporter {
    package static func parse(_ bytes: [UInt8], source: String) throws(ImportError) -> [EventRecord] {
        var header: [String]? = nil
        var columns = (station: -1, valid: -1, tmpf: -1, dwpf: -1)
        var out: [EventRecord] = []
        var rows = 0
        let lines = csvLines(bytes)
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            if line.text.trimmingBlanks.isEmpty || line.text.hasPrefix("#") { continue }
            guard line.ended else {
                throw ImportError(
                    source, line: lineNumber, field: header == nil ? "header" : "row",
                    "the file ends inside this line (no line end after \"\(line.text.suffix(20))\"): it is cut short")
            }
            let cells = line.text.split(separator: ",", omittingEmptySubsequences: false).map {
                String($0.trimmingBlanks)
            }
            guard let names = header else {
                header = cells
                columns.station = cells.firstIndex(of: "station") ?? -1
                columns.valid = cells.firstIndex { $0 == "valid" || $0.hasPrefix("valid(") } ?? -1
                columns.tmpf = cells.firstIndex(of: "tmpf") ?? -1
                columns.dwpf = cells.firstIndex(of: "dwpf") ?? -1
                for (name, index) in [("station", columns.station), ("valid", columns.valid), ("tmpf", columns.tmpf)]
                where index < 0 {
                    throw ImportError(source, line: lineNumber, field: "header", "no \(name) column in \(cells)")
                }
                if let valid = cells.first(where: { $0.hasPrefix("valid(") }), valid != "valid(UTC)" {
                    throw ImportError(source, line: lineNumber, field: valid, "times must be UTC (request tz=UTC)")
                }
                continue
            }
            rows += 1
            guard cells.count == names.count else {
                throw ImportError(
                    source, line: lineNumber, field: "row", "\(cells.count) cells, the header has \(names.count)")
            }
            let validText = cells[columns.valid]
            guard let time = utc(validText) else {
                throw ImportError(
                    source, line: lineNumber, field: names[columns.valid],
                    "\"\(validText)\" is not a UTC time YYYY-MM-DD HH:MM (\(Plausible.years.lowerBound)…\(Plausible.years.upperBound))"
                )
            }
            func temperature(_ index: Int) throws(ImportError) -> Temperature? {
                guard index >= 0 else { return nil }
                let cell = cells[index]
                if cell.isEmpty || cell == "M" || cell == "null" { return nil }
                guard let t = TemperatureText.fahrenheit(cell) else {
                    throw ImportError(
                        source, line: lineNumber, field: names[index], "\"\(cell)\" is not a temperature in °F")
                }
                guard Plausible.contains(t) else {
                    throw ImportError(
                        source, line: lineNumber, field: names[index],
                        "\(cell) °F is outside \(Plausible.fahrenheitText)")
                }
                return t
            }
            guard let tmpf = try temperature(columns.tmpf) else { continue }
            var id = cells[columns.station]
            if id.count == 3 { id = "K" + id }
            guard let station = Symbol(id) else {
                throw ImportError(source, line: lineNumber, field: "station", "\"\(id)\" is not a station id")
            }
            out.append(
                EventRecord(
                    time: time,
                    event: .observation(
                        Observation(
                            station: station, source: .iem, observedAt: time, temperature: tmpf,
                            dewpoint: try temperature(columns.dwpf)))))
        }
        guard header != nil else { throw ImportError(source, line: 1, field: "header", "empty file") }
        guard rows == 0 || !out.isEmpty else {
            throw ImportError(
                source, field: "tmpf",
                "none of the \(rows) rows has a temperature: nothing to import (is this the right file or column?)")
        }
        return out
    }

    /// The file's lines (LF or CRLF ends, a lone CR kept as text), each with whether a line end
    /// followed it. Splitting bytes, not `Character`s: Swift reads CRLF as one character.
    static func csvLines(_ bytes: [UInt8]) -> [(text: String, ended: Bool)] {
        var out: [(text: String, ended: Bool)] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            let end = i > start && bytes[i - 1] == 0x0D ? i - 1 : i
            out.append((String(decoding: bytes[start..<end], as: UTF8.self), true))
            start = i + 1
        }
        if start < bytes.count { out.append((String(decoding: bytes[start...], as: UTF8.self), false)) }
        return out
    }

    /// `2026-09-01 00:51` or `2026-09-01 00:51:00` (UTC): hours 00–23, minutes and seconds 00–59, two
    /// digits each (a one-digit hour is read too).
    static func utc(_ text: String) -> Timestamp? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let date = Plausible.date(iso8601: String(parts[0])) else { return nil }
        let fields = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3 else { return nil }
        var values: [Int64] = []
        for (k, f) in fields.enumerated() {
            guard f.utf8.count == 2 || (k == 0 && f.utf8.count == 1), f.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let v = Int64(f)
            else { return nil }
            values.append(v)
        }
        guard values[0] < 24, values[1] < 60, values.count == 2 || values[2] < 60 else { return nil }
        let seconds = values[0] * 3_600 + values[1] * 60 + (values.count == 3 ? values[2] : 0)
        return date.startUTC.adding(nanos: seconds * Timestamp.nanosPerSecond)
    }
}
