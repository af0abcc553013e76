package import IsothermEvents
import IsothermMath

/// A reported value and when it was issued.
package struct PlannedReport: Hashable, Sendable {
    package var time: Timestamp
    /// Whole °F.
    package var high: Int32
    package var low: Int32
}

/// The weather of one climate day and the times of everything published about it.
package struct DayPlan: Sendable {
    package var date: LocalDate
    /// The day's peak and morning minimum of the smooth temperature curve (°F) and their local
    /// standard times (minutes after midnight).
    package var curveHigh: Double
    package var curveLow: Double
    package var peakMinute: Double
    package var lowMinute: Double
    /// Forecast error of the high (°F) by lead, 0…7 days: the errors of one target are correlated
    /// across leads (each day's forecast refines the last one).
    package var forecastError: [Double] = []
    package var forecastLowError: [Double] = []
    /// Where the forecast puts the peak relative to the true one (minutes).
    package var forecastPeakShift: Double = 0

    // Fixed for days in the generated range only:
    /// The official high and low: the day's highest and lowest 5-minute reading rounded to whole °F.
    package var high: Int32 = 0
    package var low: Int32 = 0
    /// The afternoon report (nil when it was never issued).
    package var preliminary: PlannedReport?
    /// The next-morning final report (its high is off by one when a correction follows).
    package var final = PlannedReport(time: Timestamp(nanos: 0), high: 0, low: 0)
    package var correction: PlannedReport?
    package var listedAt = Timestamp(nanos: 0)
    package var closesAt = Timestamp(nanos: 0)
    package var determinedAt = Timestamp(nanos: 0)
    package var settledAt = Timestamp(nanos: 0)
    /// Floor strike of the lowest two-degree bracket (odd, as Kalshi's are).
    package var bracketFloor = 0

    /// The forecast high at `lead` days, in tenths of °F.
    package func forecastHighTenths(lead: Int) -> Int32 {
        Int32(((Double(high) + forecastError[lead]) * 10).rounded())
    }
}

/// One entry of a day's publication schedule.
struct Scheduled {
    var record: EventRecord
    var rank: UInt8
    var order: Int
}

