import Foundation
import IsothermEvents
import IsothermKalshi
import IsothermLog
import IsothermStore
import IsothermTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("isotherm record", .serialized)
struct RecordCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IsothermKalshiTests/Fixtures").path

    /// The raw frames and the kinds a log holds, in order.
    static func contents(_ dir: String) throws -> (raw: [String], kinds: [String], records: [EventRecord]) {
        var raw: [String] = []
        var kinds: [String] = []
        var records: [EventRecord] = []
        try EventLogReader(directory: dir).forEach { _, record in
            kinds.append(record.event.kind.name)
            records.append(record)
            if case .rawFeedMessage(let m) = record.event { raw.append(String(decoding: m.payload, as: UTF8.self)) }
            return true
        }
        return (raw, kinds, records)
    }

    @Test("signed connection, weather markets kept verbatim with their events, a drop reconnected")
    func recordThroughADrop() throws {
        let publicKey = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/test_rsa_public.pem")))
        let connections = RequestCounter()
        let signatures = ManagedFlag(true)
        let server = try ScriptedWebSocketServer { c in
            // The upgrade request is signed: GET + the path, with the timestamp it names.
            let ts = c.headers["kalshi-access-timestamp"] ?? ""
            let ok =
                c.headers["kalshi-access-key"] == "test-key"
                && KalshiSigner.verify(
                    ts + "GET/trade-api/ws/v2", signature: c.headers["kalshi-access-signature"] ?? "",
                    publicPEM: publicKey)
            if !ok { signatures.value = false }
            // One subscription per channel, answered in the order asked.
            for _ in 0..<3 {
                guard let subscribe = c.receive(), subscribe.contains(#""cmd":"subscribe""#) else { return }
            }
            c.send(text: #"{"id":1,"type":"subscribed","msg":{"channel":"ticker","sid":1}}"#)
            c.send(text: #"{"id":2,"type":"subscribed","msg":{"channel":"trade","sid":2}}"#)
            c.send(text: #"{"id":3,"type":"subscribed","msg":{"channel":"market_lifecycle_v2","sid":3}}"#)
            if connections.next("ws") == 1 {
                c.send(
                    text:
                        #"{"type":"ticker","sid":1,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","price_dollars":"0.4500","yes_bid_dollars":"0.4400","yes_ask_dollars":"0.4600","volume_fp":"10.00","open_interest_fp":"5.00","ts_ms":1732460400000}}"#
                )
                c.send(
                    text:
                        #"{"type":"ticker","sid":1,"msg":{"market_ticker":"KXBTCD-26NOV24-T100000","price_dollars":"0.1000","ts_ms":1732460400001}}"#
                )
                c.send(
                    text:
                        #"{"type":"trade","sid":2,"seq":1,"msg":{"trade_id":"a","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.4500","count_fp":"3.00","taker_outcome_side":"yes","ts_ms":1732460400002}}"#
                )
                // Read by the client (a socket closed with unread input resets the connection, and a reset
                // can discard what the client has not read yet); then dropped without a close frame.
                _ = c.sync("sent")
                return
            }
            c.send(
                text:
                    #"{"type":"market_lifecycle_v2","sid":3,"seq":1,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","event_type":"determined","result":"yes","determination_ts":1732540000,"settlement_value":"1.0000"}}"#
            )
            c.send(
                text:
                    #"{"type":"trade","sid":2,"seq":1,"msg":{"trade_id":"b","market_ticker":"KXHIGHNY-26NOV24-B47.5","yes_price_dollars":"0.2000","count_fp":"1.00","taker_outcome_side":"no","ts_ms":1732460500000}}"#
            )
            _ = c.waitForClose()
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let r = try CLI.run([
                "record", "--log", tmp + "/feed", "--url", server.url + "/trade-api/ws/v2", "--key-id", "test-key",
                "--private-key", Self.fixtures + "/test_rsa_private.pem", "--max-messages", "10", "--backoff", "0.05",
                "--json",
            ])
            try #require(r.exitCode == 0, "\(r)")
            #expect(signatures.value, "every connection was signed correctly")
            // Three replies and two messages of this series on each connection (the other series' ticker
            // left out).
            #expect(r.stdout.contains(#""messages":10"#) && r.stdout.contains(#""reconnections":1"#), "\(r)")
            #expect(r.stdout.contains(#""events":{"market_lifecycle":1,"ticker":1,"trade":2}"#), "\(r)")
            #expect(r.stdout.contains(#""other_series":1"#) && r.stdout.contains(#""stopped":"max-messages""#), "\(r)")
            let (raw, kinds, records) = try Self.contents(tmp + "/feed")
            #expect(raw.count == 10)
            #expect(raw.allSatisfy { !$0.contains("KXBTCD") }, "other markets are not recorded")
            #expect(raw[3].hasPrefix(#"{"type":"ticker""#), "verbatim")
            // The ticker is stamped when it arrived (its frame's time), with the exchange's time beside it.
            guard let at = records.firstIndex(where: { $0.event.kind == .ticker }), at > 0,
                case .ticker(let t) = records[at].event
            else {
                Issue.record("no ticker")
                return
            }
            #expect(records[at - 1].event.kind == .rawFeedMessage && records[at - 1].time == records[at].time)
            #expect(t.exchangeTime == Timestamp(milliseconds: 1_732_460_400_000))
            #expect(t.yesBidSize == nil && t.yesAskSize == nil && t.volume == Count(contracts: 10))
            // isotherm status shows the recorder's freshness as the city's ticks.
            let status = try CLI.run(["status", tmp + "/feed", "--json", "--now", "2024-11-24T15:00:00Z"])
            #expect(
                status.exitCode == 0 && status.stdout.contains(#""ticks":{"events":3,"first_day":"2026-11-24""#),
                "\(status)")
            #expect(
                kinds == [
                    "raw_feed_message", "raw_feed_message", "raw_feed_message", "raw_feed_message", "ticker",
                    "raw_feed_message", "trade", "raw_feed_message", "raw_feed_message", "raw_feed_message",
                    "raw_feed_message", "market_lifecycle", "raw_feed_message", "trade",
                ], "\(kinds)")
        }
    }

    @Test("public channels need no key: the upgrade carries no KALSHI-ACCESS header")
    func publicChannelsWithoutAKey() throws {
        let headers = ManagedBox<[String: String]>([:])
        let server = try ScriptedWebSocketServer { c in
            headers.value = c.headers
            guard let subscribe = c.receive() else { return }
            c.send(text: #"{"id":1,"type":"subscribed","msg":{"channel":"ticker","sid":1}}"#)
            c.send(
                text:
                    #"{"type":"ticker","sid":1,"msg":{"market_ticker":"KXHIGHCHI-26NOV24-B45.5","price_dollars":"0.4500","ts_ms":1732460400000}}"#
            )
            c.send(text: "{\"type\":\"echo\",\"msg\":\(subscribe)}")  // about no market: kept
            _ = c.waitForClose()
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let r = try RecorderProcess.run(
                ["--log", tmp + "/feed", "--url", server.url + "/trade-api/ws/v2", "--max-messages", "3", "--json"])
            try #require(r.exitCode == 0, "\(r)")
            #expect(!headers.value.isEmpty, "the server saw the upgrade")
            #expect(
                headers.value.keys.filter { $0.hasPrefix("kalshi-access") }.isEmpty,
                "no key was given: nothing signed (\(headers.value.keys.sorted()))")
            #expect(r.stdout.contains(#""messages":3"#) && r.stdout.contains(#""ticker":1"#), "\(r)")
            let (raw, _, _) = try Self.contents(tmp + "/feed")
            // The first of the three subscribe commands, one per channel.
            #expect(
                raw.last?.contains(#"{"id":1,"cmd":"subscribe","params":{"channels":["ticker"]}}"#) == true, "\(raw)")
        }
    }

    @Test("a private channel without a key: one clear line, nothing connected")
    func privateChannelNeedsAKey() throws {
        let r = try RecorderProcess.run(["--log", "/tmp/never-written", "--channels", "ticker,fill"])
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("error: the channel fill need a key: give --key-id and --private-key"), "\(r)")
        let half = try RecorderProcess.run(["--log", "/tmp/never-written", "--key-id", "k"])
        #expect(half.exitCode == 2 && half.stderr.contains("give --private-key"), "\(half)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
    }

    @Test("sequence gaps are counted over every message of a subscription, before the series filter")
    func oneGapAmongOtherSeries() throws {
        let server = try ScriptedWebSocketServer { c in
            guard c.receive() != nil else { return }
            c.send(text: #"{"id":2,"type":"subscribed","msg":{"channel":"trade","sid":2}}"#)
            c.send(text: #"{"id":3,"type":"subscribed","msg":{"channel":"market_lifecycle_v2","sid":3}}"#)
            func trade(_ seq: Int, _ market: String) {
                c.send(
                    text:
                        #"{"type":"trade","sid":2,"seq":\#(seq),"msg":{"trade_id":"t\#(seq)","market_ticker":"\#(market)","yes_price_dollars":"0.4500","count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1732460400000}}"#
                )
            }
            // Subscription 2: 1 … 8 with 5 missing; every other message is another series'.
            for (seq, market) in [
                (1, "KXHIGHNY-26NOV24-B45.5"), (2, "KXBTCD-26NOV24-T1"), (3, "KXHIGHNY-26NOV24-B45.5"),
                (4, "KXETH-26NOV24-T1"), (6, "KXHIGHNY-26NOV24-B47.5"), (7, "KXBTCD-26NOV24-T2"),
                (8, "KXHIGHNY-26NOV24-B47.5"),
            ] { trade(seq, market) }
            // Subscription 3, no gap: event-level messages of this series and of others.
            c.send(
                text:
                    #"{"type":"event_lifecycle","sid":3,"seq":1,"msg":{"event_ticker":"KXBTCD-26NOV25","title":"t","subtitle":"s","collateral_return_type":"","series_ticker":"KXBTCD"}}"#
            )
            c.send(
                text:
                    #"{"type":"event_lifecycle","sid":3,"seq":2,"msg":{"event_ticker":"KXHIGHNY-26NOV25","title":"t","subtitle":"s","collateral_return_type":"MECNET","series_ticker":"KXHIGHNY"}}"#
            )
            c.send(
                text:
                    #"{"type":"event_fee_update","sid":3,"seq":3,"msg":{"event_ticker":"KXINX-26NOV25","fee_type_override":"flat","fee_multiplier_override":1}}"#
            )
            // A combination market whose raw bytes name a weather market (one of its legs) before its own
            // ticker: the filter reads the message's market_ticker, not the first ticker in the bytes.
            c.send(
                text:
                    #"{"type":"multivariate_lookup","sid":3,"seq":4,"msg":{"collection_ticker":"KXMVECROSS-26","selected_markets":[{"event_ticker":"KXHIGHNY-26NOV25","market_ticker":"KXHIGHNY-26NOV25-B45.5","side":"yes"}],"event_ticker":"KXMVECROSS-26NOV25","market_ticker":"KXMVECROSS-26NOV25-A1"}}"#
            )
            c.send(
                text:
                    #"{"type":"market_lifecycle_v2","sid":3,"seq":5,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","event_type":"settled","settled_ts":1732547000}}"#
            )
            _ = c.waitForClose()
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let r = try RecorderProcess.run([
                "--log", tmp + "/feed", "--url", server.url, "--series", "KXHIGHNY", "--max-messages", "8", "--json",
            ])
            try #require(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains(#""sequence_gaps":1,"#), "one message (5) is missing: \(r)")
            #expect(
                r.stderrLines.filter { $0.contains("sequence gap") } == [
                    "record: sequence gap in subscription 2 (trade): 6 after 4; subscribing to trade again"
                ], "\(r)")
            // Subscription 2's later messages are kept as frames but not applied: its state is unknown until
            // the new subscription's.
            #expect(r.stdout.contains(#""trade":3"#), "trades 1, 3 and 6 of this series applied: \(r)")
            #expect(r.stdout.contains(#""other_series":6"#), "\(r)")
            let (raw, _, _) = try Self.contents(tmp + "/feed")
            #expect(raw.count == 8)
            #expect(
                raw.filter { ["KXBTCD", "KXETH", "KXINX", "KXMVE"].contains(where: $0.contains) }.isEmpty, "\(raw)")
            #expect(raw.contains { $0.contains(#""event_ticker":"KXHIGHNY-26NOV25""#) }, "this series' event kept")
        }
    }

    @Test(
        "Kalshi's errors reach standard error under --json and the log; a channel error resubscribes, an unknown channel stops"
    )
    func kalshiErrors() throws {
        let resubscribe = ManagedBox<String>("")
        let server = try ScriptedWebSocketServer { c in
            guard c.receive() != nil else { return }
            c.send(text: #"{"id":1,"type":"subscribed","msg":{"channel":"ticker","sid":1}}"#)
            c.send(
                text:
                    #"{"type":"ticker","sid":1,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","price_dollars":"0.4500"}}"#
            )
            c.send(text: #"{"id":1,"type":"error","msg":{"code":6,"msg":"Already subscribed"}}"#)
            c.send(text: #"{"id":1,"sid":1,"seq":2,"type":"error","msg":{"code":10,"msg":"Channel error"}}"#)
            guard let again = c.receive() else { return }
            resubscribe.value = again
            c.send(text: #"{"id":2,"type":"subscribed","msg":{"channel":"ticker","sid":4}}"#)
            c.send(text: #"{"id":2,"type":"error","msg":{"code":8,"msg":"Unknown channel name"}}"#)
            _ = c.waitForClose()
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let r = try RecorderProcess.run([
                "--log", tmp + "/feed", "--url", server.url, "--channels", "ticker", "--backoff", "0.05", "--json",
            ])
            #expect(r.exitCode == 2, "\(r)")
            #expect(resubscribe.value == #"{"id":2,"cmd":"subscribe","params":{"channels":["ticker"]}}"#, "\(r)")
            #expect(r.stderr.contains("record: Kalshi error 6 (already subscribed): Already subscribed\n"), "\(r)")
            #expect(
                r.stderr.contains(
                    "record: Kalshi error 10 (channel error): Channel error; subscribing to ticker again in 0.0 s"),
                "\(r)")
            #expect(
                r.stderrLines.last
                    == "error: Kalshi error 8 (unknown channel name): Unknown channel name (channels: ticker)", "\(r)")
            // The summary is still printed, and the log is whole.
            #expect(r.stdout.contains(#""resubscriptions":1"#) && r.stdout.contains(#""kalshi_errors":3"#), "\(r)")
            #expect(try LogVerifier.verify(directory: tmp + "/feed").isClean)
            let (raw, _, records) = try Self.contents(tmp + "/feed")
            #expect(raw.filter { $0.contains(#""type":"error""#) }.count == 3)
            let channels = records.compactMap { r -> String? in
                if case .rawFeedMessage(let m) = r.event { return m.channel }
                return nil
            }
            #expect(channels.filter { $0 == "error" }.count == 3)
        }
    }

    @Test("authentication required without a key stops with what to do")
    func authenticationRequired() throws {
        let server = try ScriptedWebSocketServer { c in
            guard c.receive() != nil else { return }
            c.send(text: #"{"id":1,"type":"error","msg":{"code":9,"msg":"Authentication required"}}"#)
            _ = c.waitForClose()
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let r = try RecorderProcess.run(["--log", tmp + "/feed", "--url", server.url])
            #expect(r.exitCode == 2, "\(r)")
            #expect(
                r.stderrLines.last
                    == "error: Kalshi error 9 (authentication required): Authentication required: the channels need a key; give --key-id and --private-key (or set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH)",
                "\(r)")
        }
    }

    @Test(
        "SIGTERM and SIGINT flush and close: the log verifies and holds every message received",
        arguments: [SIGTERM, SIGINT])
    func signalFlushesAndCloses(signal: Int32) throws {
        let received = DispatchSemaphore(value: 0)
        let closedCleanly = ManagedFlag(false)
        let count = 40
        let server = try ScriptedWebSocketServer { c in
            guard c.receive() != nil else { return }
            c.send(text: #"{"id":2,"type":"subscribed","msg":{"channel":"trade","sid":2}}"#)
            for i in 1...count {
                c.send(
                    text:
                        #"{"type":"trade","sid":2,"seq":\#(i),"msg":{"trade_id":"t\#(i)","market_ticker":"KXHIGHNY-26NOV24-B45.5","yes_price_dollars":"0.4500","count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1732460400000}}"#
                )
            }
            // swift-websocket answers a ping when the reader asks for the frame after the ones before it: the
            // pong proves the recorder has read (and appended) every message sent before.
            if c.sync("all-sent") { received.signal() }
            closedCleanly.value = c.waitForClose()
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let run = try RecorderProcess.start(["--log", tmp + "/feed", "--url", server.url, "--json"])
            let signalled = received.wait(timeout: .now() + 120) == .success
            #expect(signalled, "the recorder answered the ping")
            kill(run.process.processIdentifier, signal)
            let r = try run.finish()
            #expect(r.exitCode == 0, "\(r)")
            let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
            #expect(
                r.stdout.contains(#""messages":\#(count + 1),"#) && r.stdout.contains(#""stopped":"\#(name)""#), "\(r)")
            #expect(closedCleanly.value, "the WebSocket was closed with a close frame")
            #expect(try LogVerifier.verify(directory: tmp + "/feed").isClean)
            let (raw, kinds, _) = try Self.contents(tmp + "/feed")
            #expect(raw.count == count + 1 && kinds.filter { $0 == "trade" }.count == count)
        }
    }

    @Test("--seconds is wall-clock time: a quiet feed ends on time, not after a read timeout")
    func secondsOnAQuietFeed() throws {
        let server = try ScriptedWebSocketServer { c in
            guard c.receive() != nil else { return }
            c.send(
                text:
                    #"{"type":"ticker","sid":1,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","price_dollars":"0.4500"}}"#
            )
            _ = c.waitForClose()  // then nothing
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let started = Date()
            let r = try RecorderProcess.run(["--log", tmp + "/feed", "--url", server.url, "--seconds", "1.5", "--json"])
            let elapsed = Date().timeIntervalSince(started)
            #expect(r.exitCode == 0, "\(r)")
            #expect(elapsed < 20, "a quiet connection is closed on time (took \(elapsed) s)")
            #expect(r.stdout.contains(#""drops":0,"#) && r.stdout.contains(#""stopped":"seconds""#), "\(r)")
            let (raw, _, _) = try Self.contents(tmp + "/feed")
            #expect(raw.count == 1)
        }
    }
}

/// `isotherm record` as a child process with no Kalshi key in its environment (whatever the test
/// runner's holds), started and finished by the test.
struct RecorderProcess {
    let process: Process
    let arguments: [String]
    let scratch: URL

    static func start(_ arguments: [String]) throws -> RecorderProcess {
        let path = try #require(CLI.executablePath, "the isotherm executable was not built")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "isotherm-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: scratch.appendingPathComponent("stdout").path, contents: nil)
        FileManager.default.createFile(atPath: scratch.appendingPathComponent("stderr").path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["record"] + arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KALSHI_") }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: scratch.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: scratch.appendingPathComponent("stderr"))
        try process.run()
        return RecorderProcess(process: process, arguments: ["record"] + arguments, scratch: scratch)
    }

    /// Waits for the process (killing it after 120 s) and collects what it printed.
    func finish() throws -> CLIResult {
        let pid = process.processIdentifier
        let deadline = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: deadline)
        process.waitUntilExit()
        deadline.cancel()
        defer { try? FileManager.default.removeItem(at: scratch) }
        return CLIResult(
            arguments: arguments,
            exitCode: process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: scratch.appendingPathComponent("stdout")), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: scratch.appendingPathComponent("stderr")), as: UTF8.self))
    }

    static func run(_ arguments: [String]) throws -> CLIResult { try start(arguments).finish() }
}

/// A value a server script sets and the test reads after the run.
final class ManagedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
