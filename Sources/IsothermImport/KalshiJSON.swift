package import IsothermEvents

/// Writes events back out as Kalshi REST JSON in the current dollar-string shape, so a round trip
/// (events → JSON → ``KalshiCandlestickParser``/``KalshiMarketParser`` → events) can be checked, and so
/// the simulator can answer REST requests. Output is compact and its key order fixed.
package enum KalshiJSON {
    /// Which tier's candlestick key names to write.
    package enum Tier: Sendable {
        /// `/series/{s}/markets/{t}/candlesticks`: `open_dollars`, `volume_fp`, `open_interest_fp`.
        case live
        /// `/historical/markets/{t}/candlesticks`: `open`, `volume`, `open_interest` (same strings).
        case historical
    }

    /// A `GetMarketCandlesticksResponse` (or the historical one) for one market.
    /// - Parameters:
    ///   - ticker: the market; every candle must be of it.
    ///   - candles: each candle with the end of its period, a whole second (Kalshi's `end_period_ts`).
    ///     An absent ``Candle/yesBid``, ``Candle/yesAsk`` or ``Candle/price`` is written as nulls.
    package static func candlesticksResponse(
        ticker: Symbol, candles: [(end: Timestamp, candle: Candle)], tier: Tier = .live
    ) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.string("ticker", ticker.string)
        w.beginArray("candlesticks")
        for (end, candle) in candles {
            precondition(candle.ticker == ticker, "candle of \(candle.ticker) in the response for \(ticker)")
            precondition(end.nanos % Timestamp.nanosPerSecond == 0, "end_period_ts is whole seconds, not \(end)")
            let suffix = tier == .live ? "_dollars" : ""
            w.beginObject()
            w.number("end_period_ts", end.seconds)
            ohlc(&w, "yes_bid", candle.yesBid, suffix: suffix)
            ohlc(&w, "yes_ask", candle.yesAsk, suffix: suffix)
            w.beginObject("price")
            ohlcMembers(&w, candle.price, suffix: suffix)
            w.stringOrNull("mean" + suffix, candle.meanPrice?.dollarString)
            w.stringOrNull("previous" + suffix, candle.previousPrice?.dollarString)
            w.endObject()
            w.string(tier == .live ? "volume_fp" : "volume", candle.volume.fixedPointString)
            w.string(tier == .live ? "open_interest_fp" : "open_interest", candle.openInterest.fixedPointString)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.output
    }

    /// A `GetMarketsResponse` page; `cursor` nil writes `""` (the last page).
    package static func marketsResponse(_ markets: [KalshiMarket], cursor: String? = nil) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.beginArray("markets")
        for m in markets { market(&w, nil, m) }
        w.endArray()
        w.string("cursor", cursor ?? "")
        w.endObject()
        return w.output
    }

    /// A `GetMarketResponse`: `{"market": {…}}`.
    package static func marketResponse(_ m: KalshiMarket) -> String {
        var w = JSONWriter()
        w.beginObject()
        market(&w, "market", m)
        w.endObject()
        return w.output
    }

    /// A `GetSeriesResponse`: `{"series": {…}}` with the fields the importer reads.
    package static func seriesResponse(_ s: KalshiSeries) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.beginObject("series")
        w.string("ticker", s.ticker.string)
        w.string("frequency", s.frequency)
        w.string("title", s.title)
        w.string("fee_type", s.fees.feeType.name)
        w.rawNumber("fee_multiplier", FixedPoint.format(s.fees.multiplierMillionths, scale: 6, minDecimals: 0))
        w.endObject()
        w.endObject()
        return w.output
    }

    // MARK: - Pieces

    /// A `Market` object: the identity, strikes, schedule and outcome the importer reads, the quote
    /// fields that are known, and `market_type: "binary"`. Kalshi's other required members (sub-titles,
    /// rules, price ranges) are not known to an event and are left out. `series_ticker` (not a member of
    /// Kalshi's `Market`) is written only when it differs from the event ticker's series part.
    private static func market(_ w: inout JSONWriter, _ key: String?, _ m: KalshiMarket) {
        w.beginObject(key)
        w.string("ticker", m.ticker.string)
        w.string("event_ticker", m.eventTicker.string)
        if KalshiTicker.series(ofEvent: m.eventTicker.string) != m.seriesTicker.string {
            w.string("series_ticker", m.seriesTicker.string)
        }
        w.string("market_type", "binary")
        w.string("title", m.title)
        w.string("created_time", m.createdTime.rfc3339)
        if let t = m.updatedTime { w.string("updated_time", t.rfc3339) }
        w.string("open_time", m.openTime.rfc3339)
        w.string("close_time", m.closeTime.rfc3339)
        if let s = m.settlementTimerSeconds { w.number("settlement_timer_seconds", s) }
        w.string("status", m.status.rawValue)
        if let p = m.yesBid { w.string("yes_bid_dollars", p.dollarString) }
        if let p = m.yesAsk { w.string("yes_ask_dollars", p.dollarString) }
        if let p = m.lastPrice { w.string("last_price_dollars", p.dollarString) }
        if let c = m.volume { w.string("volume_fp", c.fixedPointString) }
        if let c = m.openInterest { w.string("open_interest_fp", c.fixedPointString) }
        w.string("result", m.result?.name ?? "")
        if let p = m.settlementValue { w.string("settlement_value_dollars", p.dollarString) }
        if let t = m.settlementTime { w.string("settlement_ts", t.rfc3339) }
        w.string("expiration_value", m.expirationValue ?? "")
        // `other` stands for functional, custom and structured alike; `custom` reads back as `other`.
        w.string("strike_type", m.strikeType == .other ? "custom" : m.strikeType.name)
        if let t = m.floorStrike { w.rawNumber("floor_strike", t.description) }
        if let t = m.capStrike { w.rawNumber("cap_strike", t.description) }
        w.endObject()
    }

    private static func ohlc(_ w: inout JSONWriter, _ key: String, _ value: OHLC?, suffix: String) {
        w.beginObject(key)
        ohlcMembers(&w, value, suffix: suffix)
        w.endObject()
    }

    private static func ohlcMembers(_ w: inout JSONWriter, _ value: OHLC?, suffix: String) {
        w.stringOrNull("open" + suffix, value?.open.dollarString)
        w.stringOrNull("low" + suffix, value?.low.dollarString)
        w.stringOrNull("high" + suffix, value?.high.dollarString)
        w.stringOrNull("close" + suffix, value?.close.dollarString)
    }
}
