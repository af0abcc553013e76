import Dispatch
import Glibc
import Synchronization

/// A value shared between worker threads, guarded by the standard library's `Mutex`. (It was a
/// `pthread_mutex_t` stored property passed to C as `&mutex`: an inout-to-pointer conversion of a
/// class's stored property is not guaranteed to give the same, stable address on every call, which a
/// lock needs. `Mutex` keeps its lock at a fixed address inside the object.)
package final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    package init(_ value: Value) { mutex = Mutex(value) }

    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try mutex.withLock { value in try body(&value) }
    }
}

/// Runs `body(i)` for every `i` in `0..<count` on up to `threads` threads and returns the results in
/// index order, so the output never depends on which thread finished first.
package func parallelMap<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) throws -> T) -> [Result<
    T, any Error
>] {
    let results = Locked([Result<T, any Error>?](repeating: nil, count: count))
    let next = Locked(0)
    let workers = Swift.max(1, Swift.min(threads, count))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let i = next.withLock { n -> Int in
                defer { n += 1 }
                return n
            }
            guard i < count else { return }
            let result = Result { try body(i) }
            results.withLock { $0[i] = result }
        }
    }
    return results.withLock { $0.map { $0! } }
}

/// Cores available to this process.
package func availableCores() -> Int { Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
