package import IsothermEvents

/// A city's settlement site, for importers that must say which city a station's report settles
/// (`CLIMDW` → `CHI`, `KMDW` → `CHI`, `USW00014819` → `CHI`): a view of the one catalog, ``City``.
package struct SettlementSite: Sendable {
    package let city: String
    package let series: String
    package let station: String
    package let climateReport: String
    package let ghcn: String
    /// Hours east of UTC in local standard time (the climate day's clock).
    package let standardOffsetHours: Int

    init(_ c: City) {
        city = c.code
        series = c.highSeries
        station = c.station
        climateReport = c.climateReport
        ghcn = c.ghcn
        standardOffsetHours = c.zone.standardOffsetHours
    }

    package static let kxhigh: [SettlementSite] = City.catalog.map(SettlementSite.init)

    /// The site whose city (code or old name), series, station, report or GHCN id is `key`
    /// (case-insensitive).
    package static func find(_ key: String) -> SettlementSite? { City.find(key).map(SettlementSite.init) }

    /// The site of a market or event ticker (`KXHIGHCHI-25NOV28-B45.5` → CHI).
    package static func forTicker(_ ticker: String) -> SettlementSite? { find(City.series(ofTicker: ticker)) }

    /// The local-standard-time date containing `instant`.
    package func climateDate(of instant: Timestamp) -> LocalDate {
        instant.adding(nanos: Int64(standardOffsetHours) * 3_600 * Timestamp.nanosPerSecond).utcDate
    }

    /// The catalog city a settlement source's station id names: a CLI product (`CLIMIA`), a CF6
    /// product (`CF6MIA`, the same site), an ICAO station (`KMIA`) or a GHCN id (`USW00012839`).
    package static func naming(_ id: String) -> City? {
        let key = id.uppercased()
        if let c = City.find(key), c.station == key || c.climateReport == key || c.ghcn == key { return c }
        if key.count == 6, key.hasPrefix("CF6") {
            let report = "CLI" + key.dropFirst(3)
            return City.catalog.first { $0.climateReport == report }
        }
        return nil
    }

    /// The city a settlement report settles and the station it came from (the catalog's ICAO id). The
    /// importers never guess: a report that names its station (`id`) settles that station's city, and a
    /// `--city` (`requested`) naming another city is an error, as is a station of no city the catalog
    /// holds; a report that names none settles `requested`, its station unknown.
    /// - Throws: ``ImportError`` naming `source` and `--city` or `station`.
    package static func resolve(station id: String?, requested: String?, source: String) throws(ImportError) -> (
        city: Symbol, station: Symbol?
    ) {
        var given: City?
        if let requested {
            guard let c = City.find(requested) else {
                throw ImportError(source, field: "--city", "unknown city \"\(requested)\"")
            }
            given = c
        }
        guard let id else {
            guard let given else {
                throw ImportError(source, field: "--city", "the file does not name its station; give --city")
            }
            return (Symbol(given.code)!, nil)
        }
        guard let named = naming(id) else {
            let known = City.catalog.map { "\($0.station)/\($0.climateReport)" }.joined(separator: ", ")
            let hint = given.map { "; --city \(requested ?? $0.code) cannot make it \($0.name)'s" } ?? ""
            throw ImportError(
                source, field: "station",
                "\(id) is not the settlement station of a city Isotherm knows (\(known))\(hint)")
        }
        if let given, given != named {
            throw ImportError(
                source, field: "--city",
                "the report names \(id), \(named.name)'s station (\(named.code)); --city \(requested ?? given.code) names \(given.name): "
                    + "a report that names its station settles that station's city")
        }
        return (Symbol(named.code)!, Symbol(named.station)!)
    }
}