/// The weather, reports and market calendar of one city over a date range, drawn from the seed.
package struct WorldPlan: Sendable {
    /// Changes whenever the same seed would produce different events.
    package static let generatorVersion = "world-2"
    /// Longest forecast lead (days).
    package static let maxLead = 7
    /// Minutes between observations.
    package static let observationInterval = 5

    package let city: WorldCity
    package let start: LocalDate
    package let end: LocalDate
    /// The first planned day: a week before `start`, plus one for the night before.
    package let base: LocalDate
    package private(set) var days: [DayPlan] = []
    /// First observation time; one reading every ``observationInterval`` minutes from there.
    package let observationsStart: Timestamp
    /// Readings in tenths of °F.
    package private(set) var observations: [Int32] = []

    private let citySymbol: Symbol
    private let stationSymbol: Symbol
    private let seriesSymbol: Symbol

    package init(city: WorldCity, seed: UInt64, start: LocalDate, end: LocalDate) {
        self.city = city
        self.start = start
        self.end = end
        base = start.advanced(by: -Int32(Self.maxLead) - 1)
        citySymbol = Symbol(city.code)!
        stationSymbol = Symbol(city.station)!
        seriesSymbol = Symbol(city.series)!
        observationsStart = start.advanced(by: -1).startUTC
        var truth = SplitMix64(seed: Self.streamSeed(seed, city: city, stream: 1))
        var reports = SplitMix64(seed: Self.streamSeed(seed, city: city, stream: 2))
        planWeather(through: end.advanced(by: 2), rng: &truth)
        planObservations(rng: &truth)
        planReports(rng: &reports)
    }

    /// An independent generator seed per city and purpose.
    package static func streamSeed(_ seed: UInt64, city: WorldCity, stream: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in city.code.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        var mix = SplitMix64(seed: seed ^ hash ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        return mix.next()
    }

    package func index(of date: LocalDate) -> Int { Int(base.distance(to: date)) }

    /// The plan of `date` (which must lie in the planned range).
    package func day(_ date: LocalDate) -> DayPlan { days[index(of: date)] }

    // MARK: - Weather

    /// Daily highs: climatology plus an AR(1) anomaly (lag-one correlation 0.65, so warm and cold
    /// spells last a few days); a low one diurnal range below; peak at 14:00–16:30 local standard time.
    private mutating func planWeather(through last: LocalDate, rng: inout SplitMix64) {
        let phi = 0.65
        var anomaly = rng.gaussian()
        var date = base
        while date <= last {
            anomaly = phi * anomaly + (1 - phi * phi).squareRoot() * rng.gaussian()
            // The official high is the day's highest noisy reading, sometimes the warm tail of the night
            // before: on average 0.45 °F + 0.54 × spread / diurnal range above the curve's peak (measured
            // over 3 × 30 years of each city, within 0.1 °F), taken off here so official highs match the
            // normals.
            let spread = city.climatologySpread(on: date)
            let high = city.climatologyMean(on: date) + spread * anomaly - 0.45 - 0.54 * spread / city.diurnalRange
            let range = city.diurnalRange * (0.6 + 0.7 * rng.unit())
            var plan = DayPlan(
                date: date, curveHigh: high, curveLow: high - range, peakMinute: 840 + 150 * rng.unit(),
                lowMinute: 330 + 90 * rng.unit())
            // Forecast errors, from the longest lead to the same-day one: each keeps 80% of the last.
            let month = date.components.month
            var errors = [Double](repeating: 0, count: Self.maxLead + 1)
            var previous = 0.0
            var previousSpread = 1.0
            for lead in stride(from: Self.maxLead, through: 0, by: -1) {
                let spread = city.forecastErrorSpread(leadDays: lead, month: month)
                let carried = lead == Self.maxLead ? 0 : 0.8 * previous * spread / previousSpread
                let fresh = (lead == Self.maxLead ? 1 : (1 - 0.64).squareRoot()) * spread * rng.gaussian()
                errors[lead] = carried + fresh
                previous = errors[lead]
                previousSpread = spread
            }
            plan.forecastError = errors
            plan.forecastLowError = (0...Self.maxLead).map {
                0.9 * city.forecastErrorSpread(leadDays: $0, month: month) * rng.gaussian()
            }
            plan.forecastPeakShift = 60 * rng.gaussian()
            days.append(plan)
            date = date.advanced(by: 1)
        }
    }

    /// The smooth curve through the days' minima and peaks (half-cosine between them).
    package func curveTemperature(at instant: Timestamp) -> Double {
        let date = city.zone.climateDate(of: instant)
        let i = index(of: date)
        let minute = Double(city.zone.standardMinuteOfDay(instant))
        let d = days[i]
        if minute < d.lowMinute {
            let p = days[i - 1]
            return Self.halfCosine(
                minute, from: p.peakMinute - 1440, p.curveHigh, to: d.lowMinute, d.curveLow)
        } else if minute < d.peakMinute {
            return Self.halfCosine(minute, from: d.lowMinute, d.curveLow, to: d.peakMinute, d.curveHigh)
        } else {
            let n = days[i + 1]
            return Self.halfCosine(minute, from: d.peakMinute, d.curveHigh, to: n.lowMinute + 1440, n.curveLow)
        }
    }

    static func halfCosine(_ x: Double, from x0: Double, _ y0: Double, to x1: Double, _ y1: Double) -> Double {
        let f = (x - x0) / (x1 - x0)
        return y0 + (y1 - y0) * (1 - DeterministicMath.cos(Double.pi * f)) / 2
    }

    /// The rising part of a diurnal curve: `low` at `lowMinute`, `high` at `peakMinute`.
    package static func diurnal(minute: Double, low: Double, high: Double, lowMinute: Double, peakMinute: Double)
        -> Double
    {
        if minute <= lowMinute { return low }
        if minute >= peakMinute { return high }
        return halfCosine(minute, from: lowMinute, low, to: peakMinute, high)
    }

    /// Readings every five minutes: the curve plus slowly varying noise (AR(1), about 0.5 °F).
    private mutating func planObservations(rng: inout SplitMix64) {
        let last = end.advanced(by: 2).startUTC
        let step = Int64(Self.observationInterval) * Timestamp.nanosPerMinute
        var t = observationsStart
        var noise = 0.0
        observations.reserveCapacity(Int((last.nanos - t.nanos) / step))
        while t < last {
            noise = 0.85 * noise + 0.25 * rng.gaussian()
            observations.append(Int32(((curveTemperature(at: t) + noise) * 10).rounded()))
            t = t.adding(nanos: step)
        }
    }

    /// The time of reading `k`.
    package func observationTime(_ k: Int) -> Timestamp {
        observationsStart.adding(nanos: Int64(k * Self.observationInterval) * Timestamp.nanosPerMinute)
    }

    /// Readings `k` with `from ≤ time < to`.
    private func observationRange(from: Timestamp, to: Timestamp) -> Range<Int> {
        let step = Int64(Self.observationInterval) * Timestamp.nanosPerMinute
        func slot(_ t: Timestamp) -> Int {
            Swift.min(observations.count, Swift.max(0, Int((t.nanos - observationsStart.nanos + step - 1) / step)))
        }
        return slot(from)..<slot(to)
    }

    // MARK: - Reports and the market calendar

    private mutating func planReports(rng: inout SplitMix64) {
        var date = start
        while date <= end {
            let i = index(of: date)
            var d = days[i]
            let zone = city.zone
            let dayStart = zone.standardTime(date, minuteOfDay: 0)
            let readings = observations[
                observationRange(from: dayStart, to: zone.standardTime(date.advanced(by: 1), minuteOfDay: 0))]
            d.high = Temperature(tenths: readings.max()!).roundedDegrees
            d.low = Temperature(tenths: readings.min()!).roundedDegrees
            // The afternoon report: what was seen up to 4 PM, issued between 4:30 and 5:30 PM.
            if rng.below(100) >= 2 {
                let upTo = observations[observationRange(from: dayStart, to: zone.standardTime(date, minuteOfDay: 960))]
                d.preliminary = PlannedReport(
                    time: zone.standardTime(date, minuteOfDay: 990 + Int(rng.below(61))),
                    high: Temperature(tenths: upTo.max()!).roundedDegrees,
                    low: Temperature(tenths: upTo.min()!).roundedDegrees)
            }
            // The final report the next morning, now and then late; now and then wrong by a degree and
            // corrected an hour or three later.
            let finalMinute = rng.below(100) == 0 ? 600 + Int(rng.below(181)) : 390 + Int(rng.below(121))
            d.final = PlannedReport(
                time: zone.standardTime(date.advanced(by: 1), minuteOfDay: finalMinute), high: d.high, low: d.low)
            var lastReport = d.final.time
            if rng.below(1000) < 15 {
                d.final.high += rng.below(2) == 0 ? -1 : 1
                lastReport = d.final.time.adding(nanos: Int64(60 + rng.below(121)) * Timestamp.nanosPerMinute)
                d.correction = PlannedReport(time: lastReport, high: d.high, low: d.low)
            }
            d.determinedAt = lastReport.adding(nanos: Int64(30 + rng.below(61)) * Timestamp.nanosPerMinute)
            d.settledAt = d.determinedAt.adding(nanos: Int64(60 + rng.below(121)) * Timestamp.nanosPerMinute)
            // Listed and open at 10:00 Eastern the day before; trading ends at 11:59 PM local.
            d.listedAt = USTimeZone.eastern.wallTime(date.advanced(by: -1), minuteOfDay: 600)
            d.closesAt = zone.wallTime(date, minuteOfDay: 23 * 60 + 59)
            // Brackets centred on the day-ahead forecast the listing sees.
            let centre = Int((Double(d.forecastHighTenths(lead: 1)) / 10).rounded())
            let floor = centre - 3
            d.bracketFloor = floor & 1 == 1 ? floor : floor - 1
            days[i] = d
            date = date.advanced(by: 1)
        }
    }

    /// Everything published on UTC day `day` except candles, in publication order.
    func events(onUTCDay day: LocalDate) -> [Scheduled] {
        var out: [Scheduled] = []
        func add(_ time: Timestamp, _ rank: UInt8, _ event: Event) {
            out.append(Scheduled(record: EventRecord(time: time, event: event), rank: rank, order: out.count))
        }
        let dayStart = day.startUTC
        let dayEnd = day.advanced(by: 1).startUTC
        func within(_ t: Timestamp) -> Bool { t >= dayStart && t < dayEnd }

        // Forecasts issued at 10:00Z for the next eight days.
        let issued = dayStart.adding(nanos: 10 * 3_600 * Timestamp.nanosPerSecond)
        for lead in 0...Self.maxLead {
            let target = day.advanced(by: Int32(lead))
            guard target >= start && target <= end else { continue }
            let d = self.day(target)
            add(
                issued, 1,
                .dailyForecast(
                    DailyForecast(
                        city: citySymbol, source: .visualCrossing, basisDate: day, targetDate: target,
                        high: Temperature(tenths: d.forecastHighTenths(lead: lead)),
                        low: Temperature(tenths: Int32(((Double(d.low) + d.forecastLowError[lead]) * 10).rounded())))))
            if lead <= 1 { add(issued, 2, .hourlyForecast(hourlyForecast(target: target, lead: lead, basis: day))) }
        }

        // Observations, published five minutes after they are taken.
        let delay = Int64(Self.observationInterval) * Timestamp.nanosPerMinute
        for k in observationRange(from: dayStart.adding(nanos: -delay), to: dayEnd.adding(nanos: -delay)) {
            let observedAt = observationTime(k)
            add(
                observedAt.adding(nanos: delay), 3,
                .observation(
                    Observation(
                        station: stationSymbol, source: .nws, observedAt: observedAt,
                        temperature: Temperature(tenths: observations[k]), dewpoint: nil)))
        }

        for offset in Int32(-2)...2 {
            let date = day.advanced(by: offset)
            guard date >= start && date <= end else { continue }
            let d = self.day(date)
            func report(_ r: PlannedReport, final: Bool, correction: Bool) {
                guard within(r.time) else { return }
                add(
                    r.time, 4,
                    .settlement(
                        Settlement(
                            city: citySymbol, station: stationSymbol, source: .nwsCLI, climateDate: date,
                            high: Temperature(degrees: r.high),
                            low: Temperature(degrees: r.low), isFinal: final, isCorrection: correction,
                            issuedAt: r.time)))
            }
            if let p = d.preliminary { report(p, final: false, correction: false) }
            report(d.final, final: true, correction: false)
            if let c = d.correction { report(c, final: true, correction: true) }
            let markets = self.markets(of: d)
            if within(d.listedAt) {
                for m in markets { add(d.listedAt, 5, .marketListed(m)) }
                for m in markets {
                    add(
                        d.listedAt, 6,
                        .marketLifecycle(
                            MarketLifecycle(
                                ticker: m.ticker, transition: .activated, openTime: m.openTime, closeTime: m.closeTime))
                    )
                }
            }
            for (time, transition) in [
                (d.determinedAt, MarketLifecycle.Transition.determined), (d.settledAt, .settled),
            ]
            where within(time) {
                for m in markets {
                    let won = Self.wins(m, high: d.high)
                    add(
                        time, 6,
                        .marketLifecycle(
                            MarketLifecycle(
                                ticker: m.ticker, transition: transition, result: won ? .yes : .no,
                                settlementValue: won ? .one : .zero)))
                }
            }
        }
        out.sort { ($0.record.time, $0.rank, $0.order) < ($1.record.time, $1.rank, $1.order) }
        return out
    }

    /// Whether market `m` pays out when the official high is `high` (whole °F).
    package static func wins(_ m: MarketListed, high: Int32) -> Bool {
        let t = high * 10
        switch m.strikeType {
        case .less: return t < m.capStrike!.tenths
        case .greater: return t > m.floorStrike!.tenths
        case .between: return t >= m.floorStrike!.tenths && t <= m.capStrike!.tenths
        default: return false
        }
    }

    /// The day's six markets as Kalshi lists them: `T{floor}` (high below floor), four two-degree
    /// brackets `B{floor+2k}.5`, and `T{floor+7}` (high above floor + 7).
    package func markets(of d: DayPlan) -> [MarketListed] {
        let eventTicker = city.series + "-" + d.date.kalshiCode
        let eventSymbol = Symbol(eventTicker)!
        let f = d.bracketFloor
        let (year, month, dayOfMonth) = d.date.components
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let when = "\(months[month - 1]) \(dayOfMonth), \(year)"
        func market(_ suffix: String, _ strike: StrikeType, floor: Int?, cap: Int?, _ words: String) -> MarketListed {
            MarketListed(
                ticker: Symbol(eventTicker + "-" + suffix)!, eventTicker: eventSymbol, seriesTicker: seriesSymbol,
                eventDate: d.date, strikeType: strike, floorStrike: floor.map { Temperature(degrees: Int32($0)) },
                capStrike: cap.map { Temperature(degrees: Int32($0)) }, openTime: d.listedAt, closeTime: d.closesAt,
                feeType: .quadratic, feeMultiplierMillionths: 1_000_000,
                title: "Will the high temp in \(city.titleName) be \(words) on \(when)?")
        }
        var out = [market("T\(f)", .less, floor: nil, cap: f, "<\(f)°")]
        for k in 0..<4 {
            let lo = f + 2 * k
            out.append(market("B\(lo).5", .between, floor: lo, cap: lo + 1, "\(lo)-\(lo + 1)°"))
        }
        out.append(market("T\(f + 7)", .greater, floor: f + 7, cap: nil, ">\(f + 7)°"))
        return out
    }

    /// The hourly forecast curve of `target` at `lead`: the true curve moved by the forecast's errors.
    private func hourlyForecast(target: LocalDate, lead: Int, basis: LocalDate) -> HourlyForecast {
        let d = day(target)
        let high = Double(d.forecastHighTenths(lead: lead)) / 10
        let low = Double(d.low) + d.forecastLowError[lead]
        let peak = Swift.min(1_080, Swift.max(720, d.peakMinute + d.forecastPeakShift))
        var points: [HourlyPoint] = []
        points.reserveCapacity(24)
        for hour in 0..<24 {
            let minute = Double(hour * 60)
            let value: Double
            if minute < d.lowMinute {
                value = Self.halfCosine(minute, from: peak - 1440, high, to: d.lowMinute, low)
            } else if minute < peak {
                value = Self.halfCosine(minute, from: d.lowMinute, low, to: peak, high)
            } else {
                value = Self.halfCosine(minute, from: peak, high, to: d.lowMinute + 1440, low)
            }
            points.append(
                HourlyPoint(
                    time: city.zone.standardTime(target, minuteOfDay: hour * 60),
                    temperature: Temperature(tenths: Int32((value * 10).rounded()))))
        }
        return HourlyForecast(
            city: citySymbol, source: .visualCrossing, basisDate: basis, targetDate: target, points: points)
    }

    /// About how many events the plan publishes: six candles a minute while each event trades,
    /// a reading every five minutes, and the day's forecasts, reports, listings and lifecycle.
    package var estimatedEventCount: Int64 {
        var total = Int64(observations.count)
        var date = start
        while date <= end {
            let d = day(date)
            total += 6 * (d.closesAt.nanos - d.listedAt.nanos) / Timestamp.nanosPerMinute + 8 + 2 + 3 + 30
            date = date.advanced(by: 1)
        }
        return total
    }

    /// The standard normal CDF.
    package static func phi(_ x: Double) -> Double { DeterministicMath.normalCDF(x) }
}
