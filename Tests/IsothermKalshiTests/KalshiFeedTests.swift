import IsothermEvents
import Testing

@testable import IsothermKalshi

/// Kalshi's WebSocket messages, as the reference gives them, to events.
@Suite struct KalshiFeedTests {
    let now = Timestamp(rfc3339: "2026-11-24T15:00:00Z")!

    func parse(_ text: String) throws -> KalshiFeedMessage { try KalshiFeed.parse(Array(text.utf8), receivedAt: now) }

    @Test func tickerTradeAndLifecycle() throws {
        let ticker = try parse(
            #"{"type":"ticker","sid":2,"msg":{"market_id":"u","market_ticker":"KXHIGHNY-26NOV24-B45.5","price_dollars":"0.4500","yes_bid_dollars":"0.4400","yes_ask_dollars":"0.4600","yes_bid_size_fp":"120.00","yes_ask_size_fp":"30.00","last_trade_size_fp":"5.00","volume_fp":"1500.00","open_interest_fp":"800.00","dollar_volume":675,"dollar_open_interest":360,"ts_ms":1732460400123}}"#
        )
        #expect(ticker.type == "ticker" && ticker.sid == 2 && ticker.seq == nil)
        #expect(
            ticker.events == [
                EventRecord(
                    time: Timestamp(milliseconds: 1_732_460_400_123),
                    event: .ticker(
                        TickerUpdate(
                            ticker: Symbol("KXHIGHNY-26NOV24-B45.5")!, lastPrice: Price(micros: 450_000),
                            yesBid: Price(micros: 440_000),
                            yesAsk: Price(micros: 460_000), yesBidSize: Count(contracts: 120),
                            yesAskSize: Count(contracts: 30),
                            volume: Count(contracts: 1_500), openInterest: Count(contracts: 800))))
            ])

        let trade = try parse(
            #"{"type":"trade","sid":3,"seq":7,"msg":{"trade_id":"t-1","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.4550","no_price_dollars":"0.5450","count_fp":"10.50","taker_outcome_side":"no","taker_book_side":"bid","is_block_trade":false,"ts_ms":1732460401000}}"#
        )
        #expect(trade.seq == 7)
        #expect(
            trade.events.first?.event
                == .trade(
                    Trade(
                        tradeId: "t-1", ticker: Symbol("KXHIGHNY-26NOV24-B45.5")!, yesPrice: Price(micros: 455_000),
                        count: Count(hundredths: 1_050), takerSide: .no, isBlockTrade: false)))

        let determined = try parse(
            #"{"type":"market_lifecycle_v2","sid":4,"seq":3,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","event_type":"determined","result":"yes","determination_ts":1732540000,"settlement_value":"1.0000"}}"#
        )
        #expect(determined.events.first?.time == Timestamp(seconds: 1_732_540_000))
        #expect(
            determined.events.first?.event
                == .marketLifecycle(
                    MarketLifecycle(
                        ticker: Symbol("KXHIGHNY-26NOV24-B45.5")!, transition: .determined, result: .yes,
                        settlementValue: .one)))

        let created = try parse(
            #"{"type":"market_lifecycle_v2","sid":4,"seq":4,"msg":{"market_ticker":"KXHIGHNY-26NOV25-T40","event_type":"created","open_ts":1732546800,"close_ts":1732683540,"additional_metadata":{"strike_type":"less","cap_strike":40}}}"#
        )
        guard case .marketLifecycle(let l) = created.events.first?.event else {
            Issue.record("no lifecycle event")
            return
        }
        #expect(
            l.transition == .created && l.openTime == Timestamp(seconds: 1_732_546_800)
                && l.closeTime == Timestamp(seconds: 1_732_683_540))
        #expect(created.events.first?.time == now, "no determination time: the receive time")
    }

    @Test func repliesAndErrorsCarryNoEvents() throws {
        let ok = try parse(#"{"id":1,"type":"subscribed","msg":{"channel":"ticker","sid":2}}"#)
        #expect(ok.type == "subscribed" && ok.events.isEmpty)
        let error = try parse(#"{"id":126,"type":"error","msg":{"code":9,"msg":"Authentication required"}}"#)
        #expect(error.error?.code == 9 && error.error?.message == "Authentication required")
        #expect(throws: (any Error).self) {
            try parse(
                #"{"type":"trade","msg":{"trade_id":"x","market_ticker":"A","yes_price_dollars":"0.5x","count_fp":"1.00","taker_outcome_side":"yes"}}"#
            )
        }
    }
}
