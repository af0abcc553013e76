import IsothermEvents
import IsothermImport
import Testing

@Suite("Kalshi candlesticks")
struct KalshiCandlestickTests {
    static let b835 = Symbol("KXHIGHNY-26OCT02-B83.5")!
    static let b855 = Symbol("KXHIGHNY-26OCT02-B85.5")!

    /// Open, low, high, close in cents, in the order the samples write them.
    static func cents(_ open: Int64, _ low: Int64, _ high: Int64, _ close: Int64) -> OHLC {
        OHLC(open: Price(cents: open), high: Price(cents: high), low: Price(cents: low), close: Price(cents: close))
    }

    static func record(
        _ end: Int64, _ ticker: Symbol, period: UInt16, bid: OHLC?, ask: OHLC?, trade: OHLC?, mean: Int64?,
        previous: Int64?, volume: Int64, openInterest: Int64
    ) -> EventRecord {
        EventRecord(
            time: Timestamp(seconds: end),
            event: .candle(
                Candle(
                    ticker: ticker, periodMinutes: period, yesBid: bid, yesAsk: ask, price: trade,
                    meanPrice: mean.map { Price(cents: $0) }, previousPrice: previous.map { Price(cents: $0) },
                    volume: Count(contracts: volume), openInterest: Count(contracts: openInterest))))
    }

    /// The one-minute B83.5 sample as a person reads it: 18:01Z … 18:08Z on 2026-10-02, no 18:04 candle,
    /// no trades at 18:02 and 18:06 (only the previous price).
    static let oneMinute: [EventRecord] = [
        record(
            1_790_964_060, b835, period: 1, bid: cents(41, 41, 43, 42), ask: cents(44, 44, 45, 45),
            trade: cents(43, 42, 44, 44), mean: 43, previous: 42, volume: 37, openInterest: 5_120),
        record(
            1_790_964_120, b835, period: 1, bid: cents(42, 42, 42, 42), ask: cents(45, 45, 45, 45), trade: nil,
            mean: nil, previous: 44, volume: 0, openInterest: 5_120),
        record(
            1_790_964_180, b835, period: 1, bid: cents(42, 40, 42, 40), ask: cents(45, 43, 45, 43),
            trade: cents(44, 41, 44, 41), mean: 42, previous: 44, volume: 112, openInterest: 5_188),
        record(
            1_790_964_300, b835, period: 1, bid: cents(40, 40, 41, 41), ask: cents(43, 43, 44, 44),
            trade: cents(42, 42, 42, 42), mean: 42, previous: 41, volume: 5, openInterest: 5_190),
        record(
            1_790_964_360, b835, period: 1, bid: cents(41, 41, 41, 41), ask: cents(44, 44, 44, 44), trade: nil,
            mean: nil, previous: 42, volume: 0, openInterest: 5_190),
        record(
            1_790_964_420, b835, period: 1, bid: cents(41, 41, 47, 47), ask: cents(44, 44, 49, 48),
            trade: cents(45, 44, 48, 48), mean: 46, previous: 42, volume: 1_260, openInterest: 5_702),
        record(
            1_790_964_480, b835, period: 1, bid: cents(47, 46, 48, 46), ask: cents(48, 48, 50, 49),
            trade: cents(48, 47, 49, 47), mean: 48, previous: 48, volume: 301, openInterest: 5_655),
    ]

    @Test("the live one-minute sample, value by value")
    func liveSample() throws {
        let records = try KalshiCandlestickParser.candlesticks(
            KalshiSample.bytes("candlesticks_KXHIGHNY-26OCT02-B83.5_1m.json"), source: "live.json", periodMinutes: 1)
        #expect(records == Self.oneMinute)
        #expect(records.first?.time.rfc3339 == "2026-10-02T18:01:00Z")
        #expect(records.last?.time.rfc3339 == "2026-10-02T18:08:00Z")
        guard case .candle(let first) = records[0].event else {
            Issue.record("expected a candle")
            return
        }
        #expect(first.yesBid?.open == Price(micros: 410_000))
        #expect(first.yesAsk?.high == Price(micros: 450_000))
        #expect(first.price?.low == Price(micros: 420_000))
        #expect(first.meanPrice == Price(micros: 430_000))
        #expect(first.volume == Count(hundredths: 3_700))
    }

    @Test(
        "cents, SDK 3.2's two spellings, and the historical tier give the same candles",
        arguments: [
            "candlesticks_KXHIGHNY-26OCT02-B83.5_1m_cents.json",
            "candlesticks_KXHIGHNY-26OCT02-B83.5_1m_sdk3.2.json",
            "historical_candlesticks_KXHIGHNY-26OCT02-B83.5_1m.json",
        ])
    func otherShapes(_ file: String) throws {
        #expect(try KalshiCandlestickParser.candlesticks(KalshiSample.bytes(file), source: file) == Self.oneMinute)
    }

