import Foundation
import IsothermEvents
import IsothermStore
import IsothermTestSupport
import Synchronization
import Testing

@testable import IsothermIngest

/// The recorder's loop as a library (moved out of the CLI, issue 13 point 7), its clock, stop and
/// waits injected: every frame kept verbatim beside its events, received times from the injected clock,
/// a gap counted, a drop reconnected, and a stop honoured.
@Suite struct RecorderTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func framesAndEventsAreKeptAGapIsCountedAndADropReconnects() throws {
        let connections = Mutex(0)
        let server = try ScriptedWebSocketServer { c in
            guard c.receive() != nil else { return }
            let n = connections.withLock {
                $0 += 1
                return $0
            }
            c.send(text: #"{"id":1,"type":"subscribed","msg":{"channel":"trade","sid":2}}"#)
            func trade(_ seq: Int) {
                c.send(
                    text:
                        #"{"type":"trade","sid":2,"seq":\#(seq),"msg":{"trade_id":"t\#(n)-\#(seq)","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.4500","count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1732460400000}}"#
                )
            }
            if n == 1 {
                trade(1)
                trade(3)  // 2 never arrives: a gap
                c.close(code: 1011, reason: "restart")
            } else {
                trade(1)
                trade(2)
                _ = c.waitForClose()
            }
        }
        defer { server.stop() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("recorder-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let writer = try EventLogWriter(directory: log)
        let notes = Lines()
        let ticks = Mutex<Int64>(0)
        let start = Timestamp(rfc3339: "2026-11-24T15:00:00Z")!
        let hooks = RecorderHooks(
            stopRequested: { nil }, stopSeen: {}, sleep: { _ in },
            now: {
                // A clock that moves a second per reading: received times are the test's, not the machine's.
                start.adding(
                    nanos: ticks.withLock { t in
                        t += 1
                        return t
                    } * 1_000_000_000)
            }, note: { notes.add($0) })
        let recorder = Recorder(
            settings: Recorder.Settings(
                url: server.url + "/trade-api/ws/v2", channels: ["trade"], prefixes: ["KXHIGH"], signer: nil,
                maxMessages: 6, maxReconnects: 3, backoff: 0.01),
            writer: writer, hooks: hooks)
        let outcome = try recorder.run()
        try writer.close()
        guard case .stopped(let why) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(why == "max-messages")
        #expect(recorder.stats.messages == 6 && recorder.stats.gaps == 1 && recorder.stats.drops == 1)
        #expect(recorder.stats.reconnects == 1 && recorder.stats.events["trade"] == 4)
        #expect(notes.all.contains { $0.contains("sequence gap in subscription 2 (trade): 3 after 1") })
        #expect(notes.all.contains { $0.contains("the server closed (1011 restart); reconnecting in 0.0 s") })
        var raw: [Timestamp] = []
        var trades = 0
        try EventLogReader(directory: log).forEach { _, r in
            switch r.event {
            case .rawFeedMessage(let m):
                #expect(m.source == "kalshi_ws")
                raw.append(r.time)
            case .trade: trades += 1
            default: break
            }
            return true
        }
        #expect(trades == 4)
        // Each frame stamped by the injected clock, in order.
        #expect(raw.count == 6 && raw == raw.sorted() && raw.first! > start)
    }

    @Test func aStopRequestEndsTheRecordingBeforeItConnects() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("recorder-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let writer = try EventLogWriter(directory: log)
        let hooks = RecorderHooks(
            stopRequested: { "SIGTERM" }, stopSeen: {}, sleep: { _ in }, now: { Timestamp(nanos: 0) },
            note: { _ in })
        let recorder = Recorder(
            settings: Recorder.Settings(
                url: "ws://127.0.0.1:9/none", channels: ["ticker"], prefixes: ["KXHIGH"], signer: nil, maxMessages: nil,
                maxReconnects: nil, backoff: 1),
            writer: writer, hooks: hooks)
        guard case .stopped(let why) = try recorder.run() else {
            Issue.record("not stopped")
            return
        }
        try writer.close()
        #expect(why == "SIGTERM" && recorder.stats.messages == 0)
        #expect(
            Recorder.subscribe(id: 3, channels: ["ticker", "trade"])
                == #"{"id":3,"cmd":"subscribe","params":{"channels":["ticker","trade"]}}"#)
    }
}
