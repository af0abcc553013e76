/// When the writer calls `fdatasync` on the segment it appends to.
package enum Durability: Equatable, Sendable {
    /// Never; the OS writes pages back when it likes. A process crash loses nothing written,
    /// a power loss may lose the last seconds.
    case none
    /// After every batch written.
    case syncEachBatch
    /// After a batch written when at least `nanoseconds` of the monotonic clock
    /// (`SystemClock.monotonicNanos()`) passed since the last sync. Call
    /// ``LogWriter/flush(sync:)`` when idle so the final batch does not wait for the next one.
    case syncInterval(nanoseconds: Int64)
}
