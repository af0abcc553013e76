import HTTPTypes
package import IsothermEvents
import IsothermImport
package import IsothermKalshi
import IsothermPlatform
package import IsothermWorld
package import Logging
import Metrics
import NIOSSL
import NIOWebSocket
import Synchronization
import WSClient

/// One frame from Kalshi's WebSocket, as received and as read.
package struct KalshiFeedFrame: Sendable {
    /// The frame's text, byte for byte (the log keeps it beside the events it maps to).
    package var text: String
    /// The wall-clock time it arrived.
    package var receivedAt: Timestamp
    /// Which connection of the session (1 for the first; each reconnection adds one).
    package var connection: Int
    /// The message read; nil when not even its envelope could be read (``problem`` says why).
    package var message: KalshiFeedMessage?
    package var problem: String?
    /// A message already applied: its subscription's `seq` is not above the last one seen, or a fill
    /// whose trade id was seen. Kept in the log; not to be applied again.
    package var isDuplicate = false
    /// A message not to be applied, kept in the log: one of a subscription the client has ended (after a
    /// gap, before the new one's snapshot), or a whole state older than one already applied (a `ticker`
    /// whose exchange time, or a `user_order` whose update time, is before the last seen for its market
    /// or order: these channels have no `seq`, so a message that arrives late is told by its time).
    package var isStale = false

    /// Whether its events are to be applied.
    package var isApplicable: Bool { !isDuplicate && !isStale && message != nil }

    /// What a log keeps of it, in order: the frame verbatim (`raw_feed_message`, stamped with its
    /// arrival), then, when it is to be applied, the events it maps to. A duplicate or a late message is
    /// kept as a frame only, so a replay of the log sees exactly what arrived and applies what the
    /// client applied.
    package var records: [EventRecord] {
        var out = [
            EventRecord(
                time: receivedAt,
                event: .rawFeedMessage(
                    RawFeedMessage(source: "kalshi_ws", channel: message?.type ?? "unparsed", payload: Array(text.utf8))
                ))
        ]
        if isApplicable, let message { out += message.events }
        return out
    }
}

/// What the feed client reports, in order.
package enum KalshiFeedUpdate: Sendable {
    /// Connection `number` is open and its subscriptions are sent.
    case connected(number: Int)
    case frame(KalshiFeedFrame)
    /// A subscription's `seq` jumped: messages were lost. The client has unsubscribed it and subscribed
    /// again, which brings a fresh snapshot for an order book.
    case gap(channel: String, sid: Int64, expected: Int64, received: Int64)
    /// Kalshi ended a subscription, or did not do a command, with an error that a retry may fix (a
    /// channel error, a full buffer, a timeout): `channel` is subscribed again after `afterNanos`.
    case resubscribing(channel: String, error: KalshiFeedError, afterNanos: Int64)
    /// The connection ended; the next attempt comes after `retryAfterNanos` (nil: the client stops).
    case disconnected(number: Int, why: String, retryAfterNanos: Int64?)
}

