import ArgumentParser
import Glibc
import IsothermDigest
import IsothermEvents
import IsothermImport
import IsothermIngest
import IsothermNet
import IsothermStore

/// Options every backfill shares.
struct BackfillOptions: ParsableArguments {
    @Option(name: .long, help: "Log directory to append to (created when missing).")
    var log: String

    @Option(name: .long, help: "First day (YYYY-MM-DD).")
    var from: String

    @Option(name: .long, help: "Last day (YYYY-MM-DD), inclusive.")
    var to: String

    @Option(name: .long, help: "Requests per second at most (above 0, at most 1000).")
    var rate: Double = 5

    @Option(name: .long, help: "Attempts per request before giving up (1…100).")
    var attempts = 6

    @Option(
        name: .long, help: "First backoff in seconds after a 5xx or a dropped connection, doubling each retry (0…3600)."
    )
    var backoff: Double = 1

    @Option(name: .long, help: "Service base URL, http:// or https:// (for a mirror or a test server).")
    var baseURL: String?

    @Flag(name: .long, help: "No progress lines on standard error.")
    var quiet = false

    /// The years `--from` and `--to` may name.
    static let years = Plausible.years

    /// Every option against its documented range: one line each, exit 64, before any request.
    func validate() throws {
        _ = try dates()
        guard !log.isEmpty else { throw ValidationError("--log is empty: give a log directory") }
        guard rate > 0 && rate <= 1_000 else {
            throw ValidationError("--rate \(rate) is not a number of requests per second above 0 and at most 1000")
        }
        guard (1...100).contains(attempts) else { throw ValidationError("--attempts must be 1…100, not \(attempts)") }
        guard backoff >= 0 && backoff <= 3_600 else {
            throw ValidationError("--backoff \(backoff) is not a number of seconds in 0…3600")
        }
        if let baseURL {
            guard let parts = URLParts(baseURL), !parts.host.isEmpty, !baseURL.contains("?"), !baseURL.contains("#"),
                !baseURL.contains(" ")
            else {
                throw ValidationError(
                    "--base-url '\(Redaction.redact(baseURL))' is not an http:// or https:// URL without a query")
            }
            Redaction.registerSecrets(in: baseURL)
        }
    }

    func dates() throws -> (LocalDate, LocalDate) {
        let range = "\(Self.years.lowerBound)-01-01…\(Self.years.upperBound)-12-31"
        guard let a = Plausible.date(iso8601: from) else {
            throw ValidationError("--from '\(from)' is not a YYYY-MM-DD date in \(range)")
        }
        guard let b = Plausible.date(iso8601: to) else {
            throw ValidationError("--to '\(to)' is not a YYYY-MM-DD date in \(range)")
        }
        guard a <= b else { throw ValidationError("--to \(to) is before --from \(from)") }
        return (a, b)
    }

    var policy: FetchPolicy {
        var p = FetchPolicy()
        p.requestsPerSecond = rate
        p.maxAttempts = attempts
        p.backoffSeconds = backoff
        return p
    }
}

struct ImportWeatherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weather",
        abstract: "Backfill settlements, observations and forecasts from the weather services.",
        discussion: """
            Sources:
              iem-cli           IEM's archive of the NWS climate reports (settlements), one request a year
              ncei              NCEI daily summaries (final settlements), one request a year
              nws-observations  api.weather.gov station observations, one request a week
              vc                Visual Crossing: observed hours a month at a time, and for each day the \
            forecast issued --lead days before (VISUAL_CROSSING_API_KEY must hold your key)

            Every page is appended and synced before the next is requested; run the same command \
            again after an interruption and it resumes without duplicates. 429s wait for \
            Retry-After, 5xx and dropped connections back off exponentially; a page that cannot be \
            read stops the backfill with the URL and the reason, keeping everything before it.

            Examples:
              isotherm import weather --source iem-cli --city NY --from 2024-01-01 --to 2025-12-31 --log data/NY
              VISUAL_CROSSING_API_KEY=… isotherm import weather --source vc --city CHI --from 2025-07-01 --to 2025-07-31 --log data/CHI
            """)

    @Option(name: .long, help: "iem-cli, ncei, nws-observations or vc.")
    var source: String

    @Option(name: .long, help: "City: NY, CHI, MIA, AUS, DEN, LAX, PHIL.")
    var city: String

    @Option(name: .long, help: "For vc: the forecast lead in days, 0…14 (the basis date is the day minus the lead).")
    var lead = 1

    @OptionGroup var common: BackfillOptions

    func validate() throws {
        guard WeatherBackfill.Source(rawValue: source) != nil else {
            throw ValidationError("--source '\(source)' is not one of iem-cli, ncei, nws-observations, vc")
        }
        guard SettlementSite.find(city) != nil else { throw ValidationError("--city '\(city)' is not a KXHIGH city") }
        try common.validate()
        guard (0...14).contains(lead) else { throw ValidationError("--lead must be 0…14") }
    }

    func run() throws {
        try reportingErrors {
            let site = SettlementSite.find(city)!
            let (first, last) = try common.dates()
            let session = try BackfillSession.opened(log: common.log, policy: common.policy, quiet: common.quiet)
            defer { try? session.close() }
            var plan = WeatherBackfill(
                source: WeatherBackfill.Source(rawValue: source)!, site: site, first: first, last: last,
                baseURL: common.baseURL, lead: lead)
            if plan.source == .vc {
                guard let key = getenv("VISUAL_CROSSING_API_KEY").map({ String(cString: $0) }), !key.isEmpty else {
                    throw CLIError("set VISUAL_CROSSING_API_KEY to your Visual Crossing key (it is never logged)")
                }
                plan.visualCrossingKey = key  // registered with Redaction by the plan before any request
            }
            try plan.run(into: session)
            try session.close()
            print(session.summary(source: source))
        }
    }
}

extension BackfillSession {
    /// The line a backfill ends with: pages, events and the fetcher's figures.
    func summary(source: String) -> String {
        let s = fetcher.stats
        return
            "\(source): \(pagesFetched) pages fetched, \(pagesSkipped) already done, \(eventsAppended) events appended "
            + "(\(s.requests) requests, \(s.retries) retries: \(s.rateLimited) rate-limited, \(s.serverErrors) server errors, "
            + "\(s.connectionErrors) connection errors; \(bytesText(Int64(s.bytes))))"
    }

    /// A session for a command's `--log` and policy, its progress on standard error unless `quiet`.
    static func opened(log: String, policy: FetchPolicy, quiet: Bool) throws -> BackfillSession {
        let toStandardError: @Sendable (String) -> Void = { line in printError(line) }
        return try BackfillSession(
            log: log, policy: policy, engineVersion: Isotherm.version, progress: quiet ? nil : toStandardError)
    }
}
