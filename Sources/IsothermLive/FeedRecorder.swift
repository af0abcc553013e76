import IsothermEvents
import IsothermKalshi
import IsothermPlatform
package import IsothermStore
import Synchronization

/// `isotherm record`'s writer: what ``KalshiFeedClient`` receives, appended to a log. For every frame
/// about the series kept (and every reply and error), the frame verbatim and, when it is to be applied,
/// the events it maps to (``KalshiFeedFrame/records``); messages about other series are counted and left
/// out. Sequence checks, resubscriptions after a gap or an error, and reconnections are the client's; the
/// recorder counts them and says each on `note`.
package final class FeedRecorder: Sendable {
    package struct Settings: Sendable {
        /// Keep messages about markets, events or series whose ticker starts with one of these.
        package var prefixes: [String]
        package var maxMessages: Int?
        /// Whether the connection is signed (what to suggest when Kalshi asks for a key).
        package var signed: Bool
        package var channels: [String]

        package init(prefixes: [String], maxMessages: Int?, signed: Bool, channels: [String]) {
            self.prefixes = prefixes
            self.maxMessages = maxMessages
            self.signed = signed
            self.channels = channels
        }
    }

    /// How a recording ended.
    package enum Outcome: Sendable, Equatable {
        /// A limit or a stop request: `max-messages`, `seconds`, `SIGINT`, `SIGTERM`.
        case stopped(String)
        /// Something no retry fixes; the message says what and what to do.
        case failed(String)
    }

    private struct State {
        let writer: EventLogWriter
        var stats = RecordStats()
        var lastFlush = SystemClock.monotonicNanos()
        /// Why the recorder itself asked the client to stop.
        var stopped: String?
        /// The log's error, which stops everything.
        var logError: (any Error)?
    }

    package let settings: Settings
    private let state: Mutex<State>
    private let note: @Sendable (String) -> Void

    /// - Parameters:
    ///   - writer: the log; the recorder flushes it every second, then syncs and closes it at the end.
    ///   - note: an operational line (a drop, a gap, a Kalshi error).
    package init(writer: sending EventLogWriter, settings: Settings, note: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.note = note
        state = Mutex(State(writer: writer))
    }

    package var stats: RecordStats { state.withLock { $0.stats } }

    /// Records through `client` until a limit, `stopReason` (asked every 20 ms), or an error no retry
    /// fixes; then syncs and closes the log.
    /// - Throws: the log's errors (a record that cannot be appended stops everything).
    package func record(_ client: KalshiFeedClient, stopReason: @escaping @Sendable () -> String?) async throws
        -> Outcome
    {
        let external = Mutex<String?>(nil)
        let feed = await client.run(
            stopRequested: {
                guard let why = stopReason() else { return false }
                external.withLock { $0 = $0 ?? why }
                return true
            }, { [self] update in self.handle(update) })
        return try finish(feed, stopReason: external.withLock { $0 })
    }

    /// Ends a recording the caller drove (``handle(_:)`` given every update): syncs and closes the log.
    /// - Parameters:
    ///   - feed: what the client's run returned.
    ///   - stopReason: why the caller stopped the client, if it did.
    /// - Throws: the log's errors, the first one met while recording included.
    package func finish(_ feed: KalshiFeedClient.Stats, stopReason: String?) throws -> Outcome {
        try state.withLock { s in
            if let e = s.logError { throw e }
            try s.writer.flush(sync: true)
            try s.writer.close()
            if let failure = feed.failure {
                return .failed(failureText(failure, error: feed.stoppingError))
            }
            return .stopped(s.stopped ?? stopReason ?? "the feed")
        }
    }

    private func failureText(_ failure: String, error: KalshiFeedError?) -> String {
        guard let error else { return failure }
        if error.code == 9 && !settings.signed {
            return "\(failure): the channels need a key; give --key-id and --private-key "
                + "(or set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH)"
        }
        return "\(failure) (channels: \(settings.channels.joined(separator: ",")))"
    }

    /// One update from the client, in order: a frame appended with its events, the rest counted and said.
    /// - Returns: whether to go on (false after `maxMessages`, or when the log refused a record).
    package func handle(_ update: KalshiFeedUpdate) -> Bool {
        state.withLock { s in
            do {
                return try handle(update, &s)
            } catch {
                s.logError = error
                return false
            }
        }
    }

    private func handle(_ update: KalshiFeedUpdate, _ s: inout State) throws -> Bool {
        switch update {
        case .connected(let number):
            if number > 1 { s.stats.reconnects += 1 }
        case .gap(let channel, let sid, let expected, let received):
            s.stats.gaps += 1
            s.stats.resubscriptions += 1
            note(
                "sequence gap in subscription \(sid) (\(channel)): \(received) after \(expected - 1); "
                    + "subscribing to \(channel) again")
        case .resubscribing(let channel, let e, let after):
            s.stats.resubscriptions += 1
            note(
                "Kalshi error \(e.code) (\(e.meaning)): \(e.message); subscribing to \(channel) again in "
                    + "\(Self.seconds(after)) s")
        case .disconnected(_, let why, let retry):
            s.stats.drops += 1
            if let retry {
                let hint =
                    settings.signed || !why.contains("upgrade failed")
                    ? "" : " (Kalshi may require a key for this connection: give --key-id and --private-key)"
                note("\(why)\(hint); reconnecting in \(Self.seconds(retry)) s")
            }
        case .frame(let frame):
            return try record(frame, &s)
        }
        return true
    }

    private func record(_ frame: KalshiFeedFrame, _ s: inout State) throws -> Bool {
        if let m = frame.message {
            guard m.isKept(byPrefixes: settings.prefixes) else {
                s.stats.otherSeries += 1
                return true
            }
            if let why = m.unreadable {
                note("a \(m.type) message kept verbatim only: \(why)")
                s.stats.unreadable += 1
            }
            if let e = m.error {
                s.stats.kalshiErrors += 1
                if e.action == .carryOn { note("Kalshi error \(e.code) (\(e.meaning)): \(e.message)") }
            }
        } else {
            note("an unreadable message (kept verbatim): \(frame.problem ?? "not JSON")")
            s.stats.unreadable += 1
        }
        s.stats.messages += 1
        for r in frame.records {
            try s.writer.append(r)
            if r.event.kind != .rawFeedMessage { s.stats.events[r.event.kind.name, default: 0] += 1 }
        }
        if SystemClock.monotonicNanos() - s.lastFlush >= 1_000_000_000 {
            try s.writer.flush(sync: false)
            s.lastFlush = SystemClock.monotonicNanos()
        }
        if let max = settings.maxMessages, s.stats.messages >= max {
            s.stopped = "max-messages"
            return false
        }
        return true
    }

    /// A delay as `1.5`, for the lines that announce it.
    static func seconds(_ nanos: Int64) -> String {
        let tenths = (nanos + 50_000_000) / 100_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// What a recording did, for the summary.
package struct RecordStats: Sendable {
    package var messages = 0
    package var unreadable = 0
    package var drops = 0
    package var reconnects = 0
    package var resubscriptions = 0
    package var gaps = 0
    /// Messages about other series, left out.
    package var otherSeries = 0
    package var kalshiErrors = 0
    package var events: [String: Int] = [:]

    package func text(log: String, stopped: String?) -> String {
        let kinds = events.keys.sorted().map { "\($0) \(events[$0]!)" }.joined(separator: ", ")
        return "recorded \(messages) messages into \(log) (\(kinds.isEmpty ? "no events" : kinds)); "
            + "\(drops) drops, \(reconnects) reconnections, \(resubscriptions) resubscriptions, "
            + "\(gaps) sequence gaps, \(unreadable) unreadable, \(kalshiErrors) Kalshi errors, "
            + "\(otherSeries) about other series left out" + (stopped.map { "; stopped by \($0)" } ?? "")
    }

    package func json(log: String, stopped: String?) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("log", log)
        j.number("messages", Int64(messages))
        j.beginObject("events")
        for k in events.keys.sorted() { j.number(k, Int64(events[k]!)) }
        j.endObject()
        j.number("drops", Int64(drops))
        j.number("reconnections", Int64(reconnects))
        j.number("resubscriptions", Int64(resubscriptions))
        j.number("sequence_gaps", Int64(gaps))
        j.number("unreadable", Int64(unreadable))
        j.number("kalshi_errors", Int64(kalshiErrors))
        j.number("other_series", Int64(otherSeries))
        j.stringOrNull("stopped", stopped)
        j.endObject()
        return j.output
    }
}
