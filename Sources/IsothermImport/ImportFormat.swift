package import IsothermEvents

/// The stations and report ids of the KXHIGH cities, for importers that must say which city a
/// station's report settles (`CLIMDW` → `CHI`, `KMDW` → `CHI`, `USW00014819` → `CHI`).
package struct SettlementSite: Sendable {
    package let city: String
    package let series: String
    package let station: String
    package let climateReport: String
    package let ghcn: String
    /// Hours east of UTC in local standard time (the climate day's clock).
    package let standardOffsetHours: Int

    package static let kxhigh: [SettlementSite] = [
        SettlementSite(
            city: "NY", series: "KXHIGHNY", station: "KNYC", climateReport: "CLINYC", ghcn: "USW00094728",
            standardOffsetHours: -5),
        SettlementSite(
            city: "CHI", series: "KXHIGHCHI", station: "KMDW", climateReport: "CLIMDW", ghcn: "USW00014819",
            standardOffsetHours: -6),
        SettlementSite(
            city: "MIA", series: "KXHIGHMIA", station: "KMIA", climateReport: "CLIMIA", ghcn: "USW00012839",
            standardOffsetHours: -5),
        SettlementSite(
            city: "AUS", series: "KXHIGHAUS", station: "KAUS", climateReport: "CLIAUS", ghcn: "USW00013904",
            standardOffsetHours: -6),
        SettlementSite(
            city: "DEN", series: "KXHIGHDEN", station: "KDEN", climateReport: "CLIDEN", ghcn: "USW00003017",
            standardOffsetHours: -7),
        SettlementSite(
            city: "LAX", series: "KXHIGHLAX", station: "KLAX", climateReport: "CLILAX", ghcn: "USW00023174",
            standardOffsetHours: -8),
        SettlementSite(
            city: "PHIL", series: "KXHIGHPHIL", station: "KPHL", climateReport: "CLIPHL", ghcn: "USW00013739",
            standardOffsetHours: -5),
    ]

    /// The site whose city, series, station, report or GHCN id is `key` (case-insensitive).
    package static func find(_ key: String) -> SettlementSite? {
        let k = key.uppercased()
        return kxhigh.first {
            $0.city == k || $0.series == k || $0.station == k || $0.climateReport == k || $0.ghcn == k
        }
    }

    /// The site of a market or event ticker (`KXHIGHCHI-25NOV28-B45.5` → CHI).
    package static func forTicker(_ ticker: String) -> SettlementSite? {
        find(String(ticker.prefix { $0 != "-" }))
    }

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
