package import IsothermEvents
package import IsothermKalshi
import IsothermNet
import IsothermPlatform
package import IsothermStore

/// What the recorder needs from the process around it: when to stop, how to wait, the wall clock and
/// where its operational lines go. `isotherm record` wires signals and `--seconds` in; a test scripts
/// them.
package struct RecorderHooks: Sendable {
    /// Why to stop now (a signal, a deadline), or nil.
    package var stopRequested: @Sendable () -> String?
    /// The recorder has seen the stop request: nothing may interrupt the close and flush that follow.
    package var stopSeen: @Sendable () -> Void
    /// Waits before a reconnection (returning early on a stop request).
    package var sleep: @Sendable (Double) -> Void
    /// The wall clock: what each message's received time and each signature read.
    package var now: @Sendable () -> Timestamp
    /// An operational line (a drop, a gap, a Kalshi error).
    package var note: @Sendable (String) -> Void

    package init(
        stopRequested: @escaping @Sendable () -> String?, stopSeen: @escaping @Sendable () -> Void,
        sleep: @escaping @Sendable (Double) -> Void, now: @escaping @Sendable () -> Timestamp,
        note: @escaping @Sendable (String) -> Void
    ) {
        self.stopRequested = stopRequested
        self.stopSeen = stopSeen
        self.sleep = sleep
        self.now = now
        self.note = note
    }
}

