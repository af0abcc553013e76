import IsothermDigest
package import IsothermEvents
import IsothermImport
import IsothermNet
import IsothermStore

/// Why a Kalshi backfill stopped: the request and what was wrong with its answer.
package struct KalshiBackfillError: Error, Equatable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Which endpoints a request goes to.
package enum KalshiRoute {
    package enum Tier: String { case live, historical, auto }
    /// The current endpoints, or the archive of markets settled before the cutoff.
    case live, archive

    package var name: String { self == .live ? "live" : "historical" }
}

/// One request's worth of a market's candles: those whose period ends in `(after, through]` (Unix
/// seconds). The key names the data, not the route, so a chunk fetched from the live endpoint is not
/// fetched again from the archive once the market has moved there.
package struct KalshiCandleChunk: Equatable {
    package var series: Symbol
    package var ticker: Symbol
    package var period: UInt16
    package var after: Int64
    package var through: Int64

    package var key: String {
        "kalshi candles \(ticker) period_interval=\(period) start_ts=\(after + 1) end_ts=\(through)"
    }

    package func path(_ route: KalshiRoute) -> String {
        let query = "?start_ts=\(after + 1)&end_ts=\(through)&period_interval=\(period)"
        switch route {
        case .live: return "/series/\(series)/markets/\(ticker)/candlesticks" + query
        case .archive: return "/historical/markets/\(ticker)/candlesticks" + query
        }
    }

    package func notes(_ route: KalshiRoute) -> [Field] {
        [
            Field("source", "kalshi"), Field("page", "candles"), Field("series", series.string),
            Field("ticker", ticker.string), Field("period", String(period)), Field("start_ts", String(after + 1)),
            Field("end_ts", String(through)), Field("tier", route.name),
        ]
    }

    /// The chunk and route a page's manifest notes describe.
    package init?(notes: [Field]) {
        func value(_ name: String) -> String? { notes.first { $0.name == name }?.value }
        guard value("source") == "kalshi", value("page") == "candles",
            let series = value("series").flatMap(Symbol.init),
            let ticker = value("ticker").flatMap(Symbol.init), let period = value("period").flatMap({ UInt16($0) }),
            let start = value("start_ts").flatMap({ Int64($0) }), let end = value("end_ts").flatMap({ Int64($0) })
        else { return nil }
        self.init(series: series, ticker: ticker, period: period, after: start - 1, through: end)
    }

    package init(series: Symbol, ticker: Symbol, period: UInt16, after: Int64, through: Int64) {
        self.series = series
        self.ticker = ticker
        self.period = period
        self.after = after
        self.through = through
    }

    /// A market's candles from its open to its close, `maxCandles` periods a chunk. The last chunk ends
    /// at the first period boundary at or after the close, so the period the market closed in is kept.
    package static func chunks(_ m: MarketListed, period: UInt16, maxCandles: Int) -> [KalshiCandleChunk] {
        let step = Int64(period) * 60
        let open = m.openTime.seconds
        let closeSeconds = m.closeTime.adding(nanos: Timestamp.nanosPerSecond - 1).seconds
        let close = (closeSeconds + step - 1) / step * step
        var out: [KalshiCandleChunk] = []
        var a = open
        while a < close {
            let b = min(a + Int64(maxCandles) * step, close)
            out.append(
                KalshiCandleChunk(series: m.seriesTicker, ticker: m.ticker, period: period, after: a, through: b))
            a = b
        }
        return out
    }

    /// The candles of a response that belong to this chunk, in the response's order.
    package func candles(_ body: [UInt8], source: String) throws -> [EventRecord] {
        let records = try KalshiCandlestickParser.candlesticks(body, source: source, periodMinutes: period)
        var out: [EventRecord] = []
        out.reserveCapacity(records.count)
        for r in records {
            if case .candle(let c) = r.event, c.ticker != ticker {
                throw KalshiBackfillError("the response is for \(c.ticker), not \(ticker)")
            }
            let end = r.time.seconds
            if end > after && end <= through { out.append(r) }
        }
        return out
    }
}

