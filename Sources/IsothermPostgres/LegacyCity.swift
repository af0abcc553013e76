package import IsothermEvents

/// The old system's city names (`chicago`, `los_angeles`, …) for the codes, series and stations
/// the logs use, from the one city catalog (``City``). The seed's tables key weather and markets by
/// these names.
package enum LegacyCity {
    /// The old name for a city code (`NY` → `new_york`); an unknown code, lowercased.
    package static func name(code: String) -> String { City.legacyName(ofCode: code) }

    /// The old name for a series (`KXHIGHCHI` → `chicago`); an unknown one, its suffix after
    /// `KXHIGH`/`KXLOW`/`HIGH`, lowercased.
    package static func name(series: String) -> String {
        guard let code = City.code(ofSeries: series) else { return series.lowercased() }
        return name(code: code)
    }

    /// The old name for a market or event ticker (`KXHIGHNY-25JUN10-B80.5` → `new_york`).
    package static func name(ticker: String) -> String { name(series: series(ofTicker: ticker)) }

    /// The old name of the city whose settlement station this is (`KMDW` → `chicago`).
    package static func name(station: String) -> String? {
        City.catalog.first { $0.station == station.uppercased() }?.legacyName
    }

    /// `KXHIGHNY-25JUN10-B80.5` → `KXHIGHNY`.
    package static func series(ofTicker ticker: String) -> String { City.series(ofTicker: ticker) }

    /// `KXHIGHNY-25JUN10-B80.5` → `KXHIGHNY-25JUN10` (a ticker with fewer parts: itself).
    package static func event(ofTicker ticker: String) -> String {
        let parts = ticker.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count >= 2 ? parts[0] + "-" + parts[1] : ticker
    }

    /// The event date in a ticker's date code, if it has one.
    package static func eventDate(ofTicker ticker: String) -> LocalDate? { LocalDate(kalshiCode: ticker) }
}
