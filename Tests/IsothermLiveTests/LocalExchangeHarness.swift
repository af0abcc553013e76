import Foundation
import Hummingbird
import IsothermEvents
import IsothermKalshi
import IsothermPlatform
import IsothermTestSupport
import IsothermWorld
import Logging
import NIOSSL
import Synchronization

@testable import IsothermExchange
@testable import IsothermLive

/// A world clock the test moves by hand.
final class ManualClock: Sendable {
    private let now: Mutex<Timestamp>
    init(_ t: Timestamp) { now = Mutex(t) }
    var time: Timestamp { now.withLock { $0 } }
    func set(_ t: Timestamp) { now.withLock { $0 = t } }
}

/// A local exchange over HTTPS on a free loopback port (a throwaway CA's certificate), serving a
/// generated New York world, and a client that trusts that CA and signs with the test key.
final class LocalExchangeHarness: Sendable {
    static let fixtures =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IsothermKalshiTests/Fixtures").path
    static let keyId = "a952bcbe-ec3b-4b5b-b8f9-11dae589608c"

    let clock: ManualClock
    let service: ExchangeService
    let feed: ExchangeFeed
    let timeline: [EventRecord]
    let port: Int
    let caFile: String
    let signer: KalshiSigner
    private let task: Task<Void, any Error>
    private let ca: ThrowawayCA
    private let directory: String

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
    }

    /// Two days of New York from 2025-06-10, the clock at noon UTC of the first day (markets open,
    /// quoted). `chaos` misbehaves as asked.
    init(
        chaos: ExchangeChaos = ExchangeChaos(), feedChaos: ExchangeFeedChaos = ExchangeFeedChaos(), days: Int32 = 2,
        keepRequests: Int = 0
    ) async throws {
        let first = LocalDate(iso8601: "2025-06-10")!
        var world = CityWorld(city: WorldCity.named("NY")!, seed: 11, start: first, end: first.advanced(by: days - 1))
        var events: [EventRecord] = []
        while let r = world.next() {
            switch r.event {
            case .marketListed, .candle, .marketLifecycle, .settlement: events.append(r)
            default: break
            }
        }
        timeline = events
        clock = ManualClock(Timestamp(rfc3339: "2025-06-10T16:00:00Z")!)
        signer = try KalshiSigner(keyId: Self.keyId, pem: Self.bytes("test_rsa_private.pem"))
        var config = ExchangeService.Configuration(
            keyId: Self.keyId, publicKeyPEM: try Self.bytes("test_rsa_public.pem"))
        config.chaos = chaos
        config.keepRequests = keepRequests
        let clock = self.clock
        service = ExchangeService(
            config, timeline: events, worldNow: { clock.time }, wallMs: { SystemClock.wallNanos() / 1_000_000 })
        feed = ExchangeFeed(service: service, chaos: feedChaos)
        ca = try ThrowawayCA()
        caFile = ca.caFile
        directory = NSTemporaryDirectory() + "isotherm-exchange-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let identity = try ca.issue(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        try identity.writePEM(certificateFile: directory + "/cert.pem", keyFile: directory + "/key.pem")
        let tls = try ExchangeServer.tls(certificateFile: directory + "/cert.pem", keyFile: directory + "/key.pem")
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test.exchange")
        // Hummingbird logs its own cancellation at stop as an error; the tests read answers, not logs.
        logger.logLevel = .critical
        let app = try ExchangeServer.application(
            service: service, feed: feed, port: 0, tls: tls, logger: logger, onListening: { continuation.yield($0) })
        task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        self.port = port
    }

    var baseURL: String { "https://127.0.0.1:\(port)/trade-api/v2" }
    /// `localhost`: TLS cannot send an IP address as the server name (SNI), and the certificate names both.
    var webSocketURL: String { "wss://localhost:\(port)/trade-api/ws/v2" }

    func client(signer: KalshiSigner? = nil, timeoutSeconds: Int64 = 10, maxAttempts: Int = 5) throws
        -> KalshiRESTClient
    {
        var config = KalshiRESTClient.Configuration(baseURL: baseURL)
        config.caFile = caFile
        config.requestTimeoutSeconds = timeoutSeconds
        config.maxAttempts = maxAttempts
        config.backoffSeconds = 0.01
        config.tier = .prime
        var logger = Logger(label: "test.kalshi.rest")
        logger.logLevel = .warning
        return try KalshiRESTClient(config, signer: signer ?? self.signer, logger: logger)
    }

    /// A market of the first day that is open and quoted at the clock's time, with its quote.
    func quotedMarket() -> (ticker: Symbol, bid: Price, ask: Price) {
        let book = service.snapshot()
        for t in book.tickers {
            guard let m = book.markets[t], let bid = m.bid, let ask = m.ask, bid.micros >= 50_000,
                ask.micros <= 950_000, ask.micros - bid.micros >= 20_000, clock.time < m.listing.closeTime
            else { continue }
            return (t, bid, ask)
        }
        fatalError("no quoted market at \(clock.time)")
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}
