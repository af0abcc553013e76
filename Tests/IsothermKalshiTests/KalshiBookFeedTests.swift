import Foundation
import IsothermEvents
import IsothermImport
import Testing

@testable import IsothermKalshi

/// The order-book and private messages of the WebSocket (`reference/kalshi-api.md` §4, "Message
/// payloads"), read exactly, bad fields named; and the book folded from them.
struct KalshiBookFeedTests {
    static let at = Timestamp(rfc3339: "2025-06-10T16:00:00Z")!

    static func parse(_ json: String) throws -> KalshiFeedMessage {
        try KalshiFeed.parse(Array(json.utf8), receivedAt: at)
    }

    @Test func snapshotsAndDeltasFoldIntoABook() throws {
        let snap = try Self.parse(
            #"{"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"KXHIGHNY-25JUN10-B80.5","market_id":"x","yes_dollars_fp":[["0.4100","250.00"],["0.4200","10.00"]],"no_dollars_fp":[["0.5500","30.00"]]}}"#
        )
        guard case .bookSnapshot(let s) = snap.events.first?.event else {
            Issue.record("\(snap)")
            return
        }
        #expect(s.yesBids.map(\.price) == [Price(cents: 42), Price(cents: 41)], "best first")
        var book = KalshiBook(s)
        #expect(book.bestYesBid == Price(cents: 42) && book.bestYesAsk == Price(cents: 45))
        let delta = try Self.parse(
            #"{"type":"orderbook_delta","sid":1,"seq":2,"msg":{"market_ticker":"KXHIGHNY-25JUN10-B80.5","price_dollars":"0.4200","delta_fp":"-10.00","side":"yes","client_order_id":"c-1","ts_ms":1749571260000}}"#
        )
        guard case .bookDelta(let d) = delta.events.first?.event else {
            Issue.record("\(delta)")
            return
        }
        #expect(d.clientOrderId == "c-1" && delta.events.first?.time == Timestamp(milliseconds: 1_749_571_260_000))
        let applied = book.apply(d)
        #expect(applied)
        #expect(book.bestYesBid == Price(cents: 41), "an emptied level is gone")
        // A delta that would take a level below zero is refused: the book is out of step.
        let again = book.apply(d)
        #expect(!again)
        #expect(book.snapshot.yesBids == [BookLevel(price: Price(cents: 41), count: Count(contracts: 250))])
    }

    @Test func privateMessagesReadExactly() throws {
        let fill = try Self.parse(
            #"{"type":"fill","sid":3,"msg":{"trade_id":"t1","order_id":"o1","client_order_id":"c1","market_ticker":"KXHIGHNY-25JUN10-B80.5","is_taker":true,"yes_price_dollars":"0.4300","count_fp":"3.00","fee_cost":"0.0600","outcome_side":"yes","book_side":"bid","post_position_fp":"3.00","ts_ms":1749571260000}}"#
        )
        #expect(fill.fill?.fee == Money(micros: 60_000) && fill.fill?.count == Count(contracts: 3))
        #expect(fill.fill?.time == Timestamp(milliseconds: 1_749_571_260_000))
        let order = try Self.parse(
            #"{"type":"user_order","sid":4,"msg":{"order_id":"o1","user_id":"u","ticker":"KXHIGHNY-25JUN10-B80.5","status":"resting","outcome_side":"yes","book_side":"bid","yes_price_dollars":"0.4100","fill_count_fp":"0.00","remaining_count_fp":"5.00","initial_count_fp":"5.00","taker_fill_cost_dollars":"0.0000","maker_fill_cost_dollars":"0.0000","taker_fees_dollars":"0.0000","maker_fees_dollars":"0.0000","client_order_id":"c2","created_ts_ms":1749571260000}}"#
        )
        #expect(order.order?.status == .resting && order.order?.clientOrderId == "c2")
        #expect(order.marketTicker == "KXHIGHNY-25JUN10-B80.5")
        let position = try Self.parse(
            #"{"type":"market_position","sid":5,"msg":{"user_id":"u","market_ticker":"KXHIGHNY-25JUN10-B80.5","position_fp":"-2.00","position_cost_dollars":"1.1400","realized_pnl_dollars":"-0.0200","fees_paid_dollars":"0.0200","volume_fp":"2.00"}}"#
        )
        #expect(position.position?.position == -200 && position.position?.exposure == Money(micros: 1_140_000))
    }

    @Test func badFieldsAreNamedAndMapToNothing() throws {
        let cases: [(String, String)] = [
            (
                #"{"type":"orderbook_delta","sid":1,"seq":2,"msg":{"market_ticker":"KXHIGHNY-25JUN10-B80.5","price_dollars":"0.42","delta_fp":"ten","side":"yes"}}"#,
                "delta_fp"
            ),
            (
                #"{"type":"orderbook_delta","sid":1,"seq":2,"msg":{"market_ticker":"KXHIGHNY-25JUN10-B80.5","price_dollars":"0.42","delta_fp":"1.00","side":"maybe"}}"#,
                "side"
            ),
            (
                #"{"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":"KXHIGHNY-25JUN10-B80.5","yes_dollars_fp":[["0.41"]]}}"#,
                "yes_dollars_fp[0]"
            ),
            (
                #"{"type":"fill","sid":3,"msg":{"trade_id":"t1","order_id":"o1","market_ticker":"KXHIGHNY-25JUN10-B80.5","is_taker":"yes","yes_price_dollars":"0.43","count_fp":"3.00","fee_cost":"0.06","outcome_side":"yes","book_side":"bid"}}"#,
                "is_taker"
            ),
            (
                #"{"type":"market_position","sid":5,"msg":{"market_ticker":"KXHIGHNY-25JUN10-B80.5","position_fp":"1.00","position_cost_dollars":"0.4200001","realized_pnl_dollars":"0","fees_paid_dollars":"0"}}"#,
                "position_cost_dollars"
            ),
        ]
        for (json, field) in cases {
            let m = try Self.parse(json)
            #expect(m.events.isEmpty && m.fill == nil && m.position == nil)
            #expect(m.unreadable?.description.contains(field) == true, "\(field): \(String(describing: m.unreadable))")
        }
    }
}