/// Kalshi's WebSocket API (`/trade-api/ws/v2`) over swift-websocket's `WSClient`: the upgrade signed
/// when a key is given (RSA-PSS over timestamp + `GET` + path), pings every `pingSeconds`, UTF-8
/// validated, frames up to `maxFrameBytes`, one subscription per channel (with its markets). Each
/// numbered subscription's `seq` is checked: a repeat is marked a duplicate, a jump is a gap, answered by
/// unsubscribing and subscribing again (a fresh book snapshot). A dropped connection is reconnected after
/// an exponential backoff with jitter drawn from `jitterSeed` (the same seed, the same delays), and every
/// channel is subscribed again. Kalshi's errors are acted on as ``KalshiFeedError/Action`` says: carry on,
/// subscribe the channel again (after the same backoff), or stop (``Stats/failure``). Every frame is
/// handed over verbatim, with the message it holds.
package struct KalshiFeedClient: Sendable {
    package struct Channel: Equatable, Sendable {
        package var name: String
        /// Nil: every market (not allowed for `orderbook_delta`).
        package var markets: [String]?
        package init(_ name: String, markets: [String]? = nil) {
            self.name = name
            self.markets = markets
        }
    }

    package struct Configuration: Sendable {
        /// `wss://host/trade-api/ws/v2`.
        package var url: String
        package var channels: [Channel]
        package var caFile: String?
        package var backoffSeconds = 0.5
        package var maxBackoffSeconds = 30.0
        package var jitterSeed: UInt64 = 1
        /// Stop after this many connections, or resubscriptions, in a row that brought no message but errors
        /// (nil: never).
        package var maxConsecutiveFailures: Int?
        package var maxFrameBytes = 1 << 20
        package var pingSeconds = 10
        /// The clock frames are stamped with: the wall clock, or (a session against an accelerated local
        /// exchange) the exchange's world clock.
        package var now: @Sendable () -> Timestamp = { Timestamp(nanos: SystemClock.wallNanos()) }
        package init(url: String, channels: [Channel]) {
            self.url = url
            self.channels = channels
        }
    }

    /// What the client did, over every connection.
    package struct Stats: Equatable, Sendable {
        package var connections = 0
        package var frames = 0
        package var duplicates = 0
        package var gaps = 0
        package var resubscriptions = 0
        package var unreadable = 0
        /// Kalshi's `error` replies.
        package var kalshiErrors = 0
        /// Why the client stopped by itself: an error no retry fixes (Kalshi's, or the key's), or too many
        /// failures in a row. Nil when it stopped because it was asked to.
        package var failure: String?
        /// The Kalshi error that stopped it, when one did.
        package var stoppingError: KalshiFeedError?
    }

    package let configuration: Configuration
    private let signer: KalshiSigner?
    private let logger: Logger

    package init(_ configuration: Configuration, signer: KalshiSigner?, logger: Logger) {
        self.configuration = configuration
        self.signer = signer
        self.logger = logger
    }

    /// The delay before reconnection attempt `failures` (1 for the first after a drop): the backoff
    /// doubled per failure, capped, times a factor in [0.5, 1) from the jitter generator.
    package static func backoffNanos(failures: Int, configuration: Configuration, jitter: inout SplitMix64) -> Int64 {
        let base = min(
            configuration.maxBackoffSeconds, configuration.backoffSeconds * Double(1 << min(max(0, failures - 1), 20)))
        let factor = 0.5 + Double(jitter.next() % 1_000_000) / 2_000_000
        return Int64(base * factor * 1e9)
    }

    /// Connects and reads until `handle` returns false, `stopRequested` says so (asked every 20 ms, so a
    /// quiet feed stops on time; the connection is closed with a close frame), an error no retry fixes,
    /// `maxConsecutiveFailures` failures in a row, or the task is cancelled.
    /// - Returns: what the client did.
    package func run(
        stopRequested: @escaping @Sendable () -> Bool = { false },
        _ handle: @escaping @Sendable (KalshiFeedUpdate) async -> Bool
    ) async -> Stats {
        let shared = Shared(stopRequested: stopRequested, jitterSeed: configuration.jitterSeed)
        guard configuration.url.hasPrefix("ws://") || configuration.url.hasPrefix("wss://") else {
            shared.fail("\(configuration.url) is not a WebSocket URL (ws:// or wss://)")
            return shared.stats
        }
        var number = 0
        while !shared.mustStop {
            number += 1
            shared.update { $0.connections += 1 }
            let outcome = await connect(number: number, shared: shared, handle: handle)
            if shared.mustStop { break }
            let failures = shared.failed(heard: outcome.heard)
            if let limit = configuration.maxConsecutiveFailures, failures >= limit {
                let why = "\(outcome.why) (gave up after \(failures) failures in a row)"
                shared.fail(why)
                _ = await handle(.disconnected(number: number, why: why, retryAfterNanos: nil))
                break
            }
            let delay = shared.backoff(failures: failures, configuration)
            Counter(label: "isotherm_kalshi_ws_reconnects_total").increment()
            guard await handle(.disconnected(number: number, why: outcome.why, retryAfterNanos: delay)) else { break }
            await shared.pause(nanos: delay)
        }
        return shared.stats
    }

    /// State shared by the connections of one run.
    private final class Shared: Sendable {
        private struct State {
            var stats = Stats()
            var stopped = false
            var fills = Set<String>()
            /// Connections and resubscriptions in a row that brought nothing but errors.
            var failures = 0
            var jitter: SplitMix64
        }
        private let state: Mutex<State>
        private let stopRequested: @Sendable () -> Bool

        init(stopRequested: @escaping @Sendable () -> Bool, jitterSeed: UInt64) {
            self.stopRequested = stopRequested
            state = Mutex(State(jitter: SplitMix64(seed: jitterSeed)))
        }

        var stats: Stats { state.withLock { $0.stats } }
        /// Whether the run is to end: stopped, asked to stop, or cancelled.
        var mustStop: Bool {
            if state.withLock({ $0.stopped }) || Task.isCancelled { return true }
            if stopRequested() {
                stop()
                return true
            }
            return false
        }
        func stop() { state.withLock { $0.stopped = true } }
        /// Stops with an error no retry fixes.
        func fail(_ why: String, error: KalshiFeedError? = nil) {
            state.withLock {
                $0.stopped = true
                if $0.stats.failure == nil {
                    $0.stats.failure = why
                    $0.stats.stoppingError = error
                }
            }
        }
        func update(_ change: (inout Stats) -> Void) { state.withLock { change(&$0.stats) } }
        /// Whether a fill's trade id is new.
        func firstFill(_ id: String) -> Bool { state.withLock { $0.fills.insert(id).inserted } }
        /// A message that is not an error arrived: the next failure starts the backoff afresh.
        func heard() { state.withLock { $0.failures = 0 } }
        /// Counts a failure (a connection that ended, a subscription to renew).
        /// - Returns: the failures in a row, this one included (1 when the connection had been heard).
        func failed(heard: Bool) -> Int {
            state.withLock {
                $0.failures = heard ? 1 : $0.failures + 1
                return $0.failures
            }
        }
        func backoff(failures: Int, _ configuration: Configuration) -> Int64 {
            state.withLock {
                KalshiFeedClient.backoffNanos(failures: failures, configuration: configuration, jitter: &$0.jitter)
            }
        }
        /// Waits `nanos`, or less when the run is to end meanwhile.
        func pause(nanos: Int64) async {
            let end = SystemClock.monotonicNanos() + nanos
            while !mustStop {
                let left = end - SystemClock.monotonicNanos()
                if left <= 0 { return }
                try? await Task.sleep(nanoseconds: UInt64(min(left, 20_000_000)))
            }
        }
    }

    private func connect(
        number: Int, shared: Shared, handle: @escaping @Sendable (KalshiFeedUpdate) async -> Bool
    ) async -> (heard: Bool, why: String) {
        var config = WebSocketClientConfiguration(
            maxFrameSize: configuration.maxFrameBytes, closeTimeout: .seconds(5),
            autoPing: .enabled(timePeriod: .seconds(Int64(configuration.pingSeconds))), validateUTF8: true)
        if let signer {
            do {
                for (name, value) in try signer.headers(
                    timestampMs: SystemClock.wallNanos() / 1_000_000, method: "GET", urlOrPath: configuration.url)
                {
                    if let field = HTTPField.Name(name) { config.additionalHeaders[field] = value }
                }
            } catch {
                shared.fail("cannot sign the upgrade: \(error)")
                return (false, "cannot sign the upgrade: \(error)")
            }
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = configuration.caFile { tls.trustRoots = .file(ca) }
        let heard = Heard()
        let channels = configuration.channels
        let maxFrame = configuration.maxFrameBytes
        let logger = logger
        let client = WebSocketClient(
            url: configuration.url, configuration: config, tlsConfiguration: tls, logger: logger
        ) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.read(
                        inbound: inbound, outbound: outbound, number: number, channels: channels, maxFrame: maxFrame,
                        configuration: configuration, shared: shared, heard: heard, logger: logger, handle: handle)
                }
                // A stop asked from outside ends even a quiet connection: closed with a close frame; and when
                // the server does not answer it (a connection dead without a word), the reading is abandoned
                // after the close timeout.
                group.addTask {
                    while !shared.mustStop {
                        do { try await Task.sleep(nanoseconds: 20_000_000) } catch { return }  // cancelled
                    }
                    try? await outbound.close(.normalClosure, reason: nil)
                    try? await Task.sleep(nanoseconds: 5_000_000_000)
                }
                // The first to end (the reading, normally) ends the other.
                _ = try await group.next()
                group.cancelAll()
            }
        }
        do {
            let close = try await client.run()
            return (heard.value, "closed by the server\(close.map { ": \($0.closeCode)" } ?? "")")
        } catch let error as WebSocketClientError where error == .invalidURL {
            shared.fail("\(configuration.url) is not a WebSocket URL (ws:// or wss://)")
            return (false, "\(error)")
        } catch {
            return (heard.value, "\(error)")
        }
    }

    /// One connection's reading: subscribes every channel, then reads frames, checks them, hands them over
    /// and acts on gaps and on Kalshi's errors, until the connection ends or the run is to.
    private static func read(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, number: Int, channels: [Channel],
        maxFrame: Int, configuration: Configuration, shared: Shared, heard: Heard, logger: Logger,
        handle: @escaping @Sendable (KalshiFeedUpdate) async -> Bool
    ) async throws {
        var nextId: Int64 = 0
        /// What each command id subscribed, and each live subscription: its channel and last seq.
        var pending: [Int64: Channel] = [:]
        /// What each subscribe command asked for, kept after its answer (an error may name only the command).
        var commands: [Int64: Channel] = [:]
        var live: [Int64: (channel: Channel, seq: Int64)] = [:]
        /// The latest exchange time applied per market (tickers) and per order (user orders).
        var latest: [String: Timestamp] = [:]
        func isLate(_ key: String, _ time: Timestamp?) -> Bool {
            guard let time else { return false }
            if let seen = latest[key], time < seen { return true }
            latest[key] = time
            return false
        }
        func subscribe(_ c: Channel) async throws {
            nextId += 1
            pending[nextId] = c
            commands[nextId] = c
            var j = JSONWriter()
            j.beginObject()
            j.number("id", nextId)
            j.string("cmd", "subscribe")
            j.beginObject("params")
            j.beginArray("channels")
            j.string(nil, c.name)
            j.endArray()
            if let markets = c.markets {
                j.beginArray("market_tickers")
                for m in markets { j.string(nil, m) }
                j.endArray()
            }
            j.endObject()
            j.endObject()
            try await outbound.write(.text(j.output))
        }
        /// Hands an update over; false (and the connection closed) when the handler wants no more.
        func deliver(_ update: KalshiFeedUpdate) async throws -> Bool {
            if await handle(update), !shared.mustStop { return true }
            shared.stop()
            try? await outbound.close(.normalClosure, reason: nil)
            return false
        }
        for c in channels { try await subscribe(c) }
        guard try await deliver(.connected(number: number)) else { return }
        for try await message in inbound.messages(maxSize: maxFrame) {
            guard case .text(let text) = message else { continue }
            let now = configuration.now()
            var frame = KalshiFeedFrame(text: text, receivedAt: now, connection: number)
            var gap: KalshiFeedUpdate?
            /// The channel to subscribe again after an error that ended it, and the error.
            var renew: (Channel, KalshiFeedError)?
            do throws(ImportError) {
                let m = try KalshiFeed.parse(Array(text.utf8), receivedAt: now)
                frame.message = m
                if m.unreadable != nil { shared.update { $0.unreadable += 1 } }
                if let (channel, sid) = m.subscribed, let id = m.id, let c = pending[id], c.name == channel {
                    pending[id] = nil
                    live[sid] = (c, 0)
                }
                let isReply = m.id != nil || ["subscribed", "unsubscribed", "ok", "error"].contains(m.type)
                if let sid = m.sid, !isReply, live[sid] == nil { frame.isStale = true }
                if let sid = m.sid, let seq = m.seq, !isReply, var sub = live[sid] {
                    if seq <= sub.seq {
                        frame.isDuplicate = true
                    } else if seq > sub.seq + 1 {
                        gap = .gap(channel: sub.channel.name, sid: sid, expected: sub.seq + 1, received: seq)
                    }
                    sub.seq = max(sub.seq, seq)
                    live[sid] = sub
                }
                if let fill = m.fill, !shared.firstFill(fill.fillId) { frame.isDuplicate = true }
                for r in m.events {
                    if case .ticker(let t) = r.event, isLate("ticker " + t.ticker.description, t.exchangeTime) {
                        frame.isStale = true
                    }
                }
                if let o = m.order, isLate("order " + o.orderId, o.lastUpdateTime) { frame.isStale = true }
                if let e = m.error {
                    shared.update { $0.kalshiErrors += 1 }
                    switch e.action {
                    case .carryOn:
                        logger.warning("kalshi feed error", metadata: ["code": "\(e.code)", "message": "\(e.message)"])
                    case .stop:
                        logger.error("kalshi feed error", metadata: ["code": "\(e.code)", "message": "\(e.message)"])
                        shared.fail("Kalshi error \(e.code) (\(e.meaning)): \(e.message)", error: e)
                    case .resubscribe:
                        // The subscription the error names, else the command it answers.
                        if let sid = m.sid, let sub = live.removeValue(forKey: sid) {
                            renew = (sub.channel, e)
                        } else if let id = m.id, let c = commands[id] {
                            // The command's subscription, if it was made, ended with it.
                            pending[id] = nil
                            if let sid = live.first(where: { $0.value.channel == c })?.key { live[sid] = nil }
                            renew = (c, e)
                        }
                    }
                } else {
                    heard.set()
                    shared.heard()
                }
            } catch {
                frame.problem = error.description
                shared.update { $0.unreadable += 1 }
                heard.set()
                shared.heard()
            }
            shared.update {
                $0.frames += 1
                if frame.isDuplicate { $0.duplicates += 1 }
            }
            guard try await deliver(.frame(frame)) else { return }
            if let gap, case .gap(_, let sid, _, _) = gap, let sub = live.removeValue(forKey: sid) {
                shared.update {
                    $0.gaps += 1
                    $0.resubscriptions += 1
                }
                Counter(label: "isotherm_kalshi_ws_gaps_total").increment()
                guard try await deliver(gap) else { return }
                nextId += 1
                try await outbound.write(
                    .text("{\"id\":\(nextId),\"cmd\":\"unsubscribe\",\"params\":{\"sids\":[\(sid)]}}"))
                try await subscribe(sub.channel)
            }
            if let (channel, error) = renew {
                let failures = shared.failed(heard: false)
                if let limit = configuration.maxConsecutiveFailures, failures >= limit {
                    shared.fail(
                        "Kalshi error \(error.code) (\(error.meaning)): \(error.message) "
                            + "(gave up after \(failures) failures in a row)", error: error)
                    try? await outbound.close(.normalClosure, reason: nil)
                    return
                }
                // At most 5 s: the connection is not read meanwhile, and its pings go unanswered.
                let delay = min(shared.backoff(failures: failures, configuration), 5_000_000_000)
                guard try await deliver(.resubscribing(channel: channel.name, error: error, afterNanos: delay)) else {
                    return
                }
                await shared.pause(nanos: delay)
                if shared.mustStop { break }
                shared.update { $0.resubscriptions += 1 }
                try await subscribe(channel)
            }
            if shared.mustStop {
                try? await outbound.close(.normalClosure, reason: nil)
                return
            }
        }
    }
}

/// Whether a connection brought a message that was not an error.
private final class Heard: Sendable {
    private let state = Mutex(false)
    var value: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
