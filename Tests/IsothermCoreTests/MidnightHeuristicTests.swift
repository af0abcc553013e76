import IsothermEvents
import Testing

@testable import IsothermCore

/// The midnight formula step by step: every effect asserted.
@Suite struct MidnightHeuristicTests {
    static func d(_ s: String) -> LocalDate { LocalDate(iso8601: s)! }
    static let ny = Symbol("NY")!

    /// A state on the eve of 2025-06-10: reports and day-ahead forecasts for the three days before
    /// (errors +2, +1, +3 °F: mean +2), highs 70 (June 6) → 76 (June 9): trend +2 °F/day; the forecast
    /// for June 10 is 80.0; six markets with floor 77; quotes at 23:55.
    static func state() -> (CityState, [Symbol]) {
        var s = CityState(city: "NY")
        var seq: UInt64 = 0
        func add(_ time: String, _ e: Event) {
            seq += 1
            s.apply(EventRecord(time: Timestamp(rfc3339: time)!, event: e), sequence: seq)
        }
        let highs = [("2025-06-06", 70, 0), ("2025-06-07", 72, 2), ("2025-06-08", 74, 1), ("2025-06-09", 76, 3)]
        for (day, high, error) in highs {
            let date = d(day)
            add(
                date.advanced(by: -1).iso8601 + "T10:00:00Z",
                .dailyForecast(
                    DailyForecast(
                        city: ny, source: .visualCrossing, basisDate: date.advanced(by: -1), targetDate: date,
                        high: Temperature(degrees: Int32(high - error)), low: nil)))
            add(
                date.advanced(by: 1).iso8601 + "T12:00:00Z",
                .settlement(
                    Settlement(
                        city: ny, source: .nwsCLI, climateDate: date, high: Temperature(degrees: Int32(high)), low: nil,
                        isFinal: true, isCorrection: false, issuedAt: nil)))
        }
        add(
            "2025-06-09T10:00:00Z",
            .dailyForecast(
                DailyForecast(
                    city: ny, source: .visualCrossing, basisDate: d("2025-06-09"), targetDate: d("2025-06-10"),
                    high: Temperature(degrees: 80), low: nil)))
        var tickers: [Symbol] = []
        let close = Timestamp(rfc3339: "2025-06-11T03:59:00Z")!
        for (suffix, type, floor, cap) in [
            ("T77", StrikeType.less, nil, 77), ("B77.5", .between, 77, 78), ("B79.5", .between, 79, 80),
            ("B81.5", .between, 81, 82), ("B83.5", .between, 83, 84), ("T84", .greater, 84, nil),
        ] as [(String, StrikeType, Int32?, Int32?)] {
            let t = Symbol("KXHIGHNY-25JUN10-" + suffix)!
            tickers.append(t)
            add(
                "2025-06-09T14:00:00Z",
                .marketListed(
                    MarketListed(
                        ticker: t, eventTicker: Symbol("KXHIGHNY-25JUN10")!, seriesTicker: Symbol("KXHIGHNY")!,
                        eventDate: d("2025-06-10"), strikeType: type,
                        floorStrike: floor.map { Temperature(degrees: $0) },
                        capStrike: cap.map { Temperature(degrees: $0) },
                        openTime: Timestamp(rfc3339: "2025-06-09T14:00:00Z")!,
                        closeTime: close, feeType: .quadratic, feeMultiplierMillionths: 1_000_000, title: "")))
        }
        // Asks: the market leans low (it prices ~80), the model (μ = 80 + 0.5·2 + 0.3·2 = 81.6) leans high.
        let asks: [Int64] = [3, 10, 35, 30, 12, 4]
        for (t, ask) in zip(tickers, asks) {
            seq += 1
            s.applyCandle(
                Candle(
                    ticker: t, yesBid: OHLC(flat: Price(cents: ask - 1)), yesAsk: OHLC(flat: Price(cents: ask)),
                    price: nil, volume: .zero, openInterest: .zero),
                at: Timestamp(rfc3339: "2025-06-10T03:55:00Z")!, sequence: seq)
        }
        return (s, tickers)
    }

