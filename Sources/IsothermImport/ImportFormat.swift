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
        /// City code (`NY`) for formats that do not name a KXHIGH station.
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
        func city(_ fallbackKey: String?) throws(ImportError) -> Symbol {
            if let c = options.city {
                guard let site = SettlementSite.find(c) else {
                    throw ImportError(source, field: "--city", "unknown city \"\(c)\"")
                }
                return Symbol(site.city)!
            }
            if let key = fallbackKey, let site = SettlementSite.find(key) { return Symbol(site.city)! }
            throw ImportError(
                source, field: "--city",
                "the file does not name a KXHIGH station\(fallbackKey.map { " (\($0))" } ?? ""); give --city")
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
                let c = try city(report.pil)
                if let s = report.settlement(city: c) { events += settlementsAt([s]) }
            }
        case .nwsCF6:
            let month = try NWSCF6Parser.parse(String(decoding: bytes, as: UTF8.self), source: source)
            events = settlementsAt(month.settlements(city: try city(month.pil ?? month.station)))
        case .visualCrossing:
            let c = try city(nil)
            let stationText = options.station ?? SettlementSite.find(c.description)!.station
            guard let station = Symbol(stationText) else {
                throw ImportError(source, field: "--station", "\"\(stationText)\" is not a station id")
            }
            events = try VisualCrossingImporter.parse(
                bytes, source: source, city: c, station: station, basisDate: options.basisDate,
                units: options.units == "metric" ? .metric : .us)
        case .iemCLI:
            events = []
            for day in try IEMClimateImporter.parse(bytes, source: source) {
                if let s = day.settlement(city: try city(day.station)) { events += settlementsAt([s]) }
            }
        case .nceiDaily:
            var station: String? = nil
            if case .array(let rows) = try JSONParser.parse(bytes, source: source), let first = rows.first {
                station = first["STATION"]?.stringValue
            }
            events = settlementsAt(
                try NCEIDailyImporter.parse(
                    bytes, source: source, city: try city(station),
                    units: options.units == "standard" ? .standard : .tenthsCelsius))
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
