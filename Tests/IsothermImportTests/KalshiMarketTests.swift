import Foundation
import IsothermEvents
import IsothermImport
import Testing

/// Loading the constructed Kalshi samples (see `Samples/kalshi/SOURCES.md`) and reading error messages.
enum KalshiSample {
    static func bytes(_ name: String) throws -> [UInt8] { Array(try SampleFiles.text("kalshi/" + name).utf8) }

    static func text(_ name: String) throws -> String { try SampleFiles.text("kalshi/" + name) }

    /// The description of the ``ImportError`` `body` throws, or nil if it throws none.
    static func failure<T>(_ body: () throws -> T) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as ImportError {
            return error.description
        } catch {
            return "not an ImportError: \(error)"
        }
    }

    static func time(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }
}

@Suite("Kalshi markets, events and series")
struct KalshiMarketTests {
    static let nyc = Symbol("KXHIGHNY")!
    static let oct02 = Symbol("KXHIGHNY-26OCT02")!
    static let fees = KalshiFees(feeType: .quadratic, multiplierMillionths: 1_000_000)

    /// One KXHIGHNY-26OCT02 market as a person reads it off the sample: listed at `created_time`,
    /// determined at `settlement_ts` − `settlement_timer_seconds` (11:19:07 − 1 h), settled at 11:19:07.
    static func oct02Records(
        _ suffix: String, _ strike: StrikeType, floor: Int32?, cap: Int32?, _ words: String, won: Bool
    ) -> [EventRecord] {
        let ticker = Symbol("KXHIGHNY-26OCT02-" + suffix)!
        let listed = MarketListed(
            ticker: ticker, eventTicker: oct02, seriesTicker: nyc, eventDate: LocalDate(year: 2026, month: 10, day: 2)!,
            strikeType: strike, floorStrike: floor.map { Temperature(degrees: $0) },
            capStrike: cap.map { Temperature(degrees: $0) }, openTime: KalshiSample.time("2026-10-01T14:00:00Z"),
            closeTime: KalshiSample.time("2026-10-03T04:59:00Z"), feeType: .quadratic,
            feeMultiplierMillionths: 1_000_000, title: "Will the high temp in NYC be \(words) on Oct 2, 2026?")
        let value = won ? Price(micros: 1_000_000) : Price(micros: 0)
        return [
            EventRecord(time: KalshiSample.time("2026-10-01T13:31:04.118742Z"), event: .marketListed(listed)),
            EventRecord(
                time: KalshiSample.time("2026-10-03T10:19:07Z"),
                event: .marketLifecycle(
                    MarketLifecycle(
                        ticker: ticker, transition: .determined, result: won ? .yes : .no, settlementValue: value))),
            EventRecord(
                time: KalshiSample.time("2026-10-03T11:19:07Z"),
                event: .marketLifecycle(
                    MarketLifecycle(
                        ticker: ticker, transition: .settled, result: won ? .yes : .no, settlementValue: value))),
        ]
    }

    /// All six KXHIGHNY-26OCT02 markets (the high was 84 °F: only 83–84° won).
    static let oct02All: [EventRecord] =
        oct02Records("T81", .less, floor: nil, cap: 81, "<81°", won: false)
        + oct02Records("B81.5", .between, floor: 81, cap: 82, "81-82°", won: false)
        + oct02Records("B83.5", .between, floor: 83, cap: 84, "83-84°", won: true)
        + oct02Records("B85.5", .between, floor: 85, cap: 86, "85-86°", won: false)
        + oct02Records("B87.5", .between, floor: 87, cap: 88, "87-88°", won: false)
        + oct02Records("T88", .greater, floor: 88, cap: nil, ">88°", won: false)

