/// Where a weather value came from.
package enum WeatherSource: UInt8, Sendable, NamedCase {
    case visualCrossing = 1, nws, nwsCLI, nwsCF6, iem, ncei, weatherCompany, kalshi, generated

    package var name: String {
        switch self {
        case .visualCrossing: "visual_crossing"
        case .nws: "nws"
        case .nwsCLI: "nws_cli"
        case .nwsCF6: "nws_cf6"
        case .iem: "iem"
        case .ncei: "ncei"
        case .weatherCompany: "weather_company"
        case .kalshi: "kalshi"
        case .generated: "generated"
        }
    }
}

/// A daily forecast for one location and target date, as issued on a basis date.
package struct DailyForecast: Hashable, Sendable {
    /// City code (`NY`, `CHI`, …) the forecast is for.
    package var city: Symbol
    package var source: WeatherSource
    /// The day the forecast was made.
    package var basisDate: LocalDate
    /// The local day forecast.
    package var targetDate: LocalDate
    package var high: Temperature
    package var low: Temperature?

    package init(
        city: Symbol, source: WeatherSource, basisDate: LocalDate, targetDate: LocalDate, high: Temperature,
        low: Temperature?
    ) {
        self.city = city
        self.source = source
        self.basisDate = basisDate
        self.targetDate = targetDate
        self.high = high
        self.low = low
    }

    /// Days between basis and target.
    package var leadDays: Int32 { basisDate.distance(to: targetDate) }
}

/// One point of an hourly forecast curve.
package struct HourlyPoint: Hashable, Sendable {
    package var time: Timestamp
    package var temperature: Temperature
    package init(time: Timestamp, temperature: Temperature) {
        self.time = time
        self.temperature = temperature
    }
}

/// An hourly forecast curve for one location and target date, as issued on a basis date.
package struct HourlyForecast: Hashable, Sendable {
    package var city: Symbol
    package var source: WeatherSource
    package var basisDate: LocalDate
    package var targetDate: LocalDate
    /// Points in time order.
    package var points: [HourlyPoint]

    package init(
        city: Symbol, source: WeatherSource, basisDate: LocalDate, targetDate: LocalDate, points: [HourlyPoint]
    ) {
        self.city = city
        self.source = source
        self.basisDate = basisDate
        self.targetDate = targetDate
        self.points = points
    }
}

/// A surface observation at a station.
package struct Observation: Hashable, Sendable {
    /// ICAO station (`KNYC`, `KMDW`, …).
    package var station: Symbol
    package var source: WeatherSource
    /// When the observation was taken (the event time is when it became known).
    package var observedAt: Timestamp
    package var temperature: Temperature
    package var dewpoint: Temperature?

    package init(
        station: Symbol, source: WeatherSource, observedAt: Timestamp, temperature: Temperature, dewpoint: Temperature?
    ) {
        self.station = station
        self.source = source
        self.observedAt = observedAt
        self.temperature = temperature
        self.dewpoint = dewpoint
    }
}

/// The official high (and low) for a city's local-standard-time climate day.
package struct Settlement: Hashable, Sendable {
    /// The city whose markets the report settles (`NY`): what the backtest routes by.
    package var city: Symbol
    /// The ICAO id of the station the report is for (`KNYC`), as the source identified it; nil when
    /// the source does not say (an old database row, a CF6 form without its product id, a record
    /// written before settlements carried a station).
    package var station: Symbol?
    package var source: WeatherSource
    package var climateDate: LocalDate
    /// Whole °F as reported.
    package var high: Temperature
    package var low: Temperature?
    /// A preliminary report (e.g. the afternoon CLI) is superseded by the final one.
    package var isFinal: Bool
    /// The report corrects an earlier one.
    package var isCorrection: Bool
    /// When the report was issued, if stated.
    package var issuedAt: Timestamp?

    package init(
        city: Symbol, station: Symbol? = nil, source: WeatherSource, climateDate: LocalDate, high: Temperature,
        low: Temperature?, isFinal: Bool, isCorrection: Bool, issuedAt: Timestamp?
    ) {
        self.city = city
        self.station = station
        self.source = source
        self.climateDate = climateDate
        self.high = high
        self.low = low
        self.isFinal = isFinal
        self.isCorrection = isCorrection
        self.issuedAt = issuedAt
    }
}
