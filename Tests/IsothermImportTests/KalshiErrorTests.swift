import Foundation
import IsothermEvents
import IsothermImport
import Testing

/// Bad input names the file and the field's path, and says what is wrong.
@Suite("Kalshi import errors")
struct KalshiErrorTests {
    /// A sample with the first occurrence of `old` replaced by `new`.
    static func mutated(_ file: String, _ old: String, _ new: String) throws -> [UInt8] {
        let text = try KalshiSample.text(file)
        let range = try #require(text.range(of: old), "\(old) is not in \(file)")
        return Array(text.replacingCharacters(in: range, with: new).utf8)
    }

    static let live = "candlesticks_KXHIGHNY-26OCT02-B83.5_1m.json"
    static let page = "markets_KXHIGHNY_page1.json"

    static func candles(_ bytes: [UInt8], period: UInt16? = 1) -> String? {
        KalshiSample.failure {
            try KalshiCandlestickParser.candlesticks(bytes, source: "bad.json", periodMinutes: period)
        }
    }

    static func markets(_ bytes: [UInt8]) -> String? {
        KalshiSample.failure { try KalshiMarketParser.marketsPage(bytes, source: "bad.json") }
    }

    @Test("a malformed dollar string")
    func malformedNumber() throws {
        let bytes = try Self.mutated(Self.live, #""open_dollars": "0.4100""#, #""open_dollars": "0.41x0""#)
        #expect(
            Self.candles(bytes)
                == #"bad.json: candlesticks[0].yes_bid.open_dollars: "0.41x0" is not a dollar amount with at most 6 decimals"#
        )
    }

