import Foundation
import IsothermEvents
import IsothermImport
import IsothermKalshi
import IsothermLog
import IsothermPlatform
import IsothermStore
import IsothermWorld
import Logging
import Synchronization
import Testing

@testable import IsothermExchange
@testable import IsothermLive

/// The WebSocket client against the local exchange's feed over TLS (`reference/kalshi-api.md` §4:
/// commands, envelope, `seq` per subscription, the message payloads): what the feed says about orders,
/// fills and positions equals what REST says; the book folded from snapshots and deltas equals the
/// exchange's quote; dropped connections, duplicates and sequence gaps are survived.
@Suite(.serialized) struct FeedTests {
    /// Everything a run of the feed client reported, and a switch to stop it.
    final class Recorder: Sendable {
        private let state = Mutex((updates: [KalshiFeedUpdate](), stop: false))
        var updates: [KalshiFeedUpdate] { state.withLock { $0.updates } }
        var frames: [KalshiFeedFrame] {
            updates.compactMap { if case .frame(let f) = $0 { f } else { nil } }
        }
        func stop() { state.withLock { $0.stop = true } }
        func record(_ u: KalshiFeedUpdate) -> Bool {
            state.withLock { s in
                s.updates.append(u)
                return !s.stop
            }
        }
        /// Waits (up to `seconds`) until `condition` holds over what was recorded.
        func wait(seconds: Double = 60, _ what: String, _ condition: (Recorder) -> Bool) async -> Bool {
            let deadline = SystemClock.monotonicNanos() + Int64(seconds * 1e9)
            while SystemClock.monotonicNanos() < deadline {
                if condition(self) { return true }
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            let last = updates.suffix(12).map { u -> String in
                switch u {
                case .frame(let f):
                    "\(f.connection):\(f.text.prefix(90))\(f.isDuplicate ? " dup" : "")\(f.isStale ? " stale" : "")"
                default: "\(u)"
                }
            }
            Issue.record("timed out waiting for \(what); the last updates: \(last.joined(separator: "\n"))")
            return false
        }
    }

    static func feedClient(_ h: LocalExchangeHarness, _ channels: [KalshiFeedClient.Channel], signed: Bool = true)
        -> KalshiFeedClient
    {
        var config = KalshiFeedClient.Configuration(url: h.webSocketURL, channels: channels)
        config.caFile = h.caFile
        config.backoffSeconds = 0.02
        config.maxBackoffSeconds = 0.2
        config.jitterSeed = 9
        var logger = Logger(label: "test.kalshi.ws")
        logger.logLevel = .critical
        return KalshiFeedClient(config, signer: signed ? h.signer : nil, logger: logger)
    }

    /// Folds the applicable book messages of `frames` for `ticker`: a snapshot replaces the book.
    static func book(_ frames: [KalshiFeedFrame], _ ticker: Symbol) -> (KalshiBook?, outOfStep: Int) {
        var book: KalshiBook?
        var outOfStep = 0
        for f in frames where f.isApplicable {
            for r in f.message!.events {
                switch r.event {
                case .bookSnapshot(let s) where s.ticker == ticker: book = KalshiBook(s)
                case .bookDelta(let d) where d.ticker == ticker:
                    if book?.apply(d) != true { outOfStep += 1 }
                default: break
                }
            }
        }
        return (book, outOfStep)
    }

