import IsothermPlatform

/// Elapsed time on the monotonic clock, for progress and throughput figures (never for events).
struct Stopwatch {
    private let start: Int64

    init() { start = SystemClock.monotonicNanos() }

    var elapsedSeconds: Double { Double(SystemClock.monotonicNanos() - start) / 1e9 }
}

/// Throttled progress lines on standard error: at most one every `interval` seconds.
struct Progress {
    let label: String
    let total: Int64
    private let watch = Stopwatch()
    private var lastPrint = 0.0

    init(label: String, total: Int64) {
        self.label = label
        self.total = total
    }

    mutating func update(_ done: Int64, interval: Double = 1.0) {
        let t = watch.elapsedSeconds
        guard t - lastPrint >= interval else { return }
        lastPrint = t
        let pct = total > 0 ? Double(done) * 100 / Double(total) : 0
        printError("  \(label): \(grouped(done)) events (\(fixed(pct, 0))%), \(fixed(t, 1)) s")
    }
}
