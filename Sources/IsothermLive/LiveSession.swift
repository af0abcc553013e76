package import IsothermBacktest
package import IsothermEvents
import IsothermImport
package import IsothermKalshi
import IsothermPlatform
import Logging
import Synchronization

/// `isotherm live`: the backtest's engine driven by Kalshi's live feed, every input kept in a
/// ``SessionLog`` before the engine sees it. The open and unopened markets of the series traded are
/// read by REST first (each answer kept verbatim, its markets' listings as events); then every frame of
/// the feed, and a clock tick each `tickSeconds` so timers fire on a quiet feed.
///
/// On paper, fills are the paper broker's: the backtest's fill rules applied to the live quotes and
/// prints. At an exchange (the log's configuration says ``ExchangeOptions/atExchange``), the engine's
/// orders are sent through `orders` (a signed client): each intent is synced before its request leaves,
/// each answer is appended as an input (``BrokerAnswer``) before anything else, and fills come from the
/// private `fill` channel and, after every (re)connection and on start, from `GET /portfolio/fills`.
///
/// Inputs are taken one at a time through one gate (the feed, the clock ticks, the pollers and the
/// listings all pass it), so an order's answer always directly follows its intent's input in the log.
package final class LiveSession: Sendable {
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
        /// Requests sent to the exchange (creates and cancels) and the answers that were refusals.
        package var requests = 0
        package var refusals = 0
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
    /// The signed client orders go through (nil: paper).
    private let orders: KalshiRESTClient?
    private let gate = AsyncGate()

    /// - Parameter orders: the client the session's orders go through; required when the log's
    ///   configuration trades at an exchange, refused on paper.
    package init(
        log: sending SessionLog, settings: Settings, orders: KalshiRESTClient? = nil,
        note: @escaping @Sendable (String) -> Void
    ) {
        let atExchange = log.config.exchange.atExchange
        state = Mutex(State(log: log))
        self.settings = settings
        self.orders = orders
        self.note = note
        precondition((orders != nil) == atExchange, "orders go through a client exactly when at an exchange")
    }

    package var summary: Summary { state.withLock { $0.summary } }

    /// Takes `records` as inputs, one at a time, through the gate: each is appended (with the engine's
    /// outputs), then the requests it gave rise to are sent and their answers appended, before the next.
    /// - Returns: false when the session must stop (a log error, kept).
    private func input(_ records: [EventRecord]) async -> Bool {
        await gate.lock()
        defer { gate.unlock() }
        for r in records {
            guard appendNow([r]) else { return false }
            guard await settleRequests() else { return false }
        }
        return true
    }

    /// Sends every request the session waits on, in order, appending each answer as an input (which may
    /// give rise to more). Called inside the gate.
    /// - Returns: false on a log error.
    private func settleRequests() async -> Bool {
        guard let orders else { return true }
        while let request = state.withLock({ $0.error == nil ? $0.log.requests.first : nil }) {
            let answer = await Self.send(request, through: orders)
            state.withLock {
                $0.summary.requests += 1
                if case .error = answer.outcome { $0.summary.refusals += 1 }
            }
            if case .error(let code, let message) = answer.outcome {
                note("\(request.kind.rawValue) \(request.engineId): \(answer.status) \(code) \(message)")
            }
            guard appendNow([answer.record(at: settings.now())]) else { return false }
            // Never sent twice: an answer the session could not take is the end of the session.
            let taken = state.withLock { $0.log.requests.first != request }
            guard taken else {
                state.withLock {
                    $0.error =
                        $0.error
                        ?? LiveSessionError("the answer to \(request.kind.rawValue) \(request.engineId) was not taken")
                }
                return false
            }
        }
        return state.withLock { $0.error == nil }
    }

    /// One request through the client, and what came back in the log's terms. A create whose answer was
    /// lost has been looked up by its client order id by the client, never resent blindly; one the client
    /// could not settle is answered `unknown_outcome` (status 0).
    static func send(_ r: ExternalBroker.Request, through client: KalshiRESTClient) async -> BrokerAnswer {
        func failed(_ e: KalshiClientError) -> BrokerAnswer {
            switch e {
            case .rejected(let status, let code, let message, _):
                let named = status == 404 ? "not_found" : code.isEmpty ? "http_\(status)" : code
                return BrokerAnswer(
                    kind: r.kind, status: status, engineId: r.engineId, outcome: .error(code: named, message: message))
            case .unknownOutcome:
                return BrokerAnswer(
                    kind: r.kind, status: 0, engineId: r.engineId,
                    outcome: .error(code: "unknown_outcome", message: e.description))
            case .transport, .malformed, .signing:
                return BrokerAnswer(
                    kind: r.kind, status: 0, engineId: r.engineId,
                    outcome: .error(code: "no_answer", message: e.description))
            }
        }
        switch r.kind {
        case .create:
            do {
                let a = try await client.create(r.order!)
                return BrokerAnswer(kind: .create, status: 201, engineId: r.engineId, outcome: .order(a))
            } catch {
                return failed(error)
            }
        case .cancel:
            do {
                let reduced = try await client.cancel(orderId: r.orderId!)
                return BrokerAnswer(
                    kind: .cancel, status: 200, engineId: r.engineId, outcome: .canceled(reducedBy: reduced))
            } catch {
                return failed(error)
            }
        }
    }

    /// Before anything else on start: the requests a stopped process left without answers (its log ends
    /// with an intent, or a cancel, and no answer). An order is looked up by its client order id among
    /// its market's orders and never sent again: found, its answer is the order read back; not found, it
    /// never reached the exchange and is answered `not_sent`. A cancel is sent again (canceling twice is
    /// harmless). Then the account's fills are read, for those made while the process was down.
    /// - Returns: false on a log error.
    @discardableResult
    package func reconcileOnStart() async -> Bool {
        guard let orders else { return true }
        await gate.lock()
        var ok = true
        while ok, let request = state.withLock({ $0.error == nil ? $0.log.requests.first : nil }) {
            var answer: BrokerAnswer
            if request.kind == .create, let order = request.order {
                do {
                    let found = try await orders.orders(ticker: order.ticker.description).first {
                        $0.clientOrderId == order.clientOrderId
                    }
                    if let found {
                        answer = BrokerAnswer(
                            kind: .create, status: 200, engineId: request.engineId,
                            outcome: .order(
                                KalshiOrderAnswer(
                                    orderId: found.orderId, clientOrderId: found.clientOrderId,
                                    fillCount: found.fillCount, remainingCount: found.remainingCount)))
                    } else {
                        answer = BrokerAnswer(
                            kind: .create, status: 0, engineId: request.engineId,
                            outcome: .error(
                                code: "not_sent", message: "the exchange has no order with this client order id"))
                    }
                } catch {
                    // Unknown whether it was taken: the session cannot safely go on.
                    state.withLock {
                        $0.error =
                            $0.error
                            ?? LiveSessionError(
                                "looking up order \(request.engineId) left unanswered by the last run: \(error)")
                    }
                    ok = false
                    break
                }
            } else {
                answer = await Self.send(request, through: orders)
            }
            note("on restart, \(request.kind.rawValue) \(request.engineId) left unanswered: answered \(answer.status)")
            ok = appendNow([answer.record(at: settings.now())])
            if ok { ok = await settleRequests() }
        }
        gate.unlock()
        guard ok else { return false }
        await reconcileFills()
        return state.withLock { $0.error == nil }
    }

    /// Reads the account's fills (`GET /portfolio/fills`, every page, each kept verbatim as an input):
    /// fills the feed did not bring (sent while no connection was subscribed, or before a restart) reach
    /// the engine; those it has are known by their trade ids and change nothing.
    package func reconcileFills() async {
        guard let orders else { return }
        var cursor: String?
        do {
            repeat {
                let page = try await orders.json("/portfolio/fills", query: ["cursor": cursor, "limit": "1000"])
                guard await input([Self.rest("/portfolio/fills", page, settings.now())]) else { return }
                cursor = try KalshiPortfolioParser.fillsPage(page, source: "/portfolio/fills").cursor
            } while cursor != nil
        } catch {
            note("reading the account's fills: \(error)")
        }
    }

    /// Appends `records` as inputs (and the engine's outputs after each); a log error is kept and stops
    /// the session. Called inside the gate (or before the session runs).
    /// - Returns: false when the session must stop.
    private func appendNow(_ records: [EventRecord]) -> Bool {
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
            guard await input([Self.rest(seriesPath, body, at)]) else { return }
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
                    guard await input(records) else { return }
                    cursor = parsed.cursor
                } while cursor != nil
            }
        }
    }

    /// What a poller brought (forecasts, observations, climate reports), appended as inputs: the answer
    /// verbatim when there is one, then its events.
    /// - Returns: false when the session has stopped on a log error.
    @discardableResult
    package func polled(_ records: [EventRecord]) async -> Bool { await input(records) }

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
                if await !input([SessionLog.tick(at: settings.now())]) { break }
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
                    return kept ? await input(f.records) : true
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
                    // Fills sent while no connection was subscribed (or before a restart) are told by no frame.
                    await reconcileFills()
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

