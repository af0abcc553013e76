import IsothermEvents

/// One realistic instance of every event kind (two for candles: busy and quiet), in kind order.
enum EventSamples {
    static let ticker = Symbol("KXHIGHCHI-25NOV28-B45.5")!
    static let t0 = Timestamp(rfc3339: "2025-11-27T14:00:00Z")!

    static var all: [EventRecord] {
        let day = LocalDate(iso8601: "2025-11-28")!
        return [
            EventRecord(
                time: t0,
                event: .marketListed(
                    MarketListed(
                        ticker: ticker, eventTicker: Symbol("KXHIGHCHI-25NOV28")!, seriesTicker: Symbol("KXHIGHCHI")!,
                        eventDate: day, strikeType: .between, floorStrike: Temperature(degrees: 45),
                        capStrike: Temperature(degrees: 46), openTime: t0,
                        closeTime: Timestamp(rfc3339: "2025-11-29T06:00:00Z")!, feeType: .quadratic,
                        feeMultiplierMillionths: 1_000_000, title: "Highest temperature in Chicago on Nov 28, 2025?"))),
            EventRecord(
                time: Timestamp(rfc3339: "2025-11-29T15:02:11Z")!,
                event: .marketLifecycle(
                    MarketLifecycle(ticker: ticker, transition: .determined, result: .yes, settlementValue: .one))),
            EventRecord(
                time: Timestamp(rfc3339: "2025-11-27T14:01:00Z")!,
                event: .candle(
                    Candle(
                        ticker: ticker,
                        yesBid: OHLC(
                            open: Price(cents: 26), high: Price(cents: 28), low: Price(cents: 25),
                            close: Price(cents: 27)),
                        yesAsk: OHLC(
                            open: Price(cents: 30), high: Price(cents: 31), low: Price(cents: 29),
                            close: Price(cents: 30)),
                        price: OHLC(
                            open: Price(cents: 28), high: Price(cents: 30), low: Price(cents: 26),
                            close: Price(cents: 30)),
                        meanPrice: Price(cents: 27), previousPrice: Price(cents: 28), volume: Count(contracts: 274),
                        openInterest: Count(contracts: 2214)))),
            EventRecord(
                time: Timestamp(rfc3339: "2025-11-27T14:02:00Z")!,
                event: .candle(
                    Candle(
                        ticker: ticker, yesBid: OHLC(flat: Price(cents: 27)),
                        yesAsk: OHLC(flat: Price(micros: 305_000)),
                        price: nil, previousPrice: Price(cents: 30), volume: .zero,
                        openInterest: Count(hundredths: 221_450)))),
            // Received at 14:02:01.250, stamped 14:02:01.123 by the exchange; no ask and no ask size.
            EventRecord(
                time: Timestamp(nanos: 1_764_252_121_250_000_000),
                event: .ticker(
                    TickerUpdate(
                        ticker: ticker, lastPrice: Price(cents: 30), yesBid: Price(cents: 27), yesAsk: nil,
                        yesBidSize: Count(contracts: 300), yesAskSize: nil, volume: Count(contracts: 5000),
                        openInterest: Count(contracts: 2214), exchangeTime: Timestamp(nanos: 1_764_252_121_123_000_000)
                    ))),
            EventRecord(
                time: Timestamp(nanos: 1_764_252_121_500_000_000),
                event: .trade(
                    Trade(
                        tradeId: "d91bc706-ee49-470d-82d8-11418bda6fed", ticker: ticker, yesPrice: Price(cents: 36),
                        count: Count(hundredths: 1050), takerSide: .no, isBlockTrade: false))),
            EventRecord(
                time: Timestamp(nanos: 1_764_252_121_000_000_001),
                event: .bookSnapshot(
                    BookSnapshot(
                        ticker: ticker,
                        yesBids: [
                            BookLevel(price: Price(cents: 27), count: Count(contracts: 300)),
                            BookLevel(price: Price(cents: 26), count: Count(contracts: 1200)),
                        ],
                        noBids: [BookLevel(price: Price(cents: 70), count: Count(contracts: 50))]))),
            EventRecord(
                time: Timestamp(milliseconds: 1_764_252_122_250),
                event: .bookDelta(
                    BookDelta(
                        ticker: ticker, side: .yes, price: Price(cents: 27), delta: Count(contracts: -54),
                        clientOrderId: "om-1"))),
            EventRecord(
                time: Timestamp(rfc3339: "2025-11-27T12:00:00Z")!,
                event: .dailyForecast(
                    DailyForecast(
                        city: Symbol("CHI")!, source: .visualCrossing, basisDate: LocalDate(iso8601: "2025-11-27")!,
                        targetDate: day, high: Temperature(tenths: 457), low: Temperature(tenths: 312)))),
            EventRecord(
                time: Timestamp(rfc3339: "2025-11-27T12:00:00Z")!,
                event: .hourlyForecast(
                    HourlyForecast(
                        city: Symbol("CHI")!, source: .visualCrossing, basisDate: LocalDate(iso8601: "2025-11-27")!,
                        targetDate: day,
                        points: [
                            HourlyPoint(
                                time: Timestamp(rfc3339: "2025-11-28T20:00:00Z")!, temperature: Temperature(tenths: 449)
                            ),
                            HourlyPoint(
                                time: Timestamp(rfc3339: "2025-11-28T21:00:00Z")!, temperature: Temperature(tenths: 457)
                            ),
                        ]))),
            EventRecord(
                time: Timestamp(rfc3339: "2025-11-28T20:57:30Z")!,
                event: .observation(
                    Observation(
                        station: Symbol("KMDW")!, source: .iem, observedAt: Timestamp(rfc3339: "2025-11-28T20:55:00Z")!,
                        temperature: Temperature(tenths: 451), dewpoint: Temperature(tenths: -12)))),
            EventRecord(
                time: Timestamp(rfc3339: "2025-11-29T07:31:00Z")!,
                event: .settlement(
                    Settlement(
                        city: Symbol("CHI")!, station: Symbol("KMDW")!, source: .nwsCLI, climateDate: day,
                        high: Temperature(degrees: 46),
                        low: Temperature(degrees: 30), isFinal: true, isCorrection: false,
                        issuedAt: Timestamp(rfc3339: "2025-11-29T07:30:00Z")!))),
            EventRecord(
                time: t0,
                event: .timerFired(TimerFired(owner: "open_maker", key: "open:KXHIGHCHI-25NOV28", dueTime: t0))),
            EventRecord(
                time: t0,
                event: .strategyDecision(
                    StrategyDecision(
                        strategy: "open_maker", subject: "KXHIGHCHI-25NOV28", action: .post,
                        inputSequences: [17, 4021, 4022],
                        parameters: [
                            Field("entry_price", "0.50"), Field("temp_bias_deg", "0.0"),
                            Field("basis_offset_days", "1"),
                        ],
                        values: [
                            Field("forecast_high", "45.7"), Field("adjusted_high", "46"),
                            Field("bracket", "KXHIGHCHI-25NOV28-B45.5"),
                        ],
                        reason: "forecast 45.7°F (basis 2025-11-27) falls in 45–46°F"))),
            EventRecord(
                time: t0,
                event: .orderIntent(
                    OrderIntent(
                        clientOrderId: "om-7f3a-KXHIGHCHI-25NOV28-B45.5", ticker: ticker, side: .yes, action: .buy,
                        type: .limit,
                        price: Price(cents: 50), count: Count(contracts: 400), postOnly: true, decisionSequence: 4023))),
            EventRecord(
                time: Timestamp(nanos: 1_764_252_000_120_000_000),
                event: .orderAcknowledged(
                    OrderAcknowledged(clientOrderId: "om-7f3a-KXHIGHCHI-25NOV28-B45.5", orderId: "ee2a0d7c"))),
            EventRecord(
                time: t0,
                event: .orderRejected(
                    OrderRejected(clientOrderId: "om-2", code: "risk_max_contracts", message: "500 > 400 contracts"))),
            EventRecord(
                time: t0,
                event: .orderCanceled(
                    OrderCanceled(
                        clientOrderId: "om-3", reason: "market closed", canceledCount: Count(hundredths: 12_550)))),
            EventRecord(
                time: Timestamp(rfc3339: "2025-11-27T14:03:00Z")!,
                event: .fill(
                    Fill(
                        clientOrderId: "om-7f3a-KXHIGHCHI-25NOV28-B45.5", orderId: "ee2a0d7c", tradeId: "t-1",
                        ticker: ticker,
                        side: .yes, action: .buy, price: Price(cents: 50), count: Count(contracts: 400), fee: .zero,
                        isTaker: false))),
            EventRecord(
                time: t0,
                event: .runManifest(
                    RunManifest(
                        runId: "bt-0001", phase: .finished, runKind: "backtest", engineVersion: "0.1.0",
                        configHash: "c0ffee",
                        parameters: [Field("strategy", "open_maker")],
                        inputs: [
                            RunInput(
                                log: "world/markets", firstSequence: 1, lastSequence: 35_000_000, contentHash: "ab12")
                        ],
                        outputHash: "deadbeef"))),
            EventRecord(
                time: Timestamp(nanos: 1_764_252_121_987_654_321),
                event: .rawFeedMessage(
                    RawFeedMessage(
                        source: "kalshi_ws", channel: "ticker",
                        payload: Array(
                            #"{"type":"ticker","sid":1,"msg":{"market_ticker":"KXHIGHCHI-25NOV28-B45.5"}}"#.utf8)))),
        ]
    }
}