    @Test("the period comes from the spacing when the request's period_interval is not given")
    func periodFromSpacing() throws {
        let inferred = try KalshiCandlestickParser.candlesticks(
            KalshiSample.bytes("candlesticks_KXHIGHNY-26OCT02-B83.5_1m.json"), source: "live.json")
        #expect(inferred == Self.oneMinute)
        let hourly = try KalshiCandlestickParser.candlesticks(
            KalshiSample.bytes("candlesticks_KXHIGHNY-26OCT02-B83.5_1m.json"), source: "live.json", periodMinutes: 60)
        #expect(hourly.allSatisfy { if case .candle(let c) = $0.event { c.periodMinutes == 60 } else { false } })

        let t = Timestamp(seconds: 1_790_964_000)
        func ends(_ offsets: [Int64]) -> [Timestamp] { offsets.map { t.adding(nanos: $0 * Timestamp.nanosPerSecond) } }
        #expect(KalshiCandlestickParser.inferredPeriodMinutes([ends([0, 60, 180])]) == 1)
        #expect(KalshiCandlestickParser.inferredPeriodMinutes([ends([0]), ends([0, 3_600, 10_800])]) == 60)
        #expect(KalshiCandlestickParser.inferredPeriodMinutes([ends([0, 86_400, 172_800])]) == 1_440)
        #expect(KalshiCandlestickParser.inferredPeriodMinutes([ends([0, 120, 240])]) == nil)  // not a Kalshi period
        #expect(KalshiCandlestickParser.inferredPeriodMinutes([ends([0, 86_400, 169_200])]) == nil)  // a 23 h gap
        #expect(KalshiCandlestickParser.inferredPeriodMinutes([ends([0])]) == nil)
        #expect(KalshiCandlestickParser.inferredPeriodMinutes([]) == nil)
    }

    @Test("the batch endpoint: two markets, hourly, one starting with a synthetic candle")
    func batch() throws {
        let records = try KalshiCandlestickParser.batch(
            KalshiSample.bytes("candlesticks_batch_KXHIGHNY-26OCT02_60m.json"), source: "batch.json")
        let expected = [
            Self.record(
                1_790_953_200, Self.b835, period: 60, bid: Self.cents(30, 29, 34, 33), ask: Self.cents(33, 32, 36, 35),
                trade: Self.cents(31, 30, 35, 34), mean: 33, previous: 30, volume: 2_210, openInterest: 4_105),
            Self.record(
                1_790_956_800, Self.b835, period: 60, bid: Self.cents(33, 33, 39, 38), ask: Self.cents(35, 35, 41, 40),
                trade: Self.cents(34, 34, 40, 39), mean: 37, previous: 34, volume: 3_144, openInterest: 4_580),
            Self.record(
                1_790_960_400, Self.b835, period: 60, bid: Self.cents(38, 37, 42, 41), ask: Self.cents(40, 39, 44, 44),
                trade: Self.cents(39, 38, 44, 43), mean: 41, previous: 39, volume: 2_705, openInterest: 5_083),
            Self.record(
                1_790_953_200, Self.b855, period: 60, bid: nil, ask: nil, trade: nil, mean: nil, previous: 27,
                volume: 0, openInterest: 6_610),
            Self.record(
                1_790_956_800, Self.b855, period: 60, bid: Self.cents(27, 26, 29, 28), ask: Self.cents(29, 28, 31, 30),
                trade: Self.cents(28, 27, 30, 29), mean: 28, previous: 27, volume: 980, openInterest: 6_702),
            Self.record(
                1_790_960_400, Self.b855, period: 60, bid: Self.cents(28, 28, 31, 30), ask: Self.cents(30, 30, 33, 32),
                trade: nil, mean: nil, previous: 29, volume: 0, openInterest: 6_702),
        ]
        #expect(records == expected)
        #expect(records[3].time.rfc3339 == "2026-10-02T15:00:00Z")
    }

