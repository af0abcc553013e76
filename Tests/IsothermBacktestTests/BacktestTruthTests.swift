import Foundation
import IsothermEvents
import IsothermStore
import Testing

@testable import IsothermBacktest
@testable import IsothermCore

/// Every number a trader reads: rejections, crossing orders, win rate, settlement disagreements, stale
/// quotes, exact curve_gap arithmetic, parameters that round-trip. Each test is a case the backtest
/// got wrong before (the issue "Backtest truth").
@Suite struct BacktestTruthTests {
    typealias W = HandWorldTests
    static func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s)! }

    static func run(
        _ events: [EventRecord], _ kind: StrategyKind = .openMaker, fill: FillModel = .assume,
        flags: [String: String] = [:], risk: RiskLimits = RiskLimits()
    ) throws -> BacktestResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("truth-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = try EventLogWriter(directory: dir)
        for e in events { _ = try w.append(e) }
        try w.close()
        var config = BacktestConfig(
            logs: [dir], strategy: try StrategyChoice.parse(kind) { flags[$0.flag] },
            exchange: ExchangeOptions(fillModel: fill), engineVersion: "test")
        config.risk = risk
        return try Backtest.run(config)
    }

    static func observation(_ time: String, _ tenths: Int32) -> EventRecord {
        EventRecord(
            time: t(time),
            event: .observation(
                Observation(
                    station: Symbol("KNYC")!, source: .nws, observedAt: t(time),
                    temperature: Temperature(tenths: tenths),
                    dewpoint: nil)))
    }

    static func hourly(_ target: String, _ points: [(String, Int32)], at time: String) -> EventRecord {
        EventRecord(
            time: t(time),
            event: .hourlyForecast(
                HourlyForecast(
                    city: Symbol("NY")!, source: .visualCrossing, basisDate: W.d(String(time.prefix(10))),
                    targetDate: W.d(target),
                    points: points.map { HourlyPoint(time: t($0.0), temperature: Temperature(tenths: $0.1)) })))
    }

    // MARK: - Orders refused and orders that cross

    @Test func ordersRefusedByRiskLimitsAreCountedByReason() throws {
        var limits = RiskLimits()
        limits.maxContractsPerOrder = Count(contracts: 300)
        let r = try W.run(fill: .assume, risk: limits)
        #expect(r.metrics.trades == 0)
        #expect(r.metrics.ordersPlaced == 3, "three entries were placed, and refused")
        #expect(r.metrics.rejections.map(\.code) == ["risk_max_contracts"])
        #expect(r.metrics.rejections.map(\.count) == [3])
        #expect(r.manifest.parameters.contains(Field("max_contracts", "300")))
    }

    @Test func theExchangeNeverFillsACrossingLimitAsAMaker() throws {
        let listing = W.listings(
            "KXHIGHNY", "2025-06-10", floor: 77, open: Self.t("2025-06-09T14:00:00Z"),
            close: Self.t("2025-06-11T03:59:00Z"))[1]
        guard case .marketListed(let market) = listing.event else { return }
        let now = Self.t("2025-06-09T15:00:00Z")
        let quote = Quote(bid: Price(cents: 44), ask: Price(cents: 45), last: nil, time: now, sequence: 9)
        func order(_ action: OrderAction, _ cents: Int64, postOnly: Bool) -> OrderIntent {
            OrderIntent(
                clientOrderId: "x", ticker: market.ticker, side: .yes, action: action, type: .limit,
                price: Price(cents: cents), count: Count(contracts: 400), postOnly: postOnly, decisionSequence: 1)
        }
        var x = SimulatedExchange(options: ExchangeOptions(fillModel: .assume))
        // Post-only into the ask: rejected as Kalshi rejects it.
        let refused = x.submit(order(.buy, 50, postOnly: true), at: now, market: market, quote: quote)
        #expect(refused.crossed)
        guard case .orderRejected(let rej) = refused.events.first else {
            Issue.record("\(refused.events)")
            return
        }
        #expect(rej.code == "post_only_rejected")
        // Not post-only: takes the ask, pays the taker fee.
        let taken = x.submit(order(.buy, 50, postOnly: false), at: now, market: market, quote: quote)
        guard case .fill(let f) = taken.events.last else {
            Issue.record("\(taken.events)")
            return
        }
        #expect(taken.crossed && f.isTaker && f.price == Price(cents: 45))
        #expect(f.fee == Fees.taker(count: Count(contracts: 400), price: Price(cents: 45)))
        // Below the ask: rests, and assume fills it at its own price as a maker.
        let rests = x.submit(order(.buy, 40, postOnly: true), at: now, market: market, quote: quote)
        guard case .fill(let m) = rests.events.last else { return }
        #expect(!rests.crossed && !m.isTaker && m.price == Price(cents: 40) && m.fee == .zero)
        // No quote yet: rests first in the book.
        let first = x.submit(order(.buy, 50, postOnly: true), at: now, market: market, quote: nil)
        guard case .fill(let n) = first.events.last else { return }
        #expect(!first.crossed && !n.isTaker && n.price == Price(cents: 50))
        // A sale at or below the bid takes the bid.
        let sale = x.submit(order(.sell, 30, postOnly: false), at: now, market: market, quote: quote)
        guard case .fill(let s) = sale.events.last else { return }
        #expect(sale.crossed && s.isTaker && s.price == Price(cents: 44))
    }

    /// The live feed's inputs fill resting orders: `touch` on a ticker's YES ask (a zero ask is none) or
    /// a trade print at or below the order's price; `queue` only on trade prints, behind the queue ahead.
    @Test func tickerAsksAndTradePrintsFillRestingOrders() throws {
        let listing = W.listings(
            "KXHIGHNY", "2025-06-10", floor: 77, open: Self.t("2025-06-09T14:00:00Z"),
            close: Self.t("2025-06-11T03:59:00Z"))[1]
        guard case .marketListed(let market) = listing.event else { return }
        let now = Self.t("2025-06-09T15:00:00Z")
        let later = Self.t("2025-06-09T15:05:00Z")
        let order = OrderIntent(
            clientOrderId: "x", ticker: market.ticker, side: .yes, action: .buy, type: .limit, price: Price(cents: 40),
            count: Count(contracts: 400), postOnly: true, decisionSequence: 1)
        func ticker(ask cents: Int64) -> TickerUpdate {
            TickerUpdate(
                ticker: market.ticker, lastPrice: nil, yesBid: Price(cents: 38), yesAsk: Price(cents: cents),
                yesBidSize: nil, yesAskSize: nil, volume: nil, openInterest: nil)
        }
        func print(cents: Int64, contracts: Int64) -> IsothermEvents.Trade {
            IsothermEvents.Trade(
                tradeId: "t", ticker: market.ticker, yesPrice: Price(cents: cents), count: Count(contracts: contracts),
                takerSide: .no, isBlockTrade: nil)
        }
        func filled(_ events: [Event]) -> [Int64] {
            events.compactMap { if case .fill(let f) = $0 { f.count.hundredths / 100 } else { nil } }
        }
        var touch = SimulatedExchange(options: ExchangeOptions(fillModel: .touch))
        #expect(touch.submit(order, at: now, market: market, quote: nil).rests)
        #expect(touch.ticker(ticker(ask: 41), at: later).isEmpty)
        #expect(touch.ticker(ticker(ask: 0), at: later).isEmpty, "a zero ask is no offer")
        #expect(touch.trade(print(cents: 41, contracts: 5), at: later).isEmpty)
        #expect(filled(touch.ticker(ticker(ask: 40), at: later)) == [400])
        #expect(!touch.hasResting)
        _ = touch.submit(order, at: now, market: market, quote: nil)
        #expect(filled(touch.trade(print(cents: 39, contracts: 1), at: later)) == [400])

        var options = ExchangeOptions(fillModel: .queue)
        options.queueAhead = Count(contracts: 100)
        var queue = SimulatedExchange(options: options)
        _ = queue.submit(order, at: now, market: market, quote: nil)
        #expect(queue.ticker(ticker(ask: 30), at: later).isEmpty, "an offer is not a trade")
        #expect(queue.trade(print(cents: 40, contracts: 150), at: later).count == 1)
        #expect(filled(queue.trade(print(cents: 40, contracts: 500), at: later)) == [350])
        #expect(!queue.hasResting)
    }

    @Test func aPostOnlyEntryIntoAnExistingQuoteIsRejectedAndCounted() throws {
        // Chicago's chosen bracket (B71.5) is offered at 46¢ at the open itself, before the order.
        var chicago = W.chicago
        chicago.insert(
            W.candle("KXHIGHCHI-25JUN10-B71.5", at: "2025-06-09T14:00:00Z", bid: 44, ask: 46), at: 7)
        let r = try Self.run(chicago)
        #expect(r.metrics.trades == 0)
        #expect(r.metrics.crossedOrders == 1)
        #expect(r.metrics.rejections.map(\.code) == ["post_only_rejected"])
    }

    // MARK: - Win rate and settlement

    @Test func aWinIsATradeThatMadeMoneyNotABracketThatWon() {
        func trade(won bracket: Bool, net: String) -> TradeRecord {
            var t = TradeRecord(
                city: "NY", eventDate: W.d("2025-06-10"), ticker: Symbol("KXHIGHNY-25JUN10-B81.5")!, bracket: "81-82°",
                range: nil, clientOrderId: "x", decision: [], decisionSequence: 1, entryPrice: Price(cents: 50))
            t.contracts = Count(contracts: 400)
            t.cost = Money(dollars: "200")!
            t.bracketWon = bracket
            t.netPnL = Money(dollars: net)!
            t.settled = true
            return t
        }
        // Sold early at a loss, then the bracket won; sold early at a profit, then it lost; held and lost.
        let m = Metrics(
            trades: [trade(won: true, net: "-5"), trade(won: false, net: "10"), trade(won: false, net: "-200")],
            ordersPlaced: 3)
        #expect(m.wins == 1 && m.winRate == 1.0 / 3.0)
        #expect(m.bracketHits == 1 && m.settledTrades == 3)
    }

    @Test func aReportThatDisagreesWithTheDeterminationIsShownNotHidden() throws {
        // The official report says 80 °F, outside 81-82°, yet Kalshi determined B81.5 YES.
        var ny = W.newYork.filter {
            if case .settlement(let s) = $0.event { return s.climateDate != W.d("2025-06-10") }
            return true
        }
        let at = ny.firstIndex { $0.time >= Self.t("2025-06-11T11:00:00Z") }!
        ny.insert(W.report("NY", "2025-06-10", high: 80, at: "2025-06-11T11:00:00Z"), at: at)
        let r = try Self.run(ny)
        let t = try #require(r.trades.first { $0.ticker.description == "KXHIGHNY-25JUN10-B81.5" })
        #expect(t.settledHigh == 80 && t.bracketWon == true && t.settlementDisagrees)
        #expect(t.netPnL == Money(dollars: "200")!, "Kalshi's result pays")
        #expect(r.metrics.disagreements == 1 && r.metrics.disagreementDates == [W.d("2025-06-10")])
        // A corrected report after the determination is recorded: the disagreement is gone.
        var corrected = ny
        let later = corrected.firstIndex { $0.time > Self.t("2025-06-11T12:00:00Z") }!
        corrected.insert(W.report("NY", "2025-06-10", high: 82, at: "2025-06-11T12:30:00Z"), at: later)
        let c = try Self.run(corrected)
        let ct = try #require(c.trades.first { $0.ticker.description == "KXHIGHNY-25JUN10-B81.5" })
        #expect(ct.settledHigh == 82 && !ct.settlementDisagrees && c.metrics.disagreements == 0)
    }

    // MARK: - A market bought after its open

    @Test func marketsListedAfterTheirOpenAreSkippedAndTheRunSaysWhy() throws {
        // The listing arrives an hour after the markets opened (as an old database stamped it at
        // determination): an order "at the open" would be placed with hindsight.
        let late = W.newYork.map { e -> EventRecord in
            guard case .marketListed = e.event else { return e }
            return EventRecord(time: e.time.adding(nanos: 3_600 * Timestamp.nanosPerSecond), event: e.event)
        }.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        let r = try Self.run(late)
        #expect(r.metrics.ordersPlaced == 0)
        let d = try #require(r.diagnosis)
        #expect(d.skips.map(\.reason) == ["listed_after_open"] && d.skips.map(\.count) == [2])
        #expect(d.eventsInRange == 2 && d.marketDates == W.d("2025-06-10")...W.d("2025-06-11"))
        #expect(d.lines.contains { $0.contains("listed after their open") })
    }

    // MARK: - exit reads the live quote of the market it holds

    /// NY June 11, touch: the order at 45¢ fills on the 14:01 candle (bid 27¢); ours then bids 30¢ at
    /// 14:30, before the exit window opens at 15:00; at 15:01 the bracket two up bids `farCents`.
    static func staleQuoteWorld(farCents: Int64) -> [EventRecord] {
        var e: [EventRecord] = []
        e.append(W.forecast("NY", basis: "2025-06-10", target: "2025-06-11", tenths: 775, at: "2025-06-10T10:00:00Z"))
        e += W.listings(
            "KXHIGHNY", "2025-06-11", floor: 73, open: t("2025-06-10T14:00:00Z"), close: t("2025-06-12T03:59:00Z"))
        e.append(W.candle("KXHIGHNY-25JUN11-B77.5", at: "2025-06-10T14:01:00Z", bid: 27, ask: 44))
        e.append(W.candle("KXHIGHNY-25JUN11-B77.5", at: "2025-06-10T14:30:00Z", bid: 30, ask: 33))
        e.append(W.candle("KXHIGHNY-25JUN11-T80", at: "2025-06-10T15:01:00Z", bid: farCents, ask: farCents + 3))
        e.append(W.report("NY", "2025-06-11", high: 81, at: "2025-06-12T11:00:00Z"))
        e.append(W.determined("KXHIGHNY-25JUN11-B77.5", yes: false, at: "2025-06-12T12:00:00Z"))
        return e
    }

    @Test func exitComparesAndSellsAtTheLiveBidOfTheMarketItHolds() throws {
        let flags = [
            "price": "0.45", "exit-after": "60", "exit-latest": "600", "exit-distance": "2", "edge-cents": "5",
        ]
        let sells = try Self.run(Self.staleQuoteWorld(farCents: 36), .exit, fill: .touch, flags: flags)
        let t = try #require(sells.trades.first)
        #expect(t.contracts == Count(contracts: 444))
        #expect(t.exitPrice == Price(cents: 30), "the 14:30 bid, not the 14:01 one")
        // 34¢ is 4¢ above the live 30¢ bid: no exit (the stale 27¢ would have triggered one).
        let holds = try Self.run(Self.staleQuoteWorld(farCents: 34), .exit, fill: .touch, flags: flags)
        #expect(holds.trades.first?.exitPrice == nil)
    }

    // MARK: - curve_gap compares exact values

    /// NY June 11: ours is B77.5 (forecast 77.5 → 78); the hourly forecast peaks at 20:00Z, so with a
    /// 90-minute offset curve_gap decides at 18:30Z, where the forecast interpolates to 70.05 °F; the
    /// last 15 minutes' readings average `observed` tenths (two readings), an hour before 70.0 °F.
    static func gapWorld(readings: (Int32, Int32), peak: Int32 = 800, forecastTenths: Int32 = 775) -> [EventRecord] {
        var e: [EventRecord] = []
        e.append(
            W.forecast(
                "NY", basis: "2025-06-10", target: "2025-06-11", tenths: forecastTenths, at: "2025-06-10T10:00:00Z"))
        e.append(
            hourly(
                "2025-06-11",
                [
                    ("2025-06-11T17:00:00Z", 690), ("2025-06-11T18:00:00Z", 700), ("2025-06-11T19:00:00Z", 701),
                    ("2025-06-11T20:00:00Z", peak),
                ], at: "2025-06-10T10:00:00Z"))
        e += W.listings(
            "KXHIGHNY", "2025-06-11", floor: 73, open: t("2025-06-10T14:00:00Z"), close: t("2025-06-12T03:59:00Z"))
        for b in ["B73.5", "B75.5", "B77.5", "B79.5", "T80"] {
            e.append(W.candle("KXHIGHNY-25JUN11-" + b, at: "2025-06-11T17:00:00Z", bid: 20, ask: 25))
        }
        e.append(observation("2025-06-11T17:20:00Z", 700))
        e.append(observation("2025-06-11T17:25:00Z", 700))
        e.append(observation("2025-06-11T18:20:00Z", readings.0))
        e.append(observation("2025-06-11T18:25:00Z", readings.1))
        e.append(W.report("NY", "2025-06-11", high: 81, at: "2025-06-12T11:00:00Z"))
        return e
    }

    static func decisions(_ r: BacktestResult, _ action: DecisionAction? = nil) -> [StrategyDecision] {
        r.runs.flatMap(\.output).compactMap { e in
            guard case .strategyDecision(let d) = e.event, action == nil || d.action == action else { return nil }
            return d
        }.filter { $0.action != .post }
    }

    @Test func curveGapComparesTheExactGapNotRoundedSides() throws {
        let flags = ["gap-min": "2.0", "slope-min": "0.5", "decision-offset": "90", "max-shift-bins": "2"]
        // 72.05 observed against 70.05 forecast: a gap of exactly 2.00 shifts (truncating one side and
        // rounding the other up gave 1.9 and held).
        let r = try Self.run(Self.gapWorld(readings: (720, 721)), .curveGap, flags: flags)
        let d = try #require(Self.decisions(r).first)
        #expect(d.action == .shift, "\(d)")
        #expect(d.values.first { $0.name == "gap" }?.value == "2.00")
        #expect(d.values.first { $0.name == "observed" }?.value == "72.05")
        #expect(d.values.first { $0.name == "forecast_now" }?.value == "70.05")
        #expect(d.values.first { $0.name == "to_ticker" }?.value == "KXHIGHNY-25JUN11-B79.5")
        // A hair under two degrees holds.
        let h = try Self.run(Self.gapWorld(readings: (720, 720)), .curveGap, flags: flags)
        #expect(Self.decisions(h).first?.action == .hold)
    }

    @Test func curveGapStopsAtTheEndOfTheLadderAndSaysSo() throws {
        let flags = ["gap-min": "2.0", "slope-min": "0.5", "decision-offset": "90", "max-shift-bins": "3"]
        // Ours is B79.5 (79.5 → 80); 4.5 °F ahead wants two brackets up, the ladder has one.
        let clamped = try Self.run(
            Self.gapWorld(readings: (745, 746), forecastTenths: 795), .curveGap, flags: flags)
        let d = try #require(Self.decisions(clamped).first)
        #expect(d.action == .shift && d.values.contains(Field("shift_clamped", "2 wanted, 1 made")), "\(d)")
        #expect(d.values.first { $0.name == "to_ticker" }?.value == "KXHIGHNY-25JUN11-T80")
        #expect(d.reason.hasSuffix("(the ladder ends there)"))
        // Ours is already the top bracket (>80): hold, and say why.
        let top = try Self.run(Self.gapWorld(readings: (745, 746), forecastTenths: 812), .curveGap, flags: flags)
        let h = try #require(Self.decisions(top).first)
        #expect(h.action == .hold && h.reason.hasSuffix("a shift is due but ours is already the highest bracket"))
    }

    // MARK: - Parameters round-trip exactly

    @Test func everyAcceptedParameterRoundTripsThroughTheManifest() throws {
        var rng = SystemRandomNumberGenerator()
        func text(_ spec: ParameterSpec) -> String {
            let v = Int64.random(in: spec.minimum...spec.maximum, using: &rng)
            switch spec.kind {
            case .price, .money, .decimal:
                // Any number of decimals up to six, as typed.
                let keep = Int.random(in: 0...6, using: &rng)
                var scale: Int64 = 1
                for _ in 0..<(6 - keep) { scale *= 10 }
                let rounded = max(spec.minimum, min(spec.maximum, v / scale * scale))
                return FixedPoint.format(rounded, scale: 6, minDecimals: 0)
            case .degrees: return FixedPoint.format(v, scale: 1, minDecimals: 0)
            case .integer: return String(v)
            }
        }
        for _ in 0..<400 {
            let kind = StrategyKind.allCases.randomElement(using: &rng)!
            var given: [String: String] = [:]
            for spec in kind.specs { given[spec.flag] = text(spec) }
            if kind == .exit {
                let after = min(Int64(given["exit-after"]!)!, 2_879)
                given["exit-after"] = String(after)
                given["exit-latest"] = String(Int64.random(in: (after + 1)...2_880, using: &rng))
            }
            let choice: StrategyChoice
            do {
                choice = try StrategyChoice.parse(kind) { given[$0.flag] }
            } catch {
                // The only refusal of in-range values: a bet too small for the price.
                #expect(error.description.contains("buys no contract") || error.description.contains("--exit-after"))
                continue
            }
            var config = BacktestConfig(
                logs: [], strategy: choice, exchange: ExchangeOptions(fillModel: .queue),
                dates: DateFilter(from: W.d("2025-01-01"), through: nil), engineVersion: "test")
            config.risk = try RiskLimits(
                maxContracts: "7", maxEventExposure: "123.45", maxDayExposure: nil, maxOpenOrders: "3",
                killAfterLoss: "0.01")
            let manifest = RunManifest(
                runId: "r", phase: .finished, runKind: "backtest", engineVersion: "test",
                configHash: config.parameterHash, parameters: config.parameters, inputs: [], outputHash: "")
            let back = try ReplayConfig.from(manifest, logs: [], threads: 1, engineVersion: "test")
            #expect(back.strategy == choice, "\(given)")
            #expect(back.parameterHash == config.parameterHash)
            // The text typed is the value recorded: the value read from the flag and from the manifest agree.
            for spec in kind.specs {
                let recorded = try #require(config.parameters.first { $0.name == spec.name }?.value)
                #expect(try spec.parse(recorded) == spec.parse(given[spec.flag]!), "\(spec.name) \(given[spec.flag]!)")
            }
        }
        // The issue's case: α = 0.12345 is recorded as 0.12345, not 0.123.
        let m = try StrategyChoice.parse(.midnightHeuristic) { $0.flag == "alpha" ? "0.12345" : nil }
        #expect(m.fields.contains(Field("alpha", "0.12345")))
    }

    @Test func valuesOutsideTheirRangeAreRefusedWithTheRange() {
        func refusal(_ kind: StrategyKind, _ flag: String, _ value: String) -> String? {
            do {
                _ = try StrategyChoice.parse(kind) { $0.flag == flag ? value : nil }
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refusal(.exit, "exit-distance", "5") == "--exit-distance '5' is out of range (1 to 2)")
        #expect(refusal(.midnightHeuristic, "edge-threshold", "2") == "--edge-threshold '2' is out of range (0 to 1)")
        #expect(refusal(.curveGap, "gap-min", "2.05")?.contains("is not °F with at most one decimal") == true)
        #expect(refusal(.openMaker, "price", "0.5000001")?.contains("at most six decimals") == true)
        #expect(refusal(.midnightHeuristic, "alpha", "0.1234567")?.contains("at most six decimals") == true)
    }
}
