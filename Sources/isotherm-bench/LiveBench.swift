import Glibc
import Hummingbird
import IsothermEvents
import IsothermExchange
import IsothermImport
import IsothermKalshi
import IsothermLive
import IsothermLog
import IsothermNet
import IsothermPlatform
import IsothermStore
import IsothermTestSupport
import IsothermWorld
import Logging
import NIOSSL
import Synchronization
import WSClient

/// The live side against the local exchange on loopback over TLS, each figure beside a baseline measured
/// in the same run:
/// - a signed V2 order create (validated, matched, answered) round trip through the pooled client,
///   against an unsigned `GET /exchange/status` on the same kept-alive connection, and against that
///   GET made the old way (`IsothermNet.HTTPClient`, a TLS handshake per request);
/// - WebSocket messages per second through `KalshiFeedClient` (signed upgrade, every frame read,
///   `seq` checked), and through it into a log (`FeedRecorder`: every frame verbatim and its events,
///   `fdatasync` after every batch), against a bare `WSClient` that only counts the same frames.
enum LiveBench {
    final class Clock: Sendable {
        private let now: Mutex<Timestamp>
        init(_ t: Timestamp) { now = Mutex(t) }
        var time: Timestamp { now.withLock { $0 } }
        func set(_ t: Timestamp) { now.withLock { $0 = t } }
    }

    static let fixtures = "Tests/IsothermKalshiTests/Fixtures"

    /// Frames counted by a reader task, with the times of the first and the last.
    final class Tally: Sendable {
        private let state = Mutex((frames: 0, first: Int64(0), last: Int64(0)))
        func count() {
            let now = SystemClock.monotonicNanos()
            state.withLock {
                if $0.frames == 0 { $0.first = now }
                $0.frames += 1
                $0.last = now
            }
        }
        var frames: Int { state.withLock { $0.frames } }
        var all: (Int, Int64, Int64) { state.withLock { ($0.frames, $0.first, $0.last) } }
    }

    final class Flag: Sendable {
        private let state = Mutex(false)
        var isSet: Bool { state.withLock { $0 } }
        func set() { state.withLock { $0 = true } }
    }