    /// Orders, fills and positions agree between REST and the private channels; the folded book is the
    /// exchange's quote; tickers and trades arrive as candles pass.
    @Test func restAndWebSocketAgree() async throws {
        let h = try await LocalExchangeHarness()
        let rest = try h.client()
        let m = h.quotedMarket()
        let recorder = Recorder()
        let feed = Self.feedClient(
            h,
            [
                .init("ticker", markets: [m.ticker.description]), .init("trade", markets: [m.ticker.description]),
                .init("orderbook_delta", markets: [m.ticker.description]), .init("fill"), .init("user_orders"),
                .init("market_positions"), .init("market_lifecycle_v2"),
            ])
        let run = Task { await feed.run { recorder.record($0) } }
        defer { run.cancel() }
        guard
            await recorder.wait(
                "seven subscriptions", { r in r.frames.filter { $0.message?.subscribed != nil }.count == 7 })
        else { return }
        do {
            _ = try await rest.create(
                LocalExchangeTests.order(m.ticker, .bid, m.ask.micros / 10_000, 3, id: "w-1", postOnly: false))
            _ = try await rest.create(LocalExchangeTests.order(m.ticker, .bid, m.bid.micros / 10_000, 40, id: "w-2"))
            _ = try await rest.create(
                LocalExchangeTests.order(m.ticker, .ask, m.bid.micros / 10_000, 1, id: "w-3", postOnly: false))
            // Three hours of candles: tickers, trades, book moves, and maker fills of the resting bid.
            for _ in 0..<36 { h.clock.set(h.clock.time.adding(nanos: 5 * Timestamp.nanosPerMinute)) }
            let fills = try await rest.fills()
            let orders = try await rest.orders()
            let positions = try await rest.positions()
            let quote = h.service.snapshot().markets[m.ticker]!
            guard
                await recorder.wait(
                    "every fill and the latest order states",
                    { r in
                        let streamed = Set(r.frames.filter(\.isApplicable).compactMap { $0.message?.fill?.fillId })
                        let (book, _) = Self.book(r.frames, m.ticker)
                        return streamed == Set(fills.map(\.fillId))
                            && orders.allSatisfy { o in
                                r.frames.last { $0.message?.order?.orderId == o.orderId }?.message?.order == o
                            } && book?.bestYesBid == quote.bid && book?.bestYesAsk == quote.ask
                    })
            else { return }
            recorder.stop()
            let frames = recorder.frames
            // Fills: the same records, whatever the road (REST dates them to the second, the feed to the ms).
            let streamed = frames.filter(\.isApplicable).compactMap { $0.message?.fill }
            func untimed(_ f: KalshiFillRecord) -> KalshiFillRecord {
                var f = f
                f.time = nil
                return f
            }
            let fromFeed: [KalshiFillRecord] = streamed.map(untimed).sorted { $0.fillId < $1.fillId }
            let fromREST: [KalshiFillRecord] = fills.map(untimed).sorted { $0.fillId < $1.fillId }
            #expect(fromFeed == fromREST)
            #expect(fills.count >= 2, "a taking bid and a taking ask at least")
            // Positions: the last market_position equals REST's.
            for p in positions {
                let last = frames.last { $0.message?.position?.ticker == p.ticker }?.message?.position
                #expect(last == p, "\(p.ticker)")
            }
            // The book folded from the feed is the exchange's quote.
            let (book, outOfStep) = Self.book(frames, m.ticker)
            #expect(outOfStep == 0)
            #expect(book?.bestYesBid == quote.bid && book?.bestYesAsk == quote.ask, "\(String(describing: book))")
            #expect(frames.contains { $0.message?.type == "ticker" } && frames.contains { $0.message?.type == "trade" })
            // Every frame is handed over verbatim and read; nothing was a duplicate or a gap.
            #expect(frames.allSatisfy { $0.problem == nil && $0.message?.unreadable == nil })
            #expect(!recorder.updates.contains { if case .gap = $0 { true } else { false } })
        } catch {
            Issue.record("\(error)")
        }
        await rest.shutdown()
        await h.stop()
    }

    /// Without a signed upgrade the private channels are refused with Kalshi's error 9; public ones work.
    @Test func privateChannelsNeedASignedConnection() async throws {
        let h = try await LocalExchangeHarness()
        let recorder = Recorder()
        let feed = Self.feedClient(h, [.init("ticker"), .init("fill")], signed: false)
        let run = Task { await feed.run { recorder.record($0) } }
        defer { run.cancel() }
        _ = await recorder.wait(
            "a subscription and an error",
            { r in
                r.frames.contains { $0.message?.subscribed?.channel == "ticker" }
                    && r.frames.contains { $0.message?.error?.code == 9 }
            })
        recorder.stop()
        await h.stop()
    }

