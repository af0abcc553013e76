import Glibc
import IsothermNet
import IsothermPlatform
import Synchronization

/// What asked a recording to end, as a signal number, ``RecordStop/deadlineReached`` for `--seconds`,
/// or 0 for nothing yet. Written by the signal handlers (an atomic store is async-signal-safe).
private let stopRequest = Atomic<Int32>(0)
/// Set when the recorder has seen the request, so the watcher stops interrupting it.
private let stopSeen = Atomic<Bool>(false)

/// Ends `isotherm record` from outside its loop: SIGINT, SIGTERM or the `--seconds` deadline.
///
/// The loop blocks in a socket read for up to 30 s, so a flag alone would be seen late. A watcher
/// thread therefore turns a request (a signal, or the deadline passing) into SIGUSR1 sent to the
/// recording thread every 20 ms until the loop says it has seen it: the read fails with `EINTR` (the
/// sockets have a receive timeout, so Linux does not restart the call), the loop finds the request,
/// stops interrupting, and flushes and closes the log. The repetition closes the gap between the
/// loop's last check and its next read.
enum RecordStop {
    /// The request value for the `--seconds` deadline.
    static let deadlineReached: Int32 = -1

    nonisolated(unsafe) private static var recordingThread = pthread_t()
    nonisolated(unsafe) private static var watcher = pthread_t()
    nonisolated(unsafe) private static var deadline = Double.infinity
    nonisolated(unsafe) private static var started = false

    /// Installs the handlers and starts the watcher. Call once, from the thread that records.
    /// - Parameter seconds: the run's length from now, or nil to run until stopped otherwise.
    static func start(seconds: Double?) {
        precondition(!started, "RecordStop.start called twice")
        started = true
        stopRequest.store(0, ordering: .relaxed)
        stopSeen.store(false, ordering: .relaxed)
        deadline = seconds.map { SystemClock.monotonicSeconds() + $0 } ?? .infinity
        recordingThread = pthread_self()
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: an interrupted call returns EINTR
        action.__sigaction_handler.sa_handler = requestStop
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        action.__sigaction_handler.sa_handler = interruptOnly  // the watcher's nudge
        sigaction(SIGUSR1, &action, nil)
        // A parent may have started us with these blocked (a spawning thread's mask is inherited).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for s in [SIGINT, SIGTERM, SIGUSR1] { sigaddset(&unblock, s) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var thread = pthread_t()
        pthread_create(&thread, nil, watch, nil)
        watcher = thread
    }

    /// The watcher thread: turns the deadline into a request, and a request into nudges.
    fileprivate static func watchLoop() {
        while !stopSeen.load(ordering: .acquiring) {
            if stopRequest.load(ordering: .relaxed) == 0, SystemClock.monotonicSeconds() >= deadline {
                _ = stopRequest.compareExchange(expected: 0, desired: deadlineReached, ordering: .relaxed)
            }
            if stopRequest.load(ordering: .relaxed) != 0 { pthread_kill(recordingThread, SIGUSR1) }
            usleep(20_000)
        }
    }

    /// The request so far: 0, a signal number, or ``deadlineReached``.
    static var request: Int32 { stopRequest.load(ordering: .relaxed) }

    /// Whether the recording should end now.
    static var isRequested: Bool { request != 0 }

    /// Tells the watcher the loop is done (so nothing interrupts the flush and close) and waits for it.
    static func finish() {
        guard started else { return }
        started = false
        stopSeen.store(true, ordering: .releasing)
        pthread_join(watcher, nil)
    }

    /// Why the recording stopped, for the summary: `SIGINT`, `SIGTERM` or `seconds`.
    static func describe(_ request: Int32) -> String {
        switch request {
        case deadlineReached: "seconds"
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(request)"
        }
    }

    /// Sleeps `seconds`, or less when a stop is requested meanwhile.
    static func sleep(seconds: Double) {
        let end = SystemClock.monotonicSeconds() + seconds
        while !isRequested {
            let left = end - SystemClock.monotonicSeconds()
            if left <= 0 { return }
            RetryingFetcher.sleep(seconds: min(left, 0.05))
        }
    }
}

/// SIGINT and SIGTERM: records the first request (an atomic compare-and-exchange: async-signal-safe).
private func requestStop(_ signal: Int32) {
    _ = stopRequest.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
}

/// SIGUSR1: nothing to do; delivering it interrupts the recording thread's blocking call.
private func interruptOnly(_: Int32) {}

private func watch(_: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    RecordStop.watchLoop()
    return nil
}
