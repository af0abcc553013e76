import IsothermEvents
import IsothermKalshi
import Testing

/// WebSocket messages the fuzz target FuzzKalshiWS (`tools/fuzz`, `Fuzz/README.md`) found crashing
/// `KalshiFeed.parse`; the files are in `Fuzz/Corpus/FuzzKalshiWS/`. Each runs in a child process (an
/// exit test), so that a regression fails its test instead of stopping the whole suite. A
/// time no `Timestamp` can hold must make the message unreadable (or an error), never a trap.
@Suite struct FuzzRegressionTests {
    /// `ts_ms` is checked against 10^13, but milliseconds from 9,223,372,036,855 on overflow
    /// `Timestamp(milliseconds:)` (KalshiFeed.swift, `exchangeTime`).
    @Test func tradeWithMillisecondsBeyondInt64Nanoseconds() async {
        await #expect(processExitsWith: .success) {
            let m = try? KalshiFeed.parse(
                Array(
                    #"{"type":"trade","sid":3,"seq":7,"msg":{"trade_id":"t-1","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.4550","count_fp":"1.00","taker_outcome_side":"no","ts_ms":9732460401000}}"#
                        .utf8), receivedAt: Timestamp(nanos: 1_732_460_401_000_000_000))
            precondition(m == nil || m!.events.isEmpty)
        }
    }

    /// `ts` in Unix seconds is checked against 10^10, but seconds from 9,223,372,037 on overflow
    /// `Timestamp(seconds:)` (KalshiFeed.swift, `seconds(_:_:)`).
    @Test func tradeWithSecondsBeyondInt64Nanoseconds() async {
        await #expect(processExitsWith: .success) {
            let m = try? KalshiFeed.parse(
                Array(
                    #"{"type":"trade","sid":11,"msg":{"trade_id":"t-2","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.360","count_fp":"1.00","taker_side":"no","ts":9616149841}}"#
                        .utf8), receivedAt: Timestamp(nanos: 1_732_460_401_000_000_000))
            precondition(m == nil || m!.events.isEmpty)
        }
    }

    /// The same bound on a lifecycle's `open_ts`.
    @Test func createdMarketOpeningBeyondInt64Nanoseconds() async {
        await #expect(processExitsWith: .success) {
            let m = try? KalshiFeed.parse(
                Array(
                    #"{"type":"market_lifecycle_v2","sid":13,"seq":3,"msg":{"market_ticker":"KXHIGHNY-26NOV25-B45.5","event_type":"created","open_ts":9732546800,"close_ts":1732683540,"additional_metadata":{"event_ticker":"KXHIGHNY-26NOV25","strike_type":"between","floor_strike":45,"cap_strike":46}}}"#
                        .utf8), receivedAt: Timestamp(nanos: 1_732_460_401_000_000_000))
            precondition(m == nil || m!.events.isEmpty)
        }
    }

    /// `ts` as an RFC 3339 string in the year 5614: `Timestamp(rfc3339:)` overflows (see
    /// IsothermEventsTests' FuzzRegressionTests for the value type alone).
    @Test func tickerWithRFC3339TimeBeyondInt64Nanoseconds() async {
        await #expect(processExitsWith: .success) {
            let m = try? KalshiFeed.parse(
                Array(
                    #"{"type":"ticker","msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","ts":"5614-11-24T14:59:58Z"}}"#
                        .utf8), receivedAt: Timestamp(nanos: 1_732_460_401_000_000_000))
            precondition(m == nil || m!.events.isEmpty)
        }
    }
}