    /// Seeded feed chaos: connections dropped mid-stream, messages sent twice, sequence numbers skipped,
    /// messages swapped with the next and held back. The client reconnects and subscribes again, marks
    /// the duplicates, answers each gap (a skipped, swapped or held numbered message shows as one) with
    /// a new subscription, marks late tickers stale, and the book it folds ends equal to the exchange's
    /// quote.
    @Test func dropsDuplicatesAndGapsAreSurvived() async throws {
        var chaos = ExchangeFeedChaos()
        chaos.dropPerMille = 15
        chaos.duplicatePerMille = 60
        chaos.gapPerMille = 40
        chaos.reorderPerMille = 20
        chaos.withholdPerMille = 10
        chaos.seed = 5
        let h = try await LocalExchangeHarness(feedChaos: chaos)
        let book = h.service.snapshot()
        let tickers = book.tickers.filter { book.markets[$0]!.bid != nil }.prefix(3).map(\.description)
        let recorder = Recorder()
        let feed = Self.feedClient(
            h, [.init("orderbook_delta", markets: tickers), .init("trade", markets: tickers), .init("ticker")])
        let run = Task { await feed.run { recorder.record($0) } }
        defer { run.cancel() }
        guard await recorder.wait("the first subscriptions", { $0.frames.contains { $0.message?.subscribed != nil } })
        else { return }
        // Six hours of candles, five minutes at a time. Before each step the current connection's ticker
        // subscription is confirmed (messages before it are not sent, as on Kalshi); each step is then
        // waited for: its last minute's ticker arrives, or the connection was dropped and made again.
        func latestConnection(_ r: Recorder) -> Int {
            r.updates.reduce(0) { n, u in if case .connected(let c) = u { max(n, c) } else { n } }
        }
        func tickerLive(_ r: Recorder) -> Bool {
            let latest = latestConnection(r)
            return r.frames.contains { $0.connection == latest && $0.message?.subscribed?.channel == "ticker" }
        }
        for _ in 0..<72 {
            guard await recorder.wait("the connection's ticker subscription", tickerLive) else { return }
            let before = latestConnection(recorder)
            h.clock.set(h.clock.time.adding(nanos: 5 * Timestamp.nanosPerMinute))
            let due = h.clock.time.adding(nanos: -Timestamp.nanosPerMinute)
            guard
                await recorder.wait(
                    "the step to \(h.clock.time)",
                    { r in
                        r.frames.contains { f in
                            f.message?.events.contains {
                                if case .ticker(let t) = $0.event { (t.exchangeTime ?? $0.time) >= due } else { false }
                            } == true
                        } || latestConnection(r) > before
                    })
            else {
                Issue.record(
                    "the exchange's feed: \(h.feed.counts), open \(h.feed.openConnections), world at \(h.service.snapshot().now)"
                )
                return
            }
        }
        let quotes = h.service.snapshot()
        let settled = await recorder.wait(
            "every book to match after the chaos",
            { r in
                tickers.allSatisfy { t in
                    let (b, _) = Self.book(r.frames, Symbol(t)!)
                    let q = quotes.markets[Symbol(t)!]!
                    return b?.bestYesBid == q.bid && b?.bestYesAsk == q.ask
                }
            })
        recorder.stop()
        let counts = h.feed.counts
        let updates = recorder.updates
        let reconnects = updates.filter { if case .disconnected = $0 { true } else { false } }.count
        let gaps = updates.filter { if case .gap = $0 { true } else { false } }.count
        let duplicates = recorder.frames.filter(\.isDuplicate).count
        #expect(settled)
        #expect((counts["drop"] ?? 0) > 0 && reconnects >= (counts["drop"] ?? 0), "\(counts), \(reconnects) reconnects")
        #expect((counts["duplicate"] ?? 0) > 0 && duplicates > 0, "\(counts), \(duplicates) marked")
        #expect((counts["gap"] ?? 0) > 0 && gaps > 0, "\(counts), \(gaps) gaps seen")
        #expect((counts["reorder"] ?? 0) > 0 && (counts["withhold"] ?? 0) > 0, "\(counts)")
        // Late tickers were told by their time and not applied over newer ones.
        #expect(recorder.frames.contains { $0.isStale && $0.message?.type == "ticker" }, "\(counts)")
        // After each reconnection every channel was subscribed again.
        let connections = updates.filter { if case .connected = $0 { true } else { false } }.count
        let subscribed = recorder.frames.filter { $0.message?.subscribed != nil }.count
        #expect(subscribed >= connections * 3, "\(subscribed) subscriptions over \(connections) connections")
        await h.stop()
    }

