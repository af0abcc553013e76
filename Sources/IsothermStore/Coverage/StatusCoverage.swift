package import IsothermEvents

/// The kinds of data `isotherm status` reports, as its rows and `--max-age` name them.
package enum StatusKind: Int, CaseIterable, Sendable {
    case markets, candles, ticks, forecasts, observations, settlements, preliminary

    /// The name in the table, the JSON and `--max-age`.
    package var name: String {
        switch self {
        case .markets: "markets"
        case .candles: "candles"
        case .ticks: "ticks"
        case .forecasts: "forecasts"
        case .observations: "observations"
        case .settlements: "settlements"
        case .preliminary: "preliminary"
        }
    }

    /// What a row of the kind counts, for `--help`.
    package static let meanings = """
        markets (listings, by event date), candles (by event date), ticks (ticker updates and trades \
        isotherm record writes), forecasts (by target date), observations (by climate day), settlements \
        (final reports, by climate day), preliminary (preliminary reports, by climate day)
        """

    package static func named(_ text: String) -> StatusKind? { allCases.first { $0.name == text.lowercased() } }
}

/// One city's events of one kind: how many, the days they cover, and the latest.
package struct StatusCell {
    package private(set) var events: Int64 = 0
    package private(set) var days: Set<Int32> = []
    package private(set) var latest: Timestamp?
    /// The two days added last: candles alternate between two event dates, and a set insert per
    /// candle is the cost this saves.
    private var recent: (Int32, Int32) = (Int32.min, Int32.min)

    package mutating func add(day: Int32, at time: Timestamp) {
        events += 1
        if day != recent.0 && day != recent.1 {
            days.insert(day)
            recent = (day, recent.0)
        }
        if latest.map({ time > $0 }) ?? true { latest = time }
    }

    /// The days in order.
    package var sortedDays: [Int32] { days.sorted() }
}

/// A run of consecutive days, both ends included.
package struct DayRange: Equatable {
    package var from: Int32
    package var to: Int32
    package var days: Int32 { to - from + 1 }

    package var text: String {
        let a = LocalDate(daysSinceEpoch: from).iso8601
        return from == to ? a : a + "…" + LocalDate(daysSinceEpoch: to).iso8601
    }

    /// The runs of days in `lo...hi` for which `isIn` is true, in order.
    package static func runs(_ lo: Int32, _ hi: Int32, where isIn: (Int32) -> Bool) -> [DayRange] {
        var out: [DayRange] = []
        var d = lo
        while d <= hi {
            guard isIn(d) else {
                d += 1
                continue
            }
            var end = d
            while end < hi && isIn(end + 1) { end += 1 }
            out.append(DayRange(from: d, to: end))
            d = end + 1
        }
        return out
    }
}

/// Everything `isotherm status` learns about one city.
package struct CityStatus {
    package let code: String
    package var cells = [StatusCell](repeating: StatusCell(), count: StatusKind.allCases.count)
    /// Settlement reports that correct an earlier one (finals and preliminaries alike).
    package var corrections: Int64 = 0
    package var candleGaps = CandleGapSummary()

    package subscript(kind: StatusKind) -> StatusCell {
        get { cells[kind.rawValue] }
        set { cells[kind.rawValue] = newValue }
    }

    /// The first and last day of a kind; for settlements, of any report, final or preliminary.
    package func span(_ kind: StatusKind) -> (first: Int32, last: Int32)? {
        var days = self[kind].days
        if kind == .settlements { days.formUnion(self[.preliminary].days) }
        guard let lo = days.min(), let hi = days.max() else { return nil }
        return (lo, hi)
    }

    /// Days between the first and the last with no event of the kind (for settlements: no report,
    /// final or preliminary).
    package func missing(_ kind: StatusKind) -> [DayRange] {
        guard let (lo, hi) = span(kind) else { return [] }
        let have = self[kind].days
        let prelim = kind == .settlements ? self[.preliminary].days : []
        return DayRange.runs(lo, hi) { !have.contains($0) && !prelim.contains($0) }
    }

    /// Settlement days with a preliminary report and no final one.
    package var incomplete: [DayRange] {
        guard let (lo, hi) = span(.settlements) else { return [] }
        let finals = self[.settlements].days
        let prelims = self[.preliminary].days
        return DayRange.runs(lo, hi) { prelims.contains($0) && !finals.contains($0) }
    }
}

