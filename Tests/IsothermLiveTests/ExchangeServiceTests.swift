import Foundation
import IsothermEvents
import IsothermImport
import IsothermKalshi
import IsothermPlatform
import Testing

@testable import IsothermExchange

/// The local exchange's answers to bad requests, straight at the service (no network): Kalshi's 400
/// `invalid_parameters` naming the field, paging limits, and the collateral resting orders hold kept
/// equal to what a recount gives after every kind of change. Paths: `specs/kalshi-sdk-3.34-endpoints.md`.
@Suite(.serialized) struct ExchangeServiceTests {
    static func signed(
        _ h: LocalExchangeHarness, _ method: String, _ path: String, query: [String: String] = [:], body: String = ""
    ) throws -> ExchangeRequest {
        var headers: [String: String] = [:]
        let full = ExchangeService.prefix + path
        for (k, v) in try h.signer.headers(
            timestampMs: SystemClock.wallNanos() / 1_000_000, method: method, urlOrPath: full)
        {
            headers[k.lowercased()] = v
        }
        return ExchangeRequest(method: method, path: full, query: query, headers: headers, body: Array(body.utf8))
    }

    /// get_markets: `limit` 1…1000 and a cursor the exchange gave; anything else is 400, not a full list.
    @Test func marketPagingRefusesBadLimitsAndCursors() async throws {
        let h = try await LocalExchangeHarness()
        let all = h.service.snapshot().tickers.count
        #expect(all > 2)
        func get(_ query: [String: String]) -> ExchangeResponse {
            h.service.respond(ExchangeRequest(method: "GET", path: "/trade-api/v2/markets", query: query))
        }
        let page = get(["limit": "2"])
        #expect(page.status == 200 && page.body.contains("\"cursor\":\"2\""))
        for bad in [["limit": "0"], ["limit": "1001"], ["limit": "ten"], ["cursor": "x"], ["cursor": "-1"]] {
            let r = get(bad)
            #expect(r.status == 400 && r.body.contains("invalid_parameters"), "\(bad): \(r.status) \(r.body)")
        }
        await h.stop()
    }

    /// get_events, get_event, get_series: the world's events as its listings group them, their markets
    /// nested on request; the series' fee schedule; 404 for what the world does not have.
    @Test func eventsAndSeriesAsTheLogListsThem() async throws {
        let h = try await LocalExchangeHarness()
        let book = h.service.snapshot()
        let events = Set(book.tickers.map { book.markets[$0]!.listing.eventTicker.description })
        func get(_ path: String, _ query: [String: String] = [:]) -> (Int, [String: Any]) {
            let r = h.service.respond(ExchangeRequest(method: "GET", path: "/trade-api/v2" + path, query: query))
            let object = (try? JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: Any] ?? [:]
            return (r.status, object)
        }
        let (status, listed) = get("/events", ["with_nested_markets": "true"])
        let items = listed["events"] as? [[String: Any]] ?? []
        #expect(status == 200 && Set(items.compactMap { $0["event_ticker"] as? String }) == events)
        for e in items {
            let markets = e["markets"] as? [[String: Any]] ?? []
            let ticker = e["event_ticker"] as? String ?? ""
            #expect(markets.count == 6 && markets.allSatisfy { $0["event_ticker"] as? String == ticker }, "\(ticker)")
        }
        #expect((get("/events").1["events"] as? [[String: Any]])?.first?["markets"] == nil, "nested only on request")
        let one = events.sorted()[0]
        let (s1, event) = get("/events/\(one)")
        #expect(s1 == 200 && (event["markets"] as? [Any])?.count == 6)
        #expect(get("/events/KXHIGHNY-99JAN01").0 == 404)
        let (s2, series) = get("/series/KXHIGHNY")
        #expect(s2 == 200 && (series["series"] as? [String: Any])?["fee_type"] as? String == "quadratic")
        #expect(get("/series/KXHIGHXX").0 == 404)
        #expect(get("/events", ["status": "bogus"]).0 == 400)
        await h.stop()
    }

