import IsothermEvents
import Testing

@testable import IsothermCore

/// The engine as a specification: for each input, the exact actions. A scripted strategy says what
/// it wants at each call, so each test reads as "given this input and these wishes, the engine asks
/// for exactly this".
@Suite struct EngineTests {
    /// A strategy that answers its n-th call (event, timer or candle) with the n-th list of effects.
    struct Scripted: Strategy {
        var name: String { "scripted" }
        var parameters: [Field] { [Field("p", "1")] }
        var script: [[Effect]]
        var calls = 0

        mutating func next(_ effects: inout [Effect]) {
            if calls < script.count { effects += script[calls] }
            calls += 1
        }
        mutating func onEvent(_ record: EventRecord, sequence: UInt64, state: CityState, effects: inout [Effect]) {
            next(&effects)
        }
        mutating func onTimer(
            _ key: TimerKey, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
        ) { next(&effects) }
        mutating func onQuote(
            _ ticker: Symbol, at time: Timestamp, state: CityState, holdings: [Holding], effects: inout [Effect]
        ) { next(&effects) }
    }

    static func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s)! }
    static let day = LocalDate(iso8601: "2025-06-10")!
    static let ticker = Symbol("KXHIGHNY-25JUN10-B81.5")!
    static let listedAt = t("2025-06-09T14:00:00Z")

    static var listing: EventRecord {
        EventRecord(
            time: listedAt,
            event: .marketListed(
                MarketListed(
                    ticker: ticker, eventTicker: Symbol("KXHIGHNY-25JUN10")!, seriesTicker: Symbol("KXHIGHNY")!,
                    eventDate: day, strikeType: .between, floorStrike: Temperature(degrees: 81),
                    capStrike: Temperature(degrees: 82), openTime: listedAt, closeTime: t("2025-06-11T03:59:00Z"),
                    feeType: .quadratic, feeMultiplierMillionths: 1_000_000, title: "")))
    }

    static func decision(_ action: DecisionAction) -> StrategyDecision {
        StrategyDecision(
            strategy: "scripted", subject: ticker.description, action: action, inputSequences: [1],
            parameters: [Field("p", "1")], values: [Field("forecast_high", "81")], reason: "scripted")
    }

    static func buy(
        _ id: String, contracts: Int64 = 10, cents: Int64 = 40, type: OrderType = .limit, postOnly: Bool = true
    ) -> OrderIntent {
        OrderIntent(
            clientOrderId: id, ticker: ticker, side: .yes, action: .buy, type: type, price: Price(cents: cents),
            count: Count(contracts: contracts), postOnly: postOnly, decisionSequence: 0)
    }

    static func fill(_ id: String, contracts: Int64, cents: Int64 = 40, taker: Bool = false) -> Event {
        .fill(
            Fill(
                clientOrderId: id, orderId: "o-\(id)", tradeId: "t-\(id)-\(contracts)", ticker: ticker, side: .yes,
                action: .buy, price: Price(cents: cents), count: Count(contracts: contracts), fee: .zero,
                isTaker: taker))
    }

    static func ack(_ id: String) -> Event {
        .orderAcknowledged(OrderAcknowledged(clientOrderId: id, orderId: "o-\(id)"))
    }

    /// An engine for NY whose strategy follows `script`, with the market listed (its one call used).
    static func listed(_ script: [[Effect]], risk: RiskLimits = RiskLimits()) -> (Engine, [EngineAction]) {
        var engine = Engine(city: "NY", strategy: Scripted(script: script), risk: risk)
        let actions = engine.handle(.event(listing, sequence: 1))
        return (engine, actions)
    }

    @Test func aDecisionAndAnOrderWaitForTheExchangeThenTheRestFollows() {
        var placed = Self.buy("b1")
        let due = Self.t("2025-06-09T15:00:00Z")
        var (engine, actions) = Self.listed([
            [
                .decide(Self.decision(.buy)), .place(placed), .timer(key: .curveGap(eventTicker: "check"), due: due),
                .watch(Self.ticker),
            ]
        ])
        placed.decisionSequence = 1  // the decision is the run's first event
        #expect(
            actions == [
                .assigned(Self.ticker, slot: 0),
                .append(EventRecord(time: Self.listedAt, event: .strategyDecision(Self.decision(.buy)))),
                .append(EventRecord(time: Self.listedAt, event: .orderIntent(placed))),
                .submit(placed, at: Self.listedAt),
            ])
        #expect(engine.isWaiting && engine.openOrders == 1 && engine.appended == 2 && engine.buyOrders == 1)
        // The trade opens when the order leaves, with the decision's values.
        #expect(engine.book.trades.count == 1 && engine.book.trades[0].decisionSequence == 1)
        #expect(engine.book.trades[0].value("forecast_high") == "81" && engine.book.trades[0].contracts == .zero)

        let ackAt = Self.listedAt
        #expect(
            engine.handle(.answer(Self.ack("b1"), at: ackAt)) == [
                .append(EventRecord(time: ackAt, event: Self.ack("b1")))
            ])
        let fillAt = Self.t("2025-06-09T14:30:00Z")
        #expect(
            engine.handle(.answer(Self.fill("b1", contracts: 4), at: fillAt)) == [
                .append(EventRecord(time: fillAt, event: Self.fill("b1", contracts: 4)))
            ])
        #expect(engine.openOrders == 1 && engine.book.trades[0].contracts == Count(contracts: 4))
        #expect(engine.book.holdings.map(\.contracts) == [Count(contracts: 4)])

        // The rest of the strategy's wishes, in order.
        #expect(
            engine.handle(.resume) == [.schedule(key: .curveGap(eventTicker: "check"), due: due), .watch(Self.ticker)])
        #expect(!engine.isWaiting && engine.appended == 4)

        // A later maker fill completes the order: it no longer counts as open.
        _ = engine.handle(.answer(Self.fill("b1", contracts: 6), at: fillAt))
        #expect(engine.openOrders == 0 && engine.book.trades[0].contracts == Count(contracts: 10))
        #expect(engine.crossedOrders == 0 && !engine.book.trades[0].crossed)
    }

    @Test func aTimerIsAnEventThenTheStrategysWishes() {
        let due = Self.t("2025-06-09T15:00:00Z")
        var (engine, _) = Self.listed([
            // In the past: due now.
            [.timer(key: .curveGap(eventTicker: "check"), due: Self.t("2025-06-01T00:00:00Z"))],
            [.cancel(clientOrderId: "b1", reason: "late"), .unwatch(Self.ticker)],
        ])
        // The listing's timer was asked for a time already past: it is scheduled at the listing's time.
        #expect(!engine.isWaiting)
        var fresh = Engine(
            city: "NY", strategy: Scripted(script: [[.timer(key: .nextOver(eventTicker: "k"), due: .init(nanos: 0))]]))
        #expect(
            fresh.handle(.event(Self.listing, sequence: 1)) == [
                .assigned(Self.ticker, slot: 0), .schedule(key: .nextOver(eventTicker: "k"), due: Self.listedAt),
            ])

        let fired = TimerFired(owner: "scripted", key: "curve-gap:check", dueTime: due)
        #expect(
            engine.handle(.timer(key: .curveGap(eventTicker: "check"), due: due)) == [
                .append(EventRecord(time: due, event: .timerFired(fired))),
                .cancel(clientOrderId: "b1", reason: "late", at: due),
            ])
        #expect(engine.isWaiting)
        // The exchange had nothing to cancel: no answer, and the engine goes on.
        #expect(engine.handle(.resume) == [.unwatch(Self.ticker)])
    }

    @Test func anOrderOverARiskLimitIsRejectedByTheEngineAndTheNextStillGoes() throws {
        var limits = RiskLimits()
        limits.maxContractsPerOrder = Count(contracts: 5)
        let big = Self.buy("big", contracts: 6)
        let small = Self.buy("small", contracts: 5)
        let (engine, actions) = Self.listed([[.place(big), .place(small)]], risk: limits)
        let refused = OrderRejected(clientOrderId: "big", code: "risk_max_contracts", message: "6 contracts > 5")
        #expect(
            actions == [
                .assigned(Self.ticker, slot: 0),
                .append(EventRecord(time: Self.listedAt, event: .orderIntent(big))),
                .append(EventRecord(time: Self.listedAt, event: .orderRejected(refused))),
                .append(EventRecord(time: Self.listedAt, event: .orderIntent(small))),
                .submit(small, at: Self.listedAt),
            ])
        // Both buys count as placed; only the one that left opened a trade.
        #expect(engine.buyOrders == 2 && engine.book.trades.map(\.clientOrderId) == ["small"])
    }

    @Test func theOpenOrdersLimitCountsWhatTheExchangeHoldsFromItsAnswers() {
        var limits = RiskLimits()
        limits.maxOpenOrders = 1
        let first = Self.buy("b1")
        let second = Self.buy("b2")
        var (engine, _) = Self.listed([[.place(first), .place(second)], [.place(Self.buy("b3"))]], risk: limits)
        _ = engine.handle(.answer(Self.ack("b1"), at: Self.listedAt))  // b1 rests
        let after = engine.handle(.resume)
        let refused = OrderRejected(
            clientOrderId: "b2", code: "risk_max_open_orders", message: "1 orders already resting")
        #expect(
            after == [
                .append(EventRecord(time: Self.listedAt, event: .orderIntent(second))),
                .append(EventRecord(time: Self.listedAt, event: .orderRejected(refused))),
            ])
        // b1 is canceled: the next order may rest.
        let cancel = OrderCanceled(
            clientOrderId: "b1", reason: "fill window ended", canceledCount: Count(contracts: 10))
        _ = engine.handle(.answer(.orderCanceled(cancel), at: Self.t("2025-06-09T16:00:00Z")))
        #expect(engine.openOrders == 0)
        let next = engine.handle(.timer(key: .exitEnd(eventTicker: "again"), due: Self.t("2025-06-09T17:00:00Z")))
        #expect(next.last == .submit(Self.buy("b3"), at: Self.t("2025-06-09T17:00:00Z")))
    }

    @Test func aLimitOrderThatTakesOrIsRefusedAsPostOnlyCrossed() {
        let taker = Self.buy("cross", postOnly: false)
        let postOnly = Self.buy("post")
        let market = Self.buy("mkt", type: .market, postOnly: false)
        var (engine, _) = Self.listed([[.place(taker), .place(postOnly), .place(market)]])
        _ = engine.handle(.answer(Self.ack("cross"), at: Self.listedAt))
        _ = engine.handle(.answer(Self.fill("cross", contracts: 10, cents: 38, taker: true), at: Self.listedAt))
        #expect(engine.crossedOrders == 1 && engine.openOrders == 0)
        _ = engine.handle(.resume)
        let refused = OrderRejected(clientOrderId: "post", code: "post_only_rejected", message: "would take")
        _ = engine.handle(.answer(.orderRejected(refused), at: Self.listedAt))
        _ = engine.handle(.resume)
        _ = engine.handle(.answer(Self.ack("mkt"), at: Self.listedAt))
        _ = engine.handle(.answer(Self.fill("mkt", contracts: 10, taker: true), at: Self.listedAt))
        _ = engine.handle(.resume)
        // A market order takes by design: not a crossing.
        #expect(engine.crossedOrders == 2)
        #expect(engine.book.trades.map(\.crossed) == [true, true, false])
    }

    @Test func aDeterminationSettlesTheTradesAndFreesTheSlot() {
        var (engine, _) = Self.listed([[.place(Self.buy("b1"))]])
        _ = engine.handle(.answer(Self.ack("b1"), at: Self.listedAt))
        _ = engine.handle(.answer(Self.fill("b1", contracts: 10), at: Self.listedAt))
        _ = engine.handle(.resume)
        let determined = EventRecord(
            time: Self.t("2025-06-11T14:00:00Z"),
            event: .marketLifecycle(
                MarketLifecycle(ticker: Self.ticker, transition: .determined, result: .yes)))
        #expect(engine.handle(.event(determined, sequence: 9)) == [.released(Self.ticker)])
        // 10 contracts bought at 40¢ pay $10: +$6 gross, no fees.
        #expect(engine.book.trades[0].settled && engine.book.trades[0].netPnL == Money(dollars: "6")!)
        #expect(engine.book.holdings.allSatisfy { $0.contracts == .zero })
    }

    @Test func aCandleMovesTheQuoteAndReachesTheStrategyOnlyWhenWatched() {
        let placed = Self.buy("b1")
        var (engine, _) = Self.listed([[.place(placed)]])
        _ = engine.handle(.answer(Self.ack("b1"), at: Self.listedAt))
        _ = engine.handle(.resume)
        let candle = Candle(
            ticker: Self.ticker, periodMinutes: 1, yesBid: nil, yesAsk: nil, price: nil, volume: .zero,
            openInterest: .zero)
        let at = Self.t("2025-06-09T14:01:00Z")
        // Unwatched: the strategy is not called (its script would have been consumed).
        #expect(engine.handle(.candle(candle, slot: 0, at: at, sequence: 2, watched: false)) == [])
        #expect(engine.state.quote(Self.ticker) != nil)
        #expect((engine.strategy as? Scripted)?.calls == 1)
        #expect(engine.handle(.candle(candle, slot: 0, at: at, sequence: 3, watched: true)) == [])
        #expect((engine.strategy as? Scripted)?.calls == 2)
    }

    @Test func aTickerUpdateMovesTheQuoteAsACandleAndAWatchedOneReachesTheStrategy() {
        let decision = Self.decision(.exit)
        var (engine, _) = Self.listed([[], [.decide(decision), .unwatch(Self.ticker)]])
        let at = Self.t("2025-06-09T14:02:00Z")
        var update = TickerUpdate(
            ticker: Self.ticker, lastPrice: Price(cents: 41), yesBid: Price(cents: 40), yesAsk: Price(cents: 43),
            yesBidSize: nil, yesAskSize: nil, volume: Count(contracts: 12), openInterest: nil)
        // Unwatched: the quote moves, nothing else happens.
        #expect(engine.handle(.quote(update, slot: 0, at: at, sequence: 2, watched: false)) == [])
        #expect(
            engine.state.quote(Self.ticker)
                == Quote(bid: Price(cents: 40), ask: Price(cents: 43), last: Price(cents: 41), time: at, sequence: 2))
        // A part the update lacks leaves the quote's; a watched update reaches the strategy, whose wishes follow.
        update.yesBid = nil
        update.yesAsk = Price(cents: 44)
        let later = Self.t("2025-06-09T14:03:00Z")
        #expect(
            engine.handle(.quote(update, slot: 0, at: later, sequence: 3, watched: true)) == [
                .append(EventRecord(time: later, event: .strategyDecision(decision))), .unwatch(Self.ticker),
            ])
        #expect(engine.state.quote(Self.ticker)?.bid == Price(cents: 40))
        #expect(engine.state.quote(Self.ticker)?.ask == Price(cents: 44))
    }
}

