import ArgumentParser
import Foundation
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermExchange
import IsothermLive
import IsothermPlatform
import Logging

struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Trade from Kalshi's live feed with the backtest's engine, on paper; every input logged first.",
        discussion: """
            Paper trading (the only mode so far): the strategy runs on the same engine as a backtest, \
            fed by Kalshi's WebSocket (ticker, trade, market_lifecycle_v2), and its orders are filled \
            by the backtest's fill rules (--fill-model) against the live quotes and prints. Nothing is \
            sent to Kalshi but subscriptions and reads.

            The session log (--log, a new directory) holds everything: a manifest with the strategy, \
            its parameters and the fill model; the REST answers that listed the markets open or yet to \
            open; every frame of the feed verbatim beside the events it maps to; a clock tick every \
            --tick seconds; and after each of these, what the engine did (decisions, intents, fills, \
            cancels, timers). Every input is appended before the engine sees it, and an intent is synced \
            before the session goes on. `isotherm replay --session LOG --verify` recomputes every \
            output from the log's inputs and proves them identical.

            Forecasts and observations are not polled yet: a strategy that needs them (open_maker) \
            decides only on what the log holds. Against a local exchange (isotherm exchange), give its \
            REST base with --exchange; the feed is then its /trade-api/ws/v2.

            The session stops on --seconds, SIGINT or SIGTERM, with the log synced and closed.

            Examples:
              isotherm live --log sessions/today --city NY --seconds 3600
              isotherm live --log s1 --exchange https://127.0.0.1:7443/trade-api/v2 --ca-file ca.pem --json
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

    @Option(name: .long, help: "Kalshi's REST base.")
    var restURL = KalshiHosts.prodREST

    @Option(name: .long, help: "Kalshi's WebSocket.")
    var feedURL = KalshiHosts.prodFeed

    @Option(
        name: .long,
        help: "A local exchange's REST base (isotherm exchange): sets --rest-url, and --feed-url to its WebSocket.")
    var exchange: String?

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
        if resume {
            guard strategy == nil, param.isEmpty, fillModel == nil, queueAhead == nil, city == nil else {
                throw ValidationError(
                    "--resume takes the session's strategy, parameters, fill model and cities from its log: "
                        + "leave out --strategy, --param, --fill-model, --queue-ahead and --city")
            }
        }
        _ = try strategyChoice()
        _ = try cities()
    }

    var strategyKind: StrategyKind { strategy ?? .openMaker }

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
            let sessionLog: SessionLog
            do {
                sessionLog = try resume ? resumed() : started()
            } catch let e as SessionLogError {
                throw CLIError(e.description)
            }
            let config = sessionLog.config
            let sessionId = sessionLog.sessionId
            let cities = City.catalog.filter { config.cities?.contains($0.code) ?? true }
            var rest = restURL
            var feedURL = self.feedURL
            if let exchange {
                rest = exchange
                feedURL = Self.webSocketURL(ofREST: exchange)
            }
            var settings = LivePaperSession.Settings(series: cities.map(\.highSeries))
            settings.tickSeconds = tick
            let session = LivePaperSession(log: sessionLog, settings: settings, note: { printError("live: " + $0) })
            var restConfig = KalshiRESTClient.Configuration(baseURL: rest)
            restConfig.caFile = caFile
            var logger = Logger(label: "isotherm.live")
            logger.logLevel = .error
            let client = try KalshiRESTClient(restConfig, signer: nil, logger: logger)
            do {
                try await session.listMarkets(client)
            } catch {
                await client.shutdown()
                throw CLIError("listing the markets through \(rest): \(error)")
            }
            var feedConfig = KalshiFeedClient.Configuration(
                url: feedURL, channels: [.init("ticker"), .init("trade"), .init("market_lifecycle_v2")])
            feedConfig.caFile = caFile
            feedConfig.jitterSeed = UInt64(truncatingIfNeeded: SystemClock.wallNanos())
            let feed = KalshiFeedClient(feedConfig, signer: nil, logger: logger)
            if !json {
                printError(
                    "live: session \(sessionId)\(resume ? " resumed" : ""), \(config.strategy.kind.rawValue) on \(cities.map(\.code).joined(separator: ",")), paper (\(config.exchange.fillModel.rawValue)), log \(log)"
                )
            }
            RecordStop.start(seconds: seconds)
            defer { RecordStop.finish() }
            let summary: LivePaperSession.Summary
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
                        + "(\(summary.intents) orders, \(summary.fills) fills), \(summary.reconnects) reconnections, "
                        + "\(summary.gaps) sequence gaps" + (summary.stopped.map { "; stopped by \($0)" } ?? "")
                        + "\nverify: isotherm replay --session \(log) --verify")
            }
            if let failure = summary.failure { throw CLIError(failure) }
        }
    }

    /// A new session's log, its configuration from the flags.
    func started() throws -> SessionLog {
        var exchangeOptions = ExchangeOptions(fillModel: fillModel ?? .queue)
        exchangeOptions.queueAhead = Count(contracts: queueAhead ?? 250)
        var config = BacktestConfig(
            logs: [], strategy: try strategyChoice(), exchange: exchangeOptions, engineVersion: Isotherm.version)
        if city != nil { config.cities = try cities().map(\.code) }
        return try SessionLog(
            directory: log, sessionId: UUID().uuidString.lowercased(), config: config, startedAt: wallClockNow())
    }

    /// The session in `log`, replayed to where it stopped.
    func resumed() throws -> SessionLog {
        try SessionLog.resume(directory: log, engineVersion: Isotherm.version, startedAt: wallClockNow())
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