/// A local exchange's world clock, followed by a session that trades it: the world time it told
/// (`GET /isotherm/clock`, not a Kalshi endpoint), advancing at its speed from when it was told. A
/// session against an accelerated `isotherm exchange` then stamps its inputs with the exchange's time,
/// and its timers come due as the exchange's markets open and close.
package struct ExchangeWorldClock: Sendable {
    package let told: Timestamp
    package let speed: Double
    private let at: Int64

    package init(told: Timestamp, speed: Double) {
        self.told = told
        self.speed = speed
        at = SystemClock.monotonicNanos()
    }

    package func now() -> Timestamp {
        told.adding(nanos: Int64(min(Double(SystemClock.monotonicNanos() - at) * speed, 9e18)))
    }

    /// Asks the exchange. - Throws: the client's errors; an answer without the two fields.
    package static func read(from client: KalshiRESTClient) async throws -> ExchangeWorldClock {
        let body = try await client.json("/isotherm/clock")
        let f = try JSONFields(JSONParser.parse(body, source: "/isotherm/clock"), source: "/isotherm/clock", path: "")
        guard let nanos = try f.integer("world_time_ns"), let speedText = f.optional("speed")?.numberText,
            let speed = Double(speedText), speed > 0
        else { throw LiveSessionError("/isotherm/clock: expected world_time_ns and a positive speed") }
        return ExchangeWorldClock(told: Timestamp(nanos: nanos), speed: speed)
    }
}
