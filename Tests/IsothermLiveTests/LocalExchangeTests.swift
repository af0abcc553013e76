import IsothermEvents
import IsothermImport
import IsothermKalshi
import IsothermPlatform
import Testing

@testable import IsothermExchange
@testable import IsothermLive

/// The Kalshi client against the local exchange over TLS: every V2 order call, the reads, balances to
/// the cent. Spec sections named per case are `specs/kalshi-sdk-3.34-endpoints.md` (endpoints) and
/// `reference/kalshi-api.md` §3 (orders, reads).
@Suite(.serialized) struct LocalExchangeTests {
    static func order(
        _ ticker: Symbol, _ side: KalshiBookSide, _ cents: Int64, _ count: Int64, id: String, postOnly: Bool = true,
        tif: KalshiOrderV2.TimeInForce = .goodTillCanceled
    ) -> KalshiOrderV2 {
        KalshiOrderV2(
            ticker: ticker, side: side, count: Count(contracts: count), yesPrice: Price(cents: cents),
            timeInForce: tif, selfTradePrevention: .takerAtCross, clientOrderId: id, postOnly: postOnly,
            reduceOnly: false)
    }

    /// POST/DELETE /portfolio/events/orders, …/amend, …/decrease, the batched forms; GET orders.
    @Test func placeAmendDecreaseCancelAndBatch() async throws {
        let h = try await LocalExchangeHarness()
        let client = try h.client()
        do {
            let m = h.quotedMarket()
            let bidCents = m.bid.micros / 10_000 - 1
            // create_order_v2: a post-only bid below the bid rests.
            let placed = try await client.create(Self.order(m.ticker, .bid, bidCents, 10, id: "c-1"))
            #expect(placed.clientOrderId == "c-1" && placed.remainingCount == Count(contracts: 10))
            var read = try await client.order(id: placed.orderId)
            #expect(read.status == .resting && read.yesPrice == Price(cents: bidCents) && read.bookSide == .bid)
            // amend_order_v2: a new price and a total count of 12.
            let amended = try await client.amend(
                orderId: placed.orderId, ticker: m.ticker, side: .bid, yesPrice: Price(cents: bidCents - 1),
                count: Count(contracts: 12))
            #expect(amended.remainingCount == Count(contracts: 12))
            read = try await client.order(id: placed.orderId)
            #expect(read.yesPrice == Price(cents: bidCents - 1) && read.remainingCount == Count(contracts: 12))
            // decrease_order_v2 by 5, then to 3.
            #expect(
                try await client.decrease(orderId: placed.orderId, reduceBy: Count(contracts: 5)).remainingCount
                    == Count(contracts: 7))
            #expect(
                try await client.decrease(orderId: placed.orderId, reduceTo: Count(contracts: 3)).remainingCount
                    == Count(contracts: 3))
            // cancel_order_v2: reduced_by is what was left.
            #expect(try await client.cancel(orderId: placed.orderId) == Count(contracts: 3))
            #expect(try await client.order(id: placed.orderId).status == .canceled)
            // A second cancel: 400 order_not_resting.
            await #expect(throws: KalshiClientError.self) { _ = try await client.cancel(orderId: placed.orderId) }

