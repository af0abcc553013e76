import Foundation
import IsothermEvents
import IsothermLog
import IsothermStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `isotherm exchange` serving a generated world, and `isotherm order` trading on it by hand through
/// the write-ahead log, as a user runs them: separate processes, the release binary under
/// `ISOTHERM_BIN`.
@Suite("isotherm exchange and isotherm order", .serialized)
struct ExchangeAndOrderCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IsothermKalshiTests/Fixtures").path
    static let key = fixtures + "/test_rsa_private.pem"

    /// A running `isotherm exchange`, its URL read from its first line of output.
    final class Exchange {
        let process = Process()
        let url: String
        let webSocketURL: String
        private let output: Pipe

        init(_ arguments: [String]) throws {
            let path = try #require(CLI.executablePath, "the isotherm executable was not found; run `swift build`")
            process.executableURL = URL(fileURLWithPath: path)
            // --seconds bounds a run whose test failed before stopping it.
            process.arguments = ["exchange", "--port", "0", "--json", "--seconds", "300"] + arguments
            output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // The first line is written as soon as the port is bound; reading blocks until then.
            var line: [UInt8] = []
            let handle = output.fileHandleForReading
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            let first = String(decoding: line.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
            url = try #require(object?["url"] as? String, "the exchange's first line: \(first)")
            webSocketURL = try #require(object?["ws_url"] as? String, "the exchange's first line: \(first)")
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        /// SIGTERM, then what it printed after its first line.
        func stop() -> (status: Int32, summary: String) {
            kill(process.processIdentifier, SIGTERM)
            let rest = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: rest, as: UTF8.self))
        }
    }

    static func events(_ log: String) throws -> [(UInt64, Event)] {
        var out: [(UInt64, Event)] = []
        try EventLogReader(directory: log).forEach { sequence, record in
            out.append((sequence, record.event))
            return true
        }
        return out
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    @Test("orders placed, read, refused and canceled by hand are logged before they are sent")
    func tradeByHand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("isotherm-order-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let world = dir + "/world"
        let generated = try CLI.run([
            "generate", "--out", world, "--cities", "NY", "--days", "2", "--start", "2025-06-10", "--seed", "3",
        ])
        try #require(generated.exitCode == 0, "\(generated)")
        // Two hours after the listings, the clock all but stopped: markets open, quotes that hold still.
        let exchange = try Exchange([
            "--world", world, "--private-key", Self.key, "--key-id", "local", "--start", "2025-06-09T16:00:00Z",
            "--speed", "0.0001",
        ])
        let log = dir + "/orders"
        let common = ["--exchange", exchange.url, "--key-id", "local", "--private-key", Self.key, "--log", log]
        let reads = ["--exchange", exchange.url, "--key-id", "local", "--private-key", Self.key]

        // A market and its quote, from the exchange's public market list (no key).
        let markets = try CLI.run(["order", "markets", "--exchange", exchange.url, "--status", "open", "--json"])
        try #require(markets.exitCode == 0, "\(markets)")
        let list = Self.json(markets.stdout)["markets"] as? [[String: Any]]
        let quoted = try #require(
            list?.first {
                let bid = Double($0["yes_bid"] as? String ?? "") ?? 0
                let ask = Double($0["yes_ask"] as? String ?? "") ?? 1
                return bid >= 0.05 && ask <= 0.95 && ask - bid >= 0.02
            }, "a quoted market in \(markets)")
        let ticker = try #require(quoted["ticker"] as? String)
        let bidCents = Int((Double(quoted["yes_bid"] as! String)! * 100).rounded())
        let askCents = Int((Double(quoted["yes_ask"] as! String)! * 100).rounded())

        // A resting post-only bid below the bid.
        let placed = try CLI.run(
            ["order", "place"] + common + [
                "--ticker", ticker, "--side", "yes", "--price", "\(bidCents - 1)c", "--count", "4", "--post-only",
                "--json",
            ])
        try #require(placed.exitCode == 0, "\(placed)")
        let answer = Self.json(placed.stdout)
        let orderId = try #require(answer["order_id"] as? String)
        let clientOrderId = try #require(answer["client_order_id"] as? String)
        #expect(answer["remaining_count"] as? String == "4.00")
        // The log: the session's manifest, the decision (reason manual), the intent, then the ack.
        var events = try Self.events(log)
        guard events.count == 4, case .runManifest(let manifest) = events[0].1,
            case .strategyDecision(let decision) = events[1].1, case .orderIntent(let intent) = events[2].1,
            case .orderAcknowledged(let ack) = events[3].1
        else {
            Issue.record("the log holds \(events.map(\.1.kind.name))")
            return
        }
        #expect(manifest.runKind == "manual" && decision.reason == "manual" && decision.strategy == "manual")
        #expect(intent.clientOrderId == clientOrderId && intent.decisionSequence == events[1].0)
        #expect(intent.price.micros == Int64(bidCents - 1) * 10_000 && intent.postOnly)
        #expect(ack.orderId == orderId && ack.clientOrderId == clientOrderId)

        // Buying NO at (1 − bid) takes the bid: a fill, logged in the intent's terms.
        let taken = try CLI.run(
            ["order", "place"] + common + [
                "--ticker", ticker, "--side", "no", "--price", "\(100 - bidCents)c", "--count", "2", "--json",
            ])
        try #require(taken.exitCode == 0, "\(taken)")
        #expect(Self.json(taken.stdout)["fill_count"] as? String == "2.00", "\(taken)")
        events = try Self.events(log)
        let fills = events.compactMap { e -> Fill? in if case .fill(let f) = e.1 { f } else { nil } }
        #expect(
            fills.count == 1 && fills.first?.side == .no && fills.first?.price.micros == Int64(100 - bidCents) * 10_000)
        // The same session: one manifest, client order ids differ.
        #expect(events.filter { $0.1.kind == .runManifest }.count == 1)

        // Refused by the exchange: a post-only bid at the ask crosses. Logged as rejected; exit 2.
        let refused = try CLI.run(
            ["order", "place"] + common + [
                "--ticker", ticker, "--side", "yes", "--price", "\(askCents)c", "--count", "1", "--post-only",
            ])
        #expect(refused.exitCode == 2 && refused.stderr.contains("post_only_rejected"), "\(refused)")
        events = try Self.events(log)
        if case .orderRejected(let r) = events.last?.1 {
            #expect(r.code == "post_only_rejected")
        } else {
            Issue.record("last event \(events.last.map { $0.1.kind.name } ?? "none")")
        }

        // Refused before anything is logged: a real order without --trade, a price off the grid.
        let before = events.count
        let real = try CLI.run(
            ["order", "place", "--env", "prod", "--key-id", "local", "--private-key", Self.key, "--log", log]
                + ["--ticker", ticker, "--side", "yes", "--price", "0.30", "--count", "1"])
        #expect(real.exitCode == 2 && real.stderr.contains("--trade"), "\(real)")
        let offGrid = try CLI.run(
            ["order", "place"] + common + ["--ticker", ticker, "--side", "yes", "--price", "0.305", "--count", "1"])
        #expect(offGrid.exitCode == 2 && offGrid.stderr.contains("--price 0.305"), "\(offGrid)")
        #expect(try Self.events(log).count == before, "a refused command logged nothing")

        // Reads: the resting order, the position, the balance.
        let resting = try CLI.run(["order", "list"] + reads + ["--status", "resting", "--json"])
        let orders = Self.json(resting.stdout)["orders"] as? [[String: Any]]
        #expect(orders?.count == 1 && orders?.first?["order_id"] as? String == orderId, "\(resting)")
        let positions = try CLI.run(["order", "positions"] + reads + ["--json"])
        let held = Self.json(positions.stdout)["positions"] as? [[String: Any]]
        #expect(held?.first?["position"] as? String == "-2.00", "\(positions)")
        let balance = try CLI.run(["order", "balance"] + reads)
        #expect(balance.exitCode == 0 && balance.stdout.hasPrefix("balance $"), "\(balance)")

        // Amend, decrease, cancel: each logged as a manual decision first; the cancel as order_canceled.
        let amended = try CLI.run(
            ["order", "amend"] + common + ["--order-id", orderId, "--price", "\(bidCents - 2)c", "--count", "6"])
        #expect(amended.exitCode == 0 && amended.stdout.contains("resting 6.00"), "\(amended)")
        let decreased = try CLI.run(["order", "decrease"] + common + ["--order-id", orderId, "--to", "3"])
        #expect(decreased.exitCode == 0 && decreased.stdout.contains("resting 3.00"), "\(decreased)")
        let canceled = try CLI.run(["order", "cancel"] + common + ["--order-id", orderId])
        #expect(canceled.exitCode == 0 && canceled.stdout.contains("canceled 3.00"), "\(canceled)")
        events = try Self.events(log)
        let decisions = events.compactMap { e -> StrategyDecision? in
            if case .strategyDecision(let d) = e.1 { d } else { nil }
        }
        #expect(decisions.map(\.action) == [.buy, .buy, .buy, .amend, .amend, .cancel])
        #expect(decisions.allSatisfy { $0.reason == "manual" })
        if case .orderCanceled(let c) = events.last?.1 {
            #expect(c.clientOrderId == clientOrderId && c.canceledCount == Count(contracts: 3) && c.reason == "manual")
        } else {
            Issue.record("last event \(events.last.map { $0.1.kind.name } ?? "none")")
        }
        // Every intent's client order id is distinct.
        let ids = events.compactMap { e -> String? in if case .orderIntent(let i) = e.1 { i.clientOrderId } else { nil }
        }
        #expect(Set(ids).count == ids.count && ids.count == 3)

        // A second log is a second session: its client order ids cannot collide with the first's.
        let other = try CLI.run(
            ["order", "place"] + common.dropLast(2) + ["--log", dir + "/orders2"]
                + ["--ticker", ticker, "--side", "yes", "--price", "\(bidCents - 1)c", "--count", "1", "--json"])
        #expect(other.exitCode == 0, "\(other)")
        #expect(Self.json(other.stdout)["client_order_id"] as? String != clientOrderId)

        // Prometheus: the exchange's requests by path and status.
        let metricsURL = URL(string: exchange.url.replacingOccurrences(of: "/trade-api/v2", with: "/metrics"))!
        let metrics = String(decoding: (try? Data(contentsOf: metricsURL)) ?? Data(), as: UTF8.self)
        let created = metrics.split(separator: "\n").first {
            $0.hasPrefix("isotherm_exchange_requests_total")
                && $0.contains("path=\"/trade-api/v2/portfolio/events/orders\"")
                && $0.contains("status=\"201\"")
        }
        #expect(created?.hasSuffix(" 3") == true, "\(metrics.prefix(3000))")
        #expect(metrics.contains("isotherm_exchange_request_seconds"))

        let (status, summary) = exchange.stop()
        #expect(status == 0, "\(summary)")
        let final = Self.json(summary.split(separator: "\n").last.map(String.init) ?? "")
        #expect(final["orders"] as? Int == 3 && final["fills"] as? Int == 1, "\(summary)")

        // The exchange gone: the error says how to start one.
        let gone = try CLI.run(["order", "balance"] + reads)
        #expect(gone.exitCode == 2 && gone.stderr.contains("isotherm exchange"), "\(gone)")
    }

    /// A new scratch directory.
    static func scratch(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("isotherm-\(name)-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Two generated days of Chicago in `dir/world`, served by `isotherm exchange` at ten world minutes a
    /// real second (a candle per market every 6 ms).
    static func chicagoAtSpeed(_ dir: String) throws -> Exchange {
        let generated = try CLI.run([
            "generate", "--out", dir + "/world", "--cities", "CHI", "--days", "2", "--start", "2025-06-10", "--seed",
            "4",
        ])
        try #require(generated.exitCode == 0, "\(generated)")
        return try Exchange([
            "--world", dir + "/world", "--private-key", Self.key, "--start", "2025-06-09T16:00:00Z", "--speed", "600",
        ])
    }

    @Test("isotherm record records the exchange's WebSocket feed as it records Kalshi's")
    func recordTheExchangesFeed() throws {
        let dir = try Self.scratch("feed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exchange = try Self.chicagoAtSpeed(dir)
        let recorded = try CLI.run([
            "record", "--log", dir + "/feed", "--url", exchange.webSocketURL, "--max-messages", "40", "--json",
        ])
        _ = exchange.stop()
        #expect(recorded.exitCode == 0, "\(recorded)")
        let events = try Self.events(dir + "/feed")
        let tickers = events.filter { $0.1.kind == .ticker }.count
        let raw = events.filter { $0.1.kind == .rawFeedMessage }.count
        #expect(raw == 40 && tickers > 0, "\(raw) frames, \(tickers) tickers: \(recorded)")
        let summary = Self.json(recorded.stdout)
        #expect(summary["sequence_gaps"] as? Int == 0 && summary["unreadable"] as? Int == 0, "\(recorded.stdout)")
    }

    @Test("isotherm live keeps a paper session's inputs and outputs; replay --session recomputes them")
    func livePaperSession() throws {
        let dir = try Self.scratch("live")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exchange = try Self.chicagoAtSpeed(dir)
        let live = try CLI.run([
            "live", "--log", dir + "/session", "--exchange", exchange.url, "--city", "CHI", "--seconds", "2", "--tick",
            "0.1", "--json",
        ])
        let again = try CLI.run(["live", "--log", dir + "/session", "--exchange", exchange.url, "--seconds", "1"])
        _ = exchange.stop()
        #expect(live.exitCode == 0, "\(live)")
        let summary = Self.json(live.stdout)
        let frames = summary["frames"] as? Int ?? 0
        let outputs = summary["outputs"] as? Int ?? -1
        #expect(frames > 20 && summary["stopped"] as? String == "seconds", "\(live.stdout)")
        #expect(again.exitCode == 2 && again.stderr.contains("already holds a log"), "\(again)")
        // The log: the manifest, the REST answers and listings, frames, ticks, outputs.
        let events = try Self.events(dir + "/session")
        #expect(events.first.map { $0.1.kind } == .runManifest && events.last.map { $0.1.kind } == .runManifest)
        #expect(events.contains { if case .marketListed = $0.1 { true } else { false } }, "listed by REST")
        let replay = try CLI.run(["replay", "--session", dir + "/session", "--verify", "--json"])
        #expect(replay.exitCode == 0, "\(replay)")
        let verified = Self.json(replay.stdout)
        #expect(verified["identical"] as? Bool == true && verified["finished"] as? Bool == true, "\(replay.stdout)")
        #expect(verified["outputs_compared"] as? Int == outputs, "\(replay.stdout) vs \(live.stdout)")
        let both = try CLI.run(["replay", "--session", dir + "/session", "--runs", dir + "/runs"])
        #expect(both.exitCode != 0 && both.stderr.contains("one of --runs or --session"), "\(both)")
    }

    /// Runs `isotherm` with `arguments(trial)` 20 times, each killed with SIGKILL: the first after 1.5 s
    /// (long enough to have written its manifest), the others at seeded points in `within` ms, so also
    /// while they replay the log or append what their predecessor left unwritten.
    /// - Returns: the milliseconds each run lived.
    static func killTwentyTimes(seed: UInt64, within: ClosedRange<UInt32>, arguments: (Int) -> [String]) throws
        -> [UInt32]
    {
        let path = try #require(CLI.executablePath)
        var seed = seed
        var killedAt: [UInt32] = []
        for trial in 0..<20 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments(trial)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let span = within.upperBound - within.lowerBound + 1
            let ms = trial == 0 ? 1_500 : within.lowerBound + UInt32(truncatingIfNeeded: seed >> 33) % span
            killedAt.append(ms)
            usleep(ms * 1_000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "trial \(trial) ended by itself")
        }
        return killedAt
    }

    @Test("isotherm live killed with SIGKILL at 20 seeded points and resumed each time: the log replays identically")
    func liveCrashTrials() throws {
        let dir = try Self.scratch("live-crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exchange = try Self.chicagoAtSpeed(dir)
        let session = dir + "/session"
        let killedAt = try Self.killTwentyTimes(seed: 0x15, within: 50...900) { trial in
            ["live", "--log", session, "--exchange", exchange.url, "--tick", "0.05"]
                + (trial == 0 ? ["--city", "CHI"] : ["--resume"])
        }
        let last = try CLI.run([
            "live", "--log", session, "--exchange", exchange.url, "--resume", "--seconds", "1", "--json",
        ])
        _ = exchange.stop()
        #expect(last.exitCode == 0, "\(last)")
        #expect(try LogVerifier.verify(directory: session).isClean)
        let replay = try CLI.run(["replay", "--session", session, "--verify", "--json"])
        let verified = Self.json(replay.stdout)
        #expect(
            replay.exitCode == 0 && verified["identical"] as? Bool == true && verified["finished"] as? Bool == true,
            "killed after \(killedAt) ms: \(replay)")
        let manifests = try Self.events(session).filter { $0.1.kind == .runManifest }.count
        #expect(manifests >= 20, "a started manifest per run that got that far, and the finished one: \(manifests)")
        // A configuration flag beside --resume is refused: the session's is in its log.
        let mixed = try CLI.run(["live", "--log", session, "--resume", "--strategy", "exit"])
        #expect(mixed.exitCode != 0 && mixed.stderr.contains("--resume takes the session's strategy"), "\(mixed)")
    }

    @Test(
        "isotherm live --trade killed with SIGKILL at 20 seeded points: no order twice, no fill lost, the log replays")
    func liveTradeCrashTrials() throws {
        let dir = try Self.scratch("live-trade-crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let generated = try CLI.run([
            "generate", "--out", dir + "/world", "--cities", "CHI", "--days", "3", "--start", "2025-06-10", "--seed",
            "4",
        ])
        try #require(generated.exitCode == 0, "\(generated)")
        // The 2025-06-11 markets open at 14:00, a few seconds into the trials at 600 times real time; a
        // bid at 0.27 stays under the ask (0.28 and up), rests, and fills from the trades at 0.27 and
        // below over the next hour of the world, while the trials go on.
        let exchange = try Exchange([
            "--world", dir + "/world", "--private-key", Self.key, "--key-id", "local", "--start",
            "2025-06-10T13:57:00Z", "--speed", "600",
        ])
        let key = ["--key-id", "local", "--private-key", Self.key]
        let trading = ["--exchange", exchange.url, "--trade", "--tick", "0.05", "--weather", dir + "/world/CHI"] + key
        let session = dir + "/session"
        let killedAt = try Self.killTwentyTimes(seed: 0x7AD3, within: 50...1_200) { trial in
            ["live", "--log", session] + trading
                + (trial == 0 ? ["--city", "CHI", "--param", "price=0.27"] : ["--resume"])
        }
        // The last run goes on until the order's fills are in (14:34 in the world), then stops.
        let last = try CLI.run(["live", "--log", session, "--resume", "--seconds", "6", "--json"] + trading)
        let orders = try CLI.run(["order", "list", "--exchange", exchange.url, "--json"] + key)
        let fills = try CLI.run(["order", "fills", "--exchange", exchange.url, "--json"] + key)
        _ = exchange.stop()
        #expect(last.exitCode == 0, "\(last)")
        let replay = try CLI.run(["replay", "--session", session, "--verify", "--json"])
        let verified = Self.json(replay.stdout)
        #expect(
            replay.exitCode == 0 && verified["identical"] as? Bool == true && verified["finished"] as? Bool == true,
            "killed after \(killedAt) ms: \(replay)")

        // The log against the exchange.
        var acknowledged: [String: String] = [:]
        var intents: [String] = []
        var logFills: [String: Int64] = [:]
        var refusals: [String] = []
        for (_, e) in try Self.events(session) {
            switch e {
            case .orderIntent(let i): intents.append(i.clientOrderId)
            case .orderAcknowledged(let a): acknowledged[a.clientOrderId] = a.orderId
            case .orderRejected(let r): refusals.append(r.code)
            case .fill(let f): logFills[f.tradeId, default: 0] += f.count.hundredths
            default: break
            }
        }
        let taken = (Self.json(orders.stdout)["orders"] as? [[String: Any]]) ?? []
        let made = (Self.json(fills.stdout)["fills"] as? [[String: Any]]) ?? []
        #expect(
            !intents.isEmpty && !made.isEmpty,
            "the session traded: \(intents), \(acknowledged), refused \(refusals), \(orders.stdout), \(fills.stdout)")
        #expect(
            taken.count == Set(taken.compactMap { $0["client_order_id"] as? String }).count
                && Set(taken.compactMap { $0["order_id"] as? String }) == Set(acknowledged.values),
            "no order twice, each acknowledged once: \(orders.stdout) vs \(acknowledged)")
        #expect(!refusals.contains("order_already_exists"), "\(refusals)")
        var exchangeFills: [String: Int64] = [:]
        for f in made {
            let count = FixedPoint.parse(f["count"] as? String ?? "", scale: 2) ?? -1
            exchangeFills[f["fill_id"] as? String ?? "", default: 0] += count
        }
        #expect(exchangeFills == logFills, "no fill lost or doubled: \(fills.stdout) vs \(logFills)")
        var restFillPages = 0
        var lookups = 0
        for (_, e) in try Self.events(session) {
            guard case .rawFeedMessage(let m) = e else { continue }
            if m.channel == "/portfolio/fills" { restFillPages += 1 }
            if m.source == "kalshi_order" && m.channel.hasPrefix("create 200 ") { lookups += 1 }
        }
        print(
            "live --trade crash trials: killed after \(killedAt) ms; \(taken.count) orders, \(made.count) fills, "
                + "\(lookups) orders found by lookup on restart, \(restFillPages) fill pages read")
    }

    @Test("exchange refuses bad flags in one line")
    func exchangeFlags() throws {
        let noKey = try CLI.run(["exchange", "--world", "nowhere"])
        #expect(noKey.exitCode != 0 && noKey.stderr.contains("--public-key"), "\(noKey)")
        let badKey = try CLI.run(["exchange", "--world", "nowhere", "--public-key", Self.key])
        #expect(badKey.exitCode == 2 && badKey.stderr.contains("not a PEM public key"), "\(badKey)")
        let chaos = try CLI.run(["exchange", "--world", "w", "--private-key", Self.key, "--chaos-5xx", "1200"])
        #expect(chaos.exitCode != 0 && chaos.stderr.contains("per mille"), "\(chaos)")
    }
}
