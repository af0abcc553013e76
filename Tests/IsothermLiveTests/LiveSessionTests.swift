import Foundation
import IsothermBacktest
import IsothermCore
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

/// A paper session against the local exchange (issue 15): open_maker on New York, its open markets
/// listed by REST, the feed's tickers, trades and lifecycle, the world's forecasts and observations as a
/// poller brings them, the exchange's clock moved through a day and a half. Everything is kept in the
/// session log, and the log alone recomputes every decision, intent, fill and cancel, byte for byte; a
/// changed output is named.
@Suite(.serialized) struct LiveSessionTests {
    static func inTemporaryDirectory(_ body: (String) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("live-session-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(dir)
    }

    /// The world's weather events (what the forecast and observation pollers bring), in time order.
    static func weather(days: Int32) -> [EventRecord] {
        let first = LocalDate(iso8601: "2025-06-10")!
        var world = CityWorld(city: WorldCity.named("NY")!, seed: 11, start: first, end: first.advanced(by: days - 1))
        var out: [EventRecord] = []
        while let r = world.next() {
            switch r.event {
            case .dailyForecast, .hourlyForecast, .observation: out.append(r)
            default: break
            }
        }
        return out.sorted { $0.time < $1.time }
    }

    static func config(_ fill: FillModel, atExchange: Bool = false, params: [String: String] = [:]) throws
        -> BacktestConfig
    {
        var options = ExchangeOptions(fillModel: fill)
        options.atExchange = atExchange
        return BacktestConfig(
            logs: [], strategy: try StrategyChoice.parse(.openMaker) { params[$0.flag] }, exchange: options,
            engineVersion: "test")
    }

    /// Runs a paper session from the harness's clock to `until`, moving the clock `stepMinutes` at a
    /// time and handing the poller's records due by then to the session.
    /// With `atExchange`, the session's orders go to the harness's exchange (signed), its fills come from
    /// the private `fill` channel; `resume` goes on with the session already in `log`.
    static func session(
        _ h: LocalExchangeHarness, log: String, until: Timestamp, stepMinutes: Int64 = 10, fill: FillModel = .touch,
        atExchange: Bool = false, params: [String: String] = [:], weatherDays: Int32 = 3, resume: Bool = false,
        stopAfterIntents: Int? = nil
    ) async throws -> LiveSession.Summary {
        let sessionLog =
            resume
            ? try SessionLog.resume(directory: log, engineVersion: "test", startedAt: h.clock.time)
            : try SessionLog(
                directory: log, sessionId: "test-session",
                config: try config(fill, atExchange: atExchange, params: params),
                startedAt: h.clock.time)
        var settings = LiveSession.Settings(series: ["KXHIGHNY"])
        let clock = h.clock
        settings.now = { clock.time }
        settings.tickSeconds = 0.02
        let orders = atExchange ? try h.client() : nil
        let session = LiveSession(log: sessionLog, settings: settings, orders: orders, note: { _ in })
        let rest = try h.client()
        do {
            #expect(await session.reconcileOnStart())
            try await session.listMarkets(rest)
        } catch {
            await rest.shutdown()
            await orders?.shutdown()
            throw error
        }
        var feedConfig = KalshiFeedClient.Configuration(
            url: h.webSocketURL,
            channels: [.init("ticker"), .init("trade"), .init("market_lifecycle_v2")]
                + (atExchange ? [.init("fill")] : []))
        feedConfig.caFile = h.caFile
        feedConfig.now = { clock.time }
        feedConfig.backoffSeconds = 0.02
        var logger = Logger(label: "test.live")
        logger.logLevel = .critical
        let feed = KalshiFeedClient(feedConfig, signer: atExchange ? h.signer : nil, logger: logger)
        let stop = Mutex(false)
        // Frames written to an earlier session's connections are not this session's.
        let writtenBefore = h.feed.messagesWritten
        let run = Task { try await session.run(feed, rest: rest) { stop.withLock { $0 } ? "test" : nil } }
        // A resumed session's poller brings what came after the restart.
        let restart = h.clock.time
        var weather = weather(days: weatherDays).filter { !resume || $0.time > restart }[...]
        while h.clock.time < until {
            h.clock.set(h.clock.time.adding(nanos: stepMinutes * Timestamp.nanosPerMinute))
            var due: [EventRecord] = []
            while let w = weather.first, w.time <= h.clock.time {
                due.append(w)
                weather.removeFirst()
            }
            if !due.isEmpty { await session.polled(due) }
            // Everything the step brought is sent and received before the clock moves on, so frames are
            // stamped in the step they belong to.
            h.feed.pump()
            let deadline = SystemClock.monotonicNanos() + 60 * 1_000_000_000
            // (A connection dropped by chaos must first be made again.)
            while !(h.feed.openConnections == 1 && h.feed.isIdle
                && session.summary.frames == h.feed.messagesWritten - writtenBefore)
            {
                guard SystemClock.monotonicNanos() < deadline else {
                    Issue.record(
                        "the feed did not settle at \(h.clock.time): \(session.summary), \(h.feed.messagesWritten) written"
                    )
                    break
                }
                try await Task.sleep(nanoseconds: 1_000_000)
            }
            if let stopAfterIntents, session.summary.intents >= stopAfterIntents { break }
        }
        stop.withLock { $0 = true }
        let summary = await run.result
        await rest.shutdown()
        await orders?.shutdown()
        return try summary.get()
    }

    @Test func aPaperSessionTradesAndItsLogRecomputesEveryOutput() async throws {
        let h = try await LocalExchangeHarness(days: 3)
        defer { Task { await h.stop() } }
        try await Self.inTemporaryDirectory { log in
            let summary = try await Self.session(h, log: log, until: Timestamp(rfc3339: "2025-06-11T20:00:00Z")!)
            #expect(summary.stopped == "test" && summary.failure == nil, "\(summary)")
            #expect(
                summary.frames > 10_000 && summary.intents > 0 && summary.fills > 0, "the session traded: \(summary)")
            #expect(try LogVerifier.verify(directory: log).isClean)

            let v = try SessionLog.verify(log, engineVersion: "test")
            #expect(v.identical, "\(v.difference ?? "")")
            #expect(v.compared == summary.outputs && v.recordedHash == v.outputHash, "\(v)")
            #expect(v.inputs == summary.inputs)
            print("paper session:", summary, "replayed:", v.compared, "outputs")

            // A log whose recorded outputs differ from what its inputs give is caught at the first one.
            let tampered = log + "-tampered"
            defer { try? FileManager.default.removeItem(atPath: tampered) }
            let w = try EventLogWriter(directory: tampered)
            var changed: UInt64?
            try EventLogReader(directory: log).forEach { sequence, r in
                var r = r
                if changed == nil, case .orderIntent(var intent) = r.event {
                    intent.count = Count(hundredths: intent.count.hundredths + 100)
                    r.event = .orderIntent(intent)
                    changed = sequence
                }
                _ = try w.append(r)
                return true
            }
            try w.close()
            let bad = try SessionLog.verify(tampered, engineVersion: "test")
            let sequence = try #require(changed)
            #expect(!bad.identical && bad.difference!.contains("(log sequence \(sequence)) differs"), "\(bad)")

            try Self.resumeAfterCuts(log)

            #expect(throws: SessionLogError.self) { try SessionLog.verify(log, engineVersion: "other") }
            #expect(throws: SessionLogError.self) {
                _ = try SessionLog(
                    directory: log, sessionId: "again", config: try Self.config(.touch), startedAt: h.clock.time)
            }
        }
    }

    /// The feed drops connections, repeats and loses messages: the session reconnects, lists the markets
    /// again by REST (the `created` messages sent while it was away are lost), still trades, and its log
    /// still recomputes every output.
    @Test func aSessionSurvivesAFeedThatDropsRepeatsAndSkips() async throws {
        var chaos = ExchangeFeedChaos()
        chaos.dropPerMille = 1
        chaos.duplicatePerMille = 20
        chaos.gapPerMille = 10
        chaos.seed = 3
        // Two events open during the session (a drop around one open may cost its listing in time).
        let h = try await LocalExchangeHarness(feedChaos: chaos, days: 4)
        defer { Task { await h.stop() } }
        try await Self.inTemporaryDirectory { log in
            let summary = try await Self.session(
                h, log: log, until: Timestamp(rfc3339: "2025-06-12T20:00:00Z")!, weatherDays: 4)
            #expect(summary.reconnects > 0 && summary.gaps > 0, "the chaos happened: \(summary), \(h.feed.counts)")
            #expect(summary.intents > 0, "the session traded: \(summary)")
            var listings: Set<Symbol> = []
            var relisted = 0
            try EventLogReader(directory: log).forEach { _, r in
                if case .marketListed(let m) = r.event, !listings.insert(m.ticker).inserted { relisted += 1 }
                return true
            }
            #expect(listings.count == 24 && relisted == 0, "every market listed once: \(listings.count), \(relisted)")
            let v = try SessionLog.verify(log, engineVersion: "test")
            #expect(v.identical && v.compared == summary.outputs, "\(v.difference ?? "")")
            print("paper session under chaos:", summary, h.feed.counts)
        }
    }

    /// A session log cut after any record (a process killed there; the log keeps whole records), then
    /// resumed: the outputs the cut lost after the last input kept are recomputed and appended — they
    /// equal those the uncut log recorded — and the resumed log replays identically.
    static func resumeAfterCuts(_ log: String) throws {
        var records: [EventRecord] = []
        try EventLogReader(directory: log).forEach { _, r in
            records.append(r)
            return true
        }
        let isOutput = { (r: EventRecord) in SessionLog.outputKinds.contains(r.event.kind) }
        // Cuts right after every input that produced outputs (the outputs are lost), and seeded others.
        var cuts = Set((1..<records.count).filter { !isOutput(records[$0 - 1]) && isOutput(records[$0]) })
        var seed: UInt64 = 7
        for _ in 0..<8 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1
            cuts.insert(1 + Int(seed >> 33) % (records.count - 1))
        }
        #expect(cuts.count > 8)
        for cut in cuts.sorted() {
            let copy = log + "-cut-\(cut)"
            defer { try? FileManager.default.removeItem(atPath: copy) }
            let w = try EventLogWriter(directory: copy)
            for r in records[..<cut] { _ = try w.append(r) }
            try w.close()
            // Before the resume: what was recorded matches; the last input's lost outputs are counted.
            var lost = 0
            while cut + lost < records.count, isOutput(records[cut + lost]) { lost += 1 }
            let before = try SessionLog.verify(copy, engineVersion: "test")
            #expect(
                before.identical && before.unwrittenAtEnd == lost,
                "cut after record \(cut): \(before.unwrittenAtEnd) unwritten, \(lost) lost; \(before.difference ?? "")")
            let resumed = try SessionLog.resume(
                directory: copy, engineVersion: "test", startedAt: records[cut - 1].time)
            try resumed.finish(at: records[cut - 1].time)
            // What the uncut log recorded up to the next input after the cut.
            var end = cut
            while end < records.count, isOutput(records[end]) { end += 1 }
            let expected = records[..<end].filter(isOutput)
            var outputs: [EventRecord] = []
            try EventLogReader(directory: copy).forEach { _, r in
                if isOutput(r) { outputs.append(r) }
                return true
            }
            #expect(
                outputs == expected, "cut after record \(cut): \(outputs.count) outputs, \(expected.count) expected")
            let v = try SessionLog.verify(copy, engineVersion: "test")
            #expect(v.identical && v.recordedHash != nil, "cut after record \(cut): \(v.difference ?? "")")
        }
    }

    /// A message about a market of no city the catalog knows, and a market listed twice (REST, then the
    /// feed's `created`), neither stop the session nor reach the engine twice; the log still replays.
    @Test func strayMarketsAndRepeatedListingsNeitherStopNorRepeat() async throws {
        let first = LocalDate(iso8601: "2025-06-10")!
        let world = CityWorld(city: WorldCity.named("NY")!, seed: 11, start: first, end: first)
        let listing = try #require(world.first { if case .marketListed = $0.event { true } else { false } })
        let at = listing.time.adding(nanos: Timestamp.nanosPerMinute)
        let stray = try KalshiFeed.parse(
            Array(
                #"{"type":"trade","sid":2,"seq":1,"msg":{"trade_id":"x","market_ticker":"KXBTCD-25JUN10-T100000","yes_price_dollars":"0.4500","count_fp":"1.00","taker_outcome_side":"yes","ts_ms":1749571200000}}"#
                    .utf8), receivedAt: at
        ).events
        #expect(stray.count == 1)
        try await Self.inTemporaryDirectory { log in
            let session = try SessionLog(
                directory: log, sessionId: "stray", config: try Self.config(.touch), startedAt: listing.time)
            try session.append([listing])
            try session.append([listing])
            try session.append(stray)
            try session.append([SessionLog.tick(at: at.adding(nanos: Timestamp.nanosPerMinute))])
            try session.finish(at: at.adding(nanos: Timestamp.nanosPerMinute))
            var kinds: [EventKind] = []
            try EventLogReader(directory: log).forEach { _, r in
                kinds.append(r.event.kind)
                return true
            }
            #expect(kinds.filter { $0 == .marketListed }.count == 1 && kinds.contains(.trade), "\(kinds)")
            let v = try SessionLog.verify(log, engineVersion: "test")
            #expect(v.identical && v.recordedHash != nil, "\(v)")
        }
    }
}
