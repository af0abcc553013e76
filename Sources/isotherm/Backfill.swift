import ArgumentParser
import Glibc
import IsothermDigest
import IsothermEvents
import IsothermImport
import IsothermNet
import IsothermStore

/// One backfill into a log: every page fetched is a unit of work between two run manifests (kind
/// `backfill`, run id `fetch-<sha256 of the request>`), appended and synced before the next page, so
/// an interrupted backfill run again skips the pages it finished, resumes a page it was cut off in
/// the middle of, and never writes an event twice.
final class BackfillSession {
    let log: String
    let writer: EventLogWriter
    let history: ImportHistory
    let fetcher: RetryingFetcher
    let quiet: Bool
    private(set) var pagesFetched = 0
    private(set) var pagesSkipped = 0
    private(set) var eventsAppended = 0
    /// Run ids of the pages finished by this session (`history` holds those finished before it).
    private var finishedNow: Set<String> = []

    init(log: String, policy: FetchPolicy, quiet: Bool) throws {
        self.log = log
        self.quiet = quiet
        writer = try EventLogWriter(directory: log)
        history = try ImportHistory(directory: log, nextSequence: writer.nextSequence)
        fetcher = RetryingFetcher(client: HTTPClient(timeoutSeconds: 30), policy: policy) { line in
            if !quiet { printError(Redaction.redact(line)) }
        }
    }

    /// The run id of the page keyed `key`: `fetch-<sha256 of the key>`.
    static func runId(_ key: String) -> String { "fetch-" + SHA256Hasher.hash(Array(key.utf8)).hex }

    /// Whether the page keyed `key` is finished, in an earlier run or in this one.
    func isFinished(_ key: String) -> Bool {
        let runId = Self.runId(key)
        return history.finished[runId] != nil || finishedNow.contains(runId)
    }

    /// Counts a page passed over because it was finished before.
    func skipped() { pagesSkipped += 1 }

    /// GETs a request that is not a page (a series, the archive's cutoff): counted in the fetcher's
    /// figures, not as a page.
    func get(_ url: String, label: String, headers: [(String, String)] = []) throws -> [UInt8] {
        if !quiet { printError(Redaction.redact("GET \(label)")) }
        return try fetcher.get(url, headers: headers)
    }

    /// Fetches `url` (unless done before), parses it, and appends its events.
    /// - Parameters:
    ///   - label: the request as it may be shown: `url` without secrets.
    ///   - key: what identifies the page across runs (default: `label`). Two requests for the same
    ///     data by different routes (a live and an archive endpoint) share a key.
    ///   - notes: more parameters for the page's manifests.
    ///   - parse: the page's events, in the order they are to be appended.
    /// - Returns: the page's events (empty when the page was done before).
    @discardableResult
    func page(
        _ url: String, label: String, key: String? = nil, notes: [Field] = [], headers: [(String, String)] = [],
        parse: ([UInt8]) throws -> [EventRecord]
    ) throws -> [EventRecord] {
        let key = key ?? label
        let runId = Self.runId(key)
        if isFinished(key) {
            pagesSkipped += 1
            return []
        }
        let body = try fetchPage(url, label: label, headers: headers)
        let events: [EventRecord]
        do {
            events = try parse(body)
        } catch {
            throw unreadable(label, error)
        }
        var skip = 0
        let notes = (key == label ? [] : [Field("key", key)]) + notes
        if let started = history.unfinished(runId) {
            let written = try history.records(after: started)
            guard written.count <= events.count, Array(events.prefix(written.count)) == written else {
                throw CLIError(
                    "\(log): the page \(label) was cut short and has since changed; back it up into a new log")
            }
            skip = written.count
        } else {
            try writer.append(
                manifest(runId, .started, label: label, events: events.count, notes: notes, at: events.first?.time))
        }
        for record in events.dropFirst(skip) { try writer.append(record) }
        try writer.append(
            manifest(runId, .finished, label: label, events: events.count, notes: notes, at: events.last?.time))
        try writer.flush(sync: true)
        eventsAppended += events.count - skip
        finishedNow.insert(runId)
        return events
    }

