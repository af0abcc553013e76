import Glibc
import IsothermPlatform
import Synchronization

/// What asked a recording to end, as a signal number, or 0 for nothing yet. Written by the signal
/// handlers (an atomic store is async-signal-safe).
private let stopRequest = Atomic<Int32>(0)

/// Ends `isotherm record` from outside its loop: SIGINT, SIGTERM or the `--seconds` deadline. The feed
/// client asks ``reason`` every 20 ms and on every frame, so a quiet feed stops on time.
enum RecordStop {
    nonisolated(unsafe) private static var deadline = Int64.max
    nonisolated(unsafe) private static var started = false

    /// Installs the handlers. Call once.
    /// - Parameter seconds: the run's length from now, or nil to run until stopped otherwise.
    static func start(seconds: Double?) {
        precondition(!started, "RecordStop.start called twice")
        started = true
        stopRequest.store(0, ordering: .relaxed)
        deadline = seconds.map { SystemClock.monotonicNanos() + Int64($0 * 1e9) } ?? .max
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        action.__sigaction_handler.sa_handler = requestStop
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A parent may have started us with these blocked (a spawning thread's mask is inherited).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for s in [SIGINT, SIGTERM] { sigaddset(&unblock, s) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Why the recording is to stop now (`SIGINT`, `SIGTERM`, `seconds`), or nil.
    static var reason: String? {
        switch stopRequest.load(ordering: .relaxed) {
        case 0: SystemClock.monotonicNanos() >= deadline ? "seconds" : nil
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case let other: "signal \(other)"
        }
    }

    /// Restores the default handlers.
    static func finish() {
        guard started else { return }
        started = false
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// SIGINT and SIGTERM: records the first request (an atomic compare-and-exchange: async-signal-safe).
private func requestStop(_ signal: Int32) {
    _ = stopRequest.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
}