/// Timer keys and decision actions are typed (issue 13 point 5); their text is what the log records.
@Suite struct TypedKeysTests {
    @Test func everyTimerKeyReadsBackFromItsText() {
        let date = LocalDate(iso8601: "2025-06-10")!
        let keys: [TimerKey] = [
            .open(eventTicker: "KXHIGHNY-25JUN10"), .exitStart(eventTicker: "KXHIGHNY-25JUN10"),
            .exitEnd(eventTicker: "KXHIGHNY-25JUN10"), .nextOver(eventTicker: "KXHIGHNY-25JUN10"),
            .curveGap(eventTicker: "KXHIGHNY-25JUN10"), .enter(date: date), .adjust(date: date),
        ]
        #expect(keys.map(\.text).first == "open:KXHIGHNY-25JUN10")
        #expect(TimerKey.adjust(date: date).text == "adjust:2025-06-10")
        for k in keys { #expect(TimerKey(text: k.text) == k, "\(k.text)") }
        for bad in ["open", "later:x", "enter:2025-13-01", ""] { #expect(TimerKey(text: bad) == nil, "\(bad)") }
    }

    @Test func aDecisionActionThisBuildDoesNotKnowIsAnErrorNamingItsPlace() throws {
        let d = StrategyDecision(
            strategy: "s", subject: "x", action: .shift, inputSequences: [1], parameters: [], values: [], reason: "r")
        let record = EventRecord(time: Timestamp(nanos: 0), event: .strategyDecision(d))
        var bytes = EventCodec.encode(record)
        #expect(try EventCodec.decode(bytes) == record)
        // "shift" → "shaft": same length, unknown.
        let at = try #require(bytes.firstRange(of: Array("shift".utf8)))
        bytes[at.lowerBound + 2] = UInt8(ascii: "a")
        #expect {
            try EventCodec.decode(bytes)
        } throws: { "\($0)".contains("decision action 'shaft' is not one of post, buy, skip, hold, exit, shift") }
    }
}
