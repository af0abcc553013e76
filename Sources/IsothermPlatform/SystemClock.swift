#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's clocks, read here and nowhere else (`tools/test` checks that no other file calls
/// `clock_gettime`). Neither reaches a reducer: an event's time comes from the event, and the only
/// wall-clock reading that becomes part of an event is the recorder's received time, which it stamps
/// on what arrives from outside before anything reduces it.
package enum SystemClock {
    /// Nanoseconds on the monotonic clock (`CLOCK_MONOTONIC`): for pacing, timeouts, sync intervals,
    /// progress and throughput figures. Meaningless across processes.
    package static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// ``monotonicNanos()`` in seconds.
    package static func monotonicSeconds() -> Double { Double(monotonicNanos()) / 1e9 }

    /// Nanoseconds since 1970-01-01T00:00:00Z on the wall clock (`CLOCK_REALTIME`): a received message's
    /// stamp, a request signature's time, the age of data in `status`, whether a page can be final yet.
    package static func wallNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