    @Test("a missing required field")
    func missingField() throws {
        let bytes = try Self.mutated(Self.page, #""open_time": "2026-10-01T14:00:00Z","#, "")
        #expect(Self.markets(bytes) == "bad.json: markets[0].open_time: missing")
    }

    @Test("a value of the wrong JSON type")
    func wrongType() throws {
        let bytes = try Self.mutated(Self.live, #""volume_fp": "37.00""#, #""volume_fp": true"#)
        #expect(Self.candles(bytes) == "bad.json: candlesticks[0].volume_fp: expected a count string, found a boolean")
        let strike = try Self.mutated(
            "event_KXHIGHNY-26OCT02_nested.json", #""floor_strike": 83,"#, #""floor_strike": "83","#)
        #expect(
            KalshiSample.failure { try KalshiMarketParser.event(strike, source: "event.json") }
                == "event.json: event.markets[2].floor_strike: expected a number, found a string")
        #expect(
            KalshiSample.failure { try KalshiMarketParser.marketsPage(Array("[]".utf8), source: "bad.json") }
                == "bad.json: document: expected an object, found an array")
    }

    @Test("truncated JSON names the line and column")
    func truncated() throws {
        let bytes = Array(try KalshiSample.bytes(Self.live).prefix(300))
        #expect(Self.candles(bytes) == "bad.json:13: JSON column 18: unterminated string")
        let cut = Array(try KalshiSample.bytes(Self.page).prefix(2_000))
        let message = try #require(Self.markets(cut))
        #expect(message.hasPrefix("bad.json:"))
        #expect(message.contains("JSON column"))
    }

    @Test("prices: fractional cents, above $1, two spellings that disagree, a partial OHLC")
    func prices() throws {
        let cents = try Self.mutated(
            "candlesticks_KXHIGHNY-26OCT02-B83.5_1m_cents.json", #""open": 41,"#, #""open": 41.5,"#)
        #expect(
            Self.candles(cents)
                == "bad.json: candlesticks[0].yes_bid.open: 41.5 is not a whole number of cents from 0 to 100")
        let above = try Self.mutated(Self.live, #""close_dollars": "0.4500""#, #""close_dollars": "1.0100""#)
        #expect(
            Self.candles(above) == #"bad.json: candlesticks[0].yes_ask.close_dollars: "1.0100" is outside $0 to $1"#)
        let disagree = try Self.mutated(
            "candlesticks_KXHIGHNY-26OCT02-B83.5_1m_sdk3.2.json", #""open": 41,"#, #""open": 43,"#)
        #expect(
            Self.candles(disagree)
                == #"bad.json: candlesticks[0].yes_bid.open: 43 disagrees with open_dollars "0.4100""#)
        let partial = try Self.mutated(Self.live, #""high_dollars": "0.4400""#, #""high_dollars": null"#)
        #expect(
            Self.candles(partial)
                == "bad.json: candlesticks[0].price.high_dollars: missing or null while open is given (a price is all four of OHLC, or none)"
        )
        let negative = try Self.mutated(Self.live, #""open_interest_fp": "5120.00""#, #""open_interest_fp": "-1.00""#)
        #expect(Self.candles(negative) == #"bad.json: candlesticks[0].open_interest_fp: "-1.00" is negative"#)
    }

    @Test("candle order and period")
    func candleOrder() throws {
        let backwards = try Self.mutated(Self.live, #""end_period_ts": 1790964120"#, #""end_period_ts": 1790964000"#)
        #expect(
            Self.candles(backwards)
                == "bad.json: candlesticks[1].end_period_ts: 1790964000 is not after the previous candle's 1790964060")
        let single =
            #"{"ticker":"KXHIGHNY-26OCT02-B83.5","candlesticks":[{"end_period_ts":1790964060,"#
            + #""yes_bid":{},"yes_ask":{},"price":{},"volume_fp":"0.00","open_interest_fp":"1.00"}]}"#
        #expect(
            Self.candles(Array(single.utf8), period: nil)
                == "bad.json: candlesticks: cannot tell the period from the spacing of end_period_ts; give the request's period_interval"
        )
        #expect(
            try KalshiCandlestickParser.candlesticks(Array(single.utf8), source: "ok.json", periodMinutes: 1).count == 1
        )
        let stamp = try Self.mutated(Self.live, #""end_period_ts": 1790964060"#, #""end_period_ts": "1790964060""#)
        #expect(Self.candles(stamp) == "bad.json: candlesticks[0].end_period_ts: expected Unix seconds, found a string")
    }

    @Test("markets: strikes, status, settlement, event date code")
    func marketFields() throws {
        let noCap = try Self.mutated(Self.page, #""cap_strike": 82,"#, "")
        #expect(Self.markets(noCap) == #"bad.json: markets[1].cap_strike: missing; strike_type "between" needs it"#)
        let status = try Self.mutated(Self.page, #""status": "finalized""#, #""status": "archived""#)
        #expect(
            Self.markets(status)
                == #"bad.json: markets[0].status: unknown status "archived" (known: initialized, unopened, inactive, paused, active, open, closed, determined, disputed, amended, finalized, settled)"#
        )
        // A settled market without settlement_ts is read, not refused (KalshiMarketTests checks what it gives);
        // a determined one not yet settled still needs the time that dates its determination.
        let unsettled = try Self.mutated(Self.page, #""settlement_ts": "2026-10-03T11:19:07Z","#, "")
        #expect(Self.markets(unsettled) == nil)
        var text = try KalshiSample.text(Self.page)
        text = text.replacingOccurrences(of: #""status": "finalized""#, with: #""status": "determined""#)
        let range = try #require(text.range(of: #""updated_time": "2026-10-03T10:19:07Z","#))
        let determined = Array(text.replacingCharacters(in: range, with: "").utf8)
        #expect(
            Self.markets(determined)
                == #"bad.json: markets[0].updated_time: missing; it dates the determination of a "determined" market"#)
        let noResult = try Self.mutated(Self.page, #""result": "no""#, #""result": """#)
        #expect(Self.markets(noResult) == #"bad.json: markets[0].result: empty, but the status is "finalized""#)
        let date = try Self.mutated(
            Self.page, #""event_ticker": "KXHIGHNY-26OCT02""#, #""event_ticker": "KXHIGHNY-26OCX02""#)
        #expect(
            Self.markets(date)
                == #"bad.json: markets[0].event_ticker: "KXHIGHNY-26OCX02" has no <YY><MON><DD> date code after the series (as in KXHIGHNY-26OCT02)"#
        )
        let strike = try Self.mutated(Self.page, #""cap_strike": 81"#, #""cap_strike": 81.25"#)
        #expect(
            Self.markets(strike)
                == "bad.json: markets[0].cap_strike: 81.25 is not a temperature in whole or tenths of a degree")
        let settlement = try Self.mutated(
            "markets_KXHIGHNY_page1_cents.json", #""settlement_value": 0,"#, #""settlement_value": "0.0o","#)
        #expect(
            Self.markets(settlement)
                == #"bad.json: markets[0].settlement_value: "0.0o" is not a dollar amount with at most 6 decimals"#)
    }

    @Test("events and series: fee fields")
    func feeFields() {
        let series = #"{"series":{"ticker":"KXHIGHNY","fee_type":"progressive","fee_multiplier":1}}"#
        #expect(
            KalshiSample.failure { try KalshiMarketParser.series(Array(series.utf8), source: "s.json") }
                == #"s.json: series.fee_type: unknown fee type "progressive" (known: quadratic, quadratic_with_maker_fees, quadratic_with_combo_maker_fees, flat)"#
        )
        let unpaired =
            #"{"events":[{"event_ticker":"KXHIGHNY-26OCT02","series_ticker":"KXHIGHNY","fee_type_override":"flat"}],"cursor":""}"#
        #expect(
            KalshiSample.failure { try KalshiMarketParser.eventsPage(Array(unpaired.utf8), source: "e.json") }
                == "e.json: events[0].fee_multiplier_override: missing, but fee_type_override is set (they come as a pair)"
        )
        let noMultiplier = #"{"series":{"ticker":"KXHIGHNY","fee_type":"flat"}}"#
        #expect(
            KalshiSample.failure { try KalshiMarketParser.series(Array(noMultiplier.utf8), source: "s.json") }
                == "s.json: series.fee_multiplier: missing")
    }
}
