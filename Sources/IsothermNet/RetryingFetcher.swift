import Glibc
import IsothermPlatform

/// How a backfill paces and retries its requests.
package struct FetchPolicy: Sendable {
    /// At most this many requests a second (Kalshi's basic tier allows 20 reads a second).
    package var requestsPerSecond: Double = 10
    /// Attempts per request before giving up.
    package var maxAttempts = 6
    /// First backoff after a 5xx or a dropped connection; doubles each time, up to `maxBackoffSeconds`.
    package var backoffSeconds: Double = 0.5
    package var maxBackoffSeconds: Double = 60

    package init() {}
}

/// What a fetcher did, for the summary.
package struct FetchStats: Sendable {
    package var requests = 0
    package var retries = 0
    package var rateLimited = 0
    package var serverErrors = 0
    package var connectionErrors = 0
    package var bytes = 0
}

/// GETs with pacing, `Retry-After` on 429, exponential backoff on 5xx and dropped connections, and
/// a clear error when the attempts run out or the server refuses (4xx).
package final class RetryingFetcher {
    package let client: HTTPClient
    package let policy: FetchPolicy
    package private(set) var stats = FetchStats()
    private let note: (String) -> Void
    private var lastRequest: Double = -1e9

    package init(
        client: HTTPClient = HTTPClient(), policy: FetchPolicy = FetchPolicy(), note: @escaping (String) -> Void
    ) {
        self.client = client
        self.policy = policy
        self.note = note
    }

    /// The body of a 200 response to `GET url`.
    ///
    /// Every error and every progress line passes through ``Redaction``: the URL's secret parameters
    /// (`key=…`) and every registered secret are cut out of them, whatever the server echoed.
    /// - Throws: `NetError` (its URL and message redacted) when the server refuses the request (a 4xx
    ///   other than 429) or the attempts run out.
    package func get(_ url: String, headers: [(String, String)] = []) throws(NetError) -> [UInt8] {
        do {
            return try attempts(url, headers: headers)
        } catch {
            throw NetError(
                url: Redaction.redact(error.url), message: Redaction.redact(error.message),
                isRetryable: error.isRetryable)
        }
    }

    private func attempts(_ url: String, headers: [(String, String)]) throws(NetError) -> [UInt8] {
        var backoff = policy.backoffSeconds
        var attempt = 0
        while true {
            attempt += 1
            pace()
            stats.requests += 1
            var wait: Double
            var problem: String
            do throws(NetError) {
                let response = try client.get(url, headers: headers)
                switch response.status {
                case 200..<300:
                    stats.bytes += response.body.count
                    return response.body
                case 429:
                    stats.rateLimited += 1
                    wait = response.header("retry-after").flatMap { Double($0.trimmingSpaces) } ?? backoff
                    problem = "429 Too Many Requests"
                case 500..<600:
                    stats.serverErrors += 1
                    wait = backoff
                    problem = "HTTP \(response.status)"
                default:
                    let text = String(decoding: response.body.prefix(200), as: UTF8.self)
                    throw NetError(url: url, message: "HTTP \(response.status): \(text)", isRetryable: false)
                }
            } catch {
                guard error.isRetryable else { throw error }
                stats.connectionErrors += 1
                wait = backoff
                problem = error.message
            }
            guard attempt < policy.maxAttempts else {
                throw NetError(
                    url: url, message: "gave up after \(attempt) attempts; last: \(problem)", isRetryable: false)
            }
            stats.retries += 1
            // A Retry-After that is not a number of seconds (a date, "nan", a negative) waits the backoff.
            if !(wait >= 0) { wait = backoff }
            wait = Swift.min(wait, policy.maxBackoffSeconds)
            note(
                Redaction.redact(
                    "  \(problem); retrying in \(String(format1: wait)) s (attempt \(attempt + 1) of \(policy.maxAttempts))"
                ))
            Self.sleep(seconds: wait)
            backoff = Swift.min(backoff * 2, policy.maxBackoffSeconds)
        }
    }

    /// Waits until the next request is allowed by `requestsPerSecond`.
    private func pace() {
        // A rate that is not a positive number (the CLI refuses one) paces nothing rather than trap.
        guard policy.requestsPerSecond > 0, policy.requestsPerSecond.isFinite else { return }
        let interval = 1 / policy.requestsPerSecond
        let now = SystemClock.monotonicSeconds()
        if now - lastRequest < interval { Self.sleep(seconds: interval - (now - lastRequest)) }
        lastRequest = SystemClock.monotonicSeconds()
    }

    /// Sleeps `seconds` (at most a day; NaN and negatives sleep not at all), resuming after signals.
    package static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        let seconds = Swift.min(seconds, 86_400)
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&ts, &remaining) != 0 && errno == EINTR { ts = remaining }
    }
}

extension String {
    /// One decimal place, without Foundation.
    init(format1 v: Double) {
        guard v.isFinite, abs(v) < 1e15 else {
            self = v.isNaN ? "nan" : v < 0 ? "-inf" : "inf"
            return
        }
        let tenths = Int((v * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
