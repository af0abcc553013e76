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
        var s = CityState()
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
        // Midnight EDT starting June 10 = the close (23:59 June 10 EDT) minus 23 h 59 min = 04:00Z.
        strategy.onTimer(
            "enter:2025-06-10", at: Timestamp(rfc3339: "2025-06-10T04:00:00Z")!, state: state, holdings: [],
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
        #expect(d.action == "buy")
        // The neighbour above (>84: P ≈ 0.134, ask 0.04, edge ≈ 0.094) passes the split threshold.
        let orders = effects.compactMap { e -> OrderIntent? in
            if case .place(let o) = e { return o }
            return nil
        }
        #expect(orders.map(\.ticker) == [tickers[4], tickers[5]])
        #expect(orders.map(\.count) == [Count(contracts: 833), Count(contracts: 2_500)], "$100 each at 12¢ and 4¢")
        #expect(orders.allSatisfy { $0.type == .market && $0.action == .buy })
        #expect(d.reason.contains("in 83-84° and >84°"))
        #expect(effects.filter { if case .unwatch = $0 { return true } else { return false } }.count == 6)
    }

    @Test func noEdgeNoTrade() {
        let (state, _) = Self.state()
        var p = MidnightHeuristic.Parameters()
        p.edgeThreshold = 0.5
        var strategy = MidnightHeuristic(p)
        var effects: [Effect] = []
        strategy.onTimer(
            "enter:2025-06-10", at: Timestamp(rfc3339: "2025-06-10T04:00:00Z")!, state: state, holdings: [],
            effects: &effects)
        guard case .decide(let d) = effects.first else {
            Issue.record("no decision")
            return
        }
        #expect(d.action == "skip" && d.reason == "no bracket's edge reaches 0.500")
        #expect(!effects.contains { if case .place = $0 { return true } else { return false } })
    }
}