    /// GETs a page (counted as fetched) for a caller that appends it with ``appendNew(key:label:events:notes:complete:)``.
    func fetchPage(_ url: String, label: String, headers: [(String, String)] = []) throws -> [UInt8] {
        if !quiet { printError(Redaction.redact("GET \(label)")) }
        let body = try fetcher.get(url, headers: headers)
        pagesFetched += 1
        return body
    }

    /// The error for a page that cannot be parsed.
    func unreadable(_ label: String, _ error: any Error) -> CLIError {
        CLIError(
            Redaction.redact(
                "\(label): the response cannot be read (\(error)); everything before it is kept, run again to resume"))
    }

    /// Appends a page whose events the caller has already checked against the log (each one is new to
    /// it), so a page fetched again (because it was cut short, or was not complete) needs no check of
    /// what it wrote before: a start manifest, the events, and, when `complete`, the finish manifest
    /// that makes later runs pass the page over. Nothing is written for an incomplete page with no
    /// new events.
    func appendNew(key: String, label: String, events: [EventRecord], notes: [Field], complete: Bool) throws {
        let runId = Self.runId(key)
        guard complete || !events.isEmpty else { return }
        let notes = (key == label ? [] : [Field("key", key)]) + notes
        try writer.append(
            manifest(runId, .started, label: label, events: events.count, notes: notes, at: events.first?.time))
        for record in events { try writer.append(record) }
        if complete {
            try writer.append(
                manifest(runId, .finished, label: label, events: events.count, notes: notes, at: events.last?.time))
            finishedNow.insert(runId)
        }
        try writer.flush(sync: true)
        eventsAppended += events.count
    }

    private func manifest(
        _ runId: String, _ phase: RunManifest.Phase, label: String, events: Int, notes: [Field], at time: Timestamp?
    ) -> EventRecord {
        EventRecord(
            time: time ?? Timestamp(nanos: 0),
            event: .runManifest(
                RunManifest(
                    runId: runId, phase: phase, runKind: "backfill", engineVersion: Isotherm.version, configHash: "",
                    parameters: [Field("request", Redaction.redact(label)), Field("events", String(events))] + notes,
                    inputs: [],
                    outputHash: "")))
    }

    func close() throws { try writer.close() }