    static func run(orders: Int, days: Int32) async throws {
        let first = LocalDate(iso8601: "2025-06-10")!
        var world = CityWorld(city: WorldCity.named("NY")!, seed: 11, start: first, end: first.advanced(by: days - 1))
        var events: [EventRecord] = []
        while let r = world.next() {
            switch r.event {
            case .marketListed, .candle, .marketLifecycle, .settlement: events.append(r)
            default: break
            }
        }
        let clock = Clock(Timestamp(rfc3339: "2025-06-10T16:00:00Z")!)
        let keyId = "bench"
        let signer = try KalshiSigner(keyId: keyId, pem: readFile(fixtures + "/test_rsa_private.pem"))
        var config = ExchangeService.Configuration(
            keyId: keyId, publicKeyPEM: try readFile(fixtures + "/test_rsa_public.pem"))
        config.book.startingBalance = Money(micros: 1_000_000_000_000)
        let ca = try ThrowawayCA()
        let dir = "/tmp/isotherm-bench-live-\(getpid())"
        guard mkdir(dir, 0o700) == 0 else { throw BenchError(description: "cannot create \(dir)") }
        defer { removeTree(dir) }
        try ca.issue(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
            .writePEM(certificateFile: dir + "/cert.pem", keyFile: dir + "/key.pem")
        let tls = try ExchangeServer.tls(certificateFile: dir + "/cert.pem", keyFile: dir + "/key.pem")
        let logger = {
            var l = Logger(label: "bench")
            l.logLevel = .critical
            return l
        }()
        /// A fresh exchange on the world (its clock only moves forward), served on a free port.
        func start(_ clock: Clock) async throws -> (ExchangeService, Int, Task<Void, any Error>) {
            let service = ExchangeService(
                config, timeline: events, worldNow: { clock.time }, wallMs: { SystemClock.wallNanos() / 1_000_000 })
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let app = try ExchangeServer.application(
                service: service, feed: ExchangeFeed(service: service), port: 0, tls: tls, logger: logger,
                pumpMillis: 1, onListening: { continuation.yield($0) })
            let server = Task { try await app.run() }
            var portIterator = ports.makeAsyncIterator()
            guard let port = await portIterator.next() else {
                throw BenchError(description: "the exchange did not start")
            }
            return (service, port, server)
        }
        let (service, port, server) = try await start(clock)
        note("live bench: a New York world of \(days) days (\(events.count) market events), TLS on 127.0.0.1:\(port)")

        // Orders.
        var restConfig = KalshiRESTClient.Configuration(baseURL: "https://127.0.0.1:\(port)/trade-api/v2")
        restConfig.caFile = ca.caFile
        restConfig.tier = .prime
        let client = try KalshiRESTClient(restConfig, signer: signer, logger: logger)
        let market = service.snapshot().markets.values.first { m in
            m.bid.map { $0.micros >= 50_000 } ?? false && clock.time < m.listing.closeTime
        }!
        let price = Price(micros: market.bid!.micros - 10_000)
        var create: [Int64] = []
        var status: [Int64] = []
        var signedRead: [Int64] = []
        var handshake: [Int64] = []
        let old = IsothermNet.HTTPClient(timeoutSeconds: 10, trust: .caFile(ca.caFile))
        _ = try await client.json("/exchange/status")  // the connection, once
        for i in 0..<orders {
            let order = KalshiOrderV2(
                ticker: market.listing.ticker, side: .bid, count: Count(contracts: 1), yesPrice: price,
                timeInForce: .goodTillCanceled, selfTradePrevention: .takerAtCross, clientOrderId: "bench-\(i)",
                postOnly: true, reduceOnly: false)
            var t = SystemClock.monotonicNanos()
            _ = try await client.create(order)
            create.append(SystemClock.monotonicNanos() - t)
            t = SystemClock.monotonicNanos()
            _ = try await client.json("/exchange/status")
            status.append(SystemClock.monotonicNanos() - t)
            t = SystemClock.monotonicNanos()
            _ = try await client.json("/portfolio/balance")
            signedRead.append(SystemClock.monotonicNanos() - t)
            if i % 10 == 0 {
                t = SystemClock.monotonicNanos()
                _ = try old.get("https://127.0.0.1:\(port)/trade-api/v2/exchange/status")
                handshake.append(SystemClock.monotonicNanos() - t)
            }
        }
        await client.shutdown()
        let signing: [Int64] = (0..<500).map { _ in
            let t = SystemClock.monotonicNanos()
            _ = try? signer.headers(timestampMs: 1, method: "GET", urlOrPath: "/trade-api/v2/portfolio/balance")
            return SystemClock.monotonicNanos() - t
        }
        let c = percentiles(create)
        let s = percentiles(status)
        let r = percentiles(signedRead)
        let h = percentiles(handshake)
        func row(_ name: String, _ p: (p50: Double, p99: Double)) {
            print(
                "  \(pad(name, 46)) p50 \(lpad(fmt(p.p50 / 1e3, 0), 6)) µs   p99 \(lpad(fmt(p.p99 / 1e3, 0), 6)) µs")
        }
        print("order round trip over TLS, one kept-alive connection (\(orders) creates, each beside its baselines):")
        row("signed create (validate, match, answer)", c)
        row("baseline: signed GET /portfolio/balance", r)
        row("baseline: GET /exchange/status (unsigned)", s)
        row("  the RSA-PSS signature alone", percentiles(signing))
        row("baseline: GET with a TLS handshake each", h)
        print(
            "  p50 ratios: create / signed GET \(fmt(c.p50 / r.p50, 2))×, create / unsigned GET \(fmt(c.p50 / s.p50, 2))×, "
                + "handshake GET / kept-alive GET \(fmt(h.p50 / s.p50, 1))×")

        server.cancel()
        _ = await server.result

        // The feed: every candle of the rest of the world, as ticker, trade and book messages; a fresh
        // exchange for each run, the three readers taking turns.
        let tickers = service.snapshot().tickers.map(\.description)
        enum Reader: CaseIterable { case bare, client, log }
        for reader in Reader.allCases + Reader.allCases {
            let clock = Clock(Timestamp(rfc3339: "2025-06-10T16:00:00Z")!)
            let (_, port, server) = try await start(clock)
            let wsURL = "wss://localhost:\(port)/trade-api/ws/v2"
            let start = clock.time
            // A fresh exchange position in time for each run: the feed sends what happens from now on.
            let counted = Tally()
            let expected = expectedMessages(events, from: start, tickers: Set(tickers))
            let done = Flag()
            let logDir = "/tmp/isotherm-bench-feed-\(getpid())"
            _ = try? Files.removeTree(logDir)
            let task = Task {
                if reader != .bare {
                    var feedConfig = KalshiFeedClient.Configuration(
                        url: wsURL,
                        channels: [.init("ticker"), .init("trade"), .init("orderbook_delta", markets: tickers)])
                    feedConfig.caFile = ca.caFile
                    var options = EventLogWriter.defaultOptions
                    options.durability = .syncEachBatch
                    let recorder =
                        reader == .log
                        ? FeedRecorder(
                            writer: try EventLogWriter(directory: logDir, options: options),
                            settings: .init(prefixes: [""], maxMessages: nil, signed: true, channels: []),
                            note: { _ in })
                        : nil
                    let stats = await KalshiFeedClient(feedConfig, signer: signer, logger: logger).run { update in
                        if let recorder, !recorder.handle(update) { return false }
                        guard case .frame(let f) = update, f.message?.subscribed == nil else { return !done.isSet }
                        counted.count()
                        return !done.isSet
                    }
                    _ = try recorder?.finish(stats, stopReason: "done")
                } else {
                    var tlsConfig = TLSConfiguration.makeClientConfiguration()
                    tlsConfig.trustRoots = .file(ca.caFile)
                    let ws = WebSocketClient(
                        url: wsURL, configuration: .init(maxFrameSize: 1 << 20), tlsConfiguration: tlsConfig,
                        logger: logger
                    ) { inbound, outbound, _ in
                        let list = tickers.map { "\"\($0)\"" }.joined(separator: ",")
                        try await outbound.write(
                            .text("{\"id\":1,\"cmd\":\"subscribe\",\"params\":{\"channels\":[\"ticker\"]}}"))
                        try await outbound.write(
                            .text("{\"id\":2,\"cmd\":\"subscribe\",\"params\":{\"channels\":[\"trade\"]}}"))
                        try await outbound.write(
                            .text(
                                "{\"id\":3,\"cmd\":\"subscribe\",\"params\":{\"channels\":[\"orderbook_delta\"],\"market_tickers\":[\(list)]}}"
                            ))
                        var replies = 0
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            if replies < 3, text.hasPrefix("{\"id\"") {
                                replies += 1
                                continue
                            }
                            counted.count()
                            if done.isSet { break }
                        }
                    }
                    _ = try? await ws.run()
                }
            }
            // Subscribed: the book snapshots arrive first.
            while counted.frames < tickers.count { try await Task.sleep(nanoseconds: 1_000_000) }
            let snapshots = counted.frames
            clock.set(events.last!.time.adding(nanos: Timestamp.nanosPerMinute))
            // Until every expected message came, or none came for a second (the count then says so).
            var seen = -1
            var quietSince = SystemClock.monotonicNanos()
            while counted.frames < snapshots + expected {
                let now = counted.frames
                if now != seen {
                    seen = now
                    quietSince = SystemClock.monotonicNanos()
                } else if SystemClock.monotonicNanos() - quietSince > 1_000_000_000 {
                    break
                }
                try await Task.sleep(nanoseconds: 2_000_000)
            }
            done.set()
            let (frames, firstNanos, lastNanos) = counted.all
            task.cancel()
            try await task.value
            _ = try? Files.removeTree(logDir)
            let seconds = Double(lastNanos - firstNanos) / 1e9
            print(
                "websocket, \(pad(reader == .bare ? "baseline: bare WSClient, frames counted" : reader == .client ? "KalshiFeedClient (read, seq checked)" : "KalshiFeedClient into a log, sync per batch", 44)) \(lpad(String(frames - snapshots), 7)) of \(expected) messages in \(fmt(seconds, 3)) s: \(rate(frames, seconds))"
            )
            server.cancel()
            _ = await server.result
        }
    }

