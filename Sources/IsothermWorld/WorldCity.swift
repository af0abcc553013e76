package import IsothermEvents

/// A city the world generator can simulate: its Kalshi series, settlement station, clock and climate.
///
/// Climatology: New York's monthly mean daily high and its standard deviation are NOAA's 1991–2020
/// daily normals for Central Park (DLY-TMAX-NORMAL, DLY-TMAX-STDDEV, averaged by month from
/// `ncei_normals_daily_1991-2020_USW00094728.csv`). The other cities' means are a third-party table
/// of the same normals; their deviations are estimates scaled from New York's (continental cities a
/// little wider, Austin narrow in summer, Miami and Los Angeles narrow all year). See ARCHITECTURE.md,
/// "The world generator".
package struct WorldCity: Hashable, Sendable {
    /// The city in the catalog: code, series, station, report, clock.
    package let city: City
    /// Mean daily high by month (°F), January first.
    package let meanHigh: [Double]
    /// Standard deviation of the daily high about that mean, by month (°F).
    package let highSpread: [Double]
    /// Typical high minus low (°F).
    package let diurnalRange: Double
    /// Scales forecast error: coastal cities forecast better than continental ones.
    package let forecastDifficulty: Double

    /// Short code used in settlements and forecasts (`NY`).
    package var code: String { city.code }
    package var series: String { city.highSeries }
    package var name: String { city.name }
    /// ICAO id of the settlement station (`KNYC`).
    package var station: String { city.station }
    /// AWIPS id of the NWS daily climate report (`CLINYC`).
    package var climateReport: String { city.climateReport }
    /// Title fragment as Kalshi words it (`NYC`).
    package var titleName: String { city.titleName }
    package var zone: USTimeZone { city.zone }

    private init(
        _ code: String, meanHigh: [Double], highSpread: [Double], diurnalRange: Double, forecastDifficulty: Double
    ) {
        city = City.catalog.first { $0.code == code }!
        self.meanHigh = meanHigh
        self.highSpread = highSpread
        self.diurnalRange = diurnalRange
        self.forecastDifficulty = forecastDifficulty
    }

    /// The seven KXHIGH series, in the catalog's order, with their climatology.
    package static let kxhigh: [WorldCity] = [
        WorldCity(
            "NY", meanHigh: [39.5, 42.3, 49.9, 61.8, 71.4, 79.7, 84.9, 83.3, 76.2, 64.5, 54.0, 44.3],
            highSpread: [10.1, 9.8, 9.9, 9.6, 8.7, 7.1, 6.1, 6.0, 6.5, 7.5, 8.5, 9.4], diurnalRange: 14,
            forecastDifficulty: 1.0),
        WorldCity(
            "CHI", meanHigh: [32.0, 34.5, 46.0, 59.0, 70.5, 80.5, 84.5, 83.0, 76.0, 62.5, 48.5, 36.0],
            highSpread: [11.6, 11.3, 11.4, 11.1, 10.2, 8.6, 7.6, 7.5, 8.0, 9.0, 10.0, 10.9], diurnalRange: 16,
            forecastDifficulty: 1.1),
        WorldCity(
            "MIA", meanHigh: [76.5, 78.0, 80.0, 83.5, 87.0, 90.0, 91.5, 91.0, 89.5, 86.0, 81.5, 77.5],
            highSpread: [4.5, 4.5, 4.0, 3.5, 3.0, 2.5, 2.5, 2.5, 2.5, 3.0, 4.0, 4.5], diurnalRange: 10,
            forecastDifficulty: 0.65),
        WorldCity(
            "AUS", meanHigh: [62.0, 64.5, 72.0, 79.5, 85.5, 93.0, 97.0, 98.0, 92.0, 81.5, 70.5, 62.5],
            highSpread: [8.1, 7.8, 7.9, 6.5, 5.0, 4.0, 3.5, 3.5, 4.5, 6.0, 7.0, 7.5], diurnalRange: 20,
            forecastDifficulty: 1.0),
        WorldCity(
            "DEN", meanHigh: [45.0, 46.0, 53.5, 60.5, 69.5, 81.0, 88.5, 86.5, 78.5, 64.0, 52.0, 44.0],
            highSpread: [12.1, 11.8, 11.9, 11.6, 10.7, 9.1, 8.1, 8.0, 8.5, 9.5, 10.5, 11.4], diurnalRange: 26,
            forecastDifficulty: 1.25),
        WorldCity(
            "LAX", meanHigh: [67.0, 67.0, 67.5, 69.5, 71.0, 75.0, 81.0, 82.5, 82.0, 77.0, 72.0, 66.5],
            highSpread: [5.5, 5.5, 5.0, 4.5, 4.0, 4.0, 4.0, 4.0, 5.0, 6.0, 6.0, 5.5], diurnalRange: 12,
            forecastDifficulty: 0.75),
        WorldCity(
            "PHIL", meanHigh: [40.5, 43.5, 52.5, 64.0, 74.0, 83.0, 87.5, 85.5, 78.5, 66.5, 55.0, 44.0],
            highSpread: [10.1, 9.8, 9.9, 9.6, 8.7, 7.1, 6.1, 6.0, 6.5, 7.5, 8.5, 9.4], diurnalRange: 18,
            forecastDifficulty: 1.0),
    ]

    /// The city with `code` (or series, station, old name), case-insensitive.
    package static func named(_ text: String) -> WorldCity? {
        guard let c = City.find(text) else { return nil }
        return kxhigh.first { $0.code == c.code }
    }

    /// Climatological mean high on `date`: the monthly means, drawn as a smooth seasonal cycle
    /// through mid-month (linear between the 15th of consecutive months).
    package func climatologyMean(on date: LocalDate) -> Double { seasonal(meanHigh, on: date) }

    /// Standard deviation of the high about ``climatologyMean(on:)``.
    package func climatologySpread(on date: LocalDate) -> Double { seasonal(highSpread, on: date) }

    private func seasonal(_ table: [Double], on date: LocalDate) -> Double {
        let (year, month, day) = date.components
        let days = Double(LocalDate.daysIn(year: year, month: month))
        // Position in months, 0 = mid-January.
        var position = Double(month - 1) + (Double(day) - 0.5) / days - 0.5
        if position < 0 { position += 12 }
        let lower = Int(position) % 12
        let w = position - Double(Int(position))
        return anchor(table, lower) * (1 - w) + anchor(table, (lower + 1) % 12) * w
    }

    /// The mid-month value that makes the month's average of the piecewise-linear cycle equal the
    /// table: linear interpolation averages a peak month with its neighbours, losing about an eighth
    /// of the curvature (Denver's July would come out 1.2 °F cool), so that eighth is added back.
    private func anchor(_ table: [Double], _ m: Int) -> Double {
        table[m] - (table[(m + 11) % 12] - 2 * table[m] + table[(m + 1) % 12]) / 8
    }

    /// Standard deviation of the forecast error of the high at `leadDays` (0 = issued the same
    /// morning) for a target in `month`. Day 1 is about 2.6 °F for an average city (MAE ≈ 2.1 °F),
    /// larger in spring, smaller in summer; it grows by about 0.4 of the day-1 value per extra day.
    package func forecastErrorSpread(leadDays: Int, month: Int) -> Double {
        let seasonal: [Double] = [1.15, 1.2, 1.3, 1.3, 1.15, 0.9, 0.8, 0.8, 0.9, 1.0, 1.1, 1.15]
        let dayOne = 2.6 * seasonal[month - 1] * forecastDifficulty
        let byLead: Double = leadDays == 0 ? 0.7 : 1 + 0.4 * Double(leadDays - 1)
        return dayOne * byLead
    }
}
