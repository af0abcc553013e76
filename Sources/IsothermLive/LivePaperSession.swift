package import IsothermBacktest
package import IsothermEvents
import IsothermImport
package import IsothermKalshi
import IsothermPlatform
import Logging
import Synchronization

/// `isotherm live` in paper mode: the backtest's engine driven by Kalshi's live feed, every input kept
/// in a ``SessionLog`` before the engine sees it. The open and unopened markets of the series traded are
/// read by REST first (each answer kept verbatim, its markets' listings as events); then every frame of the
/// feed, and a clock tick each `tickSeconds` so timers fire on a quiet feed. Fills are the paper
/// broker's: the backtest's fill rules applied to the live quotes and prints.
package final class LivePaperSession: Sendable {
    package struct Settings: Sendable {
        /// Series whose open markets are listed by REST first (`KXHIGHNY`, …).
        package var series: [String]
        package var tickSeconds: Double = 1
        /// The session's clock: the wall clock live; an accelerated exchange's world clock in a test.
        package var now: @Sendable () -> Timestamp = { Timestamp(nanos: SystemClock.wallNanos()) }
        package init(series: [String]) { self.series = series }
    }

    /// What a session did, for the summary and `isotherm status`.
    package struct Summary: Sendable, Equatable {
        package var frames = 0
        package var inputs = 0
        package var outputs = 0
        package var intents = 0
        package var fills = 0
        package var reconnects = 0
        package var gaps = 0
        /// Frames about other series, left out of the log.
        package var otherSeries = 0
        package var stopped: String?
        package var failure: String?
    }

    private struct State {
        let log: SessionLog
        var summary = Summary()
        var error: (any Error)?
    }

    private let state: Mutex<State>
    package let settings: Settings
    private let note: @Sendable (String) -> Void

    package init(log: sending SessionLog, settings: Settings, note: @escaping @Sendable (String) -> Void) {
        state = Mutex(State(log: log))
        self.settings = settings
        self.note = note
    }

    package var summary: Summary { state.withLock { $0.summary } }

    /// Appends `records` as inputs (and the engine's outputs after each); a log error is kept and stops
    /// the session.
    /// - Returns: false when the session must stop.
    private func append(_ records: [EventRecord]) -> Bool {
        state.withLock { s in
            guard s.error == nil else { return false }
            do {
                let out = try s.log.append(records)
                s.summary.inputs += records.count
                s.summary.outputs += out.count
                for e in out {
                    switch e.event.kind {
                    case .orderIntent: s.summary.intents += 1
                    case .fill: s.summary.fills += 1
                    default: break
                    }
                }
                return true
            } catch {
                s.error = error
                return false
            }
        }
    }

    /// Lists the markets of every series that are open or yet to open through `rest`: `GET /series/{s}`
    /// for its fees, then `GET /markets?series_ticker=…&status=unopened` and `…&status=open` page by page
    /// (the filter takes one status); each answer kept verbatim, then the listings it holds, stamped
    /// when it arrived. Markets listed later arrive on the feed (`market_lifecycle_v2` `created`).
    /// - Throws: the client's errors; an answer that cannot be read, naming its path.
    package func listMarkets(_ rest: KalshiRESTClient) async throws {
        for series in settings.series {
            let seriesPath = "/series/\(series)"
            let body = try await rest.json(seriesPath)
            let at = settings.now()
            let fees: KalshiFees
            do {
                let list = try KalshiMarketParser.series(body, source: seriesPath)
                guard let found = list.first(where: { $0.ticker.string == series }) else {
                    throw LiveSessionError("\(seriesPath): the answer does not describe series \(series)")
                }
                fees = found.fees
            }
            guard append([Self.rest(seriesPath, body, at)]) else { return }
            for status in ["unopened", "open"] {
                var cursor: String?
                repeat {
                    let query: [String: String?] = ["series_ticker": series, "status": status, "cursor": cursor]
                    let page = try await rest.json("/markets", query: query)
                    let at = settings.now()
                    let parsed = try KalshiMarketParser.marketsPage(page, source: "/markets?series_ticker=\(series)")
                    var records = [Self.rest("/markets", page, at)]
                    let known = state.withLock { $0.log.listed }
                    for m in parsed.markets where m.seriesTicker.string == series && !known.contains(m.ticker) {
                        records.append(EventRecord(time: at, event: .marketListed(m.listed(fees: fees))))
                    }
                    guard append(records) else { return }
                    cursor = parsed.cursor
                } while cursor != nil
            }
        }
    }

    /// What a poller brought (forecasts, observations, climate reports), appended as inputs: the answer
    /// verbatim when there is one, then its events.
    /// - Returns: false when the session has stopped on a log error.
    @discardableResult
    package func polled(_ records: [EventRecord]) -> Bool { append(records) }

    /// Lists the markets again; a failure is said, not fatal (the feed goes on).
    private func relist(_ rest: KalshiRESTClient, after what: String) async {
        do {
            try await listMarkets(rest)
        } catch {
            note("listing the markets again after \(what): \(error)")
        }
    }

    static func rest(_ path: String, _ body: [UInt8], _ at: Timestamp) -> EventRecord {
        EventRecord(
            time: at, event: .rawFeedMessage(RawFeedMessage(source: "kalshi_rest", channel: path, payload: body)))
    }

    /// Trades the feed until `stopReason` says why to stop (asked every 20 ms), the feed client gives
    /// up, or the log fails; then appends the `finished` manifest and closes the log. Only frames about
    /// the series traded (and replies and errors) are kept. Once subscribed, after every reconnection and
    /// after a gap in the lifecycle channel, the markets are listed again through `rest` (`created`
    /// messages sent while no subscription was live are lost); only markets the session has not listed
    /// become events.
    /// - Throws: the log's errors.
    package func run(
        _ feed: KalshiFeedClient, rest: KalshiRESTClient? = nil, stopReason: @escaping @Sendable () -> String?
    ) async throws -> Summary {
        let external = Mutex<String?>(nil)
        let stopped = Mutex(false)
        let ticker = Task {
            while !stopped.withLock({ $0 }) {
                try? await Task.sleep(nanoseconds: UInt64(settings.tickSeconds * 1e9))
                if stopped.withLock({ $0 }) { break }
                if !append([SessionLog.tick(at: settings.now())]) { break }
                // On disk (not synced) once a tick: a killed process loses at most the last tick's worth.
                state.withLock { s in
                    do { try s.log.flush(sync: false) } catch { s.error = s.error ?? error }
                }
            }
        }
        let stats = await feed.run(
            stopRequested: {
                if self.state.withLock({ $0.error != nil }) { return true }
                guard let why = stopReason() else { return false }
                external.withLock { $0 = $0 ?? why }
                return true
            },
            { [self] update in
                switch update {
                case .frame(let f):
                    let kept = f.message.map { $0.isKept(byPrefixes: settings.series) } ?? true
                    state.withLock {
                        $0.summary.frames += 1
                        if !kept { $0.summary.otherSeries += 1 }
                    }
                    // Kalshi's feed speaks of every market: only the series traded reach the log.
                    return kept ? append(f.records) : true
                case .gap(let channel, _, let expected, let received):
                    note("sequence gap on \(channel): \(received) after \(expected - 1); subscribing again")
                    // Lifecycle messages lost in the gap may have listed markets: ask REST.
                    if channel == "market_lifecycle_v2", let rest { await relist(rest, after: "a lifecycle gap") }
                case .resubscribing(let channel, let e, _):
                    note("Kalshi error \(e.code) (\(e.meaning)): \(e.message); subscribing to \(channel) again")
                case .disconnected(_, let why, let retry):
                    if retry != nil { note("\(why); reconnecting") }
                case .connected(let n):
                    if n > 1 { state.withLock { $0.summary.reconnects += 1 } }
                    // Markets created while no connection was subscribed (before the first one, or during a
                    // drop) are told by no message: ask REST.
                    if let rest { await relist(rest, after: n > 1 ? "a reconnection" : "subscribing") }
                }
                return true
            })
        stopped.withLock { $0 = true }
        ticker.cancel()
        _ = await ticker.value
        return try state.withLock { s in
            if let e = s.error { throw e }
            s.summary.gaps = stats.gaps
            s.summary.failure = stats.failure
            s.summary.stopped = external.withLock { $0 }
            try s.log.finish(at: settings.now())
            return s.summary
        }
    }
}

/// A live session that cannot go on, in one line.
package struct LiveSessionError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