/// Every file format `isotherm import file` reads, and how each becomes events.
package enum ImportFormat: String, CaseIterable, Sendable {
    case nwsCLI = "nws-cli"
    case nwsCF6 = "nws-cf6"
    case visualCrossing = "vc-timeline"
    case iemCLI = "iem-cli"
    case nceiDaily = "ncei-daily"
    case nwsObservations = "nws-observations"
    case iemASOS = "iem-asos"

    /// One line for `--help`.
    package var summary: String {
        switch self {
        case .nwsCLI: "NWS daily climate report text (CLIxxx): settlements"
        case .nwsCF6: "NWS CF6 monthly form: preliminary settlements"
        case .visualCrossing: "Visual Crossing Timeline JSON: observations, daily and hourly forecasts"
        case .iemCLI: "IEM /json/cli.py: settlements"
        case .nceiDaily: "NCEI daily-summaries JSON (tenths °C unless --units standard): final settlements"
        case .nwsObservations: "api.weather.gov station observations JSON: observations"
        case .iemASOS: "IEM asos.py / asos1min.py CSV: observations"
        }
    }

    /// What a format needs besides the bytes.
    package struct Options: Sendable {
        /// City code (`NY`) for files that do not name their station. A file that names its station
        /// settles that station's city: a `city` naming another is an error, never an override.
        package var city: String?
        /// Station for Visual Crossing observations (default: the city's settlement station).
        package var station: String?
        /// The forecast's basis date, for Visual Crossing forecast days.
        package var basisDate: LocalDate?
        /// `metric` for Visual Crossing `unitGroup=metric`, `standard` for NCEI `units=standard`.
        package var units: String?

        package init(city: String? = nil, station: String? = nil, basisDate: LocalDate? = nil, units: String? = nil) {
            self.city = city
            self.station = station
            self.basisDate = basisDate
            self.units = units
        }
    }

    /// Parses one file into events, in time order (stable for equal times).
    /// - Throws: `ImportError` naming the file, line or field.
    package func parse(_ bytes: [UInt8], source: String, options: Options) throws(ImportError) -> [EventRecord] {
        func site(_ station: String?) throws(ImportError) -> (city: Symbol, station: Symbol?) {
            try SettlementSite.resolve(station: station, requested: options.city, source: source)
        }
        func settlementsAt(_ settlements: [Settlement]) -> [EventRecord] {
            settlements.map {
                EventRecord(time: $0.issuedAt ?? $0.climateDate.advanced(by: 1).startUTC, event: .settlement($0))
            }
        }
        var events: [EventRecord]
        switch self {
        case .nwsCLI:
            let text = String(decoding: bytes, as: UTF8.self)
            events = []
            for report in try NWSClimateReportParser.parse(text, source: source) {
                let (city, station) = try site(report.pil)
                if let s = report.settlement(city: city, station: station) { events += settlementsAt([s]) }
            }
        case .nwsCF6:
            let month = try NWSCF6Parser.parse(String(decoding: bytes, as: UTF8.self), source: source)
            // The product id names the site; the STATION: line is a name, which no catalog entry matches.
            let (city, station) = try site(month.pil)
            events = settlementsAt(month.settlements(city: city, station: station))
        case .visualCrossing:
            guard let requested = options.city else {
                throw ImportError(
                    source, field: "--city", "a Visual Crossing response is for a place, not a city; give --city")
            }
            guard let c = SettlementSite.find(requested) else {
                throw ImportError(source, field: "--city", "unknown city \"\(requested)\"")
            }
            let stationText = options.station ?? c.station
            guard let station = Symbol(stationText) else {
                throw ImportError(source, field: "--station", "\"\(stationText)\" is not a station id")
            }
            events = try VisualCrossingImporter.parse(
                bytes, source: source, city: Symbol(c.city)!, station: station, basisDate: options.basisDate,
                units: options.units == "metric" ? .metric : .us)
        case .iemCLI:
            events = []
            for day in try IEMClimateImporter.parse(bytes, source: source) {
                let (city, station) = try site(day.station)
                if let s = day.settlement(city: city, station: station) { events += settlementsAt([s]) }
            }
        case .nceiDaily:
            // Every row names its station: each is checked, not only the first.
            var settlements: [Settlement] = []
            for day in try NCEIDailyImporter.parse(
                bytes, source: source, units: options.units == "standard" ? .standard : .tenthsCelsius)
            {
                let (city, station) = try site(day.station)
                settlements.append(day.settlement(city: city, station: station))
            }
            events = settlementsAt(settlements)
        case .nwsObservations:
            events = try NWSObservationsImporter.parse(bytes, source: source)
        case .iemASOS:
            events = try IEMASOSImporter.parse(bytes, source: source)
        }
        return Self.timeOrdered(events)
    }

    /// A stable sort by time: equal times keep the file's order.
    package static func timeOrdered(_ events: [EventRecord]) -> [EventRecord] {
        events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }
}
