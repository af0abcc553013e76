package import IsothermEvents

/// Reads Kalshi candlestick responses into ``Candle`` events stamped with `end_period_ts`, the end of the
/// period (a candle is only known once its period is over).
///
/// Every shape is read: the live tier's `yes_bid.open_dollars`, `price.mean_dollars`, `volume_fp`,
/// `open_interest_fp`; the `/historical/` tier's bare `yes_bid.open`, `price.mean`, `volume`,
/// `open_interest` holding the same strings; and the pre-2026 integer cents and whole contracts under
/// those bare names. `price` is nil for a period without trades (all four of open, low, high and close
/// null); `price.min_dollars`/`max_dollars` are not part of a ``Candle`` and are ignored.
///
/// The period length is not in the response: pass the request's `period_interval`. Without it the
/// period is the spacing of `end_period_ts` (see ``inferredPeriodMinutes(_:)``).
package enum KalshiCandlestickParser {
    /// `GET /series/{series}/markets/{ticker}/candlesticks` or
    /// `GET /historical/markets/{ticker}/candlesticks`: `{"ticker": "…", "candlesticks": [ … ]}`.
    /// - Parameters:
    ///   - periodMinutes: the request's `period_interval`, or nil to infer it from the spacing.
    /// - Returns: one record per candlestick, in the response's order (oldest first).
    /// - Throws: ``ImportError`` naming the file and the field (`candlesticks[4].price.close_dollars`).
    package static func candlesticks(_ bytes: [UInt8], source: String, periodMinutes: UInt16? = nil)
        throws(ImportError) -> [EventRecord]
    {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        let ticker = try root.kalshiTicker("ticker")
        let series = try self.series(root.array("candlesticks"), ticker: ticker, path: "candlesticks", source: source)
        return try stamp([series], periodMinutes: periodMinutes, source: source)
    }

    /// `GET /markets/candlesticks?market_tickers=…`:
    /// `{"markets": [{"market_ticker": "…", "candlesticks": [ … ]}]}`.
    /// - Returns: each market's candles in turn, in the response's order.
    package static func batch(_ bytes: [UInt8], source: String, periodMinutes: UInt16? = nil)
        throws(ImportError) -> [EventRecord]
    {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var all: [Series] = []
        for (i, value) in try root.array("markets").enumerated() {
            let m = try JSONFields(value, source: source, path: "markets[\(i)]")
            all.append(
                try series(
                    m.array("candlesticks"), ticker: m.kalshiTicker("market_ticker"), path: m.path + ".candlesticks",
                    source: source))
        }
        return try stamp(all, periodMinutes: periodMinutes, source: source)
    }

    /// `GET /series/{series}/events/{event}/candlesticks`:
    /// `{"market_tickers": ["…"], "market_candlesticks": [[ … ]], "adjusted_end_ts": …}`, the i-th array
    /// belonging to the i-th ticker.
    package static func eventCandlesticks(_ bytes: [UInt8], source: String, periodMinutes: UInt16? = nil)
        throws(ImportError) -> [EventRecord]
    {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        let tickers = try root.array("market_tickers")
        let lists = try root.array("market_candlesticks")
        guard tickers.count == lists.count else {
            throw root.fail(
                "market_candlesticks",
                "\(lists.count) arrays for \(tickers.count) market_tickers; they pair up by position")
        }
        var all: [Series] = []
        for (i, value) in tickers.enumerated() {
            guard let text = value.stringValue, let ticker = Symbol(text) else {
                throw root.fail("market_tickers[\(i)]", "expected a ticker, found \(value.typeName)")
            }
            let path = "market_candlesticks[\(i)]"
            guard let list = lists[i].arrayValue else {
                throw root.fail(path, "expected an array, found \(lists[i].typeName)")
            }
            all.append(try series(list, ticker: ticker, path: path, source: source))
        }
        return try stamp(all, periodMinutes: periodMinutes, source: source)
    }

    /// The period implied by the gaps between consecutive `end_period_ts` of each market, in minutes: the
    /// smallest gap, if every gap is a multiple of it and it is one of Kalshi's periods (1, 60, 1440).
    /// Nil when there is no gap (fewer than two candles per market) or the gaps do not say.
    /// Sparse candles can mislead it (1-minute candles an hour apart look hourly): prefer the request's
    /// `period_interval`.
    package static func inferredPeriodMinutes(_ endTimesByMarket: [[Timestamp]]) -> UInt16? {
        var smallest: Int64?
        var divisor: Int64 = 0
        for ends in endTimesByMarket where ends.count >= 2 {
            for k in 1..<ends.count {
                let gap = ends[k].seconds - ends[k - 1].seconds
                smallest = Swift.min(smallest ?? gap, gap)
                divisor = gcd(divisor, gap)
            }
        }
        guard let smallest, smallest == divisor, [60, 3_600, 86_400].contains(smallest) else { return nil }
        return UInt16(smallest / 60)
    }

    // MARK: - Candles

    /// One market's candles before their period is known.
    private struct Series {
        var path: String
        var ends: [Timestamp]
        var candles: [Candle]
    }

    private static func series(_ list: [JSONValue], ticker: Symbol, path: String, source: String)
        throws(ImportError) -> Series
    {
        var out = Series(path: path, ends: [], candles: [])
        out.ends.reserveCapacity(list.count)
        out.candles.reserveCapacity(list.count)
        for (i, value) in list.enumerated() {
            let c = try JSONFields(value, source: source, path: "\(path)[\(i)]")
            let end = try c.kalshiUnixSeconds("end_period_ts")
            if let previous = out.ends.last, end <= previous {
                throw c.fail(
                    "end_period_ts", "\(end.seconds) is not after the previous candle's \(previous.seconds)")
            }
            out.ends.append(end)
            out.candles.append(try candle(c, ticker: ticker))
        }
        return out
    }

    /// One candlestick object, with the period still unset (0).
    private static func candle(_ c: JSONFields, ticker: Symbol) throws(ImportError) -> Candle {
        guard let bid = try c.child("yes_bid") else { throw c.fail("yes_bid", "missing") }
        guard let ask = try c.child("yes_ask") else { throw c.fail("yes_ask", "missing") }
        guard let price = try c.child("price") else { throw c.fail("price", "missing") }
        return Candle(
            ticker: ticker, periodMinutes: 0, yesBid: try ohlc(bid), yesAsk: try ohlc(ask), price: try ohlc(price),
            meanPrice: try price.kalshiPrice("mean"), previousPrice: try price.kalshiPrice("previous"),
            volume: try c.requiredKalshiCount("volume"), openInterest: try c.requiredKalshiCount("open_interest"))
    }

    /// Open, high, low and close from an OHLC object: all four, or none (nil: a period without trades,
    /// or a synthetic `include_latest_before_start` candle). Some but not all is an error.
    private static func ohlc(_ o: JSONFields) throws(ImportError) -> OHLC? {
        let open = try o.kalshiPrice("open")
        let high = try o.kalshiPrice("high")
        let low = try o.kalshiPrice("low")
        let close = try o.kalshiPrice("close")
        if let open, let high, let low, let close { return OHLC(open: open, high: high, low: low, close: close) }
        let parts = [("open", open), ("low", low), ("high", high), ("close", close)]
        guard let given = parts.first(where: { $0.1 != nil }), let absent = parts.first(where: { $0.1 == nil })
        else { return nil }
        // Name the member as this object spells its members (`high_dollars` live, `high` historical).
        let key = o.object.keys.contains(where: { $0.hasSuffix("_dollars") }) ? absent.0 + "_dollars" : absent.0
        throw o.fail(key, "missing or null while \(given.0) is given (a price is all four of OHLC, or none)")
    }

    /// Sets each candle's period and makes the records.
    private static func stamp(_ all: [Series], periodMinutes: UInt16?, source: String) throws(ImportError)
        -> [EventRecord]
    {
        let period: UInt16
        if let periodMinutes {
            guard periodMinutes > 0 else { throw ImportError(source, field: "period_interval", "must be positive") }
            period = periodMinutes
        } else if let inferred = inferredPeriodMinutes(all.map(\.ends)) {
            period = inferred
        } else if all.allSatisfy({ $0.candles.isEmpty }) {
            return []
        } else {
            let path = all.first(where: { !$0.candles.isEmpty })?.path ?? "candlesticks"
            throw ImportError(
                source, field: path,
                "cannot tell the period from the spacing of end_period_ts; give the request's period_interval")
        }
        var out: [EventRecord] = []
        out.reserveCapacity(all.reduce(0) { $0 + $1.candles.count })
        for s in all {
            for (end, var candle) in zip(s.ends, s.candles) {
                candle.periodMinutes = period
                out.append(EventRecord(time: end, event: .candle(candle)))
            }
        }
        return out
    }

    private static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
