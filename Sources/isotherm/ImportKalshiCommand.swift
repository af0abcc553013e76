import ArgumentParser
import Glibc
import IsothermEvents
import IsothermImport
import IsothermIngest
import IsothermStore

struct ImportKalshiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kalshi",
        abstract: "Backfill Kalshi's settled markets, their outcomes and their candles for daily-high series.",
        discussion: """
            For each series: its fee schedule (GET /series/{s}); its markets for the days asked for, \
            page by page along the cursor (GET /markets, or /historical/markets for markets settled \
            before the archive's cutoff); then each market's candles from its open to its close, at \
            most --max-candles periods a request (GET /series/{s}/markets/{t}/candlesticks, or \
            /historical/markets/{t}/candlesticks). Days are event dates, the climate day a market \
            measures: KXHIGHNY-25JAN02 is 2025-01-02. Market data is public: no key is needed.

            Only settled markets are imported, so everything written is final: a market_listed event \
            at created_time, determined and settled market_lifecycle events with the result, and the \
            candles. Markets of the days asked for that are not settled yet are counted and left for \
            a later run of the same command. A settled market without settlement_ts (optional in the \
            current SDK, absent from older responses) is imported with what is known: its listing, its \
            determination (dated by updated_time, which is never early) and its candles, but no \
            settled event, whose time is unknown; such markets are counted.

            Tiers: live (the current endpoints), historical (the archive), auto (the default: reads \
            GET /historical/cutoff when it has something to fetch, takes markets settled before the \
            cutoff from the archive and the rest from the live endpoints).

            Every page is appended and synced before the next request, between two run manifests \
            that record the page's cursor. Run the same command again after an interruption: finished \
            pages are passed over without a request (the cursor chain is walked from the manifests), \
            the page that was cut short is finished first, and nothing is written twice (market \
            events are also checked against the log by ticker, so overlapping runs and tiers add \
            nothing). 429s wait for Retry-After, 5xx and dropped connections back off exponentially; \
            a page that cannot be read stops the backfill with the URL and the reason, keeping \
            everything before it.

            Examples:
              # A year of New York, 1-minute candles, tiers chosen by the cutoff:
              isotherm import kalshi --series KXHIGHNY --log data/NY \\
                  --from 2025-01-01 --to 2025-12-31
              # Two cities into one log, a week, hourly candles, live endpoints only:
              isotherm import kalshi --series KXHIGHCHI,KXHIGHMIA --log data/kalshi \\
                  --from 2026-10-01 --to 2026-10-07 --period 60 --tier live
            """)

    @Option(name: .long, help: "Series tickers, comma-separated (KXHIGHNY,KXHIGHCHI,…).")
    var series: String

    @Option(name: .long, help: "Candle period in minutes: 1, 60 or 1440.")
    var period: UInt16 = 1

    @Option(name: .long, help: "live, historical or auto.")
    var tier = "auto"

    @Option(name: .long, help: "Candles per request at most, 1…5000 (Kalshi sends about 5,000 at most).")
    var maxCandles = 4_000

    @OptionGroup var common: BackfillOptions

    var seriesTickers: [String] {
        series.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        guard !seriesTickers.isEmpty else { throw ValidationError("--series names no series") }
        for s in seriesTickers {
            guard s.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }), Symbol(s) != nil
            else {
                throw ValidationError(
                    "--series '\(s)' is not a series ticker (capital letters and digits, as KXHIGHNY)")
            }
        }
        guard KalshiRoute.Tier(rawValue: tier) != nil else {
            throw ValidationError("--tier '\(tier)' is not one of live, historical, auto")
        }
        guard [1, 60, 1440].contains(period) else { throw ValidationError("--period must be 1, 60 or 1440") }
        guard (1...5_000).contains(maxCandles) else { throw ValidationError("--max-candles must be 1…5000") }
        try common.validate()
    }

    func run() throws {
        try reportingErrors {
            let (first, last) = try common.dates()
            let session = try BackfillSession.opened(log: common.log, policy: common.policy, quiet: common.quiet)
            defer { try? session.close() }
            var base = common.baseURL ?? "https://api.elections.kalshi.com/trade-api/v2"
            while base.hasSuffix("/") { base.removeLast() }
            let backfill = try KalshiBackfill(
                session: session, base: base, series: seriesTickers.map { Symbol($0)! }, first: first, last: last,
                period: period, tier: KalshiRoute.Tier(rawValue: tier)!, maxCandles: maxCandles, now: wallClockNow)
            try backfill.run()
            try session.close()
            print(session.summary(source: "kalshi"))
            print(backfill.summary)
        }
    }
}