    @Test("the event endpoint pairs market_tickers with market_candlesticks")
    func eventCandlesticks() throws {
        let json = """
            {"market_tickers":["KXHIGHNY-26OCT02-B83.5","KXHIGHNY-26OCT02-B85.5"],
             "market_candlesticks":[
              [{"end_period_ts":1790960400,
                "yes_bid":{"open_dollars":"0.38","low_dollars":"0.37","high_dollars":"0.42","close_dollars":"0.41"},
                "yes_ask":{"open_dollars":"0.40","low_dollars":"0.39","high_dollars":"0.44","close_dollars":"0.44"},
                "price":{"previous_dollars":"0.39"},"volume_fp":"0.00","open_interest_fp":"5083.00"}],
              []],
             "adjusted_end_ts":1790960400}
            """
        let records = try KalshiCandlestickParser.eventCandlesticks(
            Array(json.utf8), source: "event.json", periodMinutes: 60)
        #expect(
            records == [
                Self.record(
                    1_790_960_400, Self.b835, period: 60, bid: Self.cents(38, 37, 42, 41),
                    ask: Self.cents(40, 39, 44, 44), trade: nil, mean: nil, previous: 39, volume: 0,
                    openInterest: 5_083)
            ])
    }

    /// Varied candles: sub-cent prices, periods with and without trades, absent quotes (as in a synthetic
    /// candle), fractional and very large counts, irregular gaps.
    static func generated(count: Int, seed: UInt64, wholeCents: Bool = false) -> [(end: Timestamp, candle: Candle)] {
        var rng = KalshiTestRandom(seed: seed)
        func price() -> Price {
            if wholeCents { return Price(cents: Int64(rng.below(101))) }
            switch rng.below(4) {
            case 0: return Price(cents: Int64(rng.below(101)))
            case 1: return Price(micros: Int64(rng.below(10_001)) * 100)  // "0.4550"
            default: return Price(micros: Int64(rng.below(1_000_001)))  // "0.123456"
            }
        }
        func ohlc() -> OHLC { OHLC(open: price(), high: price(), low: price(), close: price()) }
        func contracts() -> Count {
            if wholeCents { return Count(contracts: Int64(rng.below(1 << 40))) }
            return rng.below(5) == 0
                ? Count(hundredths: Int64(rng.next() % 1_000_000_000_000_000))
                : Count(hundredths: Int64(rng.below(100_000)))
        }
        var end = Timestamp(seconds: 1_790_964_060)
        var out: [(end: Timestamp, candle: Candle)] = []
        for _ in 0..<count {
            end = end.adding(nanos: Int64(1 + rng.below(3)) * Timestamp.nanosPerMinute)
            let traded = rng.below(3) != 0
            let quoted = rng.below(10) != 0
            out.append(
                (
                    end,
                    Candle(
                        ticker: b835, periodMinutes: 1, yesBid: quoted ? ohlc() : nil, yesAsk: quoted ? ohlc() : nil,
                        price: traded ? ohlc() : nil, meanPrice: traded ? price() : nil,
                        previousPrice: rng.below(8) == 0 ? nil : price(), volume: traded ? contracts() : .zero,
                        openInterest: contracts())
                ))
        }
        return out
    }

    @Test("candles → Kalshi JSON (both tiers) → candles, unchanged", arguments: [KalshiJSON.Tier.live, .historical])
    func roundTrip(_ tier: KalshiJSON.Tier) throws {
        let candles = Self.generated(count: 400, seed: 42)
        let json = KalshiJSON.candlesticksResponse(ticker: Self.b835, candles: candles, tier: tier)
        let expected = candles.map { EventRecord(time: $0.end, event: .candle($0.candle)) }
        #expect(
            try KalshiCandlestickParser.candlesticks(Array(json.utf8), source: "rt.json", periodMinutes: 1) == expected)
        #expect(try KalshiCandlestickParser.candlesticks(Array(json.utf8), source: "rt.json") == expected)
        #expect(json.contains(tier == .live ? "\"open_dollars\":" : "\"open\":"))
    }

    @Test("whole-cent candles read the same from integer cents as from dollar strings")
    func generatedCents() throws {
        let candles = Self.generated(count: 300, seed: 9, wholeCents: true)
        let dollars = KalshiJSON.candlesticksResponse(ticker: Self.b835, candles: candles)
        let fromDollars = try KalshiCandlestickParser.candlesticks(Array(dollars.utf8), source: "d.json")
        let fromCents = try KalshiCandlestickParser.candlesticks(
            Array(Self.centsResponse(ticker: Self.b835, candles: candles).utf8), source: "c.json")
        #expect(fromCents == fromDollars)
        #expect(fromCents.count == 300)
    }

    /// The pre-2026 spelling: integer cents and whole contracts under the bare names.
    static func centsResponse(ticker: Symbol, candles: [(end: Timestamp, candle: Candle)]) -> String {
        func cents(_ p: Price?) -> String { p.map { String($0.exactCents!) } ?? "null" }
        func ohlc(_ o: OHLC?) -> String {
            "\"open\":\(cents(o?.open)),\"low\":\(cents(o?.low)),\"high\":\(cents(o?.high)),\"close\":\(cents(o?.close))"
        }
        let items = candles.map { end, c in
            "{\"end_period_ts\":\(end.seconds),\"yes_bid\":{\(ohlc(c.yesBid))},\"yes_ask\":{\(ohlc(c.yesAsk))},"
                + "\"price\":{\(ohlc(c.price)),\"mean\":\(cents(c.meanPrice)),\"previous\":\(cents(c.previousPrice))},"
                + "\"volume\":\(c.volume.hundredths / 100),\"open_interest\":\(c.openInterest.hundredths / 100)}"
        }
        return "{\"ticker\":\"\(ticker)\",\"candlesticks\":[" + items.joined(separator: ",") + "]}"
    }
}
