import Dispatch
import Glibc

/// A value shared between worker threads, guarded by a mutex.
package final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private var mutex = pthread_mutex_t()

    package init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
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
