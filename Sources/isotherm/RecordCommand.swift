import ArgumentParser
import Glibc
import IsothermBacktest
import IsothermEvents
import IsothermKalshi
import IsothermNet
import IsothermStore

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record Kalshi's WebSocket feed into a log: every message verbatim, and the events it carries.",
        discussion: """
            The seed's kalshi_ws_recorder, as a log writer. Connects with signed headers (the key id and \
            the PEM private key from the flags or from KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH), \
            subscribes to --channels, and for every message about a market whose ticker starts with one \
            of --series (and every reply and error) appends a raw_feed_message event holding the frame \
            verbatim, stamped with the receive time, followed by the events it maps to (ticker, trade, \
            market_lifecycle). The log is flushed every second and on exit. A dropped connection is \
            reconnected with exponential backoff and the subscription renewed; gaps in a subscription's \
            sequence numbers are counted and reported.

            Examples:
              KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=kalshi.pem isotherm record --log feed
              isotherm record --log feed --channels market_lifecycle_v2 --seconds 3600 --json
            """)

    @Option(name: .long, help: "Log directory to append to.")
    var log: String

    @Option(name: .long, help: "WebSocket URL.")
    var url = "wss://external-api-ws.kalshi.com/trade-api/ws/v2"

    @Option(name: .long, help: "API key id (default: $KALSHI_API_KEY_ID).")
    var keyId: String?

    @Option(name: .long, help: "PEM private key file (default: $KALSHI_PRIVATE_KEY_PATH).")
    var privateKey: String?

    @Option(name: .long, help: "Channels to subscribe to, comma-separated.")
    var channels = "ticker,trade,market_lifecycle_v2"

    @Option(name: .long, help: "Keep messages about markets whose ticker starts with one of these (comma-separated).")
    var series = "KXHIGH"

    @Option(name: .long, help: "Stop after this many messages.")
    var maxMessages: Int?

    @Option(name: .long, help: "Stop after this many seconds.")
    var seconds: Double?

    @Option(name: .long, help: "Give up after this many reconnections in a row without a message (default: never).")
    var maxReconnects: Int?

    @Option(name: .long, help: "First reconnection delay in seconds (doubles up to 30).")
    var backoff = 1.0

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let env = { (name: String) in getenv(name).map { String(cString: $0) } }
            guard let key = keyId ?? env("KALSHI_API_KEY_ID"), !key.isEmpty else {
                throw CLIError("give --key-id or set KALSHI_API_KEY_ID (the feed requires a signed connection)")
            }
            guard let keyPath = privateKey ?? env("KALSHI_PRIVATE_KEY_PATH"), !keyPath.isEmpty else {
                throw CLIError("give --private-key or set KALSHI_PRIVATE_KEY_PATH")
            }
            let signer: KalshiSigner
            do {
                signer = try KalshiSigner(keyId: key, pem: try readWholeFile(keyPath))
            } catch let e as SigningError {
                throw CLIError("\(keyPath): \(e)")
            }
            let prefixes = series.split(separator: ",").map(String.init)
            let channelList = channels.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ",")
            let writer = try EventLogWriter(directory: log)
            defer { try? writer.close() }
            var stats = RecordStats()
            let started = RetryingFetcher.monotonicSeconds()
            var lastFlush = started
            var delay = backoff
            var failuresInARow = 0
            func done() -> Bool {
                (maxMessages.map { stats.messages >= $0 } ?? false)
                    || (seconds.map { RetryingFetcher.monotonicSeconds() - started >= $0 } ?? false)
            }
            outer: while !done() {
                let socket: WebSocketClient
                do {
                    let now = wallClockNow()
                    let headers = try signer.headers(timestampMs: now.nanos / 1_000_000, method: "GET", urlOrPath: url)
                    socket = try WebSocketClient(url: url, headers: headers, timeoutSeconds: 30)
                    try socket.send(text: "{\"id\":1,\"cmd\":\"subscribe\",\"params\":{\"channels\":[\(channelList)]}}")
                } catch let e as NetError {
                    failuresInARow += 1
                    if let max = maxReconnects, failuresInARow > max {
                        throw CLIError("\(e) (gave up after \(max) reconnections)")
                    }
                    if !json { printError("record: \(e.message); reconnecting in \(fixed(delay, 1)) s") }
                    RetryingFetcher.sleep(seconds: delay)
                    delay = min(30, delay * 2)
                    continue
                }
                var sequences: [Int64: Int64] = [:]
                while !done() {
                    let message: WebSocketMessage
                    do throws(NetError) {
                        message = try socket.receive()
                    } catch {
                        stats.drops += 1
                        if !json { printError("record: \(error.message); reconnecting in \(fixed(delay, 1)) s") }
                        break
                    }
                    guard case .text(let text) = message else {
                        if case .close(let code, let reason) = message {
                            stats.drops += 1
                            if !json {
                                printError(
                                    "record: the server closed (\(code) \(reason)); reconnecting in \(fixed(delay, 1)) s"
                                )
                            }
                            break
                        }
                        continue
                    }
                    failuresInARow = 0
                    delay = backoff
                    let bytes = Array(text.utf8)
                    let received = wallClockNow()
                    let parsed = try? KalshiFeed.parse(bytes, receivedAt: received)
                    let market = marketTicker(text)
                    if let market, !prefixes.contains(where: { market.hasPrefix($0) }) { continue }
                    stats.messages += 1
                    if let p = parsed, let sid = p.sid, let seq = p.seq {
                        if let last = sequences[sid], seq != last + 1 { stats.gaps += 1 }
                        sequences[sid] = seq
                    }
                    if let e = parsed?.error, !json { printError("record: Kalshi error \(e.code): \(e.message)") }
                    try writer.append(
                        EventRecord(
                            time: received,
                            event: .rawFeedMessage(
                                RawFeedMessage(source: "kalshi_ws", channel: parsed?.type ?? "unparsed", payload: bytes)
                            )))
                    if parsed == nil { stats.unparsed += 1 }
                    for e in parsed?.events ?? [] {
                        try writer.append(e)
                        stats.events[e.event.kind.name, default: 0] += 1
                    }
                    if RetryingFetcher.monotonicSeconds() - lastFlush >= 1 {
                        try writer.flush(sync: false)
                        lastFlush = RetryingFetcher.monotonicSeconds()
                    }
                }
                socket.close()
                if done() { break outer }
                stats.reconnects += 1
                RetryingFetcher.sleep(seconds: delay)
                delay = min(30, delay * 2)
            }
            try writer.flush(sync: true)
            try writer.close()
            print(json ? stats.json(log: log) : stats.text(log: log))
        }
    }

    /// The `market_ticker` (or user-order `ticker`) a message is about, found without a full parse.
    func marketTicker(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        for key in ["\"market_ticker\":\"", "\"ticker\":\""] {
            let k = Array(key.utf8)
            guard bytes.count >= k.count else { continue }
            for i in 0...(bytes.count - k.count) where bytes[i] == k[0] && Array(bytes[i..<i + k.count]) == k {
                let rest = bytes[(i + k.count)...]
                return String(decoding: rest.prefix { $0 != UInt8(ascii: "\"") }, as: UTF8.self)
            }
        }
        return nil
    }
}

struct RecordStats {
    var messages = 0
    var unparsed = 0
    var drops = 0
    var reconnects = 0
    var gaps = 0
    var events: [String: Int] = [:]

    func text(log: String) -> String {
        let kinds = events.keys.sorted().map { "\($0) \(events[$0]!)" }.joined(separator: ", ")
        return "recorded \(messages) messages into \(log) (\(kinds.isEmpty ? "no events" : kinds)); "
            + "\(drops) drops, \(reconnects) reconnections, \(gaps) sequence gaps, \(unparsed) unreadable"
    }

    func json(log: String) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("log", log)
        j.number("messages", Int64(messages))
        j.beginObject("events")
        for k in events.keys.sorted() { j.number(k, Int64(events[k]!)) }
        j.endObject()
        j.number("drops", Int64(drops))
        j.number("reconnections", Int64(reconnects))
        j.number("sequence_gaps", Int64(gaps))
        j.number("unreadable", Int64(unparsed))
        j.endObject()
        return j.output
    }
}
