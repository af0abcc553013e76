/// Kalshi's rate limits as token buckets (late-2026 docs: a request costs 10 tokens by default; Basic
/// allows 200 read tokens and 100 write tokens a second, i.e. 20 reads and 10 writes; a batch cancel
/// item costs a fifth of a write). Pure and deterministic: time is given in nanoseconds (a monotonic
/// clock in use, any numbers in tests), amounts are integers.
package struct TokenBucket: Equatable, Sendable {
    /// Tokens added per second, and the most the bucket holds (one second's worth).
    package let perSecond: Int64
    package let capacity: Int64
    /// Tokens now, times 10⁹ (so refills by the nanosecond stay exact); negative when reserved ahead.
    private var scaled: Int64
    private var last: Int64?

    package init(perSecond: Int64) {
        precondition(perSecond > 0)
        self.perSecond = perSecond
        capacity = perSecond
        scaled = perSecond * 1_000_000_000
    }

    /// Takes `cost` tokens at `now`, reserving them if the bucket lacks them.
    /// - Returns: nanoseconds to wait before the request may go (0: at once).
    package mutating func take(_ cost: Int64, now: Int64) -> Int64 {
        if let last, now > last {
            // Capped before multiplying: past a second's worth the bucket is full anyway.
            let elapsed = min(now - last, 2_000_000_000)
            scaled = min(capacity * 1_000_000_000, scaled + elapsed * perSecond)
        }
        last = max(last ?? now, now)
        scaled -= cost * 1_000_000_000
        guard scaled < 0 else { return 0 }
        return (-scaled + perSecond - 1) / perSecond
    }
}

/// Kalshi's API tiers and what each allows a second.
package enum KalshiTier: String, CaseIterable, Sendable {
    case basic, advanced, premier, prime

    /// Reads and writes a second.
    package var requestsPerSecond: (reads: Int64, writes: Int64) {
        switch self {
        case .basic: (20, 10)
        case .advanced: (30, 30)
        case .premier: (100, 100)
        case .prime: (400, 400)
        }
    }
}

/// The client's two buckets: reads and writes, each request 10 tokens, a batch cancel item 2.
package struct KalshiRateLimiter: Sendable {
    package enum Request: Equatable, Sendable {
        case read
        case write
        /// A batched cancel of `items` orders.
        case batchCancel(items: Int)
    }

    package static let tokensPerRequest: Int64 = 10
    private var reads: TokenBucket
    private var writes: TokenBucket

    package init(tier: KalshiTier) {
        let r = tier.requestsPerSecond
        reads = TokenBucket(perSecond: r.reads * Self.tokensPerRequest)
        writes = TokenBucket(perSecond: r.writes * Self.tokensPerRequest)
    }

    /// Nanoseconds to wait before `request` may be sent at `now` (its tokens are taken).
    package mutating func delay(_ request: Request, now: Int64) -> Int64 {
        switch request {
        case .read: reads.take(Self.tokensPerRequest, now: now)
        case .write: writes.take(Self.tokensPerRequest, now: now)
        case .batchCancel(let items): writes.take(Int64(max(1, items)) * Self.tokensPerRequest / 5, now: now)
        }
    }
}

/// What to do after a request failed. A write is never sent twice blindly: when its answer may have
/// been lost after it left (a dropped connection, a timeout, a 5xx), the order is looked up by its client
/// order id before anything is resent; only an answer that says it was not taken (429) allows a resend.
package enum KalshiRetry: Equatable, Sendable {
    /// Send again after this many seconds.
    case retry(afterSeconds: Double)
    /// A write whose fate is unknown: look it up by client order id (`GET /portfolio/orders`) first.
    case lookUp
    /// Give up with the error.
    case fail

    /// How a request ended, for ``decide(isWrite:outcome:attempt:maxAttempts:backoffSeconds:)``.
    package enum Outcome: Equatable, Sendable {
        /// An HTTP status, with `Retry-After` in seconds when the server gave one.
        case status(Int, retryAfter: Double?)
        /// The connection failed before the request was sent (nothing reached the exchange).
        case notSent
        /// The connection failed or timed out after the request was sent.
        case answerLost
    }

    /// The decision for attempt `attempt` (1 for the first) of a request.
    package static func decide(
        isWrite: Bool, outcome: Outcome, attempt: Int, maxAttempts: Int = 6, backoffSeconds: Double = 0.5
    ) -> KalshiRetry {
        let backoff = backoffSeconds * Double(1 << min(max(0, attempt - 1), 16))
        let more = attempt < maxAttempts
        switch outcome {
        case .status(let code, let retryAfter) where code == 429:
            // Rate-limited: not taken, so even a write may go again.
            return more ? .retry(afterSeconds: min(retryAfter.map { max(0, $0) } ?? backoff, 3_600)) : .fail
        case .status(let code, _) where code >= 500:
            if isWrite { return .lookUp }
            return more ? .retry(afterSeconds: backoff) : .fail
        case .status:
            return .fail
        case .notSent:
            return more ? .retry(afterSeconds: backoff) : .fail
        case .answerLost:
            if isWrite { return .lookUp }
            return more ? .retry(afterSeconds: backoff) : .fail
        }
    }
}
