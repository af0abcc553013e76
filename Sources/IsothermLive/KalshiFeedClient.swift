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
    /// The connection ended; the next attempt comes after `retryAfterNanos` (nil: the client stops).
    case disconnected(number: Int, why: String, retryAfterNanos: Int64?)
}

/// Kalshi's WebSocket API (`/trade-api/ws/v2`) over swift-websocket's `WSClient`: the upgrade signed
/// when a key is given (RSA-PSS over timestamp + `GET` + path), pings every `pingSeconds`, UTF-8
/// validated, frames up to `maxFrameBytes`, one subscription per channel (with its markets). Each
/// numbered subscription's `seq` is checked: a repeat is marked a duplicate, a jump is a gap, answered by
/// unsubscribing and subscribing again (a fresh book snapshot). A dropped connection is reconnected after
/// an exponential backoff with jitter drawn from `jitterSeed` (the same seed, the same delays), and every
/// channel is subscribed again. Every frame is handed over verbatim, with the message it holds.
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
        /// Stop after this many connection attempts in a row that failed (nil: never).
        package var maxConsecutiveFailures: Int?
        package var maxFrameBytes = 1 << 20
        package var pingSeconds = 10
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

    /// Connects and reads until `handle` returns false, or `maxConsecutiveFailures` attempts in a row fail,
    /// or the task is cancelled.
    /// - Returns: what the client did.
    package func run(_ handle: @escaping @Sendable (KalshiFeedUpdate) async -> Bool) async -> Stats {
        let shared = Shared()
        var jitter = SplitMix64(seed: configuration.jitterSeed)
        var failures = 0
        var number = 0
        while !Task.isCancelled, !shared.stopped {
            number += 1
            shared.update { $0.connections += 1 }
            let outcome = await connect(number: number, shared: shared, handle: handle)
            if shared.stopped || Task.isCancelled { break }
            failures = outcome.subscribed ? 1 : failures + 1
            if let limit = configuration.maxConsecutiveFailures, failures >= limit, !outcome.subscribed {
                _ = await handle(.disconnected(number: number, why: outcome.why, retryAfterNanos: nil))
                break
            }
            let delay = Self.backoffNanos(failures: failures, configuration: configuration, jitter: &jitter)
            Counter(label: "isotherm_kalshi_ws_reconnects_total").increment()
            guard await handle(.disconnected(number: number, why: outcome.why, retryAfterNanos: delay)) else { break }
            try? await Task.sleep(nanoseconds: UInt64(delay))
        }
        return shared.stats
    }

    /// State shared by the connections of one run.
    private final class Shared: Sendable {
        private let state = Mutex((stats: Stats(), stopped: false, fills: Set<String>()))
        var stats: Stats { state.withLock { $0.stats } }
        var stopped: Bool { state.withLock { $0.stopped } }
        func stop() { state.withLock { $0.stopped = true } }
        func update(_ change: (inout Stats) -> Void) { state.withLock { change(&$0.stats) } }
        /// Whether a fill's trade id is new.
        func firstFill(_ id: String) -> Bool { state.withLock { $0.fills.insert(id).inserted } }
    }

    private func connect(
        number: Int, shared: Shared, handle: @escaping @Sendable (KalshiFeedUpdate) async -> Bool
    ) async -> (subscribed: Bool, why: String) {
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
                shared.stop()
                return (false, "cannot sign the upgrade: \(error)")
            }
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = configuration.caFile { tls.trustRoots = .file(ca) }
        let subscribed = Mutex(false)
        let channels = configuration.channels
        let maxFrame = configuration.maxFrameBytes
        let logger = logger
        let client = WebSocketClient(
            url: configuration.url, configuration: config, tlsConfiguration: tls, logger: logger
        ) { inbound, outbound, _ in
            var nextId: Int64 = 0
            /// What each command id subscribed, and each live subscription: its channel and last seq.
            var pending: [Int64: Channel] = [:]
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
            for c in channels { try await subscribe(c) }
            guard await handle(.connected(number: number)) else {
                shared.stop()
                return
            }
            for try await message in inbound.messages(maxSize: maxFrame) {
                guard case .text(let text) = message else { continue }
                let now = Timestamp(nanos: SystemClock.wallNanos())
                var frame = KalshiFeedFrame(text: text, receivedAt: now, connection: number)
                var gap: KalshiFeedUpdate?
                do throws(ImportError) {
                    let m = try KalshiFeed.parse(Array(text.utf8), receivedAt: now)
                    frame.message = m
                    if m.unreadable != nil { shared.update { $0.unreadable += 1 } }
                    if let (channel, sid) = m.subscribed, let id = m.id, let c = pending.removeValue(forKey: id),
                        c.name == channel
                    {
                        live[sid] = (c, 0)
                        subscribed.withLock { $0 = true }
                    }
                    let isReply = m.id != nil || ["subscribed", "unsubscribed", "ok", "error"].contains(m.type)
                    if let sid = m.sid, !isReply, live[sid] == nil { frame.isStale = true }
                    if let sid = m.sid, let seq = m.seq, var sub = live[sid] {
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
                    if let e = m.error, e.action == .stop {
                        logger.error("kalshi feed error", metadata: ["code": "\(e.code)", "message": "\(e.message)"])
                    }
                } catch {
                    frame.problem = error.description
                    shared.update { $0.unreadable += 1 }
                }
                shared.update {
                    $0.frames += 1
                    if frame.isDuplicate { $0.duplicates += 1 }
                }
                guard await handle(.frame(frame)) else {
                    shared.stop()
                    try await outbound.close(.normalClosure, reason: nil)
                    return
                }
                if let gap, case .gap(_, let sid, _, _) = gap, let sub = live.removeValue(forKey: sid) {
                    shared.update {
                        $0.gaps += 1
                        $0.resubscriptions += 1
                    }
                    Counter(label: "isotherm_kalshi_ws_gaps_total").increment()
                    guard await handle(gap) else {
                        shared.stop()
                        try await outbound.close(.normalClosure, reason: nil)
                        return
                    }
                    nextId += 1
                    try await outbound.write(
                        .text("{\"id\":\(nextId),\"cmd\":\"unsubscribe\",\"params\":{\"sids\":[\(sid)]}}"))
                    try await subscribe(sub.channel)
                }
            }
        }
        do {
            let close = try await client.run()
            return (subscribed.withLock { $0 }, "closed by the server\(close.map { ": \($0.closeCode)" } ?? "")")
        } catch {
            return (subscribed.withLock { $0 }, "\(error)")
        }
    }
}
