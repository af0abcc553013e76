import Glibc
import IsothermEvents
import IsothermKalshi
import IsothermNet
import IsothermPlatform
import IsothermStore

/// `isotherm record`'s loop: connect (signed when there is a key), subscribe, and for every message
/// about the series kept append the frame verbatim and the events it maps to; reconnect after a drop,
/// subscribe again after Kalshi ends a subscription, stop on an error no retry can fix.
///
/// Sequence numbers are checked per subscription over every message of it, before the series filter
/// drops anything: a gap is a message Kalshi sent that never arrived.
final class Recorder {
    struct Settings {
        var url: String
        var channels: [String]
        /// Keep messages about tickers that start with one of these.
        var prefixes: [String]
        /// Signs the connection; nil connects without a key (public channels only).
        var signer: KalshiSigner?
        var maxMessages: Int?
        var maxReconnects: Int?
        /// First reconnection delay in seconds (doubles up to 30).
        var backoff: Double
    }

    /// How a recording ended.
    enum Outcome {
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

    let settings: Settings
    let writer: EventLogWriter
    private(set) var stats = RecordStats()
    private var lastFlush = SystemClock.monotonicSeconds()
    private var delay: Double
    private var failuresInARow = 0

    init(settings: Settings, writer: EventLogWriter) {
        self.settings = settings
        self.writer = writer
        delay = settings.backoff
    }

    /// Records until a limit, a stop request or a failure. Appends go to `writer`, flushed (not synced)
    /// every second; the caller flushes, syncs and closes it afterwards.
    /// - Throws: the log's errors (a record that cannot be appended stops everything).
    func run() throws -> Outcome {
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
                printError("record: \(error.message); reconnecting in \(fixed(delay, 1)) s")
                pause()
                continue
            }
            let end = try session(socket)
            // Seen: nothing may interrupt the close and the flush that follow.
            if RecordStop.isRequested { RecordStop.finish() }
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
                printError("record: \(why); reconnecting in \(fixed(delay, 1)) s")
                pause()
                stats.reconnects += 1
            }
        }
    }

    /// Why to stop now, if anything says so.
    private func stopReason() -> String? {
        if RecordStop.isRequested { return RecordStop.describe(RecordStop.request) }
        if let max = settings.maxMessages, stats.messages >= max { return "max-messages" }
        return nil
    }

    private func pause() {
        RecordStop.sleep(seconds: delay)
        delay = min(30, delay * 2)
    }

    /// Kalshi's signed headers for the upgrade request (a fresh timestamp each time); none without a key.
    private func signedHeaders() throws -> [(String, String)] {
        guard let signer = settings.signer else { return [] }
        return try signer.headers(timestampMs: wallClockNow().nanos / 1_000_000, method: "GET", urlOrPath: settings.url)
    }

    /// `{"id":1,"cmd":"subscribe","params":{"channels":["ticker","trade"]}}`
    static func subscribe(id: Int64, channels: [String]) -> String {
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
        let received = wallClockNow()
        let parsed: KalshiFeedMessage?
        do {
            parsed = try KalshiFeed.parse(bytes, receivedAt: received)
        } catch {
            parsed = nil
            printError("record: an unreadable message (kept verbatim): \(error)")
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
            if let why = p.unreadable { printError("record: a \(p.type) message kept verbatim only: \(why)") }
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
            printError("record: sequence gap in subscription \(sid)\(channel): \(seq) after \(last)")
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
            printError("record: \(what)")
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
            printError(
                "record: \(what); subscribing to \(channels.joined(separator: ",")) again in \(fixed(delay, 1)) s")
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
struct RecordStats {
    var messages = 0
    var unreadable = 0
    var drops = 0
    var reconnects = 0
    var resubscriptions = 0
    var gaps = 0
    /// Messages about other series, left out.
    var otherSeries = 0
    var kalshiErrors = 0
    var events: [String: Int] = [:]

    func text(log: String, stopped: String?) -> String {
        let kinds = events.keys.sorted().map { "\($0) \(events[$0]!)" }.joined(separator: ", ")
        return "recorded \(messages) messages into \(log) (\(kinds.isEmpty ? "no events" : kinds)); "
            + "\(drops) drops, \(reconnects) reconnections, \(resubscriptions) resubscriptions, "
            + "\(gaps) sequence gaps, \(unreadable) unreadable, \(kalshiErrors) Kalshi errors, "
            + "\(otherSeries) about other series left out" + (stopped.map { "; stopped by \($0)" } ?? "")
    }

    func json(log: String, stopped: String?) -> String {
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
