import Glibc
import IsothermEvents
import IsothermImport
import IsothermStore
import IsothermWorld

/// The import benchmark (`isotherm-bench --import [--days N]`): how fast Kalshi's REST JSON becomes
/// events in a log. A generated world of the seven cities is exported as Kalshi would serve it (each
/// market's candles a page a UTC day, `KalshiJSON.candlesticksResponse`; each day's settled markets a
/// markets page, `KalshiJSON.marketsResponse`), one city-day at a time so memory stays bounded; then,
/// timing only these parts, on one core:
/// 1. parse only: every page through `KalshiCandlestickParser` / `KalshiMarketParser` into events;
/// 2. parse + append: the same, appending each page's events to a log per city (`EventLogWriter`);
/// 3. append only (the baseline): the same events, as given to the exporter, appended to another
///    log per city without parsing.
/// Every parsed page is checked equal to what the exporter was given (untimed).
enum ImportBench {
    /// A page as served, with the events it must parse into.
    struct Page {
        var isMarkets: Bool
        var source: String
        var bytes: [UInt8]
        var expected: [EventRecord]
    }

    /// One city's world, cut into pages a UTC day at a time.
    struct CityDay {
        static let fees = KalshiFees(feeType: .quadratic, multiplierMillionths: 1_000_000)
        var tickers: [Symbol] = []
        var candles: [Symbol: [(end: Timestamp, candle: Candle)]] = [:]
        var settled: [KalshiMarket] = []
        // Markets stay here from their listing to their settlement, across days.
        var listed: [Symbol: (at: Timestamp, market: MarketListed)] = [:]
        var determined: [Symbol: Timestamp] = [:]

        mutating func add(_ r: EventRecord) {
            switch r.event {
            case .candle(let c):
                if candles[c.ticker] == nil { tickers.append(c.ticker) }
                candles[c.ticker, default: []].append((r.time, c))
            case .marketListed(let m):
                listed[m.ticker] = (r.time, m)
            case .marketLifecycle(let l) where l.transition == .determined:
                determined[l.ticker] = r.time
            case .marketLifecycle(let l) where l.transition == .settled:
                guard let (at, m) = listed.removeValue(forKey: l.ticker),
                    let determinedAt = determined.removeValue(forKey: l.ticker)
                else { return }
                settled.append(
                    KalshiMarket(
                        ticker: m.ticker, eventTicker: m.eventTicker, seriesTicker: m.seriesTicker,
                        eventDate: m.eventDate, title: m.title, status: .finalized, strikeType: m.strikeType,
                        floorStrike: m.floorStrike, capStrike: m.capStrike, createdTime: at, openTime: m.openTime,
                        closeTime: m.closeTime, updatedTime: r.time, result: l.result,
                        settlementValue: l.settlementValue, settlementTime: r.time,
                        settlementTimerSeconds: (r.time.nanos - determinedAt.nanos) / Timestamp.nanosPerSecond))
            default:
                break  // weather: not part of a Kalshi import
            }
        }

        /// The day's pages, in the order an import would fetch them; clears the day.
        mutating func takePages(_ day: LocalDate, city: String) -> [Page] {
            var pages: [Page] = []
            if !settled.isEmpty {
                let json = KalshiJSON.marketsResponse(settled)
                let expected = ImportFormat.timeOrdered(settled.flatMap { $0.records(fees: Self.fees) })
                pages.append(
                    Page(isMarkets: true, source: "\(city) \(day) markets", bytes: Array(json.utf8), expected: expected)
                )
            }
            for t in tickers {
                let list = candles[t]!
                let json = KalshiJSON.candlesticksResponse(ticker: t, candles: list)
                pages.append(
                    Page(
                        isMarkets: false, source: "\(t) \(day)", bytes: Array(json.utf8),
                        expected: list.map { EventRecord(time: $0.end, event: .candle($0.candle)) }))
            }
            tickers.removeAll(keepingCapacity: true)
            candles.removeAll(keepingCapacity: true)
            settled.removeAll(keepingCapacity: true)
            return pages
        }
    }

    /// Parses a page as `isotherm import kalshi` does.
    static func parse(_ page: Page) throws -> [EventRecord] {
        if page.isMarkets {
            let markets = try KalshiMarketParser.marketsPage(page.bytes, source: page.source).markets
            return ImportFormat.timeOrdered(markets.flatMap { $0.records(fees: CityDay.fees) })
        }
        return try KalshiCandlestickParser.candlesticks(page.bytes, source: page.source, periodMinutes: 1)
    }