    @Test func entryAtMidnightFollowsTheFormula() throws {
        let (state, tickers) = Self.state()
        var strategy = MidnightHeuristic(MidnightHeuristic.Parameters())
        var effects: [Effect] = []
        // Midnight EDT starting June 10 = 04:00Z.
        strategy.onTimer(
            .enter(date: LocalDate(iso8601: "2025-06-10")!), at: Timestamp(rfc3339: "2025-06-10T04:00:00Z")!,
            state: state, holdings: [],
            effects: &effects)
        guard case .decide(let d) = effects.first else {
            Issue.record("no decision: \(effects)")
            return
        }
        func value(_ name: String) -> String? { d.values.first { $0.name == name }?.value }
        #expect(value("recent_error") == "2.000" && value("trend_per_day") == "2.000")
        #expect(value("mu") == "81.600", "80 + 0.5 × 2 + 0.3 × 2")
        #expect(value("sigma") == "2.600", "2 + 0.3 × |2|")
        // P(80.5 ≤ H ≤ 82.5) for N(81.6, 2.6) = Φ(0.346) − Φ(−0.423) ≈ 0.299; ask 0.30: edge ≈ 0.
        // P(82.5 ≤ H ≤ 84.5) = Φ(1.115) − Φ(0.346) ≈ 0.232; ask 0.12: edge ≈ 0.112, the best.
        #expect(value("edge_83-84°")?.hasPrefix("0.11") == true, "\(d.values)")
        #expect(d.action == .buy)
        // The neighbour above (>84: P ≈ 0.134, ask 0.04, edge ≈ 0.094) passes the split threshold.
        let orders = effects.compactMap { e -> OrderIntent? in
            if case .place(let o) = e { return o }
            return nil
        }
        #expect(orders.map(\.ticker) == [tickers[4], tickers[5]])
        #expect(orders.map(\.count) == [Count(contracts: 833), Count(contracts: 2_500)], "$100 each at 12¢ and 4¢")
        #expect(orders.allSatisfy { $0.type == .market && $0.action == .buy })
        #expect(d.reason.contains("in 83-84° and >84°"))
        // Quotes of every listed market are kept by the state: nothing to watch or unwatch.
        #expect(!effects.contains { if case .watch = $0 { return true } else { return false } })
    }

    @Test func noEdgeNoTrade() {
        let (state, _) = Self.state()
        var p = MidnightHeuristic.Parameters()
        p.edgeThreshold = ExactDecimal("0.5")!
        var strategy = MidnightHeuristic(p)
        var effects: [Effect] = []
        strategy.onTimer(
            .enter(date: LocalDate(iso8601: "2025-06-10")!), at: Timestamp(rfc3339: "2025-06-10T04:00:00Z")!,
            state: state, holdings: [],
            effects: &effects)
        guard case .decide(let d) = effects.first else {
            Issue.record("no decision")
            return
        }
        #expect(d.action == .skip && d.reason == "no bracket's edge reaches 0.500")
        #expect(!effects.contains { if case .place = $0 { return true } else { return false } })
    }

    /// What midnight knows: D−1's final report is published the next morning, so at midnight the
    /// trend and error read D−1's preliminary report and readings (issue: Δ₃ was always 0 and β did
    /// nothing).
    static func stateAtMidnight() -> CityState {
        let (base, tickers) = state()
        var s = CityState(city: "NY")
        var seq: UInt64 = 0
        func add(_ time: String, _ e: Event) {
            seq += 1
            s.apply(EventRecord(time: Timestamp(rfc3339: time)!, event: e), sequence: seq)
        }
        func forecast(_ basis: String, _ target: String, _ high: Int32) -> Event {
            .dailyForecast(
                DailyForecast(
                    city: ny, source: .visualCrossing, basisDate: d(basis), targetDate: d(target),
                    high: Temperature(degrees: high), low: nil))
        }
        func report(_ day: String, _ high: Int32, final: Bool) -> Event {
            .settlement(
                Settlement(
                    city: ny, source: .nwsCLI, climateDate: d(day), high: Temperature(degrees: high), low: nil,
                    isFinal: final, isCorrection: false, issuedAt: nil))
        }
        // June 6–8: finals (70, 72, 74) and day-ahead forecasts (70, 70, 73).
        for (day, high, error) in [("2025-06-06", Int32(70), Int32(0)), ("2025-06-07", 72, 2), ("2025-06-08", 74, 1)] {
            add(
                d(day).advanced(by: -1).iso8601 + "T10:00:00Z",
                forecast(d(day).advanced(by: -1).iso8601, day, high - error))
            add(d(day).advanced(by: 1).iso8601 + "T12:00:00Z", report(day, high, final: true))
        }
        // June 9 (D−1): forecast 74; by midnight only the 5 PM preliminary (77) and a 6 PM reading (78.4).
        add("2025-06-08T10:00:00Z", forecast("2025-06-08", "2025-06-09", 74))
        add("2025-06-09T10:00:00Z", forecast("2025-06-09", "2025-06-10", 80))
        for t in tickers {
            if let m = base.event(of: t)?.market(t) { add("2025-06-09T14:00:00Z", .marketListed(m)) }
        }
        add("2025-06-09T21:30:00Z", report("2025-06-09", 77, final: false))
        add(
            "2025-06-09T22:05:00Z",
            .observation(
                Observation(
                    station: Symbol("KNYC")!, source: .nws, observedAt: Timestamp(rfc3339: "2025-06-09T22:00:00Z")!,
                    temperature: Temperature(tenths: 784), dewpoint: nil)))
        for (t, ask) in zip(tickers, [Int64(3), 10, 35, 30, 12, 4]) {
            seq += 1
            s.applyCandle(
                Candle(
                    ticker: t, yesBid: OHLC(flat: Price(cents: ask - 1)), yesAsk: OHLC(flat: Price(cents: ask)),
                    price: nil, volume: .zero, openInterest: .zero),
                at: Timestamp(rfc3339: "2025-06-10T03:55:00Z")!, sequence: seq)
        }
        return s
    }

