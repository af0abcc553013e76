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
            guard let date = LocalDate(iso8601: dateText) else {
                throw day.fail("datetime", "\"\(dateText)\" is not a YYYY-MM-DD date")
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
        guard let t = try temperature(o, "temp", units: units) else { return nil }
        return Reading(
            time: Timestamp(seconds: epoch), temperature: t, dewpoint: try temperature(o, "dew", units: units))
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
            guard let date = LocalDate(iso8601: valid) else {
                throw r.fail("valid", "\"\(valid)\" is not a YYYY-MM-DD date")
            }
            let product = try r.optionalString("product")
            var issuedAt: Timestamp? = nil
            if let product {
                let stamp = String(product.prefix(12))
                guard stamp.count == 12, stamp.allSatisfy(\.isNumber),
                    let day = LocalDate(
                        iso8601: "\(stamp.prefix(4))-\(stamp.dropFirst(4).prefix(2))-\(stamp.dropFirst(6).prefix(2))"),
                    let hh = Int64(stamp.dropFirst(8).prefix(2)), let mm = Int64(stamp.dropFirst(10)), hh < 24, mm < 60
                else { throw r.fail("product", "\"\(product)\" does not start with a YYYYMMDDHHMM issue time") }
                issuedAt = day.startUTC.adding(nanos: (hh * 60 + mm) * Timestamp.nanosPerMinute)
            }
            out.append(
                IEMClimateDay(
                    station: try r.string("station"), date: date, high: try whole(r, "high"), low: try whole(r, "low"),
                    product: product, issuedAt: issuedAt))
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
            guard let date = LocalDate(iso8601: dateText) else {
                throw r.fail("DATE", "\"\(dateText)\" is not a YYYY-MM-DD date")
            }
            func value(_ key: String) throws(ImportError) -> Temperature? {
                guard let text = try r.optionalString(key), !text.trimmingBlanks.isEmpty else { return nil }
                let t = units == .tenthsCelsius ? TemperatureText.tenthsCelsius(text) : TemperatureText.fahrenheit(text)
                guard let t else { throw r.fail(key, "\"\(text)\" is not a temperature") }
                return t
            }
            guard let high = try value("TMAX") else { continue }
            out.append(
                NCEIDay(
                    station: try r.optionalString("STATION"), date: date,
                    high: Temperature(degrees: high.roundedDegrees),
                    low: try value("TMIN").map { Temperature(degrees: $0.roundedDegrees) }))
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
        return t
    }
}

/// IEM's ASOS downloads, CSV: `asos.py` (`station,valid,tmpf,…`) and `asos1min.py`
/// (`station,station_name,valid(UTC),tmpf,dwpf`). Times are UTC (the request's `tz=UTC`); `M`, `null`
/// or an empty cell is missing; `#` lines are comments. Three-letter US station ids get their `K`.
package enum IEMASOSImporter {
    package static func parse(_ bytes: [UInt8], source: String) throws(ImportError) -> [EventRecord] {
        let text = String(decoding: bytes, as: UTF8.self)
        var header: [String]? = nil
        var columns = (station: -1, valid: -1, tmpf: -1, dwpf: -1)
        var out: [EventRecord] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.trimmingBlanks.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0.trimmingBlanks) }
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
            guard cells.count == names.count else {
                throw ImportError(
                    source, line: lineNumber, field: "row", "\(cells.count) cells, the header has \(names.count)")
            }
            let validText = cells[columns.valid]
            guard let time = utc(validText) else {
                throw ImportError(
                    source, line: lineNumber, field: names[columns.valid], "\"\(validText)\" is not YYYY-MM-DD HH:MM")
            }
            func temperature(_ index: Int) throws(ImportError) -> Temperature? {
                guard index >= 0 else { return nil }
                let cell = cells[index]
                if cell.isEmpty || cell == "M" || cell == "null" { return nil }
                guard let t = TemperatureText.fahrenheit(cell) else {
                    throw ImportError(
                        source, line: lineNumber, field: names[index], "\"\(cell)\" is not a temperature in °F")
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
        return out
    }

    /// `2026-09-01 00:51` (UTC).
    static func utc(_ text: String) -> Timestamp? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let date = LocalDate(iso8601: String(parts[0])) else { return nil }
        let hm = parts[1].split(separator: ":")
        guard hm.count == 2 || hm.count == 3, let h = Int64(hm[0]), let m = Int64(hm[1]), h < 24, m < 60 else {
            return nil
        }
        return date.startUTC.adding(nanos: (h * 60 + m) * Timestamp.nanosPerMinute)
    }
}
