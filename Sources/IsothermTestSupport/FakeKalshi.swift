package import IsothermEvents
package import IsothermImport

/// A small Kalshi: one series, markets for four days on two pages linked by a cursor, and 1-minute
/// candles for every market, served in Kalshi's own JSON (the `KalshiJSON` exporters) by the live
/// and the archive endpoints. Requests the test scripts otherwise (errors, malformed pages) never
/// reach it.
package final class FakeKalshi: Sendable {
    package static let nyc = Symbol("KXHIGHNY")!
    package static let series = KalshiSeries(
        ticker: nyc, title: "Highest temperature in NYC", frequency: "daily",
        fees: KalshiFees(feeType: .quadratic, multiplierMillionths: 1_000_000))
    package static let day0 = LocalDate(iso8601: "2024-12-31")!
    package static let day1 = LocalDate(iso8601: "2025-01-01")!
    package static let day2 = LocalDate(iso8601: "2025-01-02")!
    package static let day3 = LocalDate(iso8601: "2025-01-03")!
    /// The second page's cursor, with characters a query must escape.
    package static let cursor2 = "CgwI3Lbq+xYQ/2=="

    /// Every market, in the order the pages list them: page 1 holds day 0 and day 1, page 2 day 2 and day 3.
    package let markets: [KalshiMarket]
    package let candles: [Symbol: [(end: Timestamp, candle: Candle)]]
    /// Markets settled before this instant are served only by the archive (`nil`: everything is live).
    package let cutoff: Timestamp?

    /// - Parameters:
    ///   - unsettled: markets still active.
    ///   - withoutSettlementTs: settled markets served without `settlement_ts` and
    ///     `settlement_timer_seconds` (as older responses), `updated_time` at their settlement.
    package init(unsettled: Set<String> = [], withoutSettlementTs: Set<String> = [], cutoff: Timestamp? = nil) {
        var markets: [KalshiMarket] = []
        for (day, specs) in [
            (Self.day0, [("B40.5", 40, true)]),
            (Self.day1, [("T38", 38, false), ("B38.5", 38, true)]),
            (Self.day2, [("T44", 44, true), ("B44.5", 44, false)]),
            (Self.day3, [("B50.5", 50, true)]),
        ] {
            for (suffix, strike, won) in specs {
                let ticker = "KXHIGHNY-\(KalshiTicker.dateCode(day))-\(suffix)"
                var m = Self.market(
                    day, ticker: ticker, suffix: suffix, strike: Int32(strike), won: won,
                    settled: !unsettled.contains(ticker))
                if withoutSettlementTs.contains(ticker) {
                    m.updatedTime = m.settlementTime
                    m.settlementTime = nil
                    m.settlementTimerSeconds = nil
                }
                markets.append(m)
            }
        }
        self.markets = markets
        var candles: [Symbol: [(end: Timestamp, candle: Candle)]] = [:]
        for (i, m) in markets.enumerated() { candles[m.ticker] = Self.candles(m, seed: i) }
        self.candles = candles
        self.cutoff = cutoff
    }

    /// A market listed the morning before its day at 14:00Z, closing at 04:59Z after it, settled at
    /// 11:19:07Z an hour after its determination.
    package static func market(
        _ day: LocalDate, ticker: String, suffix: String, strike: Int32, won: Bool, settled: Bool
    ) -> KalshiMarket {
        let between = suffix.hasPrefix("B")
        let open = day.advanced(by: -1).startUTC.adding(nanos: 14 * 3_600 * Timestamp.nanosPerSecond)
        let settlement = day.advanced(by: 1).startUTC.adding(
            nanos: (11 * 3_600 + 19 * 60 + 7) * Timestamp.nanosPerSecond)
        return KalshiMarket(
            ticker: Symbol(ticker)!, eventTicker: Symbol("KXHIGHNY-" + KalshiTicker.dateCode(day))!, seriesTicker: nyc,
            eventDate: day, title: "Will the high temp in NYC be \(suffix) on \(day)?",
            status: settled ? .finalized : .active, strikeType: between ? .between : .less,
            floorStrike: between ? Temperature(degrees: strike) : nil,
            capStrike: Temperature(degrees: between ? strike + 1 : strike),
            createdTime: open.adding(nanos: -(1_735 * Timestamp.nanosPerSecond + 881_258_000)), openTime: open,
            closeTime: day.advanced(by: 1).startUTC.adding(nanos: (4 * 3_600 + 59 * 60) * Timestamp.nanosPerSecond),
            result: settled ? (won ? .yes : .no) : nil, settlementValue: settled ? (won ? .one : .zero) : nil,
            settlementTime: settled ? settlement : nil, settlementTimerSeconds: settled ? 3_600 : nil,
            expirationValue: settled ? "\(strike).00" : nil, yesBid: Price(cents: 1), yesAsk: Price(cents: 2),
            lastPrice: Price(cents: 1), volume: Count(contracts: 5_012), openInterest: Count(hundredths: 120_050))
    }

    /// A candle every 7 minutes from the open to the close, some without trades.
    package static func candles(_ m: KalshiMarket, seed: Int) -> [(end: Timestamp, candle: Candle)] {
        var out: [(end: Timestamp, candle: Candle)] = []
        var end = m.openTime.adding(nanos: 7 * Timestamp.nanosPerMinute)
        var k = seed * 31
        while end <= m.closeTime {
            k += 1
            let mid = Int64(10 + (k * 37) % 80)
            let traded = k % 3 != 0
            out.append(
                (
                    end,
                    Candle(
                        ticker: m.ticker, yesBid: OHLC(flat: Price(cents: mid - 1)),
                        yesAsk: OHLC(
                            open: Price(cents: mid + 1), high: Price(cents: mid + 2),
                            low: Price(micros: mid * 10_000 + 5_000),
                            close: Price(cents: mid + 1)),
                        price: traded
                            ? OHLC(
                                open: Price(cents: mid), high: Price(cents: mid + 1), low: Price(cents: mid - 1),
                                close: Price(cents: mid))
                            : nil,
                        meanPrice: traded ? Price(micros: mid * 10_000 + 2_500) : nil,
                        previousPrice: Price(cents: mid), volume: Count(hundredths: Int64(k % 7) * 150),
                        openInterest: Count(contracts: Int64(1_000 + k)))
                ))
            end = end.adding(nanos: 7 * Timestamp.nanosPerMinute)
        }
        return out
    }

    package func isArchived(_ m: KalshiMarket) -> Bool {
        guard let cutoff, let settled = m.settlementTime else { return false }
        return settled < cutoff
    }

    /// Kalshi's answer to `target`, or a 404.
    package func reply(_ target: String) -> ScriptedHTTPServer.Reply {
        let (path, query) = Self.split(target)
        if path == "/series/KXHIGHNY" { return .json(KalshiJSON.seriesResponse(Self.series)) }
        if path == "/historical/cutoff" {
            let t = (cutoff ?? Timestamp(seconds: 0)).rfc3339
            return .json(#"{"market_settled_ts":"\#(t)","trades_created_ts":"\#(t)","orders_updated_ts":"\#(t)"}"#)
        }
        if path == "/markets" || path == "/historical/markets" {
            guard query["series_ticker"] == "KXHIGHNY", query["limit"] == "1000" else {
                return .json("{}", status: 400)
            }
            let archive = path == "/historical/markets"
            let served = markets.filter { isArchived($0) == archive }
            let split = served.firstIndex { $0.eventDate >= Self.day2 } ?? served.count
            switch query["cursor"] {
            case nil: return .json(KalshiJSON.marketsResponse(Array(served[..<split]), cursor: Self.cursor2))
            case Self.cursor2: return .json(KalshiJSON.marketsResponse(Array(served[split...])))
            default: return .json(#"{"code":"bad_cursor"}"#, status: 400)
            }
        }
        let parts = path.split(separator: "/")
        let live = parts.count == 5 && parts[0] == "series" && parts[2] == "markets" && parts[4] == "candlesticks"
        let archived =
            parts.count == 4 && parts[0] == "historical" && parts[1] == "markets" && parts[3] == "candlesticks"
        if live || archived, let ticker = Symbol(String(parts[live ? 3 : 2])),
            let market = markets.first(where: { $0.ticker == ticker }), isArchived(market) == archived,
            let start = query["start_ts"].flatMap({ Int64($0) }), let end = query["end_ts"].flatMap({ Int64($0) }),
            query["period_interval"] == "1"
        {
            let chosen = (candles[ticker] ?? []).filter { $0.end.seconds >= start && $0.end.seconds <= end }
            return .json(
                KalshiJSON.candlesticksResponse(ticker: ticker, candles: chosen, tier: archived ? .historical : .live))
        }
        return .json(#"{"code":"not_found","message":"\#(target)"}"#, status: 404)
    }

    /// The path and the query's values, percent-decoded.
    package static func split(_ target: String) -> (String, [String: String]) {
        let pieces = target.split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                query[String(kv[0])] = kv.count == 2 ? percentDecoded(String(kv[1])) : ""
            }
        }
        return (String(pieces[0]), query)
    }

    /// What an import of `days` should append, in order: each markets page's settled markets of those
    /// days in time order, then each market's candles, markets by event date and ticker.
    package func expected(_ days: ClosedRange<LocalDate>, pages: [[KalshiMarket]]? = nil) -> [EventRecord] {
        let fees = KalshiFeeSchedule(series: [Self.series])
        let split = markets.firstIndex { $0.eventDate >= Self.day2 }!
        var out: [EventRecord] = []
        for page in pages ?? [Array(markets[..<split]), Array(markets[split...])] {
            let chosen = page.filter { days.contains($0.eventDate) && $0.status.isSettled }
            out += ImportFormat.timeOrdered(fees.records(chosen))
        }
        let sorted = markets.filter { days.contains($0.eventDate) && $0.status.isSettled }.sorted {
            ($0.eventDate, $0.ticker) < ($1.eventDate, $1.ticker)
        }
        for m in sorted {
            out += candles[m.ticker]!.map { EventRecord(time: $0.end, event: .candle($0.candle)) }
        }
        return out
    }
}

/// `%XX` escapes decoded (nil for a malformed one).
private func percentDecoded(_ text: String) -> String? {
    var bytes: [UInt8] = []
    var it = Array(text.utf8)[...]
    while let b = it.popFirst() {
        guard b == UInt8(ascii: "%") else {
            bytes.append(b)
            continue
        }
        guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
        bytes.append(v)
        it = it.dropFirst(2)
    }
    return String(decoding: bytes, as: UTF8.self)
}
