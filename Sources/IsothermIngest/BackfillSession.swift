import IsothermDigest
package import IsothermEvents
package import IsothermNet
package import IsothermStore

/// Why a backfill stopped.
package enum BackfillError: Error, Equatable, CustomStringConvertible {
    /// A page cut short by a crash came back different: the log cannot be resumed safely.
    case pageChanged(log: String, label: String)
    /// A page's response cannot be parsed (secrets cut out of both).
    case unreadable(label: String, reason: String)

    package var description: String {
        switch self {
        case .pageChanged(let log, let label):
            "\(log): the page \(label) was cut short and has since changed; back it up into a new log"
        case .unreadable(let label, let reason):
            "\(label): the response cannot be read (\(reason)); everything before it is kept, run again to resume"
        }
    }
}

/// One backfill into a log: every page fetched is a unit of work between two run manifests (kind
/// `backfill`, run id `fetch-<sha256 of the request>`), appended and synced before the next page, so
/// an interrupted backfill run again skips the pages it finished, resumes a page it was cut off in
/// the middle of, and never writes an event twice.
package final class BackfillSession {
    package let log: String
    package let writer: EventLogWriter
    package let history: ImportHistory
    package let fetcher: RetryingFetcher
    /// Where progress lines go (`GET …`, retries), secrets already cut out; nil: nowhere.
    private let progress: (@Sendable (String) -> Void)?
    private let engineVersion: String
    /// Whether progress lines go nowhere.
    package var isQuiet: Bool { progress == nil }

    /// A progress line of the backfill's own (secrets cut out), where progress goes.
    package func note(_ line: String) { progress?(Redaction.redact(line)) }
    package private(set) var pagesFetched = 0
    package private(set) var pagesSkipped = 0
    package private(set) var eventsAppended = 0
    /// Run ids of the pages finished by this session (`history` holds those finished before it).
    private var finishedNow: Set<String> = []

    /// Opens (or creates) the log at `log` and reads which pages it holds.
    /// - Parameters:
    ///   - engineVersion: recorded in the pages' manifests.
    ///   - progress: receives each progress line (secrets cut out); nil for none.
    package init(
        log: String, policy: FetchPolicy, engineVersion: String, client: HTTPClient = HTTPClient(timeoutSeconds: 30),
        progress: (@Sendable (String) -> Void)?
    ) throws {
        self.log = log
        self.progress = progress
        self.engineVersion = engineVersion
        writer = try EventLogWriter(directory: log)
        history = try ImportHistory(directory: log, nextSequence: writer.nextSequence)
        fetcher = RetryingFetcher(client: client, policy: policy) { line in progress?(Redaction.redact(line)) }
    }

    /// The run id of the page keyed `key`: `fetch-<sha256 of the key>`.
    package static func runId(_ key: String) -> String { "fetch-" + SHA256Hasher.hash(Array(key.utf8)).hex }

    /// Whether the page keyed `key` is finished, in an earlier run or in this one.
    package func isFinished(_ key: String) -> Bool {
        let runId = Self.runId(key)
        return history.finished[runId] != nil || finishedNow.contains(runId)
    }

    /// Counts a page passed over because it was finished before.
    package func skipped() { pagesSkipped += 1 }

    /// GETs a request that is not a page (a series, the archive's cutoff): counted in the fetcher's
    /// figures, not as a page.
    package func get(_ url: String, label: String, headers: [(String, String)] = []) throws -> [UInt8] {
        progress?(Redaction.redact("GET \(label)"))
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
    package func page(
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
                throw BackfillError.pageChanged(log: log, label: label)
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
    package func fetchPage(_ url: String, label: String, headers: [(String, String)] = []) throws -> [UInt8] {
        progress?(Redaction.redact("GET \(label)"))
        let body = try fetcher.get(url, headers: headers)
        pagesFetched += 1
        return body
    }

    /// The error for a page that cannot be parsed.
    package func unreadable(_ label: String, _ error: any Error) -> BackfillError {
        .unreadable(label: Redaction.redact(label), reason: Redaction.redact("\(error)"))
    }

    /// Appends a page whose events the caller has already checked against the log (each one is new to
    /// it), so a page fetched again (because it was cut short, or was not complete) needs no check of
    /// what it wrote before: a start manifest, the events, and, when `complete`, the finish manifest
    /// that makes later runs pass the page over. Nothing is written for an incomplete page with no
    /// new events.
    package func appendNew(key: String, label: String, events: [EventRecord], notes: [Field], complete: Bool) throws {
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
                    runId: runId, phase: phase, runKind: "backfill", engineVersion: engineVersion, configHash: "",
                    parameters: [Field("request", Redaction.redact(label)), Field("events", String(events))] + notes,
                    inputs: [],
                    outputHash: "")))
    }

    package func close() throws { try writer.close() }
}
