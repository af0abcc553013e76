import Foundation
import IsothermEvents
import IsothermStore
import Testing

@testable import IsothermBacktest
@testable import IsothermCore

/// A world small enough to compute by hand: New York on two event dates, Chicago on one, with the
/// candles that decide the touch and queue fills and the exit. Every trade and P&L is asserted for
/// each strategy and fill model.
@Suite struct HandWorldTests {
    static func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s)! }
    static func d(_ s: String) -> LocalDate { LocalDate(iso8601: s)! }

    /// Six markets around `floor` (odd), listed at `open`, closing at `close`.
    static func listings(_ series: String, _ date: String, floor f: Int32, open: Timestamp, close: Timestamp)
        -> [EventRecord]
    {
        let eventTicker = series + "-" + d(date).kalshiCode
        func m(_ suffix: String, _ type: StrikeType, _ floor: Int32?, _ cap: Int32?) -> EventRecord {
            EventRecord(
                time: open,
                event: .marketListed(
                    MarketListed(
                        ticker: Symbol(eventTicker + "-" + suffix)!, eventTicker: Symbol(eventTicker)!,
                        seriesTicker: Symbol(series)!,
                        eventDate: d(date), strikeType: type, floorStrike: floor.map { Temperature(degrees: $0) },
                        capStrike: cap.map { Temperature(degrees: $0) }, openTime: open, closeTime: close,
                        feeType: .quadratic,
                        feeMultiplierMillionths: 1_000_000, title: "")))
        }
        return [
            m("T\(f)", .less, nil, f), m("B\(f).5", .between, f, f + 1), m("B\(f + 2).5", .between, f + 2, f + 3),
            m("B\(f + 4).5", .between, f + 4, f + 5), m("B\(f + 6).5", .between, f + 6, f + 7),
            m("T\(f + 7)", .greater, f + 7, nil),
        ]
    }

    static func forecast(_ city: String, basis: String, target: String, tenths: Int32, at time: String) -> EventRecord {
        EventRecord(
            time: t(time),
            event: .dailyForecast(
                DailyForecast(
                    city: Symbol(city)!, source: .visualCrossing, basisDate: d(basis), targetDate: d(target),
                    high: Temperature(tenths: tenths), low: nil)))
    }

    static func candle(
        _ ticker: String, at time: String, bid: Int64, ask: Int64, askLow: Int64? = nil,
        trade: (low: Int64, volume: Int64)? = nil
    ) -> EventRecord {
        func c(_ v: Int64) -> Price { Price(cents: v) }
        let price = trade.map { OHLC(open: c(50), high: c(55), low: c($0.low), close: c($0.low)) }
        return EventRecord(
            time: t(time),
            event: .candle(
                Candle(
                    ticker: Symbol(ticker)!, yesBid: OHLC(flat: c(bid)),
                    yesAsk: OHLC(open: c(ask), high: c(ask), low: c(askLow ?? ask), close: c(ask)), price: price,
                    volume: Count(contracts: trade?.volume ?? 0), openInterest: .zero)))
    }

    static func determined(_ ticker: String, yes: Bool, at time: String) -> EventRecord {
        EventRecord(
            time: t(time),
            event: .marketLifecycle(
                MarketLifecycle(
                    ticker: Symbol(ticker)!, transition: .determined, result: yes ? .yes : .no,
                    settlementValue: yes ? .one : .zero)))
    }

    static func report(_ city: String, _ date: String, high: Int32, at time: String) -> EventRecord {
        EventRecord(
            time: t(time),
            event: .settlement(
                Settlement(
                    city: Symbol(city)!, source: .nwsCLI, climateDate: d(date), high: Temperature(degrees: high),
                    low: nil,
                    isFinal: true, isCorrection: false, issuedAt: t(time))))
    }

    /// New York. June 10: forecast 81.4 → 81 → B81.5, which trades at 49¢ (300 lots) at 15:00 and at
    /// 50¢ (1,000) at 16:00, and wins (high 82). June 11: forecast 77.5 → 78 → B77.5, never offered at
    /// or below 50¢, bid 30¢ at 16:00 while T80 (two up: above 80) bids 40¢; loses (high 81).
    static var newYork: [EventRecord] {
        var e: [EventRecord] = []
        e.append(forecast("NY", basis: "2025-06-09", target: "2025-06-10", tenths: 814, at: "2025-06-09T10:00:00Z"))
        e += listings(
            "KXHIGHNY", "2025-06-10", floor: 77, open: t("2025-06-09T14:00:00Z"), close: t("2025-06-11T03:59:00Z"))
        e.append(candle("KXHIGHNY-25JUN10-B81.5", at: "2025-06-09T14:05:00Z", bid: 48, ask: 52))
        e.append(candle("KXHIGHNY-25JUN10-B81.5", at: "2025-06-09T15:00:00Z", bid: 48, ask: 52, trade: (49, 300)))
        e.append(candle("KXHIGHNY-25JUN10-B81.5", at: "2025-06-09T16:00:00Z", bid: 49, ask: 51, trade: (50, 1_000)))
        e.append(forecast("NY", basis: "2025-06-10", target: "2025-06-11", tenths: 775, at: "2025-06-10T10:00:00Z"))
        // The hourly forecast for June 11 peaks at 20:00Z: next_over and curve_gap decide at 19:00Z.
        e.append(
            EventRecord(
                time: t("2025-06-10T10:00:00Z"),
                event: .hourlyForecast(
                    HourlyForecast(
                        city: Symbol("NY")!, source: .visualCrossing, basisDate: d("2025-06-10"),
                        targetDate: d("2025-06-11"),
                        points: [("17", 760), ("18", 770), ("19", 780), ("20", 790), ("21", 785)].map {
                            HourlyPoint(time: t("2025-06-11T\($0.0):00:00Z"), temperature: Temperature(tenths: $0.1))
                        }))))
        e += listings(
            "KXHIGHNY", "2025-06-11", floor: 73, open: t("2025-06-10T14:00:00Z"), close: t("2025-06-12T03:59:00Z"))
        e.append(candle("KXHIGHNY-25JUN11-B77.5", at: "2025-06-10T14:30:00Z", bid: 40, ask: 55))
        e.append(candle("KXHIGHNY-25JUN11-B77.5", at: "2025-06-10T16:00:00Z", bid: 30, ask: 56))
        e.append(candle("KXHIGHNY-25JUN11-T80", at: "2025-06-10T16:00:00Z", bid: 40, ask: 44))
        e.append(report("NY", "2025-06-10", high: 82, at: "2025-06-11T11:00:00Z"))
        e.append(determined("KXHIGHNY-25JUN10-B81.5", yes: true, at: "2025-06-11T12:00:00Z"))
        e.append(determined("KXHIGHNY-25JUN10-B79.5", yes: false, at: "2025-06-11T12:00:00Z"))
        // June 11 afternoon: readings 79.0 an hour before the decision, 80.5 in its last 15 minutes
        // (the forecast says 78.0 at 19:00Z): 2.5 °F ahead and rising 1.5 °F an hour.
        for (time, tenths) in [
            ("17:50", 790), ("17:55", 790), ("18:00", 790), ("18:50", 805), ("18:55", 805), ("19:00", 805),
        ] {
            e.append(
                EventRecord(
                    time: t("2025-06-11T\(time):00Z"),
                    event: .observation(
                        Observation(
                            station: Symbol("KNYC")!, source: .nws, observedAt: t("2025-06-11T\(time):00Z"),
                            temperature: Temperature(tenths: Int32(tenths)), dewpoint: nil))))
            if time == "18:55" {
                e.append(candle("KXHIGHNY-25JUN11-B77.5", at: "2025-06-11T18:58:00Z", bid: 20, ask: 24))
                e.append(candle("KXHIGHNY-25JUN11-B79.5", at: "2025-06-11T18:58:00Z", bid: 55, ask: 58))
            }
        }
        e.append(report("NY", "2025-06-11", high: 81, at: "2025-06-12T11:00:00Z"))
        e.append(determined("KXHIGHNY-25JUN11-B77.5", yes: false, at: "2025-06-12T12:00:00Z"))
        e.append(determined("KXHIGHNY-25JUN11-T80", yes: true, at: "2025-06-12T12:00:00Z"))
        e.append(determined("KXHIGHNY-25JUN11-B79.5", yes: false, at: "2025-06-12T12:00:00Z"))
        return e
    }

    /// Chicago, June 10: only a basis-June-8 forecast (71.2 → 71 → B71.5): a fallback; wins.
    static var chicago: [EventRecord] {
        var e: [EventRecord] = []
        e.append(forecast("CHI", basis: "2025-06-08", target: "2025-06-10", tenths: 712, at: "2025-06-08T10:00:00Z"))
        e += listings(
            "KXHIGHCHI", "2025-06-10", floor: 67, open: t("2025-06-09T14:00:00Z"), close: t("2025-06-11T04:59:00Z"))
        e.append(candle("KXHIGHCHI-25JUN10-B71.5", at: "2025-06-09T15:30:00Z", bid: 45, ask: 47, askLow: 46))
        e.append(report("CHI", "2025-06-10", high: 72, at: "2025-06-11T12:00:00Z"))
        e.append(determined("KXHIGHCHI-25JUN10-B71.5", yes: true, at: "2025-06-11T13:00:00Z"))
        return e
    }

    static func writeLogs() throws -> (String, [String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hand-\(UUID().uuidString)").path
        var logs: [String] = []
        for (name, events) in [("NY", newYork), ("CHI", chicago)] {
            let w = try EventLogWriter(directory: dir + "/" + name)
            for e in events { _ = try w.append(e) }
            try w.close()
            logs.append(dir + "/" + name)
        }
        return (dir, logs)
    }

    static func run(
        _ strategy: String = "open_maker", fill: FillModel, threads: Int = 1, risk: RiskLimits = RiskLimits()
    )
        throws -> BacktestResult
    {
        let (dir, logs) = try writeLogs()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var p = OpenMaker.Parameters()
        if strategy == "exit" { p.exit = OpenMaker.ExitRule() }
        if strategy == "next_over" { p.nextOver = OpenMaker.NextOverRule() }
        if strategy == "curve_gap" { p.curveGap = OpenMaker.CurveGapRule() }
        var config = BacktestConfig(
            logs: logs, strategy: .openMaker(p), exchange: ExchangeOptions(fillModel: fill), threads: threads,
            engineVersion: "test")
        config.risk = risk
        return try Backtest.run(config)
    }

    func summary(_ r: BacktestResult) -> [String] {
        r.trades.map {
            "\($0.ticker) \(FixedPoint.format($0.contracts.hundredths, scale: 2, minDecimals: 0)) cost \(DecisionText.dollars($0.cost)) "
                + "fees \(DecisionText.dollars($0.fees)) net \(DecisionText.dollars($0.netPnL))"
        }
    }

    @Test func assumeFillsEveryOrderAtItsPrice() throws {
        let r = try Self.run(fill: .assume)
        #expect(
            summary(r) == [
                "KXHIGHNY-25JUN10-B81.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHCHI-25JUN10-B71.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHNY-25JUN11-B77.5 400 cost 200.00 fees 0.00 net -200.00",
            ])
        #expect(r.metrics.trades == 3 && r.metrics.wins == 2 && r.metrics.totalPnL == Money(dollars: "200")!)
        #expect(r.metrics.wagered == Money(dollars: "600")! && r.metrics.days == 2)
        #expect(r.metrics.daily.map(\.pnl) == [Money(dollars: "400")!, Money(dollars: "-200")!])
        #expect(r.metrics.maxDrawdown == Money(dollars: "200")!)
        // What the decisions read: the forecast's basis, the fallback, the rounding.
        let ny = r.trades[0]
        #expect(ny.value("forecast_basis_date") == "2025-06-09" && ny.value("basis_fallback") == "false")
        #expect(ny.value("forecast_high") == "81.4" && ny.value("rounded_high") == "81" && ny.bracket == "81-82°")
        #expect(ny.settledHigh == 82 && ny.won == true)
        let chi = r.trades[1]
        #expect(chi.value("forecast_basis_date") == "2025-06-08" && chi.value("basis_fallback") == "true")
        #expect(
            r.trades[2].value("adjusted_high") == "77.5" && r.trades[2].value("rounded_high") == "78",
            "77.5 rounds half up")
        #expect(r.byCity.map(\.city) == ["NY", "CHI"])
    }

    @Test func touchFillsOnlyWhereTheMarketReachedThePrice() throws {
        let r = try Self.run(fill: .touch)
        // NY June 10 traded at 49¢: filled. Chicago was offered at 46¢: filled. NY June 11 never
        // reached 50¢: no trade, the order is canceled at the close.
        #expect(
            summary(r) == [
                "KXHIGHNY-25JUN10-B81.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHCHI-25JUN10-B71.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHNY-25JUN11-B77.5 0 cost 0.00 fees 0.00 net 0.00",
            ])
        #expect(r.metrics.trades == 2 && r.metrics.ordersPlaced == 3 && r.metrics.totalPnL == Money(dollars: "400")!)
        let canceled = r.runs[0].output.compactMap { e -> OrderCanceled? in
            if case .orderCanceled(let c) = e.event { return c }
            return nil
        }
        #expect(canceled.map(\.clientOrderId) == ["open_maker-KXHIGHNY-25JUN11-buy"])
        #expect(canceled.first?.canceledCount == Count(contracts: 400))
    }

    @Test func queueFillsWhatTheVolumeReachedBehindTheQueue() throws {
        let r = try Self.run(fill: .queue)
        // June 10: 300 traded at 49¢, 250 were ahead: 50 for us; then 1,000 at 50¢: the other 350.
        // Chicago never traded (only offered): nothing. June 11: nothing.
        #expect(
            summary(r) == [
                "KXHIGHNY-25JUN10-B81.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHCHI-25JUN10-B71.5 0 cost 0.00 fees 0.00 net 0.00",
                "KXHIGHNY-25JUN11-B77.5 0 cost 0.00 fees 0.00 net 0.00",
            ])
        let fills = r.runs[0].output.compactMap { e -> (String, Int64)? in
            if case .fill(let f) = e.event { return (e.time.rfc3339, f.count.hundredths / 100) }
            return nil
        }
        #expect(fills.map(\.0) == ["2025-06-09T15:00:00Z", "2025-06-09T16:00:00Z"])
        #expect(fills.map(\.1) == [50, 350])
    }

    @Test func exitSellsAtTheBidWhenTwoBracketsUpBidsFiveCentsMore() throws {
        let r = try Self.run("exit", fill: .assume)
        // June 11 at 16:00, 120 minutes after entry: T80 (two brackets up) bids 40¢ ≥ our 30¢ + 5¢. Sell 400 at 30¢:
        // $120 back, taker fee ceil(0.07 × 400 × 0.3 × 0.7) = $5.88; net −$80 − $5.88.
        #expect(
            summary(r) == [
                "KXHIGHNY-25JUN10-B81.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHCHI-25JUN10-B71.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHNY-25JUN11-B77.5 400 cost 200.00 fees 5.88 net -85.88",
            ])
        #expect(r.trades[2].exitPrice == Price(cents: 30))
        let exits = r.runs[0].output.compactMap { e -> StrategyDecision? in
            if case .strategyDecision(let d) = e.event, d.action == .exit { return d }
            return nil
        }
        #expect(exits.count == 1)
        #expect(exits.first?.reason == ">80° bids $0.40, at least 5¢ above our $0.30: sell at the bid")
    }

    @Test func nextOverSellsWhenTheNextBracketUpIsRichAndOursCheap() throws {
        let r = try Self.run("next_over", fill: .assume)
        // June 11 at 19:00Z (the hourly peak 20:00Z − 60 min): B79.5 bids 55¢ ≥ 50¢, ours bids 20¢ ≤ 30¢.
        // Sell 400 at 20¢: $80 back, taker fee ceil(0.07 × 400 × 0.2 × 0.8 = 4.48) = $4.48.
        #expect(
            summary(r) == [
                "KXHIGHNY-25JUN10-B81.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHCHI-25JUN10-B71.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHNY-25JUN11-B77.5 400 cost 200.00 fees 4.48 net -124.48",
            ])
        let decisions = r.runs[0].output.compactMap { e -> StrategyDecision? in
            if case .strategyDecision(let d) = e.event, d.action == .exit { return d }
            return nil
        }
        #expect(
            decisions.map(\.reason) == [
                "the next bracket up is at $0.55 ≥ 50¢ and ours at $0.20 ≤ 30¢: sell at the bid"
            ])
    }

    @Test func curveGapMovesUpABracketWhenObservationsRunAheadAndRise() throws {
        let r = try Self.run("curve_gap", fill: .assume)
        // Sell B77.5 at 20¢ ($80, fee $4.48), buy B79.5 at 58¢ with the $80: 137 contracts for $79.46,
        // fee ceil(0.07 × 137 × 0.58 × 0.42 = 2.336) = $2.34. The high is 81: B79.5 loses.
        #expect(
            summary(r) == [
                "KXHIGHNY-25JUN10-B81.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHCHI-25JUN10-B71.5 400 cost 200.00 fees 0.00 net 200.00",
                "KXHIGHNY-25JUN11-B77.5 400 cost 200.00 fees 4.48 net -124.48",
                "KXHIGHNY-25JUN11-B79.5 137 cost 79.46 fees 2.34 net -81.80",
            ])
        let shift = r.runs[0].output.compactMap { e -> StrategyDecision? in
            if case .strategyDecision(let d) = e.event, d.action == .shift { return d }
            return nil
        }
        #expect(shift.first?.values.first { $0.name == "gap" }?.value == "2.50")
        #expect(shift.first?.values.first { $0.name == "slope_per_hour" }?.value == "1.50")
        #expect(
            shift.first?.reason
                == "observations run 2.50°F above the hourly forecast and still rise 1.50°F/h: sell ours at $0.20, buy 79-80° at $0.58"
        )
    }

    @Test func riskLimitsRejectOrdersBeforeTheExchange() throws {
        var limits = RiskLimits()
        limits.maxContractsPerOrder = Count(contracts: 300)
        let small = try Self.run(fill: .assume, risk: limits)
        #expect(small.metrics.trades == 0 && small.trades.isEmpty)
        let rejected = small.runs.flatMap(\.output).compactMap { e -> OrderRejected? in
            if case .orderRejected(let r) = e.event { return r }
            return nil
        }
        #expect(rejected.map(\.code) == ["risk_max_contracts", "risk_max_contracts", "risk_max_contracts"])
        #expect(rejected.first?.message == "400 contracts > 300")

        // $250 a day: the two June 10 orders are placed on June 9 (NY, then Chicago in its own log).
        // The limit binds the account: NY's passes, Chicago's would make June 9's buys more than $250
        // and is refused; NY's June 11 order (placed June 10) passes. Bound per city, all three pass.
        limits = RiskLimits()
        limits.maxExposurePerDay = Money(dollars: "250")!
        let account = try Self.run(fill: .assume, risk: limits)
        #expect(account.trades.map(\.city) == ["NY", "NY"])
        #expect(account.metrics.rejections.map(\.code) == ["risk_max_day_exposure"])
        limits.scope = .city
        #expect(try Self.run(fill: .assume, risk: limits).metrics.trades == 3)
        limits.scope = .account
        limits.maxExposurePerDay = Money(dollars: "150")!
        #expect(try Self.run(fill: .assume, risk: limits).metrics.trades == 0)
        #expect(try Self.run(fill: .assume, risk: limits).outputHash != Self.run(fill: .assume).outputHash)
    }

    @Test func theKillSwitchRefusesEveryOrderAfterTheLossLimit() {
        var book = RiskBook(
            {
                var l = RiskLimits()
                l.killAfterLoss = Money(dollars: "100")!
                return l
            }())
        let order = OrderIntent(
            clientOrderId: "x", ticker: Symbol("KXHIGHNY-25JUN10-B81.5")!, side: .yes, action: .buy, type: .limit,
            price: Price(cents: 50), count: Count(contracts: 10), postOnly: true, decisionSequence: 1)
        let now = Timestamp(rfc3339: "2025-06-10T14:00:00Z")!
        #expect(book.check(order, eventTicker: nil, at: now) == nil)
        book.realize(Money(dollars: "-60")!)
        #expect(book.check(order, eventTicker: nil, at: now) == nil, "−$60 is within the limit")
        book.realize(Money(dollars: "-40")!)
        #expect(book.killed)
        #expect(book.check(order, eventTicker: nil, at: now)?.code == "risk_kill_switch")
        book.realize(Money(dollars: "500")!)
        #expect(
            book.check(order, eventTicker: nil, at: now)?.code == "risk_kill_switch", "it stays tripped")
    }

    @Test func oneThreadOrTwoGiveTheSameOutputHash() throws {
        for fill in FillModel.allCases {
            let one = try Self.run("curve_gap", fill: fill, threads: 1)
            let two = try Self.run("curve_gap", fill: fill, threads: 2)
            #expect(one.outputHash == two.outputHash)
            #expect(one.metrics == two.metrics)
        }
        #expect(try Self.run(fill: .assume).outputHash != Self.run(fill: .touch).outputHash)
    }
}
