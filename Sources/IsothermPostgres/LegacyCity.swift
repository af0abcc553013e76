package import IsothermEvents

/// The old system's city names (`chicago`, `los_angeles`, …) for the codes, series and stations
/// the logs use. The seed's tables key weather and markets by these names.
package enum LegacyCity {
    /// Code, series tickers (current and the seed's spellings), settlement station, old name.
    private static let table: [(code: String, series: [String], station: String, name: String)] = [
        ("NY", ["KXHIGHNY", "KXLOWNY"], "KNYC", "new_york"),
        ("CHI", ["KXHIGHCHI", "KXLOWCHI"], "KMDW", "chicago"),
        ("MIA", ["KXHIGHMIA", "KXLOWMIA"], "KMIA", "miami"),
        ("AUS", ["KXHIGHAUS", "KXLOWAUS"], "KAUS", "austin"),
        ("DEN", ["KXHIGHDEN", "KXLOWDEN"], "KDEN", "denver"),
        ("LAX", ["KXHIGHLAX", "KXHIGHLA", "KXLOWLAX"], "KLAX", "los_angeles"),
        ("PHIL", ["KXHIGHPHIL", "KXHIGHPHI", "KXLOWPHIL"], "KPHL", "philadelphia"),
    ]

    /// The old name for a city code (`NY` → `new_york`); an unknown code, lowercased.
    package static func name(code: String) -> String {
        let key = code.uppercased()
        if let row = table.first(where: { $0.code == key || $0.name == code }) { return row.name }
        return code.lowercased()
    }

    /// The old name for a series (`KXHIGHCHI` → `chicago`); an unknown one, its suffix after
    /// `KXHIGH`/`KXLOW`/`HIGH`, lowercased.
    package static func name(series: String) -> String {
        let key = series.uppercased()
        if let row = table.first(where: { $0.series.contains(key) }) { return row.name }
        for prefix in ["KXHIGH", "KXLOW", "HIGH"] where key.hasPrefix(prefix) && key.count > prefix.count {
            return name(code: String(key.dropFirst(prefix.count)))
        }
        return key.lowercased()
    }

    /// The old name for a market or event ticker (`KXHIGHNY-25JUN10-B80.5` → `new_york`).
    package static func name(ticker: String) -> String { name(series: series(ofTicker: ticker)) }

    /// The old name of the city whose settlement station this is (`KMDW` → `chicago`).
    package static func name(station: String) -> String? {
        table.first { $0.station == station.uppercased() }?.name
    }

    /// `KXHIGHNY-25JUN10-B80.5` → `KXHIGHNY`.
    package static func series(ofTicker ticker: String) -> String { String(ticker.prefix { $0 != "-" }) }

    /// `KXHIGHNY-25JUN10-B80.5` → `KXHIGHNY-25JUN10` (a ticker with fewer parts: itself).
    package static func event(ofTicker ticker: String) -> String {
        let parts = ticker.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count >= 2 ? parts[0] + "-" + parts[1] : ticker
    }

    /// The event date in a ticker's date code, if it has one.
    package static func eventDate(ofTicker ticker: String) -> LocalDate? { LocalDate(kalshiCode: ticker) }
}
