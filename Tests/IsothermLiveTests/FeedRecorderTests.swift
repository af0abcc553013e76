import Foundation
import IsothermEvents
import IsothermKalshi
import IsothermLog
import IsothermPlatform
import IsothermStore
import IsothermTestSupport
import Logging
import Synchronization
import Testing

@testable import IsothermLive

/// `isotherm record`'s writer over the feed client, against scripted servers that do what Kalshi's
/// feed can do: every frame kept verbatim beside its events, a gap counted and the channel subscribed
/// again, a drop reconnected, odd input kept and counted, a stop honoured; and `wss://` that fails closed.
@Suite(.serialized) struct FeedRecorderTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    static func client(_ url: String, _ channels: [String], caFile: String? = nil, maxFailures: Int? = 4)
        -> KalshiFeedClient
    {
        var config = KalshiFeedClient.Configuration(url: url, channels: channels.map { .init($0) })
        config.backoffSeconds = 0.01
        config.maxConsecutiveFailures = maxFailures
        config.caFile = caFile
        var logger = Logger(label: "test.record")
        logger.logLevel = .critical
        return KalshiFeedClient(config, signer: nil, logger: logger)
    }

    /// Runs `body` with a fresh directory path, removed afterwards.
    static func inTemporaryDirectory(_ body: (String) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("feed-recorder-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(dir)
    }

    static func trade(_ seq: Int, _ id: String) -> String {
        #"{"type":"trade","sid":2,"seq":\#(seq),"msg":{"trade_id":"\#(id)","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.4500","count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1732460400000}}"#
    }

    /// Reads a log: its raw frames' text and its other events' kinds.
    static func contents(_ log: String) throws -> (raw: [String], kinds: [String], times: [Timestamp]) {
        var raw: [String] = []
        var kinds: [String] = []
        var times: [Timestamp] = []
        try EventLogReader(directory: log).forEach { _, r in
            if case .rawFeedMessage(let m) = r.event {
                #expect(m.source == "kalshi_ws")
                raw.append(String(decoding: m.payload, as: UTF8.self))
                times.append(r.time)
            } else {
                kinds.append(r.event.kind.name)
            }
            return true
        }
        return (raw, kinds, times)
    }

    @Test func framesAndEventsAreKeptAGapResubscribesAndADropReconnects() async throws {
        let connections = Mutex(0)
        let commands = Lines()
        let server = try ScriptedWebSocketServer { c in
            guard let first = c.receive() else { return }
            commands.add(first)
            let n = connections.withLock {
                $0 += 1
                return $0
            }
            c.send(text: #"{"id":1,"type":"subscribed","msg":{"channel":"trade","sid":2}}"#)
            if n == 1 {
                c.send(text: Self.trade(1, "t1"))
                c.send(text: Self.trade(3, "t3"))  // 2 never arrives: a gap
                // The client unsubscribes 2 and subscribes again; a frame of the ended subscription in between
                // is kept but not applied.
                c.send(text: Self.trade(4, "t4"))
                if let u = c.receive() { commands.add(u) }
                if let s = c.receive() { commands.add(s) }
                c.send(text: #"{"id":3,"type":"subscribed","msg":{"channel":"trade","sid":5}}"#)
                c.send(
                    text:
                        #"{"type":"trade","sid":5,"seq":1,"msg":{"trade_id":"t5","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.4600","count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1732460401000}}"#
                )
                c.send(text: "not json at all")  // kept verbatim, counted
                c.send(text: #"{"type":"brand_new_type","msg":{"x":[1,2]}}"#)  // a type this build does not know
                c.send(
                    text:
                        #"{"type":"trade","sid":5,"seq":2,"msg":{"trade_id":7,"market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":0.45,"count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1732460402000}}"#
                )  // wrong types
                c.send(
                    text:
                        #"{"type":"trade","sid":5,"seq":3,"msg":{"trade_id":"t6","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"1.2345678","count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1732460402000}}"#
                )
                _ = c.sync("read")
                c.close(code: 1011, reason: "restart")
                _ = c.waitForClose()
            } else {
                c.send(text: Self.trade(1, "u1"))
                c.send(text: Self.trade(1, "u1"))  // a repeat: kept, not applied
                c.send(text: Self.trade(2, "u2"))
                _ = c.waitForClose()
            }
        }
        defer { server.stop() }
        try await Self.inTemporaryDirectory { log in
            let notes = Lines()
            let recorder = FeedRecorder(
                writer: try EventLogWriter(directory: log),
                settings: .init(prefixes: ["KXHIGH"], maxMessages: 14, signed: false, channels: ["trade"]),
                note: { notes.add($0) })
            let outcome = try await recorder.record(Self.client(server.url + "/trade-api/ws/v2", ["trade"])) { nil }
            #expect(outcome == .stopped("max-messages"), "\(notes.all)")
            let stats = recorder.stats
            #expect(stats.messages == 14 && stats.gaps == 1 && stats.drops == 1 && stats.reconnects == 1, "\(stats)")
            #expect(stats.unreadable == 3, "the text that is not JSON, the wrong types, the 7-decimal price: \(stats)")
            #expect(stats.events == ["trade": 5], "t1, t3, t5, u1, u2 (t4 after the gap, t6 unreadable): \(stats)")
            #expect(notes.all.contains("sequence gap in subscription 2 (trade): 3 after 1; subscribing to trade again"))
            #expect(notes.all.contains { $0.hasPrefix("an unreadable message (kept verbatim): ") }, "\(notes.all)")
            #expect(notes.all.contains { $0.hasPrefix("a trade message kept verbatim only: ") }, "\(notes.all)")
            #expect(notes.all.contains { $0.contains("reconnecting in 0.0 s") }, "\(notes.all)")
            #expect(
                commands.all == [
                    #"{"id":1,"cmd":"subscribe","params":{"channels":["trade"]}}"#,
                    #"{"id":2,"cmd":"unsubscribe","params":{"sids":[2]}}"#,
                    #"{"id":3,"cmd":"subscribe","params":{"channels":["trade"]}}"#,
                    #"{"id":1,"cmd":"subscribe","params":{"channels":["trade"]}}"#,
                ], "\(commands.all)")
            let (raw, kinds, times) = try Self.contents(log)
            #expect(
                raw.count == 14 && raw.contains("not json at all") && raw.contains { $0.contains("brand_new_type") }
                    && raw.filter { $0.contains("\"u1\"") }.count == 2)
            #expect(kinds == Array(repeating: "trade", count: 5))
            #expect(times == times.sorted(), "stamped in arrival order")
            #expect(try LogVerifier.verify(directory: log).isClean)
        }
    }

    @Test func aStopRequestEndsTheRecordingBeforeItConnects() async throws {
        try await Self.inTemporaryDirectory { log in
            let recorder = FeedRecorder(
                writer: try EventLogWriter(directory: log),
                settings: .init(prefixes: ["KXHIGH"], maxMessages: nil, signed: false, channels: ["ticker"]),
                note: { _ in })
            let outcome = try await recorder.record(Self.client("ws://127.0.0.1:9/none", ["ticker"])) { "SIGTERM" }
            #expect(outcome == .stopped("SIGTERM") && recorder.stats.messages == 0)
        }
    }

    @Test func aServerThatIsNeverThereIsGivenUpAfterTheFailuresAllowed() async throws {
        try await Self.inTemporaryDirectory { log in
            let notes = Lines()
            let recorder = FeedRecorder(
                writer: try EventLogWriter(directory: log),
                settings: .init(prefixes: ["KXHIGH"], maxMessages: nil, signed: false, channels: ["ticker"]),
                note: { notes.add($0) })
            let outcome = try await recorder.record(Self.client("ws://127.0.0.1:9/none", ["ticker"], maxFailures: 3)) {
                nil
            }
            guard case .failed(let why) = outcome else {
                Issue.record("\(outcome)")
                return
            }
            #expect(why.hasSuffix("(gave up after 3 failures in a row)"), "\(why)")
            #expect(notes.all.filter { $0.contains("reconnecting in") }.count == 2, "\(notes.all)")
            let bad = try await FeedRecorder(
                writer: try EventLogWriter(directory: log + "-2"),
                settings: .init(prefixes: ["KXHIGH"], maxMessages: nil, signed: false, channels: ["ticker"]),
                note: { _ in }
            ).record(Self.client("http://127.0.0.1:9/", ["ticker"])) { nil }
            try? FileManager.default.removeItem(atPath: log + "-2")
            #expect(bad == .failed("http://127.0.0.1:9/ is not a WebSocket URL (ws:// or wss://)"), "\(bad)")
        }
    }

    @Test func wssPassesWithTheGoodCertificateAndFailsClosedWithABadOne() async throws {
        let ca = try ThrowawayCA()
        let good = try ScriptedWebSocketServer(tls: try ca.issue(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])) {
            c in
            guard c.receive() != nil else { return }
            c.send(text: #"{"id":1,"type":"subscribed","msg":{"channel":"trade","sid":2}}"#)
            c.send(text: Self.trade(1, "w1"))
            _ = c.waitForClose()
        }
        defer { good.stop() }
        try await Self.inTemporaryDirectory { log in
            let recorder = FeedRecorder(
                writer: try EventLogWriter(directory: log),
                settings: .init(prefixes: ["KXHIGH"], maxMessages: 2, signed: false, channels: ["trade"]),
                note: { _ in })
            let outcome = try await recorder.record(Self.client(good.url + "/feed", ["trade"], caFile: ca.caFile)) {
                nil
            }
            #expect(outcome == .stopped("max-messages") && recorder.stats.events == ["trade": 1])
        }
        let sent = Mutex(false)
        let bad = try ScriptedWebSocketServer(tls: try ca.issue(dnsNames: ["other.example"], ipAddresses: [])) { c in
            sent.withLock { $0 = true }
            c.send(text: "should never arrive")
        }
        defer { bad.stop() }
        try await Self.inTemporaryDirectory { log in
            let recorder = FeedRecorder(
                writer: try EventLogWriter(directory: log),
                settings: .init(prefixes: ["KXHIGH"], maxMessages: nil, signed: false, channels: ["trade"]),
                note: { _ in })
            let outcome = try await recorder.record(
                Self.client(bad.url + "/feed", ["trade"], caFile: ca.caFile, maxFailures: 2)
            ) { nil }
            guard case .failed(let why) = outcome else {
                Issue.record("\(outcome)")
                return
            }
            #expect(why.contains("gave up after 2 failures"), "\(why)")
            #expect(recorder.stats.messages == 0 && !sent.withLock { $0 }, "no script ran: the handshake failed")
        }
    }

    /// A connection that goes silent and never answers the close frame (dead without a word): a stop
    /// still ends the recording, after the close timeout, not when TCP gives up.
    @Test func aStopOnADeadConnectionEndsAfterTheCloseTimeout() async throws {
        let server = try ScriptedWebSocketServer { c in
            guard c.receive() != nil else { return }
            c.send(text: #"{"id":1,"type":"subscribed","msg":{"channel":"trade","sid":2}}"#)
            usleep(12_000_000)  // reads nothing, answers nothing
        }
        defer { server.stop() }
        try await Self.inTemporaryDirectory { log in
            let recorder = FeedRecorder(
                writer: try EventLogWriter(directory: log),
                settings: .init(prefixes: ["KXHIGH"], maxMessages: nil, signed: false, channels: ["trade"]),
                note: { _ in })
            let started = SystemClock.monotonicNanos()
            let outcome = try await recorder.record(Self.client(server.url, ["trade"])) {
                SystemClock.monotonicNanos() - started > 300_000_000 ? "seconds" : nil
            }
            let seconds = Double(SystemClock.monotonicNanos() - started) / 1e9
            #expect(outcome == .stopped("seconds") && recorder.stats.messages == 1, "\(outcome)")
            #expect(seconds < 8.5, "stopped after \(seconds) s")
        }
    }
}
