package import IsothermEvents
import IsothermMath

/// One city's generated world, as the time-ordered stream of events a recorder would have logged:
/// forecasts, observations, climate reports, market listings and lifecycle, and 1-minute candles.
///
/// Everything is a function of the seed, the city and the date range: the weather and the reports
/// are planned in `init` (cheap: a few numbers per day and one temperature every five minutes), the
/// market is simulated minute by minute in `next()` from what has been published so far. Each city
/// draws from its own generator, so a city's log does not depend on which other cities are generated.
///
/// Order within one minute: the candles ending at that minute (the minute just traded), then the
/// reports published at that minute by rank (manifest, daily forecast, hourly forecast, observation,
/// climate report, listing, lifecycle), then in the order they were planned.
package struct CityWorld: Sequence, IteratorProtocol {
    package let city: WorldCity
    package let seed: UInt64
    package let start: LocalDate
    package let end: LocalDate
    /// The plan: the weather and report times for every day, fixed at `init`.
    package let plan: WorldPlan

    private var marketRNG: SplitMix64
    private var minute: Timestamp
    private let lastMinute: Timestamp
    private var scheduled: [Scheduled] = []
    private var scheduledIndex = 0
    private var plannedThrough: LocalDate
    private var pending: [EventRecord] = []
    private var pendingIndex = 0
    private var live: [LiveEvent] = []
    private var knowledge: Knowledge
    private let manifest: EventRecord?

    /// - Parameters:
    ///   - engineVersion: when given, the stream starts with a `run_manifest` naming the generator's
    ///     inputs, so a log says how it was made.
    package init(city: WorldCity, seed: UInt64, start: LocalDate, end: LocalDate, engineVersion: String? = nil) {
        precondition(start <= end, "start after end")
        self.city = city
        self.seed = seed
        self.start = start
        self.end = end
        plan = WorldPlan(city: city, seed: seed, start: start, end: end)
        marketRNG = SplitMix64(seed: WorldPlan.streamSeed(seed, city: city, stream: 3))
        // A week of forecasts comes before the first market opens.
        minute = start.advanced(by: -Int32(WorldPlan.maxLead)).startUTC
        lastMinute = end.advanced(by: 2).startUTC.adding(nanos: Timestamp.nanosPerDay)
        plannedThrough = minute.utcDate.advanced(by: -1)
        knowledge = Knowledge(days: plan.days.count)
        if let engineVersion {
            manifest = EventRecord(
                time: minute,
                event: .runManifest(
                    RunManifest(
                        runId: "generate-\(city.code)-\(seed)-\(start.iso8601)-\(end.iso8601)", phase: .started,
                        runKind: "generate", engineVersion: engineVersion, configHash: WorldPlan.generatorVersion,
                        parameters: [
                            Field("seed", String(seed)), Field("city", city.code), Field("start", start.iso8601),
                            Field("end", end.iso8601), Field("generator", WorldPlan.generatorVersion),
                        ], inputs: [], outputHash: "")))
        } else {
            manifest = nil
        }
    }

    /// The minute the stream has reached (for progress).
    package var currentTime: Timestamp { minute }
    package mutating func next() -> EventRecord? {
        while pendingIndex == pending.count {
            guard minute <= lastMinute else { return nil }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            step()
            minute = minute.adding(nanos: Timestamp.nanosPerMinute)
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    // MARK: - One minute

    private mutating func step() {
        let t = minute
        if t.utcDate > plannedThrough {
            plannedThrough = t.utcDate
            scheduled = plan.events(onUTCDay: plannedThrough)
            scheduledIndex = 0
            if let manifest, t == manifest.time { pending.append(manifest) }
        }
        var i = 0
        while i < live.count {
            if t > live[i].open { candles(live: i, at: t) }
            if t >= live[i].close { live.remove(at: i) } else { i += 1 }
        }
        while scheduledIndex < scheduled.count && scheduled[scheduledIndex].record.time <= t {
            let record = scheduled[scheduledIndex].record
            scheduledIndex += 1
            learn(record)
            pending.append(record)
        }
    }

    /// Updates what the market knows from a published event.
    private mutating func learn(_ record: EventRecord) {
        switch record.event {
        case .dailyForecast(let f):
            let i = plan.index(of: f.targetDate)
            knowledge.forecastTenths[i] = f.high.tenths
            knowledge.forecastLead[i] = Int8(f.leadDays)
        case .hourlyForecast(let f):
            let i = plan.index(of: f.targetDate)
            if let peak = f.points.max(by: { $0.temperature < $1.temperature }) {
                knowledge.forecastPeakMinute[i] = Int16(city.zone.standardMinuteOfDay(peak.time))
            }
        case .observation(let o):
            let i = plan.index(of: city.zone.climateDate(of: o.observedAt))
            if i >= 0 && i < knowledge.observedMax.count {
                knowledge.observedMax[i] = Swift.max(knowledge.observedMax[i], o.temperature.tenths)
            }
            knowledge.lastObservation = o.temperature.tenths
            knowledge.lastObservedAt = o.observedAt
        case .marketListed(let m):
            let i = plan.index(of: m.eventDate)
            if live.last?.dayIndex != i { openEvent(day: i, at: record.time, close: m.closeTime) }
            live[live.count - 1].markets.append(QuotedMarket(ticker: m.ticker))
        default:
            break
        }
    }

    private mutating func openEvent(day i: Int, at t: Timestamp, close: Timestamp) {
        live.append(
            LiveEvent(
                dayIndex: i, date: plan.days[i].date, floor: plan.days[i].bracketFloor, open: t, close: close,
                bias: 0.5 * marketRNG.gaussian()))
    }

    // MARK: - The market

    private struct LiveEvent {
        var dayIndex: Int
        var date: LocalDate
        var floor: Int
        var open: Timestamp
        var close: Timestamp
        /// The market's view of the high minus the latest forecast (°F), a slow random walk.
        var bias: Double
        var markets: [QuotedMarket] = []
    }

    private struct Knowledge {
        var forecastTenths: [Int32]
        var forecastLead: [Int8]
        var forecastPeakMinute: [Int16]
        var observedMax: [Int32]
        var lastObservation: Int32 = 0
        var lastObservedAt = Timestamp(nanos: 0)

        init(days: Int) {
            forecastTenths = Array(repeating: 0, count: days)
            forecastLead = Array(repeating: -1, count: days)
            forecastPeakMinute = Array(repeating: 15 * 60, count: days)
            observedMax = Array(repeating: Int32.min, count: days)
        }
    }

    /// The market's probability that the settled high (whole °F) is at most `k`, for each `k` in
    /// `floor − 1, floor + 1, …, floor + 7` (the bracket edges), given what has been published.
    ///
    /// The high is the larger of the maximum observed so far (M) and the maximum still to come (R).
    /// R is normal: before the climate day starts, about the forecast with the forecast's error; during
    /// it, the forecast moved by how far the latest observation runs above or below the forecast curve,
    /// with a spread that shrinks until the predicted peak hour; after the peak, about the latest reading.
    /// P(high ≤ k) = [M rounds to ≤ k] · Φ((k + ½ − μ_R) / σ_R).
    private func edgeProbabilities(_ e: LiveEvent, at t: Timestamp) -> (Double, Double, Double, Double, Double) {
        let i = e.dayIndex
        let month = e.date.components.month
        let lead = Int(Swift.max(0, knowledge.forecastLead[i]))
        let sigmaF = city.forecastErrorSpread(leadDays: lead, month: month)
        var mu = Double(knowledge.forecastTenths[i]) / 10 + e.bias
        var sigma = sigmaF
        let observed = knowledge.observedMax[i]
        if observed != Int32.min && city.zone.climateDate(of: knowledge.lastObservedAt) == e.date {
            let now = Double(knowledge.lastObservation) / 10
            let minuteNow = Double(city.zone.standardMinuteOfDay(knowledge.lastObservedAt))
            let peak = Double(knowledge.forecastPeakMinute[i])
            if minuteNow < peak {
                let expectedNow = WorldPlan.diurnal(
                    minute: minuteNow, low: mu - city.diurnalRange, high: mu, lowMinute: 360, peakMinute: peak)
                mu += 0.7 * (now - expectedNow)
                sigma = Swift.max(0.7, sigmaF * ((peak - minuteNow) / peak).squareRoot())
            } else {
                mu = now - 1
                sigma = 1.0
            }
        }
        func cdf(_ k: Int) -> Double {
            if observed != Int32.min && observed >= Int32(10 * k + 5) { return 0 }
            return WorldPlan.phi((Double(k) + 0.5 - mu) / sigma)
        }
        let f = e.floor
        return (cdf(f - 1), cdf(f + 1), cdf(f + 3), cdf(f + 5), cdf(f + 7))
    }

    private mutating func candles(live index: Int, at t: Timestamp) {
        var e = live[index]
        e.bias = 0.998 * e.bias + 0.03 * marketRNG.gaussian()
        let edges = edgeProbabilities(e, at: t)
        let probabilities = [
            edges.0, edges.1 - edges.0, edges.2 - edges.1, edges.3 - edges.2, edges.4 - edges.3, 1 - edges.4,
        ]
        let localHour =
            city.zone.standardMinuteOfDay(t) / 60 + city.zone.offsetHours(at: t) - city.zone.standardOffsetHours
        let eventDay = city.zone.climateDate(of: t) == e.date
        let busy = localHour >= 8 && localHour < 22
        let tradeChance: UInt64 = busy ? (eventDay ? 45 : 25) : 4
        for k in 0..<e.markets.count {
            let fair = Swift.min(99, Swift.max(1, Int64((probabilities[k] * 100).rounded())))
            let candle = e.markets[k].candle(fairCents: fair, busy: busy, tradeChance: tradeChance, rng: &marketRNG)
            pending.append(EventRecord(time: t, event: .candle(candle)))
        }
        live[index] = e
    }
}
