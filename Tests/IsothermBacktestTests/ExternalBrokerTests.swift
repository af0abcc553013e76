import IsothermBacktest
import IsothermEvents
import IsothermImport
import IsothermKalshi
import Testing

/// The broker of a session at an exchange, alone: what it asks the exchange for, and how it reads what
/// came back (the logged answers and the feed's fills) into the engine's events. Pure, so the same
/// records give the same events in a replay.
@Suite struct ExternalBrokerTests {
    static let t0 = Timestamp(rfc3339: "2025-06-10T14:00:00Z")!
    static let ticker = Symbol("KXHIGHNY-25JUN11-B75.5")!

    static func intent(_ id: String, side: Side = .yes, price: String = "0.3000", count: Int64 = 10) -> OrderIntent {
        OrderIntent(
            clientOrderId: id, ticker: ticker, side: side, action: .buy, type: .limit, price: Price(dollars: price)!,
            count: Count(contracts: count), postOnly: true, decisionSequence: 1)
    }

    /// A `fill` frame of the private channel, read as the session reads it.
    static func fill(_ tradeId: String, order: String, bookSide: String, yesPrice: String, count: String) throws
        -> KalshiFillRecord
    {
        let frame =
            #"{"type":"fill","sid":4,"msg":{"trade_id":"\#(tradeId)","order_id":"\#(order)","market_ticker":"\#(ticker)","is_taker":false,"yes_price_dollars":"\#(yesPrice)","count_fp":"\#(count)","fee_cost":"0.0000","outcome_side":"yes","book_side":"\#(bookSide)","ts_ms":1749564000000}}"#
        return try #require(try KalshiFeed.parse(Array(frame.utf8), receivedAt: t0).fill)
    }

    /// An answer as the session logs it, read back from its record.
    static func logged(_ a: BrokerAnswer) throws -> BrokerAnswer {
        guard case .rawFeedMessage(let m) = a.record(at: t0).event else { throw ImportError("", field: "", "") }
        #expect(m.source == BrokerAnswer.source)
        return try BrokerAnswer(m)
    }

    @Test func ordersBecomeRequestsAndAnswersBecomeTheEnginesEvents() throws {
        var b = ExternalBroker(session: "s1", windowMinutes: 120)
        b.submit(Self.intent("buy-no", side: .no), at: Self.t0, market: nil)
        let create = try #require(b.requests.first)
        #expect(create.kind == .create && create.engineWaits && create.order?.side == .ask)
        #expect(create.order?.yesPrice == Price(dollars: "0.7000")!, "buying NO at 0.30 is an ask at YES 0.70")
        #expect(create.order?.clientOrderId == KalshiClientOrderId.make(session: "s1", engineId: "buy-no"))

        let ack = try Self.logged(
            BrokerAnswer(
                kind: .create, status: 201, engineId: "buy-no",
                outcome: .order(
                    KalshiOrderAnswer(
                        orderId: "ord-7", clientOrderId: create.order!.clientOrderId, fillCount: .zero,
                        remainingCount: Count(contracts: 10)))))
        let first = b.answer(ack)
        let (events, waited) = try #require(first)
        #expect(waited && events == [.orderAcknowledged(OrderAcknowledged(clientOrderId: "buy-no", orderId: "ord-7"))])
        let again = b.answer(ack)
        #expect(b.requests.isEmpty && again == nil, "an answer counts once")

        // A fill at YES 0.70 on the ask side is our NO at 0.30; the same trade again is nothing.
        let f = try Self.fill("t-1", order: "ord-7", bookSide: "ask", yesPrice: "0.7000", count: "4.00")
        let made = b.fill(f)
        let fill = try #require(made)
        #expect(fill.side == .no && fill.action == .buy && fill.price == Price(dollars: "0.3000")!)
        #expect(fill.clientOrderId == "buy-no" && fill.count == Count(contracts: 4))
        let repeated = b.fill(f)
        #expect(repeated == nil)

        // The window ends: a cancel the engine does not wait for; its answer cancels what rested.
        b.expire(before: Self.t0.adding(nanos: 121 * Timestamp.nanosPerMinute))
        let cancel = try #require(b.requests.first)
        #expect(cancel.kind == .cancel && !cancel.engineWaits && cancel.orderId == "ord-7")
        #expect(cancel.time == Self.t0.adding(nanos: 120 * Timestamp.nanosPerMinute))
        b.expire(before: Self.t0.adding(nanos: 200 * Timestamp.nanosPerMinute))
        #expect(b.requests.count == 1, "asked once")
        let cancelAnswer = try Self.logged(
            BrokerAnswer(
                kind: .cancel, status: 200, engineId: "buy-no", outcome: .canceled(reducedBy: Count(contracts: 6))))
        let answered = b.answer(cancelAnswer)
        let canceled = try #require(answered)
        #expect(
            !canceled.engineWaited
                && canceled.events == [
                    .orderCanceled(
                        OrderCanceled(
                            clientOrderId: "buy-no", reason: "fill window ended", canceledCount: Count(contracts: 6)))
                ])
        #expect(b.openCount == 0 && b.nextExpiry == nil)
        // A fill made before the cancel but told after it still counts.
        let late = b.fill(try Self.fill("t-2", order: "ord-7", bookSide: "ask", yesPrice: "0.7000", count: "1.00"))
        #expect(late != nil)
    }

    @Test func refusalsAndOrdersThatNeverLeftAreRejections() throws {
        var b = ExternalBroker(session: "s1", windowMinutes: nil)
        b.submit(Self.intent("a"), at: Self.t0, market: nil)
        b.submit(Self.intent("b"), at: Self.t0, market: nil)
        let refusal = b.answer(
            try Self.logged(
                BrokerAnswer(
                    kind: .create, status: 400, engineId: "a",
                    outcome: .error(code: "post_only_rejected", message: "would cross"))))
        let refused = try #require(refusal)
        #expect(
            refused.events == [
                .orderRejected(OrderRejected(clientOrderId: "a", code: "post_only_rejected", message: "would cross"))
            ])
        let notSent = b.answer(
            try Self.logged(
                BrokerAnswer(
                    kind: .create, status: 0, engineId: "b", outcome: .error(code: "not_sent", message: "no such order")
                )))
        let unsent = try #require(notSent)
        #expect(unsent.events.first.map { if case .orderRejected(let r) = $0 { r.code } else { "" } } == "not_sent")
        #expect(b.openCount == 0 && b.requests.isEmpty)
        // Nothing the exchange has not acknowledged can be canceled: the engine goes on at once.
        let asked = b.cancel("a", reason: "test", at: Self.t0)
        #expect(!asked)
    }

    @Test func aLoggedAnswerThatCannotBeReadIsOneLineNamingIt() {
        let bad = RawFeedMessage(source: BrokerAnswer.source, channel: "create 201", payload: [])
        #expect(throws: ImportError.self) { try BrokerAnswer(bad) }
        let noBody = RawFeedMessage(source: BrokerAnswer.source, channel: "cancel 404 x", payload: Array("{}".utf8))
        #expect(throws: ImportError.self) { try BrokerAnswer(noBody) }
    }
}