    func summary(source: String) -> String {
        let s = fetcher.stats
        return
            "\(source): \(pagesFetched) pages fetched, \(pagesSkipped) already done, \(eventsAppended) events appended "
            + "(\(s.requests) requests, \(s.retries) retries: \(s.rateLimited) rate-limited, \(s.serverErrors) server errors, "
            + "\(s.connectionErrors) connection errors; \(bytesText(Int64(s.bytes))))"
    }
}

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
        guard ["iem-cli", "ncei", "nws-observations", "vc"].contains(source) else {
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
            let session = try BackfillSession(log: common.log, policy: common.policy, quiet: common.quiet)
            defer { try? session.close() }
            let citySymbol = Symbol(site.city)!
            switch source {
            case "iem-cli":
                let base = common.baseURL ?? "https://mesonet.agron.iastate.edu"
                for year in first.components.year...last.components.year {
                    let url = "\(base)/json/cli.py?station=\(site.station)&year=\(year)"
                    try session.page(url, label: url) { body in
                        // Every day must be the station asked for: its city is the one it settles.
                        var settlements: [Settlement] = []
                        for day in try IEMClimateImporter.parse(body, source: url)
                        where day.date >= first && day.date <= last {
                            let (city, station) = try SettlementSite.resolve(
                                station: day.station, requested: site.city, source: url)
                            if let s = day.settlement(city: city, station: station) { settlements.append(s) }
                        }
                        return ImportFormat.timeOrdered(
                            settlements.map {
                                EventRecord(
                                    time: $0.issuedAt ?? $0.climateDate.advanced(by: 1).startUTC, event: .settlement($0)
                                )
                            })
                    }
                }
            case "ncei":
                let base = common.baseURL ?? "https://www.ncei.noaa.gov"
                for (a, b) in yearChunks(first, last) {
                    let url =
                        "\(base)/access/services/data/v1?dataset=daily-summaries&stations=\(site.ghcn)"
                        + "&startDate=\(a.iso8601)&endDate=\(b.iso8601)&dataTypes=TMAX,TMIN&format=json"
                    try session.page(url, label: url) { body in
                        try ImportFormat.nceiDaily.parse(body, source: url, options: .init(city: site.city))
                    }
                }
            case "nws-observations":
                let base = common.baseURL ?? "https://api.weather.gov"
                var a = first
                while a <= last {
                    let b = min(a.advanced(by: 6), last)
                    let url =
                        "\(base)/stations/\(site.station)/observations?start=\(a.startUTC.rfc3339)"
                        + "&end=\(b.advanced(by: 1).startUTC.rfc3339)"
                    try session.page(url, label: url, headers: [("Accept", "application/geo+json")]) { body in
                        try NWSObservationsImporter.parse(body, source: url)
                    }
                    a = b.advanced(by: 1)
                }
            default:
                guard let key = getenv("VISUAL_CROSSING_API_KEY").map({ String(cString: $0) }), !key.isEmpty else {
                    throw CLIError("set VISUAL_CROSSING_API_KEY to your Visual Crossing key (it is never logged)")
                }
                // Cut out of every error, progress line and manifest from here on, whatever echoes it.
                Redaction.register(key)
                let base =
                    (common.baseURL ?? "https://weather.visualcrossing.com")
                    + "/VisualCrossingWebServices/rest/services/timeline/stn:\(site.station)"
                let station = Symbol(site.station)!
                for (a, b) in monthChunks(first, last) {
                    let query = "/\(a.iso8601)/\(b.iso8601)?unitGroup=us&include=days,hours,obs"
                    try session.page(base + query + "&key=" + key, label: base + query) { body in
                        ImportFormat.timeOrdered(
                            try VisualCrossingImporter.parse(
                                body, source: base + query, city: citySymbol, station: station, basisDate: nil))
                    }
                }
                var day = first
                while day <= last {
                    let basis = day.advanced(by: Int32(-lead))
                    let query =
                        "/\(day.iso8601)/\(day.iso8601)?unitGroup=us&include=days,hours,fcst&forecastBasisDate=\(basis.iso8601)"
                    try session.page(base + query + "&key=" + key, label: base + query) { body in
                        ImportFormat.timeOrdered(
                            try VisualCrossingImporter.parse(
                                body, source: base + query, city: citySymbol, station: station, basisDate: basis))
                    }
                    day = day.advanced(by: 1)
                }
            }
            try session.close()
            print(session.summary(source: source))
        }
    }
}

/// Calendar-year pieces of `[a, b]`.
func yearChunks(_ a: LocalDate, _ b: LocalDate) -> [(LocalDate, LocalDate)] {
    var out: [(LocalDate, LocalDate)] = []
    var start = a
    while start <= b {
        let end = min(b, LocalDate(year: start.components.year, month: 12, day: 31)!)
        out.append((start, end))
        start = end.advanced(by: 1)
    }
    return out
}

/// Calendar-month pieces of `[a, b]`.
func monthChunks(_ a: LocalDate, _ b: LocalDate) -> [(LocalDate, LocalDate)] {
    var out: [(LocalDate, LocalDate)] = []
    var start = a
    while start <= b {
        let (y, m, _) = start.components
        let end = min(b, LocalDate(year: y, month: m, day: LocalDate.daysIn(year: y, month: m))!)
        out.append((start, end))
        start = end.advanced(by: 1)
    }
    return out
}
