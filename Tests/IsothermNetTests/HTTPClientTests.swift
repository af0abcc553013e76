import IsothermTestSupport
import Testing

@testable import IsothermNet

/// The backfills' HTTP client and retry policy against a scripted local server.
@Suite(.serialized) struct HTTPClientTests {
    static let fast: FetchPolicy = {
        var p = FetchPolicy()
        p.requestsPerSecond = 1_000
        p.backoffSeconds = 0.01
        p.maxAttempts = 4
        return p
    }()

    @Test func bodiesByLengthChunkedAndAcrossManyReads() throws {
        let big = (0..<200_000).map { UInt8($0 % 251) }
        let server = try ScriptedHTTPServer { target in
            switch target {
            case "/length": .json(#"{"ok":true}"#)
            case "/chunked": .respond(status: 200, body: big, chunked: true)
            default: .respond(status: 200, body: big)
            }
        }
        defer { server.stop() }
        let client = HTTPClient(timeoutSeconds: 5)
        let a = try client.get(server.baseURL + "/length")
        #expect(a.status == 200 && a.body == Array(#"{"ok":true}"#.utf8))
        #expect(a.header("Content-Type") == "application/json")
        #expect(try client.get(server.baseURL + "/chunked").body == big)
        #expect(try client.get(server.baseURL + "/big?x=1&y=2").body == big)
        #expect(server.requests == ["/length", "/chunked", "/big?x=1&y=2"])
    }

    @Test func retriesHonourRetryAfterAndBackOffOnServerErrorsAndDrops() throws {
        let counter = RequestCounter()
        let server = try ScriptedHTTPServer { target in
            let n = counter.next(target)
            switch (target, n) {
            case ("/limited", 1): return .respond(status: 429, headers: [("Retry-After", "0")], body: [])
            case ("/flaky", 1): return .respond(status: 503, body: Array("busy".utf8))
            case ("/flaky", 2): return .drop(status: 200, body: Array(#"{"a":1}"#.utf8), afterBytes: 3)
            case ("/flaky", 3): return .hangUp
            case ("/missing", _): return .respond(status: 404, body: Array("no such market".utf8))
            case ("/down", _): return .respond(status: 500, body: [])
            default: return .json(#"{"a":1}"#)
            }
        }
        defer { server.stop() }
        var notes: [String] = []
        let fetcher = RetryingFetcher(client: HTTPClient(timeoutSeconds: 5), policy: Self.fast) { notes.append($0) }
        #expect(try fetcher.get(server.baseURL + "/limited") == Array(#"{"a":1}"#.utf8))
        #expect(fetcher.stats.rateLimited == 1)
        #expect(try fetcher.get(server.baseURL + "/flaky") == Array(#"{"a":1}"#.utf8))
        #expect(fetcher.stats.serverErrors == 1 && fetcher.stats.connectionErrors == 2)
        #expect(fetcher.stats.retries == 4 && fetcher.stats.requests == 6)
        #expect(notes.first == "  429 Too Many Requests; retrying in 0.0 s (attempt 2 of 4)")

        #expect(
            throws: NetError(url: server.baseURL + "/missing", message: "HTTP 404: no such market", isRetryable: false)
        ) {
            try fetcher.get(server.baseURL + "/missing")
        }
        #expect(server.requests.filter { $0 == "/missing" }.count == 1, "a 404 is not retried")
        #expect(
            throws: NetError(
                url: server.baseURL + "/down", message: "gave up after 4 attempts; last: HTTP 500", isRetryable: false)
        ) {
            try fetcher.get(server.baseURL + "/down")
        }
    }

    @Test func refusedConnectionsAndBadURLsAreClearErrors() throws {
        let server = try ScriptedHTTPServer { _ in .hangUp }
        let port = server.port
        server.stop()
        do {
            _ = try HTTPClient(timeoutSeconds: 2).get("http://127.0.0.1:\(port)/x")
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.isRetryable && error.description.contains("cannot connect to 127.0.0.1:\(port)"))
        }
        #expect(throws: NetError(url: "ftp://x", message: "not an http(s) URL", isRetryable: false)) {
            try HTTPClient().get("ftp://x")
        }
        #expect(
            URLParts("https://api.elections.kalshi.com/trade-api/v2/markets?limit=5")
                == URLParts(
                    secure: true, host: "api.elections.kalshi.com", port: 443, target: "/trade-api/v2/markets?limit=5"))
        #expect(
            URLParts("http://127.0.0.1:8080") == URLParts(secure: false, host: "127.0.0.1", port: 8080, target: "/"))
        #expect(URLParts("http://host:99999/") == nil)
    }
}

extension URLParts {
    init(secure: Bool, host: String, port: Int, target: String) {
        self = URLParts("http://x/")!
        self.secure = secure
        self.host = host
        self.port = port
        self.target = target
    }
}
