/// What ``LogWriter/init(directory:options:)`` changed while opening a log.
package struct RecoveryReport: Equatable, Sendable, CustomStringConvertible {
    /// A torn tail cut from the last segment.
    package struct TornTail: Equatable, Sendable {
        /// The segment that was cut.
        package var segment: String
        /// Where the cut bytes started (the torn batch's header, or 0 for a torn segment header).
        package var offset: Int64
        /// How many bytes were cut.
        package var bytesCut: Int64
        /// The file in `quarantine/` that now holds the cut bytes.
        package var quarantinePath: String
        /// The torn batch's sequences, when its header was readable.
        package var sequenceRange: ClosedRange<UInt64>?
        /// Why the bytes were judged torn.
        package var reason: String
        /// True when nothing but the segment header was left, so the segment file was removed too.
        package var segmentRemoved: Bool
    }

    /// The torn tail that was cut, if any.
    package var tornTail: TornTail?
    /// Index files that were missing, stale or damaged and were rewritten.
    package var rebuiltIndexes: [String] = []

    /// An empty report.
    package init() {}

    /// True when no log bytes were cut (rebuilt indexes are derived data and don't count).
    package var isClean: Bool { tornTail == nil }

    package var description: String {
        guard let t = tornTail else { return "clean (\(rebuiltIndexes.count) index files rebuilt)" }
        var s = "cut a torn tail of \(t.bytesCut) bytes from \(t.segment) at byte \(t.offset)"
        if let r = t.sequenceRange { s += " (sequences \(r.lowerBound)...\(r.upperBound))" }
        s += ": \(t.reason); moved to \(t.quarantinePath)"
        if t.segmentRemoved { s += "; removed the emptied segment" }
        return s
    }
}
