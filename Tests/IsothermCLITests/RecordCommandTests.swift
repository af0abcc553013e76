import Foundation
import IsothermEvents
import IsothermKalshi
import IsothermStore
import IsothermTestSupport
import Testing

@Suite("isotherm record", .serialized)
struct RecordCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IsothermKalshiTests/Fixtures").path

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
            guard let subscribe = c.receive(), subscribe.contains(#""cmd":"subscribe""#) else { return }
            if connections.next("ws") == 1 {
                c.send(text: #"{"id":1,"type":"subscribed","msg":{"channel":"ticker","sid":1}}"#)
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
                return  // dropped without a close frame
            }
            c.send(
                text:
                    #"{"type":"market_lifecycle_v2","sid":3,"seq":5,"msg":{"market_ticker":"KXHIGHNY-26NOV24-B45.5","event_type":"determined","result":"yes","determination_ts":1732540000,"settlement_value":"1.0000"}}"#
            )
            c.send(
                text:
                    #"{"type":"trade","sid":2,"seq":1,"msg":{"trade_id":"b","market_ticker":"KXHIGHNY-26NOV24-B47.5","yes_price_dollars":"0.2000","count_fp":"1.00","taker_outcome_side":"no","ts_ms":1732460500000}}"#
            )
            _ = c.receive()
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let r = try CLI.run([
                "record", "--log", tmp + "/feed", "--url", server.url + "/trade-api/ws/v2", "--key-id", "test-key",
                "--private-key", Self.fixtures + "/test_rsa_private.pem", "--max-messages", "5", "--backoff", "0.05",
                "--json",
            ])
            try #require(r.exitCode == 0, "\(r)")
            #expect(signatures.value, "every connection was signed correctly")
            #expect(r.stdout.contains(#""messages":5"#) && r.stdout.contains(#""reconnections":1"#), "\(r)")
            #expect(r.stdout.contains(#""events":{"market_lifecycle":1,"ticker":1,"trade":2}"#), "\(r)")
            var raw: [String] = []
            var kinds: [String] = []
            try EventLogReader(directory: tmp + "/feed").forEach { _, record in
                kinds.append(record.event.kind.name)
                if case .rawFeedMessage(let m) = record.event { raw.append(String(decoding: m.payload, as: UTF8.self)) }
                return true
            }
            #expect(raw.count == 5)
            #expect(raw.allSatisfy { !$0.contains("KXBTCD") }, "other markets are not recorded")
            #expect(raw[1].hasPrefix(#"{"type":"ticker""#), "verbatim")
            // isotherm status shows the recorder's freshness as the city's ticks.
            let status = try CLI.run(["status", tmp + "/feed", "--json", "--now", "2024-11-24T15:00:00Z"])
            #expect(
                status.exitCode == 0 && status.stdout.contains(#""ticks":{"events":3,"first_day":"2026-11-24""#),
                "\(status)")
            #expect(
                kinds == [
                    "raw_feed_message", "raw_feed_message", "ticker", "raw_feed_message", "trade", "raw_feed_message",
                    "market_lifecycle", "raw_feed_message", "trade",
                ])
        }
    }

    @Test("no key: one clear line")
    func missingKey() throws {
        let r = try CLI.run(["record", "--log", "/tmp/never-written"])
        #expect(r.exitCode == 2 && r.stderr.contains("give --key-id or set KALSHI_API_KEY_ID"), "\(r)")
    }
}
