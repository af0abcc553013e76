import IsothermEvents
import IsothermImport
import Testing

@testable import IsothermKalshi

/// Kalshi's WebSocket messages, in the shapes the AsyncAPI spec copy (2026-03) and the reference give,
/// to events: nothing invented for a field left out, both times kept.
@Suite struct KalshiFeedTests {
    let now = Timestamp(rfc3339: "2026-11-24T15:00:00Z")!
    let ticker = Symbol("KXHIGHNY-26NOV24-B45.5")!

    func parse(_ text: String) throws -> KalshiFeedMessage { try KalshiFeed.parse(Array(text.utf8), receivedAt: now) }

    @Test("ticker, current shape: every field exact, received now, the exchange's ts_ms beside it")
    func tickerCurrentShape() throws {
        let m = try parse(
            #"{"type":"ticker","sid":2,"msg":{"market_id":"u","market_ticker":"KXHIGHNY-26NOV24-B45.5","price_dollars":"0.4500","yes_bid_dollars":"0.4400","yes_ask_dollars":"0.4600","yes_bid_size_fp":"120.00","yes_ask_size_fp":"30.00","last_trade_size_fp":"5.00","volume_fp":"1500.00","open_interest_fp":"800.00","dollar_volume":675,"dollar_open_interest":360,"ts_ms":1732460400123}}"#
        )
        #expect(m.type == "ticker" && m.sid == 2 && m.seq == nil && m.unreadable == nil)
        #expect(
            m.events == [
                EventRecord(
                    time: now,
                    event: .ticker(
                        TickerUpdate(
                            ticker: ticker, lastPrice: Price(micros: 450_000), yesBid: Price(micros: 440_000),
                            yesAsk: Price(micros: 460_000), yesBidSize: Count(contracts: 120),
                            yesAskSize: Count(contracts: 30), volume: Count(contracts: 1_500),
                            openInterest: Count(contracts: 800),
                            exchangeTime: Timestamp(milliseconds: 1_732_460_400_123))))
            ])
    }

    @Test("ticker, the spec copy's shape: cents and dollars agree, ts in seconds; absent sizes stay absent")
    func tickerSpecShapeLeavesOutWhatIsMissing() throws {
        // The AsyncAPI example: integer cents beside dollar strings, `ts` seconds and `time`, no sizes.
        let m = try parse(
            #"{"type":"ticker","sid":11,"msg":{"market_ticker":"FED-23DEC-T3.00","market_id":"9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1","price":48,"yes_bid":45,"yes_ask":53,"price_dollars":"0.480","yes_bid_dollars":"0.450","yes_ask_dollars":"0.530","volume":33896,"volume_fp":"33896.00","open_interest":20422,"open_interest_fp":"20422.00","dollar_volume":16948,"dollar_open_interest":10211,"ts":1669149841,"time":"2022-11-22T20:44:01Z"}}"#
        )
        guard case .ticker(let t) = m.events.first?.event else {
            Issue.record("no ticker: \(String(describing: m.unreadable))")
            return
        }
        #expect(m.events.first?.time == now, "the record time is the receive time")
        #expect(t.exchangeTime == Timestamp(seconds: 1_669_149_841))
        #expect(t.lastPrice == Price(cents: 48) && t.yesBid == Price(cents: 45) && t.yesAsk == Price(cents: 53))
        #expect(t.volume == Count(contracts: 33_896) && t.openInterest == Count(contracts: 20_422))
        #expect(t.yesBidSize == nil && t.yesAskSize == nil, "no size in the message: none recorded, not 0.00")

        // Only a price: nothing else is filled in, and with no time of its own there is no exchange time.
        let bare = try parse(
            #"{"type":"ticker","sid":1,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","price_dollars":"0.1000"}}"#)
        #expect(
            bare.events == [
                EventRecord(
                    time: now,
                    event: .ticker(
                        TickerUpdate(
                            ticker: ticker, lastPrice: Price(cents: 10), yesBid: nil, yesAsk: nil, yesBidSize: nil,
                            yesAskSize: nil, volume: nil, openInterest: nil, exchangeTime: nil)))
            ])
        // `ts` as RFC 3339 text (as some messages now send it) and `time` alone are read too.
        let text = try parse(
            #"{"type":"ticker","msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","ts":"2026-11-24T14:59:58Z"}}"#)
        let time = try parse(
            #"{"type":"ticker","msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","time":"2026-11-24T14:59:57Z"}}"#)
        for (m, expected) in [(text, "2026-11-24T14:59:58Z"), (time, "2026-11-24T14:59:57Z")] {
            guard case .ticker(let t) = m.events.first?.event else {
                Issue.record("no ticker")
                continue
            }
            #expect(t.exchangeTime == Timestamp(rfc3339: expected))
        }
        // Two spellings that disagree are not a ticker.
        let disagree = try parse(
            #"{"type":"ticker","msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","volume":10,"volume_fp":"12.00"}}"#)
        #expect(disagree.events.isEmpty && disagree.unreadable?.field == "msg.volume")
    }

    @Test("trade: at the exchange's time; without one it is unreadable, not stamped with the receive time")
    func tradeTimes() throws {
        let current = try parse(
            #"{"type":"trade","sid":3,"seq":7,"msg":{"trade_id":"t-1","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.4550","no_price_dollars":"0.5450","count_fp":"10.50","taker_outcome_side":"no","taker_book_side":"bid","is_block_trade":false,"ts_ms":1732460401000}}"#
        )
        #expect(current.seq == 7)
        #expect(
            current.events == [
                EventRecord(
                    time: Timestamp(milliseconds: 1_732_460_401_000),
                    event: .trade(
                        Trade(
                            tradeId: "t-1", ticker: ticker, yesPrice: Price(micros: 455_000),
                            count: Count(hundredths: 1_050), takerSide: .no, isBlockTrade: false)))
            ])
        // The spec copy's example: cents, whole contracts, taker_side, ts in seconds, no block flag.
        let old = try parse(
            #"{"type":"trade","sid":11,"msg":{"trade_id":"d91bc706-ee49-470d-82d8-11418bda6fed","market_ticker":"HIGHNY-22DEC23-B53.5","yes_price":36,"yes_price_dollars":"0.360","no_price":64,"no_price_dollars":"0.640","count":136,"count_fp":"136.00","taker_side":"no","ts":1669149841}}"#
        )
        guard case .trade(let t) = old.events.first?.event else {
            Issue.record("no trade: \(String(describing: old.unreadable))")
            return
        }
        #expect(old.events.first?.time == Timestamp(seconds: 1_669_149_841))
        #expect(t.yesPrice == Price(cents: 36) && t.count == Count(contracts: 136) && t.takerSide == .no)
        #expect(t.isBlockTrade == nil, "the message does not say")

        let undated = try parse(
            #"{"type":"trade","sid":3,"seq":8,"msg":{"trade_id":"t-2","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.45","count_fp":"1.00","taker_outcome_side":"yes"}}"#
        )
        #expect(undated.events.isEmpty && undated.sid == 3 && undated.seq == 8, "the envelope is still read")
        #expect(undated.unreadable?.field == "msg.ts_ms")
        let bad = try parse(
            #"{"type":"trade","msg":{"trade_id":"x","market_ticker":"A","yes_price_dollars":"0.5x","count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1}}"#
        )
        #expect(bad.unreadable?.field == "msg.yes_price_dollars")
    }

    @Test("market_lifecycle_v2: created with its strikes becomes a listing; the transitions keep their own times")
    func lifecycle() throws {
        let created = try parse(
            #"{"type":"market_lifecycle_v2","sid":13,"seq":3,"msg":{"market_ticker":"KXHIGHNY-26NOV25-B45.5","exchange_index":0,"event_type":"created","open_ts":1732546800,"close_ts":1732683540,"price_level_structure":"linear_cent","additional_metadata":{"name":"n","title":"Highest temperature in NYC on Nov 25, 2026?","yes_sub_title":"45° to 46°","no_sub_title":"","rules_primary":"…","rules_secondary":"","can_close_early":true,"event_ticker":"KXHIGHNY-26NOV25","expected_expiration_ts":1732712400,"strike_type":"between","floor_strike":45,"cap_strike":46}}}"#
        )
        let market = Symbol("KXHIGHNY-26NOV25-B45.5")!
        #expect(
            created.events == [
                EventRecord(
                    time: now,
                    event: .marketListed(
                        MarketListed(
                            ticker: market, eventTicker: Symbol("KXHIGHNY-26NOV25")!, seriesTicker: Symbol("KXHIGHNY")!,
                            eventDate: LocalDate(iso8601: "2026-11-25")!, strikeType: .between,
                            floorStrike: Temperature(degrees: 45), capStrike: Temperature(degrees: 46),
                            openTime: Timestamp(seconds: 1_732_546_800), closeTime: Timestamp(seconds: 1_732_683_540),
                            feeType: .quadratic, feeMultiplierMillionths: 1_000_000,
                            title: "Highest temperature in NYC on Nov 25, 2026?"))),
                EventRecord(
                    time: now,
                    event: .marketLifecycle(
                        MarketLifecycle(
                            ticker: market, transition: .created, openTime: Timestamp(seconds: 1_732_546_800),
                            closeTime: Timestamp(seconds: 1_732_683_540)))),
            ])
        // Without metadata (or without a strike type) there is no listing to make: the lifecycle alone.
        let plain = try parse(
            #"{"type":"market_lifecycle_v2","sid":13,"seq":4,"msg":{"market_ticker":"KXHIGHNY-26NOV25-T40","event_type":"created","open_ts":1732546800,"close_ts":1732683540}}"#
        )
        #expect(plain.events.map(\.event.kind) == [.marketLifecycle])
        // Metadata that is there but wrong is an error, not a guess.
        let wrong = try parse(
            #"{"type":"market_lifecycle_v2","sid":13,"seq":5,"msg":{"market_ticker":"KXHIGHNY-26NOV25-T40","event_type":"created","open_ts":1732546800,"close_ts":1732683540,"additional_metadata":{"event_ticker":"KXHIGHNY-26NOV25","strike_type":"less"}}}"#
        )
        #expect(wrong.events.isEmpty && wrong.unreadable?.field == "msg.additional_metadata.cap_strike")

        let determined = try parse(
            #"{"type":"market_lifecycle_v2","sid":4,"seq":3,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","event_type":"determined","result":"yes","determination_ts":1732540000,"settlement_value":"1.0000"}}"#
        )
        #expect(
            determined.events == [
                EventRecord(
                    time: Timestamp(seconds: 1_732_540_000),
                    event: .marketLifecycle(
                        MarketLifecycle(ticker: ticker, transition: .determined, result: .yes, settlementValue: .one)))
            ])
        let settled = try parse(
            #"{"type":"market_lifecycle_v2","sid":4,"seq":4,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","event_type":"settled","settled_ts":1732547000}}"#
        )
        #expect(settled.events.first?.time == Timestamp(seconds: 1_732_547_000))
        // activated carries no time of its own: the receive time, never another transition's.
        let activated = try parse(
            #"{"type":"market_lifecycle_v2","sid":4,"seq":5,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","event_type":"activated","is_deactivated":false,"determination_ts":1}}"#
        )
        #expect(activated.events.first?.time == now)
        let strange = try parse(
            #"{"type":"market_lifecycle_v2","msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","event_type":"determined","result":"maybe"}}"#
        )
        #expect(strange.unreadable?.field == "msg.result")
    }

    @Test("raw-only messages carry no events but say what they are about")
    func rawOnly() throws {
        let metadata = try parse(
            #"{"type":"market_lifecycle_v2","sid":13,"seq":6,"msg":{"event_type":"metadata_updated","market_ticker":"KXHIGHNY-26NOV25-T40","strike_type":"less","cap_strike":41}}"#
        )
        let structure = try parse(
            #"{"type":"market_lifecycle_v2","sid":13,"seq":7,"msg":{"event_type":"price_level_structure_updated","market_ticker":"KXHIGHNY-26NOV25-T40","price_level_structure":"deci_cent"}}"#
        )
        let event = try parse(
            #"{"type":"event_lifecycle","sid":13,"seq":8,"msg":{"event_ticker":"KXHIGHNY-26NOV26","title":"t","subtitle":"s","collateral_return_type":"MECNET","series_ticker":"KXHIGHNY"}}"#
        )
        let fee = try parse(
            #"{"type":"event_fee_update","sid":13,"seq":9,"msg":{"event_ticker":"KXBTCD-26NOV26","fee_type_override":null,"fee_multiplier_override":null}}"#
        )
        for m in [metadata, structure, event, fee] {
            #expect(m.events.isEmpty && m.unreadable == nil, "\(m.type)")
        }
        #expect(metadata.marketTicker == "KXHIGHNY-26NOV25-T40" && metadata.seq == 6)
        #expect(event.eventTicker == "KXHIGHNY-26NOV26" && event.seriesTicker == "KXHIGHNY")
        // The series filter reads these fields: event-level messages of other series are left out.
        #expect(metadata.isKept(byPrefixes: ["KXHIGH"]) && event.isKept(byPrefixes: ["KXHIGH"]))
        #expect(!fee.isKept(byPrefixes: ["KXHIGH"]))
        #expect(
            try parse(#"{"id":1,"type":"subscribed","msg":{"channel":"ticker","sid":2}}"#).isKept(byPrefixes: ["X"]))
    }

    @Test("replies and errors: channels, codes and what to do after each")
    func repliesAndErrors() throws {
        let ok = try parse(#"{"id":1,"type":"subscribed","msg":{"channel":"ticker","sid":2}}"#)
        #expect(
            ok.type == "subscribed" && ok.events.isEmpty && ok.subscribed?.channel == "ticker"
                && ok.subscribed?.sid == 2)
        let list = try parse(#"{"id":3,"type":"ok","msg":[{"channel":"ticker","sid":2}]}"#)
        #expect(list.type == "ok" && list.unreadable == nil)
        let auth = try parse(#"{"id":126,"type":"error","msg":{"code":9,"msg":"Authentication required"}}"#)
        #expect(auth.error == KalshiFeedError(code: 9, message: "Authentication required"))
        #expect(auth.error?.action == .stop && auth.error?.meaning == "authentication required")
        let foreign = try parse(
            #"{"id":127,"type":"error","msg":{"code":16,"msg":"Market not found","market_ticker":"KXBTCD-X"}}"#)
        #expect(foreign.isKept(byPrefixes: ["KXHIGH"]), "errors are about our commands: always kept")
        let actions = [1, 6, 7, 8, 10, 16, 17, 18, 25, 26, 27, 99].map {
            KalshiFeedError(code: Int64($0), message: "").action
        }
        #expect(
            actions == [
                .stop, .carryOn, .carryOn, .stop, .resubscribe, .carryOn, .resubscribe, .resubscribe, .resubscribe,
                .stop, .resubscribe, .carryOn,
            ])
        #expect(throws: ImportError.self) { try parse("not json") }
        #expect(throws: ImportError.self) { try parse(#"{"sid":1}"#) }
    }
}