/// What a log holds of Kalshi's markets, read once before a backfill: listings and lifecycle
/// transitions (so a market event is never appended twice, whatever page or tier it comes from),
/// and the backfill manifests (the cursor a finished page recorded, the page a crash cut short).
package struct KalshiLogState {
    package struct Transition: Hashable {
        package var ticker: Symbol
        package var transition: MarketLifecycle.Transition
    }

    package private(set) var listed: [Symbol: MarketListed] = [:]
    package private(set) var transitions: Set<Transition> = []
    package private(set) var settledAt: [Symbol: Timestamp] = [:]
    /// Markets a page said were settled but gave no `settlement_ts` for, with the route of that page
    /// (where their candles are).
    package private(set) var settledWithoutTime: [Symbol: KalshiRoute] = [:]
    /// The parameters of each finished backfill page's finish manifest, by run id.
    package private(set) var finished: [String: [Field]] = [:]
    /// Backfill pages started and not finished, in log order: run id and start-manifest parameters.
    package private(set) var unfinished: [(runId: String, parameters: [Field])] = []

    package init(directory: String, nextSequence: UInt64) throws {
        guard nextSequence > 1 else { return }
        var started: [String: (sequence: UInt64, parameters: [Field])] = [:]
        try EventLogReader(directory: directory).forEach(kinds: [.marketListed, .marketLifecycle, .runManifest]) {
            sequence, record in
            switch record.event {
            case .runManifest(let m) where m.runKind == "backfill":
                if m.phase == .started {
                    started[m.runId] = (sequence, m.parameters)
                } else {
                    finished[m.runId] = m.parameters
                    noteSettledWithoutTime(m.parameters)
                }
            default:
                add(record)
            }
            return true
        }
        unfinished = started.filter { finished[$0.key] == nil }.sorted { $0.value.sequence < $1.value.sequence }.map {
            ($0.key, $0.value.parameters)
        }
    }

    /// Whether `record` is a market event the log does not hold yet.
    package func isNew(_ record: EventRecord) -> Bool {
        switch record.event {
        case .marketListed(let m): listed[m.ticker] == nil
        case .marketLifecycle(let l): !transitions.contains(Transition(ticker: l.ticker, transition: l.transition))
        default: true
        }
    }

    /// Notes a market event appended (or found in the log).
    package mutating func add(_ record: EventRecord) {
        switch record.event {
        case .marketListed(let m):
            if listed[m.ticker] == nil { listed[m.ticker] = m }
        case .marketLifecycle(let l):
            transitions.insert(Transition(ticker: l.ticker, transition: l.transition))
            if l.transition == .settled && settledAt[l.ticker] == nil { settledAt[l.ticker] = record.time }
        default:
            break
        }
    }

    package mutating func finish(_ runId: String, _ parameters: [Field]) {
        finished[runId] = parameters
        noteSettledWithoutTime(parameters)
    }

    /// Notes a market settled without `settlement_ts`, found on a markets page of `route`.
    package mutating func settledWithoutTime(_ ticker: Symbol, _ route: KalshiRoute) {
        settledWithoutTime[ticker] = route
    }

    /// Whether the log says `ticker` settled, with or without its settlement time.
    package func isSettled(_ ticker: Symbol) -> Bool { settledAt[ticker] != nil || settledWithoutTime[ticker] != nil }

    /// The markets a finished markets page listed as settled without `settlement_ts` (its notes
    /// `settled_without_settlement_ts` and `tier`).
    private mutating func noteSettledWithoutTime(_ parameters: [Field]) {
        guard let list = parameters.first(where: { $0.name == "settled_without_settlement_ts" })?.value else { return }
        let route: KalshiRoute =
            parameters.first(where: { $0.name == "tier" })?.value == KalshiRoute.archive.name ? .archive : .live
        for t in list.split(separator: ",") { if let ticker = Symbol(String(t)) { settledWithoutTime[ticker] = route } }
    }
}