    static func run(days: Int, dir: String) throws {
        removeTree(dir)
        mkdir(dir, 0o755)
        let start = LocalDate(iso8601: "2025-01-01")!
        let end = start.advanced(by: Int32(days - 1))
        var parseSeconds = 0.0
        var parseAppendSeconds = 0.0
        var appendSeconds = 0.0
        var candles = 0
        var marketEvents = 0
        var candlePages = 0
        var marketPages = 0
        var jsonBytes = 0
        var candleBytes = 0
        var rss = RSSSampler()
        for city in WorldCity.kxhigh {
            note("import bench: \(city.code)…")
            let parsedLog = try EventLogWriter(directory: dir + "/parsed-" + city.code)
            let directLog = try EventLogWriter(directory: dir + "/direct-" + city.code)
            var world = CityWorld(city: city, seed: 1, start: start, end: end)
            var cityDay = CityDay()
            var current: LocalDate?

            func measure(_ day: LocalDate) throws {
                let pages = cityDay.takePages(day, city: city.code)
                var watch = Stopwatch()
                // 1. Parse only.
                var parsed: [[EventRecord]] = []
                parsed.reserveCapacity(pages.count)
                for page in pages { parsed.append(try parse(page)) }
                parseSeconds += watch.lap()
                for (page, events) in zip(pages, parsed) {
                    guard events == page.expected else {
                        throw BenchError(description: "\(page.source): the parsed events differ from the exported ones")
                    }
                    jsonBytes += page.bytes.count
                    if page.isMarkets {
                        marketPages += 1
                        marketEvents += events.count
                    } else {
                        candlePages += 1
                        candles += events.count
                        candleBytes += page.bytes.count
                    }
                }
                parsed = []
                // 2. Parse and append, page by page, as an import does.
                _ = watch.lap()
                for page in pages {
                    for e in try parse(page) { try parsedLog.append(e) }
                }
                parseAppendSeconds += watch.lap()
                // 3. Append the same events without parsing.
                for page in pages {
                    for e in page.expected { try directLog.append(e) }
                }
                appendSeconds += watch.lap()
                rss.sample()
            }

            while let r = world.next() {
                let day = r.time.utcDate
                if let current, day != current { try measure(current) }
                current = day
                cityDay.add(r)
            }
            if let current { try measure(current) }
            try parsedLog.close()
            try directLog.close()
        }
        let events = candles + marketEvents
        print("")
        print("Isotherm import benchmark — release build, one core, \(days) days × 7 cities (world seed 1)")
        print(
            "  \(grouped(events)) events: \(grouped(candles)) 1-minute candles in \(grouped(candlePages)) pages "
                + "(a market-day each) and \(grouped(marketEvents)) market events in \(grouped(marketPages)) "
                + "markets pages")
        print(
            "  \(fmt(Double(jsonBytes) / 1e9, 2)) GB of Kalshi JSON, \(fmt(Double(candleBytes) / Double(max(candles, 1)), 1)) "
                + "bytes a candle; generated and exported a city-day at a time, untimed")
        let rows: [(String, String, String)] = [
            ("parse only", rate(events, parseSeconds), "\(fmt(parseSeconds, 2)) s; JSON → events"),
            (
                "parse + append", rate(events, parseAppendSeconds),
                "\(fmt(parseAppendSeconds, 2)) s; JSON → events → log, a log per city (no sync)"
            ),
            (
                "append only (baseline)", rate(events, appendSeconds),
                "\(fmt(appendSeconds, 2)) s; the same events, not parsed"
            ),
            (
                "parse + append / append", fmt(parseAppendSeconds / appendSeconds, 1) + "×",
                "time ratio: the cost of reading Kalshi's JSON"
            ),
            (
                "parse share of an import", fmt(100 * parseSeconds / parseAppendSeconds, 0) + "%",
                "parse only / parse + append"
            ),
            ("RSS max", "\(rss.maxKB / 1024) MiB", "sampled after each city-day"),
        ]
        for (name, value, comment) in rows {
            print("  " + pad(name, 28) + lpad(value, 14) + "   " + comment)
        }
        removeTree(dir)
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }
}
