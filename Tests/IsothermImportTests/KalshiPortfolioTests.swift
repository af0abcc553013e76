import IsothermEvents
import Testing

@testable import IsothermImport

/// The portfolio endpoints the live trader reconciles with (issue 14), read exactly: samples built
/// from SDK 3.34's `Order`, `Fill` and `GetBalanceResponse` models.
@Suite struct KalshiPortfolioTests {
    static let order = #"""
        {"order_id":"o-1","user_id":"u","client_order_id":"8f0c2a5e-1b2c-8d3e-9f40-123456789abc","ticker":"KXHIGHNY-26NOV24-B45.5",
         "side":"no","action":"buy","outcome_side":"no","book_side":"ask","type":"limit","status":"resting",
         "yes_price_dollars":"0.7000","no_price_dollars":"0.3000","fill_count_fp":"2.00","remaining_count_fp":"8.00",
         "initial_count_fp":"10.00","taker_fill_cost_dollars":"0.0000","maker_fill_cost_dollars":"0.6000",
         "taker_fees_dollars":"0.0000","maker_fees_dollars":"0.0100","created_time":"2026-11-23T15:00:00Z",
         "last_update_time":"2026-11-23T15:05:00.250Z","self_trade_prevention_type":"taker_at_cross"}
        """#

    @Test func ordersFillsAndBalanceReadExactly() throws {
        let page = try KalshiPortfolioParser.ordersPage(
            Array(#"{"orders":[\#(Self.order)],"cursor":"c2"}"#.utf8), source: "o")
        #expect(page.cursor == "c2" && page.orders.count == 1)
        let o = page.orders[0]
        #expect(o.outcomeSide == .no && o.bookSide == .ask && o.status == .resting)
        #expect(
            o.yesPrice == Price(cents: 70) && o.remainingCount == Count(contracts: 8)
                && o.fillCount == Count(contracts: 2))
        #expect(o.fees == Money(micros: 10_000) && o.clientOrderId.hasPrefix("8f0c2a5e"))
        #expect(o.lastUpdateTime == Timestamp(rfc3339: "2026-11-23T15:05:00.250Z"))
        #expect(try KalshiPortfolioParser.order(Array(#"{"order":\#(Self.order)}"#.utf8), source: "o") == o)

        let fills = try KalshiPortfolioParser.fillsPage(
            Array(
                #"""
                {"fills":[{"fill_id":"f-1","exchange_index":0,"trade_id":"f-1","order_id":"o-1","ticker":"KXHIGHNY-26NOV24-B45.5",
                  "market_ticker":"KXHIGHNY-26NOV24-B45.5","outcome_side":"no","book_side":"ask","count_fp":"2.00",
                  "yes_price_dollars":"0.7000","no_price_dollars":"0.3000","is_taker":false,"fee_cost":"0.010000","ts":1795532700}],
                 "cursor":""}
                """#.utf8), source: "f")
        #expect(fills.cursor == nil && fills.fills.count == 1)
        let f = fills.fills[0]
        #expect(f.count == Count(contracts: 2) && f.yesPrice == Price(cents: 70) && !f.isTaker)
        #expect(f.fee == Money(micros: 10_000) && f.time == Timestamp(seconds: 1_795_532_700))

        let b = try KalshiPortfolioParser.balance(
            Array(
                #"{"balance":12345,"balance_dollars":"123.4567","portfolio_value":20000,"updated_ts":1795532700}"#.utf8),
            source: "b")
        #expect(b.balance == Money(micros: 123_456_700) && b.portfolioValue == Money(micros: 200_000_000))
    }

    @Test func theConstructedSamplesReadAsTheSDKDescribesThem() throws {
        func bytes(_ name: String) throws -> [UInt8] { Array(try SampleFiles.text("kalshi/" + name).utf8) }
        let orders = try KalshiPortfolioParser.ordersPage(try bytes("portfolio_orders.json"), source: "orders")
        #expect(orders.cursor == nil && orders.orders.map(\.status) == [.resting, .executed])
        let noBuy = orders.orders[1]
        #expect(noBuy.outcomeSide == .no && noBuy.bookSide == .ask && noBuy.yesPrice == Price(cents: 70))
        #expect(noBuy.fees == Money(micros: 80_000) && noBuy.remainingCount == .zero)
        let fills = try KalshiPortfolioParser.fillsPage(try bytes("portfolio_fills.json"), source: "fills").fills
        #expect(fills.count == 1 && fills[0].orderId == noBuy.orderId && fills[0].isTaker)
        #expect(fills[0].time == Timestamp(rfc3339: "2026-11-23T16:00:00.125Z"), "created_time before the legacy ts")
        let balance = try KalshiPortfolioParser.balance(try bytes("portfolio_balance.json"), source: "balance")
        #expect(balance.balance == Money(micros: 983_420_000) && balance.portfolioValue == Money(micros: 1_001_500_000))
    }

    @Test func badFieldsAreNamedNeverGuessed() {
        func fails(_ json: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try KalshiPortfolioParser.ordersPage(Array(json.utf8), source: "o")
                Issue.record("accepted: \(text)", sourceLocation: sourceLocation)
            } catch {
                #expect("\(error)".contains(text), "\(error)", sourceLocation: sourceLocation)
            }
        }
        let o = Self.order
        fails(#"{"orders":[\#(o.replacingOccurrences("\"resting\"", "\"open\""))]}"#, "orders[0].status")
        fails(#"{"orders":[\#(o.replacingOccurrences("\"ask\"", "\"sell\""))]}"#, "is not bid or ask")
        // A seventh decimal on a price is refused, not rounded.
        fails(#"{"orders":[\#(o.replacingOccurrences("\"0.7000\"", "\"0.7000001\""))]}"#, "yes_price_dollars")
        fails(#"{"orders":[\#(o.replacingOccurrences("\"0.0100\"", "0.01"))]}"#, "expected a dollar string")
        #expect(throws: ImportError.self) {
            try KalshiPortfolioParser.balance(
                Array(#"{"balance":1,"balance_dollars":"123.4567","portfolio_value":0,"updated_ts":1}"#.utf8),
                source: "b")
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
