import ArgumentParser
import Foundation
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermExchange
import IsothermKalshi
import IsothermLive
import IsothermPlatform
import IsothermStore
import Logging

struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract:
            "Trade from Kalshi's live feed with the backtest's engine, on paper or for real; every input logged first.",
        discussion: """
            The strategy runs on the same engine as a backtest, fed by Kalshi's WebSocket (ticker, \
            trade, market_lifecycle_v2). On paper (the default) its orders are filled by the backtest's \
            fill rules (--fill-model) against the live quotes and prints, and nothing is sent to Kalshi \
            but subscriptions and reads.

            With --trade the orders are sent: to a local exchange (--exchange URL, isotherm exchange), \
            or to Kalshi (--env demo or --env prod). The key (--key-id, --private-key) signs the \
            orders and the private fill channel; for Kalshi it must be readable by its owner only, and \
            --kill-after-loss and --max-day-exposure are required. Each order's intent is synced to \
            the log before its request leaves; the answer is logged as an input before anything else; \
            fills come from the fill channel and, after every reconnection and on start, from \
            GET /portfolio/fills. An order whose answer a kill lost is looked up by its client order id \
            on --resume, never sent again. Orders rest at most --fill-window minutes (as in a \
            backtest), then are canceled.

            The session log (--log, a new directory) holds everything: a manifest with the strategy, \
            its parameters and the fill model; the REST answers that listed the markets open or yet to \
            open; every frame of the feed verbatim beside the events it maps to; a clock tick every \
            --tick seconds; and after each of these, what the engine did (decisions, intents, fills, \
            cancels, timers). Every input is appended before the engine sees it, and an intent is synced \
            before the session goes on. `isotherm replay --session LOG --verify` recomputes every \
            output from the log's inputs and proves them identical.

            Forecasts, observations and climate reports are not polled from the weather services yet: \
            a strategy that needs them (open_maker) decides only on what the log holds. --weather LOG \
            feeds those of a log (the world a local exchange serves) as the session's clock passes \
            their publication times. Against a local exchange (isotherm exchange), give its REST base \
            with --exchange; the feed is then its /trade-api/ws/v2, and the session keeps the \
            exchange's world clock (its start and speed), so an accelerated world trades at its pace.

            The session stops on --seconds, SIGINT or SIGTERM, with the log synced and closed.

            Examples:
              isotherm live --log sessions/today --city NY --seconds 3600
              isotherm live --log s1 --exchange https://127.0.0.1:7443/trade-api/v2 --ca-file ca.pem --json
              isotherm live --log s2 --exchange https://127.0.0.1:7443/trade-api/v2 --ca-file ca.pem \
                --trade --key-id ID --private-key key.pem
              isotherm live --log s3 --env demo --trade --kill-after-loss 50 --max-day-exposure 400 --city NY
            """)

    @Option(name: .long, help: "The session log: a new directory (or, with --resume, the session's).")
    var log: String

    @Flag(
        name: .long,
        help:
            "Go on with the session in --log after its process stopped (killed or not): its configuration is the log's."
    )
    var resume = false

    @Option(name: .long, help: ArgumentHelp("The strategy: \(StrategyKind.names) (default open_maker)."))
    var strategy: StrategyKind?

    @Option(
        name: .long, parsing: .singleValue,
        help: "A strategy parameter as NAME=VALUE, NAME as the backtest's flag (price=0.45); repeat for several.")
    var param: [String] = []

    @Option(name: .long, help: "assume, touch or queue: how paper orders fill against the live book (default queue).")
    var fillModel: FillModel?

    @Option(
        name: .long, parsing: .unconditional,
        help: "Contracts resting ahead of ours (queue), 0 to 1000000 (default 250).")
    var queueAhead: Int64?

    @Option(name: .long, help: "Cities to trade, comma-separated codes (default: all seven).")
    var city: String?

    @Option(name: .long, help: "Kalshi's REST base (default: --env's).")
    var restURL: String?

    @Option(name: .long, help: "Kalshi's WebSocket (default: --env's).")
    var feedURL: String?

    @Option(name: .long, help: "demo or prod: which Kalshi the feed, the reads and (--trade) the orders go to.")
    var env: KalshiEnvironment?

    enum KalshiEnvironment: String, ExpressibleByArgument, CaseIterable {
        case demo, prod
    }

    @Flag(name: .long, help: "Send the strategy's orders: to --exchange, or to Kalshi with --env demo|prod.")
    var trade = false

    @OptionGroup var key: KalshiKeyOptions

    @Option(
        name: .long, parsing: .unconditional,
        help: "Minutes an order rests before it is canceled, 0 to 10080; 0: until the market closes (default 120).")
    var fillWindow: Int64?

    @OptionGroup var risk: RiskOptions

    @Option(
        name: .long,
        help: "A local exchange's REST base (isotherm exchange): sets --rest-url, and --feed-url to its WebSocket.")
    var exchange: String?

    @Option(
        name: .long,
        help: "A log whose forecasts, observations and reports reach the session as its clock passes them.")
    var weather: String?

    @Option(name: .long, help: "CA certificates (PEM) to trust instead of the system's (a local exchange's).")
    var caFile: String?

    @Option(name: .long, help: "Seconds between clock ticks, so timers fire on a quiet feed.")
    var tick = 1.0

    @Option(name: .long, help: "Stop after this many seconds of wall-clock time.")
    var seconds: Double?

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be above 0") }
        guard tick > 0, tick <= 60 else { throw ValidationError("--tick must be above 0 and at most 60") }
        if let queueAhead, !(0...1_000_000).contains(queueAhead) {
            throw ValidationError("--queue-ahead must be 0 to 1000000")
        }
        if let fillWindow, !(0...10_080).contains(fillWindow) {
            throw ValidationError("--fill-window must be 0 to 10080 minutes")
        }
        if resume {
            guard strategy == nil, param.isEmpty, fillModel == nil, queueAhead == nil, city == nil, fillWindow == nil,
                !risk.isGiven
            else {
                throw ValidationError(
                    "--resume takes the session's strategy, parameters, fill model, risk limits and cities from its "
                        + "log: leave out --strategy, --param, --fill-model, --queue-ahead, --fill-window, the risk "
                        + "limits and --city")
            }
        }
        if exchange != nil && (env != nil || restURL != nil || feedURL != nil) {
            throw ValidationError("--exchange sets the REST and feed URLs: leave out --env, --rest-url and --feed-url")
        }
        if trade && exchange == nil {
            guard env != nil else {
                throw ValidationError(
                    "--trade sends real orders: give --env demo or --env prod (or --exchange URL for a local exchange)")
            }
            guard resume || (risk.killAfterLoss != nil && risk.maxDayExposure != nil) else {
                throw ValidationError(
                    "--trade on Kalshi needs risk limits: give --kill-after-loss and --max-day-exposure")
            }
        }
        do {
            _ = try riskLimits()
        } catch {
            throw ValidationError(error.description)
        }
        _ = try strategyChoice()
        _ = try cities()
    }

    var strategyKind: StrategyKind { strategy ?? .openMaker }

    func riskLimits() throws(ParameterError) -> RiskLimits { try risk.limits() }

    /// Where the reads, the feed and the orders go.
    var hosts: (rest: String, feed: String) {
        if let exchange { return (exchange, Self.webSocketURL(ofREST: exchange)) }
        let demo = env == .demo
        return (
            restURL ?? (demo ? KalshiHosts.demoREST : KalshiHosts.prodREST),
            feedURL ?? (demo ? KalshiHosts.demoFeed : KalshiHosts.prodFeed)
        )
    }

    /// The signer: required to trade (for Kalshi, a key its owner alone can read); else optional.
    func signer() throws -> KalshiSigner? {
        let signer = try key.signer()
        guard trade else { return signer }
        guard let signer else {
            throw CLIError(
                "--trade needs a key: --key-id and --private-key (or KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH); "
                    + "for a local exchange, the key it was started with")
        }
        if exchange == nil && key.keyIsReadableByOthers {
            throw CLIError("\(key.keyPath ?? "the key"): readable by other users; chmod 600 it before trading")
        }
        return signer
    }

    func strategyChoice() throws -> StrategyChoice {
        var given: [String: String] = [:]
        for p in param {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw ValidationError("--param \(p): give NAME=VALUE")
            }
            given[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        let taken = Set(strategyKind.specs.map(\.flag))
        for name in given.keys.sorted() where !taken.contains(name) {
            throw ValidationError(
                "--param \(name): not a parameter of \(strategyKind.rawValue) (it takes \(taken.sorted().joined(separator: ", ")))"
            )
        }
        do {
            return try StrategyChoice.parse(strategyKind) { given[$0.flag] }
        } catch {
            throw ValidationError(error.description)
        }
    }

    func cities() throws -> [City] {
        guard let city else { return City.catalog }
        return try city.split(separator: ",").map { code in
            let code = String(code).filter { $0 != " " }.uppercased()
            guard let c = City.catalog.first(where: { $0.code == code }) else {
                throw ValidationError(
                    "--city \(code): not a city code (\(City.catalog.map(\.code).joined(separator: ", ")))")
            }
            return c
        }
    }

    func run() async throws {
        try await reportingErrors {
            // The key is checked before anything is logged: a refused command leaves no session behind.
            let signer = try signer()
            let (rest, feedURL) = hosts
            var restConfig = KalshiRESTClient.Configuration(baseURL: rest)
            restConfig.caFile = caFile
            var logger = Logger(label: "isotherm.live")
            logger.logLevel = .error
            let client = try KalshiRESTClient(restConfig, signer: signer, logger: logger)
            // A local exchange's world runs on its own clock (accelerated, in the past): the session keeps it.
            var now: @Sendable () -> Timestamp = { Timestamp(nanos: SystemClock.wallNanos()) }
            if exchange != nil {
                do {
                    now = try await ExchangeWorldClock.read(from: client).now
                } catch {
                    await client.shutdown()
                    throw CLIError("reading the exchange's clock at \(rest): \(error)")
                }
            }
            let sessionLog: SessionLog
            do {
                sessionLog = try resume ? resumed(at: now()) : started(at: now())
            } catch let e as SessionLogError {
                await client.shutdown()
                throw CLIError(e.description)
            }
            let config = sessionLog.config
            let sessionId = sessionLog.sessionId
            // What the weather poller fed the session's earlier runs (a new session: nothing yet).
            let weatherFedUntil = resume ? sessionLog.clock : Timestamp(nanos: Int64.min)
            let atExchange = config.exchange.atExchange
            guard atExchange == trade || !resume else {
                await client.shutdown()
                throw CLIError(
                    "session \(sessionId) \(atExchange ? "sends its orders: resume it with --trade" : "trades on paper: resume it without --trade")"
                )
            }
            let cities = City.catalog.filter { config.cities?.contains($0.code) ?? true }
            var settings = LiveSession.Settings(series: cities.map(\.highSeries))
            settings.tickSeconds = tick
            settings.now = now
            let session = LiveSession(
                log: sessionLog, settings: settings, orders: atExchange ? client : nil,
                note: { printError("live: " + $0) })
            do {
                guard await session.reconcileOnStart() else {
                    throw CLIError("reconciling the orders of the last run through \(rest) failed")
                }
                try await session.listMarkets(client)
            } catch {
                await client.shutdown()
                throw CLIError("listing the markets through \(rest): \(error)")
            }
            let privateChannels: [KalshiFeedClient.Channel] = atExchange ? [.init("fill")] : []
            var feedConfig = KalshiFeedClient.Configuration(
                url: feedURL,
                channels: [.init("ticker"), .init("trade"), .init("market_lifecycle_v2")] + privateChannels)
            feedConfig.caFile = caFile
            feedConfig.now = now
            feedConfig.jitterSeed = UInt64(truncatingIfNeeded: SystemClock.wallNanos())
            let feed = KalshiFeedClient(feedConfig, signer: atExchange ? signer : nil, logger: logger)
            if !json {
                let mode = atExchange ? "orders to \(rest)" : "paper (\(config.exchange.fillModel.rawValue))"
                printError(
                    "live: session \(sessionId)\(resume ? " resumed" : ""), \(config.strategy.kind.rawValue) on \(cities.map(\.code).joined(separator: ",")), \(mode), log \(log)"
                )
            }
            let poller = try weather.map { try weatherPoller($0, after: weatherFedUntil, session: session, now: now) }
            defer { poller?.cancel() }
            RecordStop.start(seconds: seconds)
            defer { RecordStop.finish() }
            let summary: LiveSession.Summary
            do {
                summary = try await session.run(feed, rest: client) { RecordStop.reason }
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
            if json {
                var j = JSONWriter()
                j.beginObject()
                j.string("session", sessionId)
                j.string("log", log)
                j.number("frames", Int64(summary.frames))
                j.number("inputs", Int64(summary.inputs))
                j.number("outputs", Int64(summary.outputs))
                j.number("intents", Int64(summary.intents))
                j.number("fills", Int64(summary.fills))
                j.number("requests", Int64(summary.requests))
                j.number("refusals", Int64(summary.refusals))
                j.number("reconnections", Int64(summary.reconnects))
                j.number("sequence_gaps", Int64(summary.gaps))
                j.number("other_series", Int64(summary.otherSeries))
                j.stringOrNull("stopped", summary.stopped)
                j.stringOrNull("failure", summary.failure)
                j.endObject()
                print(j.output)
            } else {
                print(
                    "session \(sessionId): \(summary.frames) frames, \(summary.inputs) inputs, \(summary.outputs) outputs "
                        + "(\(summary.intents) orders, \(summary.fills) fills"
                        + (atExchange ? ", \(summary.requests) requests sent, \(summary.refusals) refused" : "")
                        + "), \(summary.reconnects) reconnections, "
                        + "\(summary.gaps) sequence gaps" + (summary.stopped.map { "; stopped by \($0)" } ?? "")
                        + "\nverify: isotherm replay --session \(log) --verify")
            }
            if let failure = summary.failure { throw CLIError(failure) }
        }
    }

    /// Feeds the forecasts, observations and climate reports of the log at `path` to `session` as its
    /// clock passes their times; those at or before `after` were fed by the session's earlier runs.
    func weatherPoller(
        _ path: String, after: Timestamp, session: LiveSession, now: @escaping @Sendable () -> Timestamp
    ) throws -> Task<Void, Never> {
        var records: [EventRecord] = []
        do {
            try EventLogReader(directory: path).forEach { _, r in
                switch r.event {
                case .dailyForecast, .hourlyForecast, .observation, .settlement: records.append(r)
                default: break
                }
                return true
            }
        } catch {
            throw CLIError("--weather \(path): \(error)")
        }
        let due = records.enumerated().filter { $0.element.time > after }
            .sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        let tick = self.tick
        return Task {
            var pending = due[...]
            while !Task.isCancelled, !pending.isEmpty {
                let t = now()
                var batch: [EventRecord] = []
                while let w = pending.first, w.time <= t {
                    batch.append(w)
                    pending.removeFirst()
                }
                if !batch.isEmpty, await !session.polled(batch) { return }
                try? await Task.sleep(nanoseconds: UInt64(tick * 1e9))
            }
        }
    }

    /// A new session's log, its configuration from the flags.
    func started(at time: Timestamp) throws -> SessionLog {
        var exchangeOptions = ExchangeOptions(fillModel: fillModel ?? .queue)
        exchangeOptions.queueAhead = Count(contracts: queueAhead ?? 250)
        if let fillWindow { exchangeOptions.windowMinutes = fillWindow == 0 ? nil : fillWindow }
        exchangeOptions.atExchange = trade
        var config = BacktestConfig(
            logs: [], strategy: try strategyChoice(), exchange: exchangeOptions, engineVersion: Isotherm.version)
        config.risk = try riskLimits()
        if city != nil { config.cities = try cities().map(\.code) }
        return try SessionLog(
            directory: log, sessionId: UUID().uuidString.lowercased(), config: config, startedAt: time)
    }

    /// The session in `log`, replayed to where it stopped.
    func resumed(at time: Timestamp) throws -> SessionLog {
        try SessionLog.resume(directory: log, engineVersion: Isotherm.version, startedAt: time)
    }

    /// `wss://host:port/trade-api/ws/v2` for `https://host:port/trade-api/v2` (`ws://` for `http://`); a
    /// TLS feed on 127.0.0.1 is reached as `localhost` (TLS cannot name an IP address).
    static func webSocketURL(ofREST rest: String) -> String {
        var url = rest
        if url.hasPrefix("https://") {
            url = "wss://" + url.dropFirst("https://".count)
            url = url.replacingOccurrences(of: "wss://127.0.0.1", with: "wss://localhost")
        } else if url.hasPrefix("http://") {
            url = "ws://" + url.dropFirst("http://".count)
        }
        if let range = url.range(of: ExchangeService.prefix) {
            url.replaceSubrange(range, with: ExchangeServer.webSocketPath)
        }
        return url
    }
}
