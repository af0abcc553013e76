import IsothermEvents
import IsothermImport
import IsothermKalshi
import Testing

@testable import IsothermExchange
@testable import IsothermLive

/// The client against a misbehaving exchange (seeded chaos: 429 storms, 503 after the order was
/// taken, answers held past the client's deadline). Every order the client was asked to place exists
/// on the exchange exactly once, and the answer the client returned names that order: a lost answer is
/// settled by a lookup by client order id, never by a blind resend. `reference/kalshi-api.md` §3
/// (rate limits, idempotency by `client_order_id`).
@Suite(.serialized) struct ClientChaosTests {
    @Test func noOrderIsPlacedTwiceOrLostUnderChaos() async throws {
        var chaos = ExchangeChaos()
        chaos.rateLimitedPerMille = 120
        chaos.serverErrorPerMille = 120
        chaos.lostAnswerPerMille = 60
        chaos.lostAnswerDelayNanos = 1_500_000_000
        chaos.seed = 7
        let h = try await LocalExchangeHarness(chaos: chaos)
        let client = try h.client(timeoutSeconds: 1, maxAttempts: 12)
        let m = h.quotedMarket()
        let wanted = 40
        var answers: [String: KalshiOrderAnswer] = [:]
        var failures: [String: KalshiClientError] = [:]
        for i in 0..<wanted {
            let id = "chaos-\(i)"
            let order = KalshiOrderV2(
                ticker: m.ticker, side: i % 2 == 0 ? .bid : .ask, count: Count(contracts: Int64(1 + i % 5)),
                yesPrice: i % 2 == 0 ? Price(micros: m.bid.micros - 10_000) : Price(micros: m.ask.micros + 10_000),
                timeInForce: .goodTillCanceled, selfTradePrevention: .takerAtCross, clientOrderId: id, postOnly: true,
                reduceOnly: false)
            do throws(KalshiClientError) {
                answers[id] = try await client.create(order)
            } catch {
                failures[id] = error
            }
        }
        let counts = h.service.chaosCounts
        #expect((counts["429"] ?? 0) > 0 && (counts["5xx"] ?? 0) > 0 && (counts["lost"] ?? 0) > 0, "\(counts)")
        #expect(failures.isEmpty, "with 12 attempts every order settles: \(failures)")
        let book = h.service.snapshot()
        let placed = book.orders.filter { $0.ticker == m.ticker }
        #expect(placed.count == wanted, "one order per intent, not \(placed.count)")
        #expect(Set(placed.map(\.clientOrderId)).count == placed.count)
        for (id, answer) in answers {
            #expect(book.order(clientOrderId: id)?.orderId == answer.orderId, "\(id)")
        }
        let sent = await client.sent
        #expect(sent > wanted, "chaos made the client try again (\(sent) requests)")
        await client.shutdown()
        await h.stop()
    }
}
