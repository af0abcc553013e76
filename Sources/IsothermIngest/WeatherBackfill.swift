package import IsothermEvents
package import IsothermImport
import IsothermNet

/// Why a weather backfill cannot start.
package enum WeatherBackfillError: Error, Equatable, CustomStringConvertible {
    /// Visual Crossing needs a key.
    case missingKey

    package var description: String {
        "set VISUAL_CROSSING_API_KEY to your Visual Crossing key (it is never logged)"
    }
}

/// A weather backfill's plan: for a source, a city's site and a range of days, the pages to fetch and
/// how each is read, run through a ``BackfillSession`` (which skips pages done before and resumes one
/// cut short).
package struct WeatherBackfill: Sendable {
    package enum Source: String, CaseIterable, Sendable {
        /// IEM's archive of the NWS climate reports (settlements), one request a year.
        case iemCLI = "iem-cli"
        /// NCEI daily summaries (final settlements), one request a year.
        case ncei
        /// api.weather.gov station observations, one request a week.
        case nwsObservations = "nws-observations"
        /// Visual Crossing: observed hours a month at a time, and each day's forecast issued `lead`
        /// days before.
        case vc
    }

    package var source: Source
    package var site: SettlementSite
    package var first: LocalDate
    package var last: LocalDate
    /// The service's base URL (a mirror or a test server); nil: the service's own.
    package var baseURL: String?
    /// For Visual Crossing: the forecast lead in days.
    package var lead: Int
    /// For Visual Crossing: the key (registered with ``Redaction`` before any request).
    package var visualCrossingKey: String?

    package init(
        source: Source, site: SettlementSite, first: LocalDate, last: LocalDate, baseURL: String?, lead: Int = 1,
        visualCrossingKey: String? = nil
    ) {
        self.source = source
        self.site = site
        self.first = first
        self.last = last
        self.baseURL = baseURL
        self.lead = lead
        self.visualCrossingKey = visualCrossingKey
    }

    /// Fetches every page not done before into `session`'s log.
    /// - Throws: ``WeatherBackfillError``, ``BackfillError``, the fetcher's and the log's errors.
    package func run(into session: BackfillSession) throws {
        let site = self.site
        let first = self.first
        let last = self.last
        let citySymbol = Symbol(site.city)!
        switch source {
        case .iemCLI:
            let base = baseURL ?? "https://mesonet.agron.iastate.edu"
            for year in first.components.year...last.components.year {
                let url = "\(base)/json/cli.py?station=\(site.station)&year=\(year)"
                try session.page(url, label: url) { body in
                    // Every day must be the station asked for: its city is the one it settles.
                    var settlements: [Settlement] = []
                    for day in try IEMClimateImporter.parse(body, source: url)
                    where day.date >= first && day.date <= last {
                        let (city, station) = try SettlementSite.resolve(
                            station: day.station, requested: site.city, source: url)
                        if let s = day.settlement(city: city, station: station) { settlements.append(s) }
                    }
                    return ImportFormat.timeOrdered(
                        settlements.map {
                            EventRecord(
                                time: $0.issuedAt ?? $0.climateDate.advanced(by: 1).startUTC, event: .settlement($0)
                            )
                        })
                }
            }
        case .ncei:
            let base = baseURL ?? "https://www.ncei.noaa.gov"
            for (a, b) in yearChunks(first, last) {
                let url =
                    "\(base)/access/services/data/v1?dataset=daily-summaries&stations=\(site.ghcn)"
                    + "&startDate=\(a.iso8601)&endDate=\(b.iso8601)&dataTypes=TMAX,TMIN&format=json"
                try session.page(url, label: url) { body in
                    try ImportFormat.nceiDaily.parse(body, source: url, options: .init(city: site.city))
                }
            }
        case .nwsObservations:
            let base = baseURL ?? "https://api.weather.gov"
            var a = first
            while a <= last {
                let b = min(a.advanced(by: 6), last)
                let url =
                    "\(base)/stations/\(site.station)/observations?start=\(a.startUTC.rfc3339)"
                    + "&end=\(b.advanced(by: 1).startUTC.rfc3339)"
                try session.page(url, label: url, headers: [("Accept", "application/geo+json")]) { body in
                    try NWSObservationsImporter.parse(body, source: url)
                }
                a = b.advanced(by: 1)
            }
        case .vc:
            guard let key = visualCrossingKey, !key.isEmpty else { throw WeatherBackfillError.missingKey }
            // Cut out of every error, progress line and manifest from here on, whatever echoes it.
            Redaction.register(key)
            let base =
                (baseURL ?? "https://weather.visualcrossing.com")
                + "/VisualCrossingWebServices/rest/services/timeline/stn:\(site.station)"
            let station = Symbol(site.station)!
            for (a, b) in monthChunks(first, last) {
                let query = "/\(a.iso8601)/\(b.iso8601)?unitGroup=us&include=days,hours,obs"
                try session.page(base + query + "&key=" + key, label: base + query) { body in
                    ImportFormat.timeOrdered(
                        try VisualCrossingImporter.parse(
                            body, source: base + query, city: citySymbol, station: station, basisDate: nil))
                }
            }
            var day = first
            while day <= last {
                let basis = day.advanced(by: Int32(-lead))
                let query =
                    "/\(day.iso8601)/\(day.iso8601)?unitGroup=us&include=days,hours,fcst&forecastBasisDate=\(basis.iso8601)"
                try session.page(base + query + "&key=" + key, label: base + query) { body in
                    ImportFormat.timeOrdered(
                        try VisualCrossingImporter.parse(
                            body, source: base + query, city: citySymbol, station: station, basisDate: basis))
                }
                day = day.advanced(by: 1)
            }
        }
    }
}

/// Calendar-year pieces of `[a, b]`.
package func yearChunks(_ a: LocalDate, _ b: LocalDate) -> [(LocalDate, LocalDate)] {
    var out: [(LocalDate, LocalDate)] = []
    var start = a
    while start <= b {
        let end = min(b, LocalDate(year: start.components.year, month: 12, day: 31)!)
        out.append((start, end))
        start = end.advanced(by: 1)
    }
    return out
}

/// Calendar-month pieces of `[a, b]`.
package func monthChunks(_ a: LocalDate, _ b: LocalDate) -> [(LocalDate, LocalDate)] {
    var out: [(LocalDate, LocalDate)] = []
    var start = a
    while start <= b {
        let (y, m, _) = start.components
        let end = min(b, LocalDate(year: y, month: m, day: LocalDate.daysIn(year: y, month: m))!)
        out.append((start, end))
        start = end.advanced(by: 1)
    }
    return out
}