    /// The feed messages the rest of the world gives three subscriptions (ticker and trade for every
    /// market, the books of `tickers`): a ticker per candle, a trade per candle that traded, and a
    /// delta pair per side whose quote moved.
    static func expectedMessages(_ events: [EventRecord], from start: Timestamp, tickers: Set<String>) -> Int {
        var n = 0
        var last: [Symbol: (Int64?, Int64?)] = [:]
        for r in events {
            guard case .candle(let c) = r.event else { continue }
            let yes = c.yesBid.flatMap { $0.close.micros > 0 ? $0.close.micros : nil }
            let no = c.yesAsk.flatMap {
                $0.close.micros > 0 && $0.close.micros < 1_000_000 ? 1_000_000 - $0.close.micros : nil
            }
            let before = last[c.ticker] ?? (nil, nil)
            let now = (yes ?? before.0, no ?? before.1)
            defer { last[c.ticker] = now }
            guard r.time > start else { continue }
            n += 1
            if c.price != nil && c.volume.hundredths > 0 { n += 1 }
            if tickers.contains(c.ticker.description) {
                for (old, new) in [(before.0, now.0), (before.1, now.1)] where old != new {
                    n += (old == nil ? 0 : 1) + (new == nil ? 0 : 1)
                }
            }
        }
        return n
    }

    static func percentiles(_ values: [Int64]) -> (p50: Double, p99: Double) {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return (0, 0) }
        return (Double(sorted[sorted.count / 2]), Double(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]))
    }
}