    func enter(_ state: CityState, beta: String) -> StrategyDecision? {
        var p = MidnightHeuristic.Parameters()
        p.beta = ExactDecimal(beta)!
        var strategy = MidnightHeuristic(p)
        var effects: [Effect] = []
        strategy.onTimer(
            .enter(date: LocalDate(iso8601: "2025-06-10")!), at: Timestamp(rfc3339: "2025-06-10T04:00:00Z")!,
            state: state, holdings: [],
            effects: &effects)
        if case .decide(let d) = effects.first { return d }
        return nil
    }

    @Test func theTrendReadsWhatIsKnownAtMidnightSoBetaMatters() throws {
        let state = Self.stateAtMidnight()
        #expect(state.finalReports[Self.d("2025-06-09")] == nil, "no final for D−1 at midnight")
        #expect(state.knownHigh(Self.d("2025-06-09"))?.high == 78, "max(preliminary 77, reading 78.4 → 78)")
        let zero = try #require(enter(state, beta: "0"))
        let five = try #require(enter(state, beta: "5"))
        func value(_ d: StrategyDecision, _ name: String) -> String? { d.values.first { $0.name == name }?.value }
        // Trend: (78 − 70) / 3 = 2.667 °F/day; errors: 78 − 74, 74 − 73, 72 − 70 → mean 2.333.
        #expect(value(zero, "trend_per_day") == "2.667" && value(zero, "recent_error") == "2.333")
        #expect(value(zero, "high_d-1") == "78 (preliminary)")
        #expect(value(zero, "mu") == "81.167", "80 + 0.5 × 2.333")
        #expect(value(five, "mu") == "94.500", "80 + 0.5 × 2.333 + 5 × 2.667")
        #expect(zero.values != five.values)
    }

    @Test func midnightIsTheCitysWallClockMidnightOnDaylightSavingDays() {
        // 2025-11-02: clocks fall back at 2 AM; midnight starting the day is still EDT (04:00Z), not
        // the close (23:59 EST, 04:59Z next day) minus 23 h 59 min (05:00Z, 1 AM EDT).
        // 2025-03-09: clocks spring forward at 2 AM; midnight is EST (05:00Z).
        for (date, midnight) in [("2025-11-02", "2025-11-02T04:00:00Z"), ("2025-03-09", "2025-03-09T05:00:00Z")] {
            let day = Self.d(date)
            var state = CityState(city: "NY")
            let listing = MarketListed(
                ticker: Symbol("KXHIGHNY-\(day.kalshiCode)-B50.5")!, eventTicker: Symbol("KXHIGHNY-\(day.kalshiCode)")!,
                seriesTicker: Symbol("KXHIGHNY")!, eventDate: day, strikeType: .between,
                floorStrike: Temperature(degrees: 50), capStrike: Temperature(degrees: 51),
                openTime: day.advanced(by: -1).startUTC.adding(nanos: 14 * 3_600 * Timestamp.nanosPerSecond),
                closeTime: day.advanced(by: 1).startUTC.adding(nanos: 4 * 3_600 * Timestamp.nanosPerSecond),
                feeType: .quadratic, feeMultiplierMillionths: 1_000_000, title: "")
            let record = EventRecord(time: listing.openTime, event: .marketListed(listing))
            state.apply(record, sequence: 1)
            var strategy = MidnightHeuristic(MidnightHeuristic.Parameters())
            var effects: [Effect] = []
            strategy.onEvent(record, sequence: 1, state: state, effects: &effects)
            #expect(
                effects == [.timer(key: .enter(date: LocalDate(iso8601: date)!), due: Timestamp(rfc3339: midnight)!)],
                "\(date)")
        }
    }

    @Test func theDaysHighestReadingIsTheClimateDaysInLocalStandardTime() {
        var state = CityState(city: "NY")
        var seq: UInt64 = 0
        func reading(_ at: String, _ tenths: Int32) {
            seq += 1
            state.apply(
                EventRecord(
                    time: Timestamp(rfc3339: at)!,
                    event: .observation(
                        Observation(
                            station: Symbol("KNYC")!, source: .nws, observedAt: Timestamp(rfc3339: at)!,
                            temperature: Temperature(tenths: tenths), dewpoint: nil))), sequence: seq)
        }
        // 00:30 EDT on June 10 is 23:30 EST on June 9: it belongs to June 9's climate day.
        reading("2025-06-10T04:30:00Z", 900)
        // 01:05 EDT = 00:05 EST June 10, and the afternoon.
        reading("2025-06-10T05:05:00Z", 700)
        reading("2025-06-10T18:00:00Z", 812)
        #expect(state.observedHighs[Self.d("2025-06-09")]?.value == Temperature(tenths: 900))
        #expect(state.observedHighs[Self.d("2025-06-10")]?.value == Temperature(tenths: 812))
        #expect(
            state.knownHigh(Self.d("2025-06-10"))?.high == 81
                && state.knownHigh(Self.d("2025-06-10"))?.source == .observations)
    }
}