    /// Every frame goes into a log verbatim, beside the events it maps to; duplicates and late messages
    /// as frames only. Read back, the log holds the frames in arrival order, byte for byte, and the
    /// events of the applicable ones; it verifies.
    @Test func framesAreLoggedVerbatimBesideTheirEvents() async throws {
        var chaos = ExchangeFeedChaos()
        chaos.duplicatePerMille = 80
        chaos.reorderPerMille = 40
        chaos.seed = 2
        let h = try await LocalExchangeHarness(feedChaos: chaos)
        let ticker = h.quotedMarket().ticker.description
        let recorder = Recorder()
        let feed = Self.feedClient(h, [.init("ticker"), .init("trade"), .init("orderbook_delta", markets: [ticker])])
        let run = Task { await feed.run { recorder.record($0) } }
        defer { run.cancel() }
        guard await recorder.wait("subscriptions", { $0.frames.filter { $0.message?.subscribed != nil }.count == 3 })
        else { return }
        h.clock.set(h.clock.time.adding(nanos: 90 * Timestamp.nanosPerMinute))
        let due = h.clock.time.adding(nanos: -2 * Timestamp.nanosPerMinute)
        guard
            await recorder.wait(
                "ninety minutes of messages",
                { r in
                    r.frames.contains { f in
                        f.message?.events.contains {
                            if case .ticker(let t) = $0.event { (t.exchangeTime ?? $0.time) >= due } else { false }
                        } == true
                    }
                })
        else { return }
        recorder.stop()
        let frames = recorder.frames
        let dir = NSTemporaryDirectory() + "isotherm-feedlog-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try EventLogWriter(directory: dir)
        for f in frames { for r in f.records { _ = try writer.append(r) } }
        try writer.close()
        var raw: [String] = []
        var events: [Event] = []
        try EventLogReader(directory: dir).forEach { _, r in
            if case .rawFeedMessage(let m) = r.event {
                raw.append(String(decoding: m.payload, as: UTF8.self))
            } else {
                events.append(r.event)
            }
            return true
        }
        #expect(raw == frames.map(\.text))
        let applied = frames.filter(\.isApplicable).flatMap { $0.message!.events.map(\.event) }
        #expect(events == applied && !events.isEmpty)
        #expect(frames.contains { !$0.isApplicable }, "the chaos made duplicates or late frames")
        #expect(try LogVerifier.verify(directory: dir).isClean)
        await h.stop()
    }

    /// The reconnection delays: doubling, capped, jittered into [½, 1) of the step, the same for a seed.
    @Test func backoffIsExponentialCappedAndSeeded() {
        var config = KalshiFeedClient.Configuration(url: "wss://x/trade-api/ws/v2", channels: [])
        config.backoffSeconds = 0.5
        config.maxBackoffSeconds = 8
        var a = SplitMix64(seed: 3)
        var b = SplitMix64(seed: 3)
        var c = SplitMix64(seed: 4)
        let first = (1...8).map { KalshiFeedClient.backoffNanos(failures: $0, configuration: config, jitter: &a) }
        let again = (1...8).map { KalshiFeedClient.backoffNanos(failures: $0, configuration: config, jitter: &b) }
        let other = (1...8).map { KalshiFeedClient.backoffNanos(failures: $0, configuration: config, jitter: &c) }
        #expect(first == again && first != other)
        for (i, d) in first.enumerated() {
            let step = min(8.0, 0.5 * Double(1 << i)) * 1e9
            #expect(Double(d) >= step * 0.5 && Double(d) < step, "attempt \(i + 1): \(d)")
        }
    }
}
