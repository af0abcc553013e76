package import IsothermEvents
import IsothermMath

/// A seeded stream of realistic 1-minute candles for the KXHIGH markets, in time order.
///
/// Per city and event day there are six brackets laid out as Kalshi lays them (a low tail, four
/// two-degree brackets, a high tail). A market is listed at 14:00Z the day before its event date and
/// closes at 06:00Z after it. Each minute the market's belief about the high moves a little and
/// sharpens, bracket prices follow (so they sum to about a dollar plus the spread), bid and ask sit a
/// cent or two around fair value, and trades come in busy and quiet periods. Used by the demo, tests
/// and benchmarks until the full world generator exists.
package struct CandleStream: Sequence, IteratorProtocol {
    /// The seven KXHIGH cities and a typical late-autumn high for each (°F).
    package static let cities: [(code: String, series: String, meanHigh: Double)] = [
        ("NY", "KXHIGHNY", 52), ("CHI", "KXHIGHCHI", 44), ("MIA", "KXHIGHMIA", 79), ("AUS", "KXHIGHAUS", 68),
        ("DEN", "KXHIGHDEN", 50), ("LAX", "KXHIGHLAX", 70), ("PHIL", "KXHIGHPHIL", 53),
    ]

    private struct Market {
        var lo: Double  // YES iff lo < high + 0.5 ≤ hi, in whole-degree terms
        var hi: Double
        var quotes: QuotedMarket
        var ticker: Symbol { quotes.ticker }

        init(ticker: Symbol, lo: Double, hi: Double) {
            self.lo = lo
            self.hi = hi
            quotes = QuotedMarket(ticker: ticker)
        }
    }

    private struct LiveEvent {
        var eventDate: LocalDate
        var open: Timestamp
        var close: Timestamp
        var belief: Double
        var markets: [Market]
    }

    private var rng: SplitMix64
    private let startDate: LocalDate
    private let endDate: LocalDate
    private let cityCount: Int
    private var minute: Timestamp
    private let lastMinute: Timestamp
    private var live: [[LiveEvent]]  // per city, events trading now, oldest first
    private var pending: [EventRecord] = []
    private var pendingIndex = 0
    /// Include listing, lifecycle, forecast and settlement events around the candles.
    private let withContext: Bool

    /// - Parameters:
    ///   - seed: the stream is a function of the seed and the arguments.
    ///   - start: first event date; markets for it open the day before.
    ///   - days: number of event dates.
    ///   - cities: how many of ``cities`` to include (1…7).
    ///   - withContext: also emit market listings, determinations, forecasts and settlements.
    package init(seed: UInt64, start: LocalDate, days: Int, cities: Int = 7, withContext: Bool = false) {
        precondition(days >= 1 && (1...Self.cities.count).contains(cities))
        rng = SplitMix64(seed: seed)
        startDate = start
        endDate = start.advanced(by: Int32(days - 1))
        cityCount = cities
        minute = start.advanced(by: -1).startUTC.adding(nanos: 14 * 3_600 * Timestamp.nanosPerSecond)
        // Inclusive of the last close (06:00Z after the last date), when that date is settled.
        lastMinute = endDate.advanced(by: 1).startUTC.adding(
            nanos: 6 * 3_600 * Timestamp.nanosPerSecond + Timestamp.nanosPerMinute)
        live = Array(repeating: [], count: cities)
        self.withContext = withContext
    }

    package mutating func next() -> EventRecord? {
        while pendingIndex == pending.count {
            guard minute < lastMinute else { return nil }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            step()
            minute = minute.adding(nanos: Timestamp.nanosPerMinute)
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    /// Produces every event of the current minute.
    private mutating func step() {
        let t = minute
        let secondsOfDay = Int((t.nanos / Timestamp.nanosPerSecond) % 86_400)
        for c in 0..<cityCount {
            // List tomorrow's event at 14:00Z.
            if secondsOfDay == 14 * 3600 {
                let date = t.utcDate.advanced(by: 1)
                if date >= startDate && date <= endDate { list(city: c, date: date, at: t) }
            }
            var i = 0
            while i < live[c].count {
                if t >= live[c][i].close {
                    settle(city: c, index: i, at: t)
                    live[c].remove(at: i)
                } else {
                    candles(city: c, index: i, at: t, secondsOfDay: secondsOfDay)
                    i += 1
                }
            }
        }
    }

    private mutating func list(city c: Int, date: LocalDate, at t: Timestamp) {
        let info = Self.cities[c]
        let (year, month, day) = date.components
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let eventTicker =
            info.series + "-" + String(year % 100) + months[month - 1] + (day < 10 ? "0" : "") + String(day)
        let forecast = (info.meanHigh + 6 * rng.gaussian()).rounded()
        // Brackets centred on the forecast: tail below, four two-degree brackets, tail above.
        let first = Int(forecast) - 3
        var markets: [Market] = []
        markets.append(Market(ticker: Symbol(eventTicker + "-T" + String(first))!, lo: -1000, hi: Double(first)))
        for k in 0..<4 {
            let floor = first + 2 * k
            markets.append(
                Market(
                    ticker: Symbol(eventTicker + "-B" + String(floor) + ".5")!, lo: Double(floor), hi: Double(floor + 2)
                ))
        }
        let top = first + 7
        markets.append(Market(ticker: Symbol(eventTicker + "-T" + String(top))!, lo: Double(top + 1), hi: 1000))
        let close = date.advanced(by: 1).startUTC.adding(nanos: 6 * 3_600 * Timestamp.nanosPerSecond)
        live[c].append(
            LiveEvent(eventDate: date, open: t, close: close, belief: forecast + 0.3 * rng.gaussian(), markets: markets)
        )
        guard withContext else { return }
        pending.append(
            EventRecord(
                time: t,
                event: .dailyForecast(
                    DailyForecast(
                        city: Symbol(info.code)!, source: .generated, basisDate: t.utcDate, targetDate: date,
                        high: Temperature(tenths: Int32(forecast * 10)), low: nil))))
        for m in markets {
            let strike: StrikeType = m.lo < -999 ? .less : m.hi > 999 ? .greater : .between
            pending.append(
                EventRecord(
                    time: t,
                    event: .marketListed(
                        MarketListed(
                            ticker: m.ticker, eventTicker: Symbol(eventTicker)!, seriesTicker: Symbol(info.series)!,
                            eventDate: date, strikeType: strike,
                            floorStrike: strike == .less
                                ? nil : Temperature(degrees: Int32(strike == .greater ? m.lo - 1 : m.lo)),
                            capStrike: strike == .greater
                                ? nil : Temperature(degrees: Int32(strike == .less ? m.hi : m.hi - 1)),
                            openTime: t, closeTime: close, feeType: .quadratic, feeMultiplierMillionths: 1_000_000,
                            title: "Highest temperature in \(info.code) on \(date.iso8601)?"))))
        }
    }

    private mutating func candles(city c: Int, index i: Int, at t: Timestamp, secondsOfDay: Int) {
        var e = live[c][i]
        let remaining = Double(e.close.nanos - t.nanos) / Double(e.close.nanos - e.open.nanos)
        let sigma = 0.6 + 2.6 * remaining
        e.belief += 0.02 * rng.gaussian()
        // Busy from 13:00Z to 23:00Z (US daytime), quiet overnight.
        let busy = secondsOfDay >= 13 * 3600 && secondsOfDay < 23 * 3600
        for k in 0..<e.markets.count {
            let m = e.markets[k]
            let p = Self.phi((m.hi - e.belief) / sigma) - Self.phi((m.lo - e.belief) / sigma)
            let fair = Swift.min(99, Swift.max(1, Int64((p * 100).rounded())))
            let candle = e.markets[k].quotes.candle(fairCents: fair, busy: busy, tradeChance: busy ? 35 : 4, rng: &rng)
            pending.append(EventRecord(time: t, event: .candle(candle)))
        }
        live[c][i] = e
    }

    private mutating func settle(city c: Int, index i: Int, at t: Timestamp) {
        guard withContext else { return }
        let e = live[c][i]
        let high = Int32((e.belief + 0.4 * rng.gaussian()).rounded())
        pending.append(
            EventRecord(
                time: t,
                event: .settlement(
                    Settlement(
                        city: Symbol(Self.cities[c].code)!, source: .generated, climateDate: e.eventDate,
                        high: Temperature(degrees: high), low: nil, isFinal: true, isCorrection: false, issuedAt: t))))
        for m in e.markets {
            let won =
                Double(high) >= m.lo && Double(high) <= m.hi - (m.hi > 999 ? 0 : 1)
                || (m.lo < -999 && Double(high) < m.hi)
            pending.append(
                EventRecord(
                    time: t,
                    event: .marketLifecycle(
                        MarketLifecycle(
                            ticker: m.ticker, transition: .determined, result: won ? .yes : .no,
                            settlementValue: won ? .one : .zero))))
        }
    }

    /// The standard normal CDF.
    private static func phi(_ x: Double) -> Double { DeterministicMath.normalCDF(x) }
}
