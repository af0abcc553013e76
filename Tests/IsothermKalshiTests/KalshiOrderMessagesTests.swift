import Foundation
import IsothermEvents
import IsothermImport
import Testing

@testable import IsothermKalshi

/// The V2 order bodies' readers refuse what the spec does not allow, naming the field: a price with a
/// seventh decimal, a count with a third, numbers where strings belong, a side that is not bid or ask.
/// Shapes: SDK 3.34 `CreateOrderV2Request`, `CreateOrderV2Response`, `MarketPosition`, `ErrorResponse`.
struct KalshiOrderMessagesTests {
    static let good =
        #"{"ticker":"KXHIGHNY-25JUN10-B80.5","side":"bid","count":"10.00","price":"0.4200","time_in_force":"good_till_canceled","self_trade_prevention_type":"taker_at_cross","client_order_id":"c-1","post_only":true}"#

    static func failure(_ json: String, _ read: ([UInt8]) throws(ImportError) -> Void) -> String? {
        do throws(ImportError) {
            try read(Array(json.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    static func request(_ json: String) -> String? {
        failure(json) { b throws(ImportError) in _ = try KalshiOrderV2.parse(b, source: "body") }
    }

    @Test func aGoodRequestReadsExactlyAndWritesBackTheSame() throws {
        let o = try KalshiOrderV2.parse(Array(Self.good.utf8), source: "body")
        #expect(o.yesPrice == Price(cents: 42) && o.count == Count(contracts: 10) && o.side == .bid && o.postOnly)
        #expect(try KalshiOrderV2.parse(Array(o.json.utf8), source: "again") == o)
    }

    @Test func badRequestFieldsAreNamed() {
        let cases: [(String, String, String)] = [
            (#""price":"0.4200""#, #""price":"0.4200001""#, "price"),  // a seventh decimal
            (#""price":"0.4200""#, #""price":0.42"#, "price"),  // a number, not a dollar string
            (#""price":"0.4200""#, #""price":"1.0100""#, "price"),  // above $1
            (#""count":"10.00""#, #""count":"10.001""#, "count"),  // a third decimal
            (#""count":"10.00""#, #""count":true"#, "count"),
            (#""count":"10.00""#, #""count":-3"#, "count"),
            (#""side":"bid""#, #""side":"yes""#, "side"),
            (#""post_only":true"#, #""post_only":"true""#, "post_only"),
            (#""time_in_force":"good_till_canceled""#, #""time_in_force":"gtc""#, "time_in_force"),
            (#""ticker":"KXHIGHNY-25JUN10-B80.5","#, "", "ticker"),  // missing
        ]
        for (from, to, field) in cases {
            let json = Self.good.replacingOccurrences(of: from, with: to)
            let message = Self.request(json)
            #expect(message?.contains(field) == true, "\(to): \(message ?? "accepted")")
        }
        #expect(Self.request("{\"ticker\":") != nil)
        #expect(Self.request("[]") != nil)
    }

    @Test func badAnswersAreNamedNotTrusted() {
        func answer(_ json: String) -> String? {
            Self.failure(json) { b throws(ImportError) in _ = try KalshiAnswers.order(b, source: "create order") }
        }
        #expect(answer(#"{"order_id":"o1","fill_count":"1.00","remaining_count":"9.00"}"#) == nil)
        #expect(answer(#"{"order_id":7}"#)?.contains("order_id") == true)
        #expect(answer(#"{"order_id":"o1","fill_count":"1.005"}"#)?.contains("fill_count") == true)
        #expect(answer(#"{"order_id":"o1","remaining_count":{}}"#)?.contains("remaining_count") == true)
        func positions(_ json: String) -> String? {
            Self.failure(json) { b throws(ImportError) in _ = try KalshiAnswers.positions(b, source: "positions") }
        }
        let position =
            #"{"market_positions":[{"ticker":"KXHIGHNY-25JUN10-B80.5","position_fp":"3.00","market_exposure_dollars":"1.2600","realized_pnl_dollars":"-0.0100","fees_paid_dollars":"0.0300"}]}"#
        #expect(positions(position) == nil)
        #expect(
            positions(position.replacingOccurrences(of: "\"1.2600\"", with: "\"1.26000001\""))?.contains(
                "market_exposure_dollars") == true)
        #expect(
            positions(position.replacingOccurrences(of: "\"3.00\"", with: "\"3.001\""))?.contains("position_fp") == true
        )
        // An error body in the wrapped or the plain form; anything else is not one.
        #expect(KalshiAnswers.error(Array(#"{"error":{"code":"x","message":"m"}}"#.utf8))?.code == "x")
        #expect(KalshiAnswers.error(Array(#"{"code":"y"}"#.utf8))?.code == "y")
        #expect(KalshiAnswers.error(Array("<html>".utf8)) == nil)
    }
}
