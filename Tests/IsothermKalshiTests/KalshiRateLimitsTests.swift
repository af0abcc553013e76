import Testing

@testable import IsothermKalshi

/// Rate limits and retries of the trading client (issue 14 point 2), on given times: deterministic.
@Suite struct KalshiRateLimitsTests {
    static let second: Int64 = 1_000_000_000

    @Test func basicAllowsTwentyReadsAndTenWritesASecondThenPaces() {
        var limiter = KalshiRateLimiter(tier: .basic)
        // A full second's worth goes at once, then each more waits its share of the refill.
        for _ in 0..<20 { #expect(limiter.delay(.read, now: 0) == 0) }
        #expect(limiter.delay(.read, now: 0) == Self.second / 20)
        #expect(limiter.delay(.read, now: 0) == 2 * Self.second / 20, "reserved ahead, so the next waits longer")
        for _ in 0..<10 { #expect(limiter.delay(.write, now: 0) == 0) }
        #expect(limiter.delay(.write, now: 0) == Self.second / 10, "reads and writes are separate buckets")
        // A second later (less what was reserved) the bucket has refilled.
        #expect(limiter.delay(.read, now: 3 * Self.second) == 0)
        // A batch cancel of 5 orders costs one write; of 50, ten.
        var fresh = KalshiRateLimiter(tier: .basic)
        for _ in 0..<10 { #expect(fresh.delay(.batchCancel(items: 5), now: 0) == 0) }
        #expect(fresh.delay(.batchCancel(items: 50), now: 0) == Self.second)
    }

    @Test func aBucketRefillsByTheNanosecondAndNeverAboveASecondsWorth() {
        var b = TokenBucket(perSecond: 100)
        #expect(b.take(100, now: 10) == 0)
        #expect(b.take(1, now: 10) == Self.second / 100)
        var c = TokenBucket(perSecond: 100)
        #expect(c.take(100, now: 0) == 0)
        #expect(c.take(50, now: Self.second / 2) == 0, "half a second refilled 50")
        var d = TokenBucket(perSecond: 100)
        #expect(d.take(1, now: 0) == 0)
        #expect(d.take(100, now: 3_600 * Self.second) == 0)
        #expect(d.take(1, now: 3_600 * Self.second) == Self.second / 100, "an hour idle still holds one second")
        #expect(KalshiTier.prime.requestsPerSecond == (400, 400))
    }

    @Test func aWriteWhoseAnswerMayBeLostIsLookedUpNeverResent() {
        #expect(KalshiRetry.decide(isWrite: true, outcome: .answerLost, attempt: 1) == .lookUp)
        #expect(KalshiRetry.decide(isWrite: true, outcome: .status(503, retryAfter: nil), attempt: 1) == .lookUp)
        #expect(KalshiRetry.decide(isWrite: true, outcome: .notSent, attempt: 1) == .retry(afterSeconds: 0.5))
        #expect(
            KalshiRetry.decide(isWrite: true, outcome: .status(429, retryAfter: 2), attempt: 1)
                == .retry(afterSeconds: 2))
        #expect(KalshiRetry.decide(isWrite: true, outcome: .status(400, retryAfter: nil), attempt: 1) == .fail)
        // Reads: retried with exponential backoff, Retry-After honoured (capped), then given up.
        #expect(KalshiRetry.decide(isWrite: false, outcome: .answerLost, attempt: 3) == .retry(afterSeconds: 2))
        #expect(
            KalshiRetry.decide(isWrite: false, outcome: .status(502, retryAfter: nil), attempt: 2)
                == .retry(afterSeconds: 1))
        #expect(
            KalshiRetry.decide(isWrite: false, outcome: .status(429, retryAfter: 1e9), attempt: 1)
                == .retry(afterSeconds: 3_600))
        #expect(KalshiRetry.decide(isWrite: false, outcome: .status(429, retryAfter: nil), attempt: 6) == .fail)
        #expect(KalshiRetry.decide(isWrite: false, outcome: .status(404, retryAfter: nil), attempt: 1) == .fail)
    }
}