    /// create_order_v2, amend_order_v2, decrease_order_v2: a body that is not JSON or has a bad field
    /// is 400 `invalid_parameters` naming the field; a price off the cent grid is `invalid_price`.
    @Test func badBodiesAreRefusedNamingTheField() async throws {
        let h = try await LocalExchangeHarness()
        let m = h.quotedMarket()
        let order = KalshiOrderV2(
            ticker: m.ticker, side: .bid, count: Count(contracts: 3), yesPrice: Price(micros: m.bid.micros - 10_000),
            timeInForce: .goodTillCanceled, selfTradePrevention: .takerAtCross, clientOrderId: "s-1", postOnly: true,
            reduceOnly: false)
        let created = h.service.respond(try Self.signed(h, "POST", "/portfolio/events/orders", body: order.json))
        #expect(created.status == 201)
        let id = h.service.snapshot().order(clientOrderId: "s-1")!.orderId
        let cases: [(String, String, String, String)] = [
            ("POST", "/portfolio/events/orders", "{\"ticker\":", "invalid_parameters"),
            ("POST", "/portfolio/events/orders", order.json.replacingOccurrences(of: "\"bid\"", with: "1"), "side"),
            (
                "POST", "/portfolio/events/orders",
                order.json.replacingOccurrences(of: "\"count\":\"3.00\"", with: "\"count\":\"3.001\""), "count"
            ),
            ("POST", "/portfolio/events/orders/\(id)/amend", #"{"side":"bid","price":"0.5","count":[]}"#, "count"),
            (
                "POST", "/portfolio/events/orders/\(id)/amend", #"{"side":"bid","price":"0.4250","count":"3.00"}"#,
                "invalid_price"
            ),
            ("POST", "/portfolio/events/orders/\(id)/amend", #"{"side":"ask","price":"0.40","count":"3"}"#, "side"),
            ("POST", "/portfolio/events/orders/\(id)/decrease", #"{"reduce_by":"x"}"#, "reduce_by"),
            ("POST", "/portfolio/events/orders/\(id)/decrease", "{}", "exactly one"),
        ]
        for (method, path, body, needle) in cases {
            let r = h.service.respond(try Self.signed(h, method, path, body: body))
            #expect(r.status == 400 && r.body.contains(needle), "\(path) \(body): \(r.status) \(r.body)")
        }
        // Nothing the refusals touched changed the order.
        let o = h.service.snapshot().order(id: id)!
        #expect(o.status == .resting && o.remainingCount == Count(contracts: 3) && o.yesPrice == order.yesPrice)
        await h.stop()
    }

    /// The running total of collateral (what `available` subtracts) equals a recount over resting orders
    /// after creates, amends, decreases, cancels, taker and maker fills, closes and settlement.
    @Test func collateralHeldMatchesARecount() async throws {
        let h = try await LocalExchangeHarness()
        func recount() -> (Int64, Int64) {
            let b = h.service.snapshot()
            let resting = b.orders.filter { $0.status == .resting }.map(\.reserved.micros).reduce(0, +)
            return (b.available, b.cash - resting)
        }
        let m = h.quotedMarket()
        var n = 0
        func send(_ method: String, _ path: String, _ body: String) throws -> ExchangeResponse {
            n += 1
            return h.service.respond(try Self.signed(h, method, path, body: body))
        }
        func order(_ side: KalshiBookSide, _ micros: Int64, _ count: Int64, postOnly: Bool = true) -> String {
            KalshiOrderV2(
                ticker: m.ticker, side: side, count: Count(contracts: count), yesPrice: Price(micros: micros),
                timeInForce: .goodTillCanceled, selfTradePrevention: .takerAtCross, clientOrderId: "r-\(n)",
                postOnly: postOnly, reduceOnly: false
            ).json
        }
        _ = try send("POST", "/portfolio/events/orders", order(.bid, m.bid.micros - 10_000, 10))
        _ = try send("POST", "/portfolio/events/orders", order(.ask, m.ask.micros + 10_000, 7))
        _ = try send("POST", "/portfolio/events/orders", order(.bid, m.ask.micros, 4, postOnly: false))  // takes
        _ = try send("POST", "/portfolio/events/orders", order(.bid, m.bid.micros, 30))
        #expect(recount().0 == recount().1)
        let ids = h.service.snapshot().orders.filter { $0.status == .resting }.map(\.orderId)
        #expect(ids.count == 3)
        _ = try send(
            "POST", "/portfolio/events/orders/\(ids[0])/amend",
            #"{"side":"bid","price":"\#(KalshiAnswers.price(Price(micros: m.bid.micros - 20_000)))","count":"15.00"}"#)
        _ = try send("POST", "/portfolio/events/orders/\(ids[1])/decrease", #"{"reduce_by":"2.00"}"#)
        #expect(recount().0 == recount().1)
        _ = try send("DELETE", "/portfolio/events/orders/\(ids[1])", "")
        #expect(recount().0 == recount().1)
        // Candles fill the resting bids as a maker; then close and settlement release the rest.
        for step in 1...40 {
            h.clock.set(h.clock.time.adding(nanos: Int64(step) * 30 * Timestamp.nanosPerMinute))
            let (a, b) = recount()
            #expect(a == b, "at \(h.clock.time)")
        }
        h.clock.set(h.timeline.last!.time.adding(nanos: Timestamp.nanosPerMinute))
        let book = h.service.snapshot()
        #expect(book.available == book.cash, "nothing is held once every market settled")
        #expect(book.orders.allSatisfy { $0.status != .resting })
        await h.stop()
    }
}