/// `isotherm record`'s loop: connect (signed when there is a key), subscribe, and for every message
/// about the series kept append the frame verbatim and the events it maps to; reconnect after a drop,
/// subscribe again after Kalshi ends a subscription, stop on an error no retry can fix.
///
/// Sequence numbers are checked per subscription over every message of it, before the series filter
/// drops anything: a gap is a message Kalshi sent that never arrived.
package final class Recorder {
    package struct Settings: Sendable {
        package var url: String
        package var channels: [String]
        /// Keep messages about tickers that start with one of these.
        package var prefixes: [String]
        /// Signs the connection; nil connects without a key (public channels only).
        package var signer: KalshiSigner?
        package var maxMessages: Int?
        package var maxReconnects: Int?
        /// First reconnection delay in seconds (doubles up to 30).
        package var backoff: Double

        package init(
            url: String, channels: [String], prefixes: [String], signer: KalshiSigner?, maxMessages: Int?,
            maxReconnects: Int?, backoff: Double
        ) {
            self.url = url
            self.channels = channels
            self.prefixes = prefixes
            self.signer = signer
            self.maxMessages = maxMessages
            self.maxReconnects = maxReconnects
            self.backoff = backoff
        }
    }

    /// How a recording ended.
    package enum Outcome: Sendable {
        /// A limit or a stop request: `max-messages`, `seconds`, `SIGINT`, `SIGTERM`.
        case stopped(String)
        /// Something no retry fixes; the message says what and what to do.
        case failed(String)
    }

    /// How one connection ended.
    private enum ConnectionEnd {
        case dropped(String)
        case finished(Outcome)
    }

    package let settings: Settings
    package let writer: EventLogWriter
    private let hooks: RecorderHooks
    package private(set) var stats = RecordStats()
    private var lastFlush = SystemClock.monotonicSeconds()
    private var delay: Double
    private var failuresInARow = 0

    package init(settings: Settings, writer: EventLogWriter, hooks: RecorderHooks) {
        self.settings = settings
        self.writer = writer
        self.hooks = hooks
        delay = settings.backoff
    }

    /// Records until a limit, a stop request or a failure. Appends go to `writer`, flushed (not synced)
    /// every second; the caller flushes, syncs and closes it afterwards.
    /// - Throws: the log's errors (a record that cannot be appended stops everything).
    package func run() throws -> Outcome {
        while true {
            if let stop = stopReason() { return .stopped(stop) }
            let headers: [(String, String)]
            do {
                headers = try signedHeaders()
            } catch {
                return .failed("cannot sign the connection: \(error)")
            }
            let socket: WebSocketClient
            do throws(NetError) {
                socket = try WebSocketClient(url: settings.url, headers: headers, timeoutSeconds: 30)
                try socket.send(text: Self.subscribe(id: 1, channels: settings.channels))
            } catch {
                if let stop = stopReason() { return .stopped(stop) }
                if !error.isRetryable { return .failed(refusal(error)) }
                failuresInARow += 1
                if let max = settings.maxReconnects, failuresInARow > max {
                    return .failed("\(error) (gave up after \(max) reconnections)")
                }
                hooks.note("\(error.message); reconnecting in \(seconds(delay)) s")
                pause()
                continue
            }
            let end = try session(socket)
            // Seen: nothing may interrupt the close and the flush that follow.
            if hooks.stopRequested() != nil { hooks.stopSeen() }
            socket.close()
            switch end {
            case .finished(let outcome):
                return outcome
            case .dropped(let why):
                if let stop = stopReason() { return .stopped(stop) }
                stats.drops += 1
                failuresInARow += 1
                if let max = settings.maxReconnects, failuresInARow > max {
                    return .failed("\(why) (gave up after \(max) reconnections)")
                }
                hooks.note("\(why); reconnecting in \(seconds(delay)) s")
                pause()
                stats.reconnects += 1
            }
        }
    }

    /// Why to stop now, if anything says so.
    private func stopReason() -> String? {
        if let why = hooks.stopRequested() { return why }
        if let max = settings.maxMessages, stats.messages >= max { return "max-messages" }
        return nil
    }

    private func pause() {
        hooks.sleep(delay)
        delay = min(30, delay * 2)
    }

    /// Kalshi's signed headers for the upgrade request (a fresh timestamp each time); none without a key.
    private func signedHeaders() throws -> [(String, String)] {
        guard let signer = settings.signer else { return [] }
        return try signer.headers(timestampMs: hooks.now().nanos / 1_000_000, method: "GET", urlOrPath: settings.url)
    }

    /// `{"id":1,"cmd":"subscribe","params":{"channels":["ticker","trade"]}}`
    package static func subscribe(id: Int64, channels: [String]) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.number("id", id)
        j.string("cmd", "subscribe")
        j.beginObject("params")
        j.beginArray("channels")
        for c in channels { j.string(nil, c) }
        j.endArray()
        j.endObject()
        j.endObject()
        return j.output
    }

    /// A delay as `1.5`, for the lines that announce it.
    private func seconds(_ v: Double) -> String {
        let tenths = Int64((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// What to tell the user when the connection itself is refused.
    private func refusal(_ error: NetError) -> String {
        guard settings.signer == nil else { return "\(error)" }
        return "\(error); Kalshi may require a key for this connection: give --key-id and --private-key "
            + "(or set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH)"
    }

    // MARK: - One connection

    /// What one connection has told us: the last sequence number of each subscription, the channel
    /// of each subscription and of each command sent, and the next command id.
    private struct Connection {
        var sequences: [Int64: Int64] = [:]
        var channelOfSid: [Int64: String] = [:]
        var commands: [Int64: [String]] = [:]
        var nextId: Int64 = 2
    }

    private func session(_ socket: WebSocketClient) throws -> ConnectionEnd {
        var c = Connection()
        c.commands[1] = settings.channels
        while true {
            if let stop = stopReason() { return .finished(.stopped(stop)) }
            let message: WebSocketMessage
            do throws(NetError) {
                message = try socket.receive()
            } catch {
                return .dropped(error.message)
            }
            switch message {
            case .close(let code, let reason):
                return .dropped("the server closed (\(code) \(reason))")
            case .binary:
                continue
            case .text(let text):
                if let end = try handle(Array(text.utf8), &c, socket) { return end }
            }
            if SystemClock.monotonicSeconds() - lastFlush >= 1 {
                try writer.flush(sync: false)
                lastFlush = SystemClock.monotonicSeconds()
            }
        }
    }

    /// One text message: sequence check, series filter, the raw frame and its events, errors.
    /// - Returns: how the connection ends, when this message ends it.
    private func handle(_ bytes: [UInt8], _ c: inout Connection, _ socket: WebSocketClient) throws -> ConnectionEnd? {
        let received = hooks.now()
        let parsed: KalshiFeedMessage?
        do {
            parsed = try KalshiFeed.parse(bytes, receivedAt: received)
        } catch {
            parsed = nil
            hooks.note("an unreadable message (kept verbatim): \(error)")
        }
        if parsed?.type != "error" {
            // The connection works: the next failure starts the backoff afresh.
            failuresInARow = 0
            delay = settings.backoff
        }
        if let p = parsed {
            checkSequence(p, &c)
            if let s = p.subscribed { c.channelOfSid[s.sid] = s.channel }
            guard p.isKept(byPrefixes: settings.prefixes) else {
                stats.otherSeries += 1
                return nil
            }
            if let why = p.unreadable { hooks.note("a \(p.type) message kept verbatim only: \(why)") }
        }
        stats.messages += 1
        try writer.append(
            EventRecord(
                time: received,
                event: .rawFeedMessage(
                    RawFeedMessage(source: "kalshi_ws", channel: parsed?.type ?? "unparsed", payload: bytes))))
        guard let p = parsed else {
            stats.unreadable += 1
            return nil
        }
        if p.unreadable != nil { stats.unreadable += 1 }
        for e in p.events {
            try writer.append(e)
            stats.events[e.event.kind.name, default: 0] += 1
        }
        guard let error = p.error else { return nil }
        return try kalshiError(error, p, &c, socket)
    }

    private func checkSequence(_ p: KalshiFeedMessage, _ c: inout Connection) {
        guard let sid = p.sid, let seq = p.seq else { return }
        if let last = c.sequences[sid], seq != last + 1 {
            stats.gaps += 1
            let channel = c.channelOfSid[sid].map { " (\($0))" } ?? ""
            hooks.note("sequence gap in subscription \(sid)\(channel): \(seq) after \(last)")
        }
        c.sequences[sid] = seq
    }

    /// Reports an `error` reply and acts on it: carry on, subscribe again, or stop.
    private func kalshiError(
        _ e: KalshiFeedError, _ p: KalshiFeedMessage, _ c: inout Connection, _ socket: WebSocketClient
    ) throws -> ConnectionEnd? {
        stats.kalshiErrors += 1
        let what = "Kalshi error \(e.code) (\(e.meaning)): \(e.message)"
        switch e.action {
        case .carryOn:
            hooks.note("\(what)")
            return nil
        case .stop:
            if e.code == 9 && settings.signer == nil {
                return .finished(
                    .failed(
                        "\(what): the channels need a key; give --key-id and --private-key "
                            + "(or set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH)"))
            }
            return .finished(.failed("\(what) (channels: \(settings.channels.joined(separator: ",")))"))
        case .resubscribe:
            // The subscription the error names, else the command it answers; else start over.
            let channels = p.sid.flatMap { c.channelOfSid[$0].map { [$0] } } ?? p.id.flatMap { c.commands[$0] }
            guard let channels else { return .dropped("\(what); no subscription of this connection to renew") }
            failuresInARow += 1
            if let max = settings.maxReconnects, failuresInARow > max {
                return .finished(.failed("\(what) (gave up after \(max) resubscriptions in a row)"))
            }
            hooks.note(
                "\(what); subscribing to \(channels.joined(separator: ",")) again in \(seconds(delay)) s")
            pause()
            if let stop = stopReason() { return .finished(.stopped(stop)) }
            stats.resubscriptions += 1
            if let sid = p.sid { c.sequences[sid] = nil }
            let id = c.nextId
            c.nextId += 1
            c.commands[id] = channels
            do throws(NetError) {
                try socket.send(text: Self.subscribe(id: id, channels: channels))
            } catch {
                return .dropped(error.message)
            }
            return nil
        }
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
    var events: [String: Int] = [:]

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
