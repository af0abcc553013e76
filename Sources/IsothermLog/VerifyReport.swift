/// What ``LogVerifier/verify(directory:)`` found.
package struct VerifyReport: Equatable, Sendable {
    /// One damaged place (or the torn tail).
    package struct Problem: Equatable, Sendable, CustomStringConvertible {
        /// The segment file.
        package var segment: String
        /// Byte offset of the batch (or 0 for the segment header).
        package var offset: Int64
        /// The batch's sequences, when its header was readable.
        package var sequenceRange: ClosedRange<UInt64>?
        /// What is wrong.
        package var message: String
        /// True for an incomplete or failing final batch of the last segment, which a writer cuts on open.
        package var isTornTail: Bool

        package var description: String {
            var s =
                isTornTail
                ? "torn tail"
                : segment.hasSuffix(".idx") ? "stale index" : (offset == 0 ? "damaged segment header" : "damaged batch")
            s += " in \(segment) at byte \(offset)"
            if let r = sequenceRange { s += " (sequences \(r.lowerBound)...\(r.upperBound))" }
            return s + ": " + message
        }
    }

    /// Segment files checked.
    package var segments = 0
    /// Index files checked against their segments.
    package var indexes = 0
    /// Batches that passed every check.
    package var batches = 0
    /// Records in those batches.
    package var records: Int64 = 0
    /// Decompressed bytes of those batches.
    package var rawBytes: Int64 = 0
    /// Total size of the segment files.
    package var fileBytes: Int64 = 0
    /// First sequence of a valid batch.
    package var firstSequence: UInt64?
    /// Last sequence of a valid batch.
    package var lastSequence: UInt64?
    /// Smallest event time of the valid batches.
    package var minEventTimeNanos: Int64?
    /// Largest event time of the valid batches.
    package var maxEventTimeNanos: Int64?
    /// Every damaged place, in file order.
    package var problems: [Problem] = []

    /// An empty report.
    package init() {}

    /// True when nothing is damaged or torn.
    package var isClean: Bool { problems.isEmpty }
}
