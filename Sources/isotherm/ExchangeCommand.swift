import ArgumentParser
import Foundation
import IsothermEvents
import IsothermExchange
import IsothermKalshi
import IsothermPlatform
import IsothermStore
import Logging
import Metrics
import Prometheus
import Synchronization

struct ExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "A local Kalshi exchange on loopback, serving a world log over Kalshi's REST paths.",
        discussion: """
            Lists the log's markets and events, quotes them from its candles as its clock reaches them, \
            takes orders with Kalshi's validation and errors (invalid_price, post_only_rejected, \
            insufficient_balance, market_not_found, market_closed, order_already_exists), matches them \
            with the backtest's queue fill rules, determines and settles markets, and keeps one \
            account's orders, fills, positions and balance. Every /portfolio request must be signed \
            with the key given here (401 otherwise, as Kalshi answers): the RSA-PSS signature of \
            timestamp + method + path, within 30 s of the wall clock.

            The exchange's clock starts at --start (default: the log's first event) and runs at \
            --speed times real time. It listens on 127.0.0.1 only and prints its base URL on the \
            first line of standard output (JSON with --json), so a script can read the port when \
            --port 0 asks for a free one. SIGINT or SIGTERM stops it gracefully (swift-service-lifecycle) \
            and prints what it did.

            Chaos (parts per thousand of requests, drawn from --chaos-seed so a run repeats): \
            --chaos-429 answers 429 with Retry-After without taking the request; --chaos-5xx takes the \
            request and answers 503; --chaos-lost takes it and holds the answer for --chaos-delay seconds, \
            past a client's deadline. The WebSocket feed's chaos (per mille of data messages, same seed): \
            --feed-drop closes the connection instead of sending, --feed-duplicate sends twice, --feed-gap \
            skips a seq, --feed-reorder swaps a message with the next, --feed-withhold holds one back.

            Examples:
              isotherm generate --out world --cities NY --days 3
              isotherm exchange --world world --private-key key.pem --speed 60
              isotherm exchange --log world/NY --private-key key.pem --port 0 \\
                  --json --chaos-5xx 50 --feed-gap 20
              isotherm order place --private-key key.pem --key-id local \\
                  --ticker KXHIGHNY-25JUN10-B80.5 --side yes --price 40c --count 5
            """)

    @Option(name: .long, help: "A world directory (one log per city, as isotherm generate writes it).")
    var world: String?

    @Option(name: .long, help: "A log directory to serve; repeat for several.")
    var log: [String] = []

    @Option(name: .long, help: "Port on 127.0.0.1; 0 picks a free one.")
    var port = 7443

    @Option(name: .long, help: "World seconds per real second.")
    var speed = 1.0

    @Option(name: .long, help: "World time to start at (RFC 3339); default: the log's first event.")
    var start: String?

    @Option(name: .long, help: "The API key id the exchange accepts.")
    var keyId = "local"

    @Option(name: .long, help: "PEM public key that verifies signatures.")
    var publicKey: String?

    @Option(name: .long, help: "PEM private key: its public half verifies signatures (instead of --public-key).")
    var privateKey: String?

    @Option(name: .long, help: "Serve HTTPS with this PEM certificate chain (with --tls-key).")
    var tlsCert: String?

    @Option(name: .long, help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(name: .long, help: "The account's starting balance in dollars.")
    var balance = 10_000.0

    @Option(name: .customLong("chaos-429"), help: "Per mille of requests answered 429.")
    var chaos429 = 0

    @Option(name: .customLong("chaos-5xx"), help: "Per mille of requests taken, then answered 503.")
    var chaos5xx = 0

    @Option(name: .customLong("chaos-lost"), help: "Per mille of requests taken, then answered too late.")
    var chaosLost = 0

    @Option(name: .customLong("chaos-delay"), help: "Seconds a lost answer is held.")
    var chaosDelay = 3.0

    @Option(name: .customLong("chaos-seed"), help: "Seed of the chaos draws.")
    var chaosSeed: UInt64 = 1

    @Option(
        name: .customLong("feed-drop"), help: "Per mille of WebSocket data messages that close the connection instead.")
    var feedDrop = 0

    @Option(name: .customLong("feed-duplicate"), help: "Per mille of WebSocket data messages sent twice.")
    var feedDuplicate = 0

    @Option(name: .customLong("feed-gap"), help: "Per mille of numbered WebSocket messages preceded by a skipped seq.")
    var feedGap = 0

    @Option(name: .customLong("feed-reorder"), help: "Per mille of WebSocket data messages sent after the next one.")
    var feedReorder = 0

    @Option(
        name: .customLong("feed-withhold"),
        help: "Per mille of WebSocket data messages held back (20 messages or 50 ms).")
    var feedWithhold = 0

    @Option(name: .long, help: "Stop after this many real seconds.")
    var seconds: Double?

    @Flag(name: .long, help: "Print the URL line and the final summary as JSON.")
    var json = false

    func validate() throws {
        guard world != nil || !log.isEmpty else { throw ValidationError("give --world DIR or --log DIR") }
        guard (publicKey == nil) != (privateKey == nil) else {
            throw ValidationError("give one of --public-key or --private-key: the key that verifies signatures")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        for (name, v) in [
            ("--chaos-429", chaos429), ("--chaos-5xx", chaos5xx), ("--chaos-lost", chaosLost),
            ("--feed-drop", feedDrop),
            ("--feed-duplicate", feedDuplicate), ("--feed-gap", feedGap), ("--feed-reorder", feedReorder),
            ("--feed-withhold", feedWithhold),
        ] {
            guard (0...1_000).contains(v) else { throw ValidationError("\(name) is per mille: 0 to 1000") }
        }
        guard feedDrop + feedDuplicate + feedReorder + feedWithhold <= 1_000 else {
            throw ValidationError("the feed's chaos rates add up to more than 1000 per mille")
        }
        guard chaos429 + chaos5xx + chaosLost <= 1_000 else {
            throw ValidationError("the chaos rates add up to more than 1000 per mille")
        }
        guard balance >= 0, balance < 1e12 else { throw ValidationError("--balance must be from 0 to 1e12 dollars") }
    }

    func run() async throws { try await reportingErrors { try await body() } }

    func body() async throws {
        let publicPEM: [UInt8]
        if let publicKey {
            publicPEM = try Files.readWhole(publicKey)
            guard String(decoding: publicPEM, as: UTF8.self).contains("-----BEGIN PUBLIC KEY-----"),
                (try? KalshiVerifier(publicPEM: publicPEM)) != nil
            else {
                throw CLIError("\(publicKey): not a PEM public key (-----BEGIN PUBLIC KEY-----)")
            }
        } else {
            let path = privateKey!
            do {
                publicPEM = try KalshiSigner(keyId: keyId, pem: try Files.readWhole(path)).publicKeyPEM()
            } catch let e as SigningError {
                throw CLIError("\(path): \(e)")
            }
        }
        var logs = log
        if let world { logs += try StatusCommand.logsIn(world) }
        let world = try WorldFeed(logs: logs)
        guard let first = world.firstTime else { throw CLIError("\(logs.joined(separator: ", ")): no market events") }
        let startTime: Timestamp
        if let start {
            guard let t = Timestamp(rfc3339: start) else { throw CLIError("--start \(start): not an RFC 3339 time") }
            startTime = t
        } else {
            startTime = first
        }
        var config = ExchangeService.Configuration(keyId: keyId, publicKeyPEM: publicPEM)
        config.chaos.rateLimitedPerMille = chaos429
        config.chaos.serverErrorPerMille = chaos5xx
        config.chaos.lostAnswerPerMille = chaosLost
        config.chaos.lostAnswerDelayNanos = Int64(chaosDelay * 1e9)
        config.chaos.seed = chaosSeed
        config.book.startingBalance = Money(micros: Int64((balance * 1e6).rounded()))
        config.speed = speed
        let clock = ExchangeClock(start: startTime, speed: speed)
        let service = ExchangeService(
            config, world: world.next, worldNow: { clock.now() },
            wallMs: { SystemClock.wallNanos() / 1_000_000 })
        let tls = try tlsCert.map { try ExchangeServer.tls(certificateFile: $0, keyFile: tlsKey!) }
        var logger = Logger(label: "isotherm.exchange")
        logger.logLevel = .warning
        let scheme = tls == nil ? "http" : "https"
        let json = json
        var feedChaos = ExchangeFeedChaos()
        feedChaos.dropPerMille = feedDrop
        feedChaos.duplicatePerMille = feedDuplicate
        feedChaos.gapPerMille = feedGap
        feedChaos.reorderPerMille = feedReorder
        feedChaos.withholdPerMille = feedWithhold
        feedChaos.seed = chaosSeed
        let feed = ExchangeFeed(service: service, chaos: feedChaos)
        // Prometheus at /metrics: the exchange's requests by path and status, their latencies, feed
        // connections and the chaos it made.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        try await ExchangeServer.serve(
            service: service, feed: feed, metrics: registry, port: port, tls: tls, logger: logger, seconds: seconds,
            onListening: { bound in
                let url = "\(scheme)://127.0.0.1:\(bound)/trade-api/v2"
                // TLS cannot name an IP address as the server (SNI): wss goes to localhost.
                let wsURL =
                    scheme == "https"
                    ? "wss://localhost:\(bound)\(ExchangeServer.webSocketPath)"
                    : "ws://127.0.0.1:\(bound)\(ExchangeServer.webSocketPath)"
                var line: String
                if json {
                    var j = JSONWriter()
                    j.beginObject()
                    j.string("url", url)
                    j.string("ws_url", wsURL)
                    j.number("port", Int64(bound))
                    j.string("world_start", startTime.rfc3339)
                    j.endObject()
                    line = j.output
                } else {
                    line = "listening on \(url) and \(wsURL) (world from \(startTime.rfc3339) at \(speed)x)"
                }
                // Unbuffered, so a script reading the pipe sees the port at once.
                line += "\n"
                _ = line.utf8CString.withUnsafeBufferPointer { write(1, $0.baseAddress, $0.count - 1) }
            })
        if let failure = world.failure { printError("exchange: the world log stopped early: \(failure)") }
        let book = service.snapshot()
        print(Self.summary(book, service: service, feed: feed, json: json))
    }

    static func summary(_ book: ExchangeBook, service: ExchangeService, feed: ExchangeFeed, json: Bool) -> String {
        let resting = book.orders.filter { $0.status == .resting }.count
        let chaos = service.chaosCounts.merging(feed.counts.map { ("feed_" + $0.key, $0.value) }) { a, _ in a }
            .sorted { $0.key < $1.key }
        if json {
            var j = JSONWriter()
            j.beginObject()
            j.string("world_time", book.now.rfc3339)
            j.number("markets", Int64(book.tickers.count))
            j.number("orders", Int64(book.orders.count))
            j.number("resting", Int64(resting))
            j.number("fills", Int64(book.fills.count))
            j.string("cash", KalshiAnswers.dollars(book.cash))
            j.beginObject("chaos")
            for (k, v) in chaos { j.number(k, Int64(v)) }
            j.endObject()
            j.endObject()
            return j.output
        }
        let chaosText = chaos.isEmpty ? "none" : chaos.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return
            "stopped at world time \(book.now.rfc3339): \(book.tickers.count) markets, \(book.orders.count) orders (\(resting) resting), \(book.fills.count) fills, cash $\(KalshiAnswers.dollars(book.cash)); chaos: \(chaosText)"
    }
}