/// One `isotherm import kalshi` run: resume a page cut short, then for each series its markets pages
/// along the cursor, then the candles of every settled market of the series and days in the log.
package final class KalshiBackfill {
    package let session: BackfillSession
    package let base: String
    package let series: [Symbol]
    package let first: LocalDate
    package let last: LocalDate
    package let period: UInt16
    package let tier: KalshiRoute.Tier
    package let maxCandles: Int
    private var state: KalshiLogState
    private var feesBySeries: [Symbol: KalshiFees] = [:]
    private var knownCutoff: Timestamp?
    /// In-range markets seen on pages this run that are not settled yet.
    private var unsettled: Set<Symbol> = []
    private var marketEvents = 0
    private var candles = 0
    private var candlePages = 0

    /// The wall clock (whether the last day is two days past, so its markets are all listed): injected,
    /// so a test runs any date.
    private let now: @Sendable () -> Timestamp

    package init(
        session: BackfillSession, base: String, series: [Symbol], first: LocalDate, last: LocalDate, period: UInt16,
        tier: KalshiRoute.Tier, maxCandles: Int, now: @escaping @Sendable () -> Timestamp
    ) throws {
        self.now = now
        self.session = session
        self.base = base
        self.series = series
        self.first = first
        self.last = last
        self.period = period
        self.tier = tier
        self.maxCandles = maxCandles
        state = try KalshiLogState(directory: session.log, nextSequence: session.writer.nextSequence)
    }

    package func run() throws {
        try resumeCutPages()
        for s in series {
            switch tier {
            case .live: try marketsChain(s, .live)
            case .historical: try marketsChain(s, .archive)
            case .auto:
                let liveComplete = try marketsChain(s, .live)
                try archiveChainIfNeeded(s, liveComplete: liveComplete)
            }
        }
        try candlesOfSettledMarkets()
    }

    // MARK: - Markets

    /// Walks one chain of markets pages for series `s`: a finished page is passed over and the walk
    /// goes on from the cursor its manifest recorded; any other page is fetched, and its settled
    /// markets of the days asked for that are new to the log are appended in time order.
    /// A page is recorded as finished only when every such market on it is settled and the last day
    /// is two days past (so every market of the days has been listed); until then each run fetches it
    /// again and appends only what is new.
    /// - Returns: whether every page of the chain is finished.
    @discardableResult
    private func marketsChain(_ s: Symbol, _ route: KalshiRoute) throws -> Bool {
        var cursor: String?
        var seen: Set<String> = []
        var complete = true
        repeat {
            let path = marketsPath(s, route, cursor: cursor)
            let key = marketsKey(path)
            let url = base + path
            if session.isFinished(key), let notes = state.finished[BackfillSession.runId(key)],
                let next = notes.first(where: { $0.name == "cursor" })?.value
            {
                session.skipped()
                cursor = next.isEmpty ? nil : next
            } else {
                let fees = try self.fees(s)
                let body = try session.fetchPage(url, label: url)
                let page: KalshiMarketsPage
                do {
                    page = try KalshiMarketParser.marketsPage(body, source: url)
                } catch {
                    throw session.unreadable(url, error)
                }
                var events: [EventRecord] = []
                var inRange = 0
                var waiting = 0
                var withoutTime: [String] = []
                for m in page.markets where m.seriesTicker == s && m.eventDate >= first && m.eventDate <= last {
                    inRange += 1
                    guard m.status.isSettled else {
                        unsettled.insert(m.ticker)
                        waiting += 1
                        continue
                    }
                    unsettled.remove(m.ticker)
                    if m.lacksSettlementTime {
                        withoutTime.append(m.ticker.string)
                        state.settledWithoutTime(m.ticker, route)
                    }
                    events += m.records(fees: fees).filter { state.isNew($0) }
                }
                events = ImportFormat.timeOrdered(events)
                let pageComplete = waiting == 0 && now() >= last.advanced(by: 2).startUTC
                var notes = [
                    Field("source", "kalshi"), Field("page", "markets"), Field("series", s.string),
                    Field("cursor", page.cursor ?? ""), Field("markets", String(inRange)),
                    Field("not_settled", String(waiting)),
                ]
                if !withoutTime.isEmpty {
                    // Recorded so a rerun, which passes this page over, still knows they settled.
                    notes += [
                        Field("settled_without_settlement_ts", withoutTime.joined(separator: ",")),
                        Field("tier", route.name),
                    ]
                }
                try session.appendNew(key: key, label: url, events: events, notes: notes, complete: pageComplete)
                for e in events { state.add(e) }
                if pageComplete { state.finish(BackfillSession.runId(key), notes) }
                marketEvents += events.count
                complete = complete && pageComplete
                cursor = page.cursor
            }
            if let c = cursor, !seen.insert(c).inserted {
                throw KalshiBackfillError(
                    "\(url): the cursor \(c) came back a second time; stopping rather than looping")
            }
        } while cursor != nil
        return complete
    }

    /// In auto mode the archive chain is walked when some market of the days may have settled before
    /// the cutoff. When none can have and the live chain is complete, a finished empty page records
    /// that, so a rerun needs no request for the cutoff.
    private func archiveChainIfNeeded(_ s: Symbol, liveComplete: Bool) throws {
        let path = marketsPath(s, .archive, cursor: nil)
        let key = marketsKey(path)
        if session.isFinished(key) && state.finished[BackfillSession.runId(key)] != nil {
            try marketsChain(s, .archive)
            return
        }
        // A market settles after it closes, at the end of its day at the earliest.
        let cutoff = try self.cutoff()
        if first.advanced(by: 1).startUTC < cutoff {
            try marketsChain(s, .archive)
        } else if liveComplete {
            let notes = [
                Field("source", "kalshi"), Field("page", "markets"), Field("series", s.string), Field("cursor", ""),
                Field("markets", "0"),
                Field("not_needed", "every market of \(first)…\(last) settled after the archive's cutoff \(cutoff)"),
            ]
            try session.appendNew(key: key, label: base + path, events: [], notes: notes, complete: true)
            state.finish(BackfillSession.runId(key), notes)
        }
    }

    private func marketsPath(_ s: Symbol, _ route: KalshiRoute, cursor: String?) -> String {
        var path: String
        switch route {
        case .live:
            // Close times are filtered loosely (a day's markets close early the next morning, UTC);
            // the event date on each market decides.
            path =
                "/markets?series_ticker=\(s)&min_close_ts=\(first.startUTC.seconds)"
                + "&max_close_ts=\(last.advanced(by: 3).startUTC.seconds)&limit=1000"
        case .archive:
            // The archive filters by one thing at a time: the whole series, then the event dates here.
            path = "/historical/markets?series_ticker=\(s)&limit=1000"
        }
        if let cursor { path += "&cursor=" + queryEscaped(cursor) }
        return path
    }

    /// A markets page's key: the request without the host, and the days its events were chosen for.
    private func marketsKey(_ path: String) -> String { "kalshi \(path) events \(first)…\(last)" }

    private func fees(_ s: Symbol) throws -> KalshiFees {
        if let f = feesBySeries[s] { return f }
        let url = base + "/series/" + s.string
        let body = try session.get(url, label: url)
        let list: [KalshiSeries]
        do {
            list = try KalshiMarketParser.series(body, source: url)
        } catch {
            throw session.unreadable(url, error)
        }
        guard let found = list.first(where: { $0.ticker == s }) else {
            throw KalshiBackfillError("\(url): the response does not describe series \(s)")
        }
        feesBySeries[s] = found.fees
        return found.fees
    }

    private func cutoff() throws -> Timestamp {
        if let knownCutoff { return knownCutoff }
        let url = base + "/historical/cutoff"
        let body = try session.get(url, label: url)
        let value: Timestamp?
        do {
            let root = try JSONFields(JSONParser.parse(body, source: url), source: url, path: "")
            value = try root.time("market_settled_ts")
        } catch {
            throw session.unreadable(url, error)
        }
        guard let value else { throw KalshiBackfillError("\(url): no market_settled_ts in the response") }
        knownCutoff = value
        return value
    }

    // MARK: - Candles

    /// Finishes, before anything else is appended, a candle page a crash cut short (its manifest
    /// says which), so the events it wrote are still the last in the log when it is checked.
    private func resumeCutPages() throws {
        for (runId, parameters) in state.unfinished {
            guard let chunk = KalshiCandleChunk(notes: parameters), BackfillSession.runId(chunk.key) == runId else {
                continue
            }
            // The route of this run (the market may have moved to the archive since), else the one recorded.
            let recorded: KalshiRoute =
                parameters.first(where: { $0.name == "tier" })?.value == KalshiRoute.archive.name ? .archive : .live
            let route = try state.settledAt[chunk.ticker].map { try self.route(settled: $0) } ?? recorded
            let url = base + chunk.path(route)
            session.note("resuming a page cut short: \(url)")
            try candlePage(chunk, route: route, url: url)
        }
    }

    private func candlesOfSettledMarkets() throws {
        let wanted = Set(series)
        let markets = state.listed.values.filter {
            wanted.contains($0.seriesTicker) && $0.eventDate >= first && $0.eventDate <= last
        }.sorted { ($0.eventDate, $0.ticker) < ($1.eventDate, $1.ticker) }
        for m in markets {
            guard state.isSettled(m.ticker) else {
                unsettled.insert(m.ticker)
                continue
            }
            for chunk in KalshiCandleChunk.chunks(m, period: period, maxCandles: maxCandles) {
                if session.isFinished(chunk.key) {
                    session.skipped()
                    continue
                }
                let route = try self.route(of: m.ticker)
                try candlePage(chunk, route: route, url: base + chunk.path(route))
            }
        }
    }

    /// Where the candles of a settled market are: by --tier, or in auto mode the archive when it settled
    /// before the cutoff; for a market settled without `settlement_ts`, the tier of the page that listed
    /// it (the archive holds exactly the markets settled before the cutoff).
    private func route(of ticker: Symbol) throws -> KalshiRoute {
        if let settled = state.settledAt[ticker] { return try route(settled: settled) }
        switch tier {
        case .live: return .live
        case .historical: return .archive
        case .auto: return state.settledWithoutTime[ticker] ?? .live
        }
    }

    /// Where the candles of a market settled at `settled` are: by --tier, or in auto mode the archive
    /// when it settled before the cutoff.
    private func route(settled: Timestamp) throws -> KalshiRoute {
        switch tier {
        case .live: .live
        case .historical: .archive
        case .auto: settled < (try cutoff()) ? .archive : .live
        }
    }

    private func candlePage(_ chunk: KalshiCandleChunk, route: KalshiRoute, url: String) throws {
        let events = try session.page(url, label: url, key: chunk.key, notes: chunk.notes(route)) { body in
            try chunk.candles(body, source: url)
        }
        candles += events.count
        candlePages += 1
    }

    // MARK: - Summary

    package var summary: String {
        let wanted = Set(series)
        let inDays = state.listed.values.filter {
            wanted.contains($0.seriesTicker) && $0.eventDate >= first && $0.eventDate <= last
        }
        let settled = inDays.filter { state.isSettled($0.ticker) }.count
        let withoutTime = inDays.filter { state.settledWithoutTime[$0.ticker] != nil }.count
        var out =
            "  markets: \(settled) settled in \(first)…\(last), \(marketEvents) market events new; "
            + "candles: \(candles) from \(candlePages) pages"
        if withoutTime > 0 {
            out +=
                "\n  \(withoutTime) settled markets have no settlement_ts: imported with their listing, "
                + "determination (at updated_time) and candles, without a settled event"
        }
        if !unsettled.isEmpty {
            out +=
                "\n  \(unsettled.count) markets of these days are not settled yet: run the same command again once they are"
        }
        return out
    }
}

/// A query value with everything but RFC 3986's unreserved characters percent-encoded.
package func queryEscaped(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }
    }
    return out
}
