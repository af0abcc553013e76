import IsothermEvents
import IsothermImport
import Testing

@testable import IsothermKalshi

/// Engine intents as Kalshi V2 orders and back (issue 14 point 2): one YES book, prices always YES.
@Suite struct KalshiOrdersTests {
    static let ticker = Symbol("KXHIGHNY-26NOV24-B45.5")!

    static func intent(
        _ side: Side, _ action: OrderAction, cents: Int64, type: OrderType = .limit, postOnly: Bool = true
    )
        -> OrderIntent
    {
        OrderIntent(
            clientOrderId: "open_maker-KXHIGHNY-26NOV24-buy", ticker: ticker, side: side, action: action, type: type,
            price: Price(cents: cents), count: Count(contracts: 10), postOnly: postOnly, decisionSequence: 3)
    }

    @Test func everyIntentMapsToOneBookSideAndTheYesPriceAndBack() {
        // (intent side, action, price) → (V2 side, YES price), as the table in ARCHITECTURE.md says.
        let table: [(Side, OrderAction, Int64, KalshiOrderV2.BookSide, Int64)] = [
            (.yes, .buy, 42, .bid, 42), (.yes, .sell, 42, .ask, 42), (.no, .buy, 30, .ask, 70),
            (.no, .sell, 30, .bid, 70),
        ]
        for (side, action, cents, book, yes) in table {
            let i = Self.intent(side, action, cents: cents)
            let o = KalshiOrderV2(i, clientOrderId: "c")
            #expect(o.side == book && o.yesPrice == Price(cents: yes), "\(side) \(action)")
            // An execution on that book side at that YES price is, for this intent, its own price back.
            #expect(KalshiOrderV2.price(bookSide: book, yesPrice: Price(cents: yes), for: i) == Price(cents: cents))
            #expect(
                KalshiOrderV2.price(bookSide: book == .bid ? .ask : .bid, yesPrice: Price(cents: yes), for: i) == nil)
        }
    }

    @Test func theRequestBodyIsKalshisCreateOrderV2() {
        let maker = KalshiOrderV2(Self.intent(.yes, .buy, cents: 42), clientOrderId: "u-1")
        #expect(
            maker.json
                == #"{"ticker":"KXHIGHNY-26NOV24-B45.5","side":"bid","count":"10.00","price":"0.4200","time_in_force":"good_till_canceled","self_trade_prevention_type":"taker_at_cross","client_order_id":"u-1","post_only":true}"#
        )
        // No market orders in V2: immediate-or-cancel at the price seen; a sale never opens the other side.
        let exit = KalshiOrderV2(
            Self.intent(.yes, .sell, cents: 55, type: .market, postOnly: false), clientOrderId: "u-2")
        #expect(exit.timeInForce == .immediateOrCancel && exit.reduceOnly && !exit.postOnly)
        #expect(exit.json.hasSuffix(#""post_only":false,"reduce_only":true}"#))
        let sub = KalshiOrderV2(Self.intent(.yes, .buy, cents: 1), clientOrderId: "u").json
        #expect(sub.contains(#""price":"0.0100""#))
        var fine = Self.intent(.yes, .buy, cents: 0)
        fine.price = Price(micros: 423_500)
        #expect(KalshiOrderV2(fine, clientOrderId: "u").json.contains(#""price":"0.4235""#))
    }

    @Test func clientOrderIdsAreUUIDsUniquePerSessionAndTheSameOnReplay() {
        let a = KalshiClientOrderId.make(session: "run-1", engineId: "open_maker-KXHIGHNY-26NOV24-buy")
        let b = KalshiClientOrderId.make(session: "run-2", engineId: "open_maker-KXHIGHNY-26NOV24-buy")
        let c = KalshiClientOrderId.make(session: "run-1", engineId: "open_maker-KXHIGHNY-26NOV25-buy")
        #expect(a == KalshiClientOrderId.make(session: "run-1", engineId: "open_maker-KXHIGHNY-26NOV24-buy"))
        #expect(a != b && a != c && b != c)
        let parts = a.split(separator: "-").map(\.count)
        #expect(parts == [8, 4, 4, 4, 12] && a.count == 36)
        let chars = Array(a)
        #expect(chars[14] == "8", "version 8")
        #expect("89ab".contains(chars[19]), "variant 10")
        #expect(a.allSatisfy { "0123456789abcdef-".contains($0) })
    }
}