            // batch_create_orders_v2: one good, one at a price Kalshi refuses, in order.
            let batch = try await client.create(batch: [
                Self.order(m.ticker, .bid, bidCents, 2, id: "c-2"),
                KalshiOrderV2(
                    ticker: m.ticker, side: .bid, count: Count(contracts: 1), yesPrice: Price(micros: 995_000),
                    timeInForce: .goodTillCanceled, selfTradePrevention: .takerAtCross, clientOrderId: "c-3",
                    postOnly: true, reduceOnly: false),
            ])
            #expect(batch.count == 2)
            guard case .success(let good) = batch[0], case .failure(let bad) = batch[1] else {
                Issue.record("batch answers \(batch)")
                return
            }
            #expect(good.clientOrderId == "c-2" && bad.code == "invalid_price")
            // batch_cancel_orders_v2.
            let canceled = try await client.cancel(orderIds: [good.orderId, "ord-999"])
            #expect(canceled.count == 2)
            if case .failure(let e) = canceled[1] { #expect(e.code == "not_found") } else { Issue.record("ord-999") }
            #expect(try await client.orders(ticker: m.ticker.description).map(\.status) == [.canceled, .canceled])

            // Kalshi's validation: a used client order id (409), an unknown market (404), post-only crossing.
            await #expect(
                throws: KalshiClientError.rejected(
                    status: 409, code: "order_already_exists", message: "client_order_id c-1 was used already",
                    request: "POST /portfolio/events/orders")
            ) { _ = try await client.create(Self.order(m.ticker, .bid, bidCents, 1, id: "c-1")) }
            do {
                _ = try await client.create(Self.order(Symbol("KXHIGHNY-25JUN10-B99.5")!, .bid, 10, 1, id: "c-4"))
                Issue.record("an unknown market was accepted")
            } catch { #expect(error.status == 404) }
            do {
                _ = try await client.create(Self.order(m.ticker, .bid, m.ask.micros / 10_000, 1, id: "c-5"))
                Issue.record("a crossing post-only order was accepted")
            } catch { #expect(error.description.contains("post_only_rejected")) }
            // cancel_all_orders.
            _ = try await client.create(Self.order(m.ticker, .bid, bidCents, 1, id: "c-6"))
            try await client.cancelAll()
            #expect(try await client.orders(status: "resting").isEmpty)
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        await h.stop()
    }

    /// A taking order fills at once; a resting one fills from later candles' trades behind the queue;
    /// fills, positions and the balance agree with each other to the micro-dollar, through settlement.
    @Test func fillsPositionsAndBalanceAgree() async throws {
        let h = try await LocalExchangeHarness()
        let client = try h.client()
        do {
            let start = try await client.balance()
            #expect(start.balance == Money(micros: 10_000_000_000))
            let m = h.quotedMarket()
            // A bid at the ask takes it (not post-only).
            let taken = try await client.create(
                Self.order(m.ticker, .bid, m.ask.micros / 10_000, 5, id: "t-1", postOnly: false))
            #expect(taken.fillCount == Count(contracts: 5))
            // An ask below the bid takes the bid: buys NO at 1 − bid, nets against the YES held.
            let sold = try await client.create(
                Self.order(m.ticker, .ask, m.bid.micros / 10_000, 2, id: "t-2", postOnly: false))
            #expect(sold.fillCount == Count(contracts: 2))
            // A resting bid at the bid, which later trades should reach.
            let rest = try await client.create(Self.order(m.ticker, .bid, m.bid.micros / 10_000, 20, id: "t-3"))
            #expect(rest.remainingCount == Count(contracts: 20))

            // Through the rest of both days: candles, close, settlement.
            h.clock.set(h.timeline.last!.time.adding(nanos: Timestamp.nanosPerMinute))
            let fills = try await client.fills()
            let positions = try await client.positions()
            let end = try await client.balance()
            #expect(fills.count >= 2)
            let firstTwoTake = fills.prefix(2).allSatisfy { $0.isTaker }
            #expect(firstTwoTake)
            // Cash from the fills: a bid pays the YES price, an ask the NO price; a YES and a NO held together
            // are $1; fees as charged; then the settlement's payout.
            var cash: Int64 = 10_000_000_000
            var held: Int64 = 0
            for f in fills {
                let paid =
                    f.count.hundredths * (f.bookSide == .bid ? f.yesPrice.micros : 1_000_000 - f.yesPrice.micros) / 100
                let signed = f.bookSide == .bid ? f.count.hundredths : -f.count.hundredths
                let closes = held != 0 && (held > 0) != (signed > 0) ? min(abs(held), abs(signed)) : 0
                cash += closes * 10_000 - paid - f.fee.micros
                held += signed
            }
            let book = h.service.snapshot()
            let result = book.markets[m.ticker]!.result
            #expect(result != nil, "the market settled")
            if held != 0, let result { cash += (held > 0) == (result == .yes) ? abs(held) * 10_000 : 0 }
            #expect(end.balance.micros == cash, "balance \(end.balance) against the fills' \(Money(micros: cash))")
            let p = positions.first { $0.ticker == m.ticker }
            #expect(p?.position == 0, "settled positions are closed")
            #expect(p?.feesPaid.micros == fills.map(\.fee.micros).reduce(0, +))
            // The order reads back executed or canceled at the close, its fills matching.
            let order = try await client.order(id: rest.orderId)
            let restFilled = fills.filter { $0.orderId == rest.orderId }.map(\.count.hundredths).reduce(0, +)
            #expect(order.fillCount.hundredths == restFilled)
            #expect(order.status != .resting)
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        await h.stop()
    }

    /// Signing (`reference/kalshi-api.md` §2): the client's signatures verify; a wrong key id, a stale
    /// timestamp, a tampered signature or a signature over another path are 401; public reads need none.
    @Test func signaturesAreVerified() async throws {
        let h = try await LocalExchangeHarness()
        let good = try h.client()
        let wrong = try h.client(
            signer: KalshiSigner(keyId: "someone-else", pem: LocalExchangeHarness.bytes("test_rsa_private.pem")))
        let anonymous = try KalshiRESTClient(
            {
                var c = KalshiRESTClient.Configuration(baseURL: h.baseURL)
                c.caFile = h.caFile
                return c
            }(), signer: nil)
        do {
            _ = try await good.balance()
            do {
                _ = try await wrong.balance()
                Issue.record("a wrong key id was accepted")
            } catch { #expect(error.status == 401) }
            do {
                _ = try await anonymous.balance()
                Issue.record("an unsigned portfolio read was accepted")
            } catch { #expect(error.status == 401) }
            _ = try await anonymous.json("/exchange/status")
            _ = try await anonymous.json("/markets")
        } catch {
            Issue.record("\(error)")
        }
        await good.shutdown()
        await wrong.shutdown()
        await anonymous.shutdown()

        // Straight at the service: stale, tampered, another path.
        let now = SystemClock.wallNanos() / 1_000_000
        func request(_ ms: Int64, path: String, signedPath: String, tamper: Bool = false) throws -> ExchangeRequest {
            var headers: [String: String] = [:]
            for (k, v) in try h.signer.headers(timestampMs: ms, method: "GET", urlOrPath: signedPath) {
                headers[k.lowercased()] = v
            }
            if tamper {
                var s = Array(headers["kalshi-access-signature"]!)
                s[10] = s[10] == "A" ? "B" : "A"
                headers["kalshi-access-signature"] = String(s)
            }
            return ExchangeRequest(method: "GET", path: path, headers: headers)
        }
        let path = "/trade-api/v2/portfolio/balance"
        #expect(h.service.respond(try request(now, path: path, signedPath: path)).status == 200)
        #expect(h.service.respond(try request(now - 120_000, path: path, signedPath: path)).status == 401)
        #expect(h.service.respond(try request(now, path: path, signedPath: path, tamper: true)).status == 401)
        #expect(
            h.service.respond(try request(now, path: path, signedPath: "/trade-api/v2/portfolio/orders")).status == 401)
        await h.stop()
    }
}
