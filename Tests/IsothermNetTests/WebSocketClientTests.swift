import IsothermTestSupport
import Testing

@testable import IsothermNet

/// The WebSocket client against a scripted local server: handshake with extra headers, text both
/// ways, fragmented and long messages, pings answered, closes and drops.
@Suite(.serialized) struct WebSocketClientTests {
    @Test func theAcceptKeyOfRFC6455sExample() {
        #expect(WebSocketClient.acceptKey(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func messagesBothWaysWithHeadersFragmentsPingsAndAClose() throws {
        let long = String(repeating: "0123456789", count: 10_000)
        let server = try ScriptedWebSocketServer { c in
            // Echo the subscription with the auth header the client sent, then the feed.
            guard let first = c.receive() else { return }
            c.send(
                text: "{\"echo\":\(first),\"key\":\"\(c.headers["kalshi-access-key"] ?? "")\",\"path\":\"\(c.target)\"}"
            )
            c.ping("are you there")
            c.send(text: "{\"type\":\"ticker\",\"seq\":1}", fragments: 3)
            c.send(text: long)
            if let reply = c.receive() { c.send(text: "got \(reply.count) bytes") }
            c.close(code: 1001, reason: "going away")
        }
        defer { server.stop() }
        let ws = try WebSocketClient(
            url: server.url + "/trade-api/ws/v2", headers: [("KALSHI-ACCESS-KEY", "abc")], timeoutSeconds: 5)
        try ws.send(text: #"{"id":1,"cmd":"subscribe"}"#)
        #expect(
            try ws.receive() == .text(#"{"echo":{"id":1,"cmd":"subscribe"},"key":"abc","path":"/trade-api/ws/v2"}"#))
        #expect(
            try ws.receive() == .text(#"{"type":"ticker","seq":1}"#),
            "fragments reassembled; the ping answered on the way")
        #expect(try ws.receive() == .text(long), "a 100 kB message (64-bit length)")
        try ws.send(text: String(repeating: "x", count: 300))
        #expect(try ws.receive() == .text("got 300 bytes"), "a 16-bit length from the client")
        #expect(try ws.receive() == .close(1001, "going away"))
        #expect(throws: NetError.self) { try ws.send(text: "after close") }
    }

    @Test func aDroppedConnectionIsARetryableError() throws {
        let server = try ScriptedWebSocketServer { c in
            _ = c.receive()
            // Return without a close frame: the listener closes the socket.
        }
        defer { server.stop() }
        let ws = try WebSocketClient(url: server.url, timeoutSeconds: 5)
        try ws.send(text: "hello")
        do {
            _ = try ws.receive()
            Issue.record("received from a dropped connection")
        } catch {
            #expect(error.isRetryable, "\(error)")
        }
    }

    @Test func aServerThatIsNotAWebSocketIsRefused() throws {
        let http = try ScriptedHTTPServer { _ in .json("{}") }
        defer { http.stop() }
        #expect(throws: NetError.self) { try WebSocketClient(url: "ws://127.0.0.1:\(http.port)/", timeoutSeconds: 5) }
        #expect(throws: NetError(url: "http://x", message: "not a ws:// or wss:// URL", isRetryable: false)) {
            try WebSocketClient(url: "http://x")
        }
    }
}