/// The exchange's world clock: `start`, advancing at `speed` times the monotonic clock.
final class ExchangeClock: Sendable {
    let start: Timestamp
    let speed: Double
    let began = SystemClock.monotonicNanos()

    init(start: Timestamp, speed: Double) {
        self.start = start
        self.speed = speed
    }

    func now() -> Timestamp {
        let elapsed = Double(SystemClock.monotonicNanos() - began) * speed
        return start.adding(nanos: Int64(min(elapsed, 9e18)))
    }
}

/// The market events of the given logs (listings, candles, lifecycle, settlements), merged in time
/// order and streamed: the exchange pulls them as its clock reaches them. A log that fails mid-way ends
/// the world there; the failure is kept for the summary.
final class WorldFeed: Sendable {
    private struct State {
        var merge: EventMerge
        var first: EventRecord?
        var failure: String?
    }
    private let state: Mutex<State>
    let firstTime: Timestamp?

    init(logs: [String]) throws {
        var merge = try EventMerge(directories: logs)
        var first: EventRecord?
        while first == nil, let item = try merge.next() {
            if Self.isMarketEvent(item.record.event) { first = item.record }
        }
        firstTime = first?.time
        state = Mutex(State(merge: merge, first: first))
    }

    var failure: String? { state.withLock { $0.failure } }

    func next() -> EventRecord? {
        state.withLock { s in
            if let f = s.first {
                s.first = nil
                return f
            }
            guard s.failure == nil else { return nil }
            do {
                while let item = try s.merge.next() {
                    if Self.isMarketEvent(item.record.event) { return item.record }
                }
            } catch {
                s.failure = "\(error)"
                printError("exchange: \(error)")
            }
            return nil
        }
    }

    static func isMarketEvent(_ e: Event) -> Bool {
        switch e {
        case .marketListed, .candle, .marketLifecycle, .settlement: true
        default: false
        }
    }
}