    @Test("a /markets page: tickers, strikes, times, outcome, and the cursor")
    func firstPage() throws {
        let page = try KalshiMarketParser.marketsPage(
            KalshiSample.bytes("markets_KXHIGHNY_page1.json"), source: "page1.json")
        #expect(page.cursor == "CgwI3LbqxwYQwIWVvQISGEtYSElHSE5ZLTI2T0NUMDItQjgzLjU")
        #expect(
            page.markets.map(\.ticker.string) == [
                "KXHIGHNY-26OCT02-T81", "KXHIGHNY-26OCT02-B81.5", "KXHIGHNY-26OCT02-B83.5",
            ])
        let won = page.markets[2]
        #expect(won.status == .finalized)
        #expect(won.result == .yes)
        #expect(won.settlementValue == Price(micros: 1_000_000))
        #expect(won.expirationValue == "84.00")
        #expect(won.settlementTimerSeconds == 3_600)
        #expect(won.lastPrice == Price(micros: 990_000))
        #expect(won.yesBid == Price(micros: 0))
        #expect(won.volume == Count(contracts: 48_310))
        #expect(won.openInterest == Count(hundredths: 2_075_500))
        #expect(won.createdTime == Timestamp(nanos: 1_790_861_464_118_742_000))
        #expect(KalshiFeeSchedule().records(page.markets) == Array(Self.oct02All[0..<9]))
    }

    @Test("a settled market without settlement_ts: its listing and its determination, no settled event")
    func settledWithoutSettlementTime() throws {
        var text = try KalshiSample.text("markets_KXHIGHNY_page1.json")
        for cut in [#""settlement_ts": "2026-10-03T11:19:07Z","#, #""settlement_timer_seconds": 3600,"#] {
            text = text.replacingCharacters(in: try #require(text.range(of: cut)), with: "")
        }
        let page = try KalshiMarketParser.marketsPage(Array(text.utf8), source: "old.json")
        let m = page.markets[0]
        #expect(m.status == .finalized && m.settlementTime == nil && m.lacksSettlementTime)
        #expect(!page.markets[1].lacksSettlementTime)
        // Determined at updated_time (10:19:07, never early); the settlement's time is unknown: no event.
        #expect(m.records(fees: Self.fees) == Array(Self.oct02All[0..<2]))

        // With settlement_ts but no timer, the determination is dated by the settlement (never early).
        var noTimer = try KalshiSample.text("markets_KXHIGHNY_page1.json")
        noTimer = noTimer.replacingCharacters(
            in: try #require(noTimer.range(of: #""settlement_timer_seconds": 3600,"#)), with: "")
        let n = try KalshiMarketParser.marketsPage(Array(noTimer.utf8), source: "n.json").markets[0]
        #expect(n.determinedTime == KalshiSample.time("2026-10-03T11:19:07Z"))
        #expect(n.records(fees: Self.fees).map(\.event.kind) == [.marketListed, .marketLifecycle, .marketLifecycle])
    }

    @Test("the last page: a greater-than tail, a determined market, an active one; no cursor")
    func lastPage() throws {
        let page = try KalshiMarketParser.marketsPage(
            KalshiSample.bytes("markets_KXHIGHNY_page2.json"), source: "page2.json")
        #expect(page.cursor == nil)
        #expect(page.markets.count == 5)
        let records = KalshiFeeSchedule().records(page.markets)
        #expect(Array(records[0..<9]) == Array(Self.oct02All[9...]))

        // KXHIGHNY-26OCT03-T77: determined (74 °F, so "76° or below" won) but not yet settled.
        let t77 = Symbol("KXHIGHNY-26OCT03-T77")!
        #expect(page.markets[3].status == .determined)
        #expect(
            records[9]
                == EventRecord(
                    time: KalshiSample.time("2026-10-02T13:30:58.402117Z"),
                    event: .marketListed(
                        MarketListed(
                            ticker: t77, eventTicker: Symbol("KXHIGHNY-26OCT03")!, seriesTicker: Self.nyc,
                            eventDate: LocalDate(year: 2026, month: 10, day: 3)!, strikeType: .less, floorStrike: nil,
                            capStrike: Temperature(tenths: 770), openTime: KalshiSample.time("2026-10-02T14:00:00Z"),
                            closeTime: KalshiSample.time("2026-10-04T04:59:00Z"), feeType: .quadratic,
                            feeMultiplierMillionths: 1_000_000,
                            title: "Will the high temp in NYC be <77° on Oct 3, 2026?"))))
        #expect(
            records[10]
                == EventRecord(
                    time: KalshiSample.time("2026-10-04T10:42:31Z"),
                    event: .marketLifecycle(
                        MarketLifecycle(
                            ticker: t77, transition: .determined, result: .yes,
                            settlementValue: Price(micros: 1_000_000)))))

        // KXHIGHNY-26OCT04-B72.5: active, so listed only; its quote is read too.
        let active = page.markets[4]
        #expect(active.status == .active)
        #expect(active.result == nil)
        #expect(active.settlementValue == nil)
        #expect(active.expirationValue == nil)
        #expect(active.yesBid == Price(micros: 430_000))
        #expect(active.yesAsk == Price(micros: 450_000))
        #expect(active.lastPrice == Price(micros: 440_000))
        #expect(active.volume == Count(contracts: 5_630))
        #expect(active.openInterest == Count(contracts: 4_187))
        #expect(records.count == 12)
        guard case .marketListed(let listed) = records[11].event else {
            Issue.record("expected a listing, found \(records[11].event.kind.name)")
            return
        }
        #expect(records[11].time == KalshiSample.time("2026-10-03T13:30:47.990551Z"))
        #expect(listed.floorStrike == Temperature(degrees: 72))
        #expect(listed.capStrike == Temperature(degrees: 73))
        #expect(listed.eventDate == LocalDate(iso8601: "2026-10-04"))
    }

    @Test("integer cents and the old 'settled' status give the same events as dollar strings")
    func centShape() throws {
        let dollars = try KalshiMarketParser.marketsPage(
            KalshiSample.bytes("markets_KXHIGHNY_page1.json"), source: "page1.json")
        let cents = try KalshiMarketParser.marketsPage(
            KalshiSample.bytes("markets_KXHIGHNY_page1_cents.json"), source: "page1_cents.json")
        #expect(cents.markets.map(\.status) == [.settled, .settled, .settled])
        #expect(KalshiFeeSchedule().records(cents.markets) == KalshiFeeSchedule().records(dollars.markets))
        #expect(cents.markets.map(\.settlementValue) == dollars.markets.map(\.settlementValue))
        #expect(cents.markets.map(\.lastPrice) == dollars.markets.map(\.lastPrice))
        #expect(cents.markets.map(\.volume) == dollars.markets.map(\.volume))
        #expect(cents.markets.map(\.openInterest) == dollars.markets.map(\.openInterest))
        #expect(cents.cursor == dollars.cursor)
    }

    @Test("the historical tier's markets read like the live tier's")
    func historicalTier() throws {
        let historical = try KalshiMarketParser.marketsPage(
            KalshiSample.bytes("historical_markets_KXHIGHNY-26OCT02.json"), source: "historical.json")
        #expect(historical.cursor == nil)
        #expect(KalshiFeeSchedule().records(historical.markets) == Self.oct02All)
    }

    @Test("GET /markets/{ticker}")
    func singleMarket() throws {
        let m = try KalshiMarketParser.market(
            KalshiSample.bytes("market_KXHIGHNY-26OCT04-B72.5.json"), source: "market.json")
        let page = try KalshiMarketParser.marketsPage(
            KalshiSample.bytes("markets_KXHIGHNY_page2.json"), source: "page2.json")
        #expect(m == page.markets[4])
        #expect(m.ticker == Symbol("KXHIGHNY-26OCT04-B72.5"))
        #expect(m.seriesTicker == Self.nyc)
        #expect(m.strikeType == .between)
        #expect(m.closeTime == Timestamp(seconds: 1_791_176_340))  // 2026-10-05T04:59:00Z
        #expect(m.records(fees: Self.fees).count == 1)
    }

    @Test("an event with nested markets takes its series from the event")
    func nestedEvent() throws {
        let e = try KalshiMarketParser.event(
            KalshiSample.bytes("event_KXHIGHNY-26OCT02_nested.json"), source: "event.json")
        #expect(e.eventTicker == Self.oct02)
        #expect(e.seriesTicker == Self.nyc)
        #expect(e.title == "Highest temperature in NYC on Oct 2, 2026?")
        #expect(e.feeOverride == nil)
        #expect(e.markets.count == 6)
        #expect(KalshiFeeSchedule(events: [e]).records(e.markets) == Self.oct02All)
    }

    @Test("a /events page with nested markets")
    func eventsPage() throws {
        let page = try KalshiMarketParser.eventsPage(
            KalshiSample.bytes("events_KXHIGHNY_nested_page.json"), source: "events.json")
        let markets = try KalshiMarketParser.marketsPage(
            KalshiSample.bytes("markets_KXHIGHNY_page2.json"), source: "page2.json")
        #expect(page.cursor == nil)
        #expect(page.events.map(\.eventTicker.string) == ["KXHIGHNY-26OCT03", "KXHIGHNY-26OCT04"])
        #expect(page.events.flatMap(\.markets) == Array(markets.markets[3...]))
    }

    @Test("GET /series/{ticker}: the fee schedule")
    func series() throws {
        let list = try KalshiMarketParser.series(KalshiSample.bytes("series_KXHIGHNY.json"), source: "series.json")
        #expect(
            list == [
                KalshiSeries(
                    ticker: Self.nyc, title: "Highest temperature in NYC", frequency: "daily",
                    fees: KalshiFees(feeType: .quadratic, multiplierMillionths: 1_000_000))
            ])
    }

    @Test("fees: an event override beats the series, the series beats the assumed default")
    func feeSchedule() throws {
        let seriesJSON =
            #"{"series":[{"ticker":"KXHIGHNY","fee_type":"quadratic_with_maker_fees","fee_multiplier":0.5}]}"#
        let eventJSON = """
            {"event":{"event_ticker":"KXHIGHNY-26OCT03","series_ticker":"KXHIGHNY","title":"t","sub_title":"s",
            "fee_type_override":"flat","fee_multiplier_override":0.125},"markets":[]}
            """
        let series = try KalshiMarketParser.series(Array(seriesJSON.utf8), source: "s.json")
        let override = try KalshiMarketParser.event(Array(eventJSON.utf8), source: "e.json")
        #expect(series[0].fees == KalshiFees(feeType: .quadraticWithMakerFees, multiplierMillionths: 500_000))
        #expect(override.feeOverride == KalshiFees(feeType: .flat, multiplierMillionths: 125_000))
        #expect(override.markets.isEmpty)

        let page = try KalshiMarketParser.marketsPage(
            KalshiSample.bytes("markets_KXHIGHNY_page2.json"), source: "page2.json")
        let oct02 = page.markets[0]
        let oct03 = page.markets[3]
        let schedule = KalshiFeeSchedule(series: series, events: [override])
        #expect(schedule.fees(for: oct03) == KalshiFees(feeType: .flat, multiplierMillionths: 125_000))
        #expect(
            schedule.fees(for: oct02) == KalshiFees(feeType: .quadraticWithMakerFees, multiplierMillionths: 500_000))
        #expect(KalshiFeeSchedule().fees(for: oct02) == .assumedDefault)
        guard case .marketListed(let listed) = schedule.records([oct03])[0].event else {
            Issue.record("expected a listing")
            return
        }
        #expect(listed.feeType == .flat)
        #expect(listed.feeMultiplierMillionths == 125_000)
    }

    @Test("event tickers: series and date code")
    func tickers() {
        #expect(KalshiTicker.eventDate("KXHIGHNY-25NOV28") == LocalDate(year: 2025, month: 11, day: 28))
        #expect(KalshiTicker.eventDate("KXHIGHCHI-24FEB29") == LocalDate(year: 2024, month: 2, day: 29))
        #expect(KalshiTicker.eventDate("KXHIGHCHI-26FEB29") == nil)  // 2026 is not a leap year
        #expect(KalshiTicker.eventDate("KXHIGHNY-26Oct02") == nil)
        #expect(KalshiTicker.eventDate("KXHIGHNY") == nil)
        #expect(KalshiTicker.eventDate("KXHIGHNY-26OCT2") == nil)
        #expect(KalshiTicker.series(ofEvent: "KXHIGHTDAL-26OCT02") == "KXHIGHTDAL")
        #expect(KalshiTicker.series(ofEvent: "-26OCT02") == nil)
        #expect(KalshiTicker.dateCode(LocalDate(year: 2025, month: 11, day: 28)!) == "25NOV28")
        #expect(KalshiTicker.dateCode(LocalDate(year: 2026, month: 1, day: 5)!) == "26JAN05")
    }

    @Test("markets → Kalshi JSON → markets, for a few hundred varied markets")
    func roundTrip() throws {
        var rng = KalshiTestRandom(seed: 7)
        var markets: [KalshiMarket] = []
        let series = ["KXHIGHNY", "KXHIGHCHI", "KXHIGHLAX", "KXHIGHTDAL"]
        let statuses: [KalshiMarket.Status] = [.initialized, .active, .closed, .determined, .finalized, .settled]
        let strikes: [StrikeType] = [.less, .lessOrEqual, .between, .greater, .greaterOrEqual, .other]
        for i in 0..<300 {
            let date = LocalDate(year: 2024, month: 1, day: 1)!.advanced(by: Int32(rng.below(1_000)))
            let eventTicker = series[i % series.count] + "-" + KalshiTicker.dateCode(date)
            let strike = strikes[rng.below(strikes.count)]
            let floor = Int32(rng.below(120)) * 5 - 100  // tenths: −10.0 … 49.5 °F in half degrees
            let status = statuses[rng.below(statuses.count)]
            let created = Timestamp(nanos: Int64(date.startUTC.nanos) - Int64(rng.below(86_400_000)) * 1_000_000)
            let settled = created.adding(nanos: 3 * Timestamp.nanosPerDay)
            let result: MarketLifecycle.Result? =
                status.isDetermined ? [.yes, .no, .scalar][rng.below(3)] : (rng.below(4) == 0 ? .no : nil)
            markets.append(
                KalshiMarket(
                    ticker: Symbol(eventTicker + "-M\(i)")!, eventTicker: Symbol(eventTicker)!,
                    // Now and then a series that is not the ticker's prefix (written as series_ticker).
                    seriesTicker: Symbol(i % 37 == 0 ? "OTHER" : series[i % series.count])!, eventDate: date,
                    title: i % 11 == 0 ? "" : "High \"quoted\" °F — \\ \(i)", status: status, strikeType: strike,
                    floorStrike: strike == .less || strike == .lessOrEqual ? nil : Temperature(tenths: floor),
                    capStrike: strike == .greater || strike == .greaterOrEqual ? nil : Temperature(tenths: floor + 15),
                    createdTime: created, openTime: created.adding(nanos: 1_800 * Timestamp.nanosPerSecond),
                    closeTime: created.adding(nanos: Timestamp.nanosPerDay + 7), updatedTime: settled.adding(nanos: -1),
                    result: result, settlementValue: result.map { _ in Price(micros: Int64(rng.below(1_000_001))) },
                    settlementTime: status.isSettled ? settled : nil,
                    settlementTimerSeconds: Int64(rng.below(7_200)),
                    expirationValue: status.isDetermined ? "\(rng.below(110)).00" : nil,
                    yesBid: rng.below(3) == 0 ? nil : Price(micros: Int64(rng.below(1_000_001))),
                    yesAsk: Price(micros: Int64(rng.below(100)) * 10_000), lastPrice: nil,
                    volume: Count(hundredths: Int64(rng.below(1 << 40))),
                    openInterest: rng.below(2) == 0 ? nil : Count(contracts: Int64(rng.below(1 << 30)))))
        }
        let json = KalshiJSON.marketsResponse(markets, cursor: "next")
        let page = try KalshiMarketParser.marketsPage(Array(json.utf8), source: "roundtrip.json")
        #expect(page.cursor == "next")
        #expect(page.markets == markets)
        for m in markets.prefix(20) {
            #expect(try KalshiMarketParser.market(Array(KalshiJSON.marketResponse(m).utf8), source: "one.json") == m)
        }
        let s = KalshiSeries(
            ticker: Symbol("KXHIGHNY")!, title: "Highest temperature in NYC", frequency: "daily",
            fees: KalshiFees(feeType: .quadraticWithComboMakerFees, multiplierMillionths: 1_234_567))
        #expect(try KalshiMarketParser.series(Array(KalshiJSON.seriesResponse(s).utf8), source: "s.json") == [s])
    }
}

/// SplitMix64, so the generated cases are the same on every run.
struct KalshiTestRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