/// What one status scan has found: per city and kind, the cells; per city, the candle gaps.
///
/// Memory: a few dozen bytes per market seen (its city, event date and hours) and a minute map per
/// market while it trades (``CandleGapTracker``); nothing per event.
package struct StatusCoverage {
    package private(set) var cities: [CityStatus] = []
    private var cityIndex: [String: Int] = [:]
    /// Events naming a series, station or city that is no known city.
    package private(set) var unknown: Int64 = 0
    private var tracker: CandleGapTracker

    package init(gapMinutes: Int64, now: Timestamp) {
        tracker = CandleGapTracker(gapMinutes: gapMinutes, now: now)
    }

    /// Cities in report order: the catalog's, then others by code.
    package var orderedCities: [CityStatus] {
        cities.sorted { (City.rank($0.code), $0.code) < (City.rank($1.code), $1.code) }
    }

    private mutating func city(_ code: String) -> Int {
        if let i = cityIndex[code] { return i }
        cityIndex[code] = cities.count
        cities.append(CityStatus(code: code))
        return cities.count - 1
    }

    /// The number of the market a candle or tick is about, registered on first sight; nil for a
    /// ticker that names no known city or no event date.
    private mutating func market(_ ticker: Symbol) -> Int32? {
        let n: Int32
        if let known = tracker.number(ticker) {
            n = known
        } else {
            var c: Int32 = -1
            var day: Int32 = 0
            if case .city(let code) = Event.route(ticker: ticker), let date = LocalDate(kalshiCode: ticker.description)
            {
                c = Int32(city(code))
                day = date.daysSinceEpoch
            }
            n = tracker.register(ticker, city: c, day: day)
        }
        return tracker.entries[Int(n)].city < 0 ? nil : n
    }

    /// A candle: counted on its market's event date; a 1-minute candle also marks its minute.
    package mutating func candle(_ candle: Candle, at time: Timestamp) {
        guard let n = market(candle.ticker) else { return unknown += 1 }
        let e = tracker.entries[Int(n)]
        cities[Int(e.city)].cells[StatusKind.candles.rawValue].add(day: e.day, at: time)
        if candle.periodMinutes == 1 { tracker.oneMinuteCandle(n, at: time, cities: &cities) }
    }

    package mutating func add(_ record: EventRecord) {
        switch record.event {
        case .candle(let c):
            candle(c, at: record.time)
        case .ticker(let t):
            tick(t.ticker, at: record.time)
        case .trade(let t):
            tick(t.ticker, at: record.time)
        case .marketListed(let m):
            guard case .city(let code) = record.event.cityRoute else { return unknown += 1 }
            let c = city(code)
            cities[c].cells[StatusKind.markets.rawValue].add(day: m.eventDate.daysSinceEpoch, at: record.time)
            tracker.listed(m, city: Int32(c))
        case .marketLifecycle(let l):
            tracker.lifecycle(l)
        case .dailyForecast(let f):
            weather(record, .forecasts, day: f.targetDate)
        case .hourlyForecast(let f):
            weather(record, .forecasts, day: f.targetDate)
        case .observation(let o):
            guard case .city(let code) = record.event.cityRoute,
                let zone = City.catalog.first(where: { $0.code == code })?.zone
            else { return unknown += 1 }
            weather(record, .observations, day: zone.climateDate(of: o.observedAt))
        case .settlement(let s):
            weather(record, s.isFinal ? .settlements : .preliminary, day: s.climateDate)
            if s.isCorrection, case .city(let code) = record.event.cityRoute { cities[city(code)].corrections += 1 }
        default:
            break
        }
    }

    /// Weather of the event's city, counted on `day`.
    private mutating func weather(_ record: EventRecord, _ kind: StatusKind, day: LocalDate) {
        guard case .city(let code) = record.event.cityRoute else { return unknown += 1 }
        cities[city(code)].cells[kind.rawValue].add(day: day.daysSinceEpoch, at: record.time)
    }

    /// A live ticker update or trade (isotherm record), counted on its market's event date.
    private mutating func tick(_ ticker: Symbol, at time: Timestamp) {
        guard let n = market(ticker) else { return unknown += 1 }
        let e = tracker.entries[Int(n)]
        cities[Int(e.city)].cells[StatusKind.ticks.rawValue].add(day: e.day, at: time)
    }

    /// The most markets whose minutes were held at once.
    package var minuteMapsPeak: Int { tracker.mapsPeak }

    /// Starts a new log: candle gap bookkeeping follows each log's own clock.
    package mutating func beginLog() { tracker.beginLog() }

    /// Summarises the markets still open in the minute maps; call once, after the last log.
    package mutating func finish() { tracker.finish(cities: &cities) }
}
