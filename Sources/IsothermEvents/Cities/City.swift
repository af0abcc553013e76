/// A city whose daily-temperature markets Isotherm knows: its code, its Kalshi series, its settlement
/// station and climate report, and its clock. The one catalog of cities: importers, the backtest's
/// routing, the world generator, the Postgres projections and the reports all read it.
package struct City: Hashable, Sendable {
    /// Short code used in forecasts, settlements, reports and file names (`NY`).
    package let code: String
    /// Display name (`New York`).
    package let name: String
    /// The old system's name (`new_york`), as its tables and reports spell it.
    package let legacyName: String
    /// Kalshi series tickers, the current daily-high series first (`KXHIGHNY`), then older spellings
    /// and the daily-low series.
    package let series: [String]
    /// ICAO id of the settlement station (`KNYC`).
    package let station: String
    /// AWIPS id of the NWS daily climate report (`CLINYC`).
    package let climateReport: String
    /// GHCN-Daily station id (`USW00094728`), as NCEI names it.
    package let ghcn: String
    /// Title fragment as Kalshi words it (`NYC`).
    package let titleName: String
    package let zone: USTimeZone

    /// The current daily-high series (`KXHIGHNY`).
    package var highSeries: String { series[0] }

    /// The seven KXHIGH cities, in the order the old system listed them (reports sort by it).
    package static let catalog: [City] = [
        City(
            code: "NY", name: "New York", legacyName: "new_york", series: ["KXHIGHNY", "HIGHNY", "KXLOWNY"],
            station: "KNYC", climateReport: "CLINYC", ghcn: "USW00094728", titleName: "NYC", zone: .eastern),
        City(
            code: "CHI", name: "Chicago", legacyName: "chicago", series: ["KXHIGHCHI", "HIGHCHI", "KXLOWCHI"],
            station: "KMDW", climateReport: "CLIMDW", ghcn: "USW00014819", titleName: "Chicago", zone: .central),
        City(
            code: "MIA", name: "Miami", legacyName: "miami", series: ["KXHIGHMIA", "HIGHMIA", "KXLOWMIA"],
            station: "KMIA", climateReport: "CLIMIA", ghcn: "USW00012839", titleName: "Miami", zone: .eastern),
        City(
            code: "AUS", name: "Austin", legacyName: "austin", series: ["KXHIGHAUS", "HIGHAUS", "KXLOWAUS"],
            station: "KAUS", climateReport: "CLIAUS", ghcn: "USW00013904", titleName: "Austin", zone: .central),
        City(
            code: "DEN", name: "Denver", legacyName: "denver", series: ["KXHIGHDEN", "KXLOWDEN"],
            station: "KDEN", climateReport: "CLIDEN", ghcn: "USW00003017", titleName: "Denver", zone: .mountain),
        City(
            code: "LAX", name: "Los Angeles", legacyName: "los_angeles", series: ["KXHIGHLAX", "KXHIGHLA", "KXLOWLAX"],
            station: "KLAX", climateReport: "CLILAX", ghcn: "USW00023174", titleName: "LA", zone: .pacific),
        City(
            code: "PHIL", name: "Philadelphia", legacyName: "philadelphia",
            series: ["KXHIGHPHIL", "KXHIGHPHI", "KXLOWPHIL"], station: "KPHL", climateReport: "CLIPHL",
            ghcn: "USW00013739", titleName: "Philadelphia", zone: .eastern),
    ]

    /// The catalog city named by `key`, case-insensitive: its code (`NY`), old name (`new_york`),
    /// display name (`New York`), a series (`KXHIGHNY`), its station (`KNYC`), climate report
    /// (`CLINYC`) or GHCN id.
    package static func find(_ key: String) -> City? {
        let k = key.uppercased()
        return catalog.first {
            $0.code == k || $0.legacyName.uppercased() == k || $0.name.uppercased() == k || $0.series.contains(k)
                || $0.station == k || $0.climateReport == k || $0.ghcn == k
        }
    }

    /// The city code of a series: the catalog's, else for a series the catalog does not hold the part
    /// after `KXHIGH`, `KXLOW` or `HIGH` (`KXHIGHTSEA` → `TSEA`), as a user adding a series names its
    /// city; nil for anything else.
    package static func code(ofSeries series: String) -> String? {
        let key = series.uppercased()
        if let city = catalog.first(where: { $0.series.contains(key) }) { return city.code }
        for prefix in ["KXHIGH", "KXLOW", "HIGH"] where key.hasPrefix(prefix) && key.count > prefix.count {
            return String(key.dropFirst(prefix.count))
        }
        return nil
    }

    /// `KXHIGHNY-25JUN10-B80.5` → `KXHIGHNY`.
    package static func series(ofTicker ticker: String) -> String { String(ticker.prefix { $0 != "-" }) }

    /// The canonical code for a city field of a forecast or settlement: the catalog's code when the
    /// field names a catalog city in any of its spellings, else the field itself, upper-cased.
    package static func code(ofCityField field: String) -> String { find(field)?.code ?? field.uppercased() }

    /// Sort rank for reports: catalog order first, then other codes.
    package static func rank(_ code: String) -> Int { catalog.firstIndex { $0.code == code } ?? catalog.count }

    /// The old system's name for a city code; for a code outside the catalog, the code lower-cased.
    package static func legacyName(ofCode code: String) -> String { find(code)?.legacyName ?? code.lowercased() }
}
