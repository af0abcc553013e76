/// Per-segment and total figures from batch headers (see ``LogInspector``).
package struct InspectReport: Equatable, Sendable {
    /// Figures for one segment, or for the whole log.
    package struct Figures: Equatable, Sendable {
        /// The segment file (the directory for totals).
        package var path: String
        /// First sequence (the file name's for a segment).
        package var baseSequence: UInt64
        /// Last sequence of its last complete batch; nil when it holds none.
        package var lastSequence: UInt64?
        /// Complete batches.
        package var batches = 0
        /// Records in them.
        package var records: Int64 = 0
        /// Decompressed bytes.
        package var rawBytes: Int64 = 0
        /// File bytes (headers, frames and any torn tail).
        package var fileBytes: Int64 = 0
        /// Smallest event time.
        package var minEventTimeNanos: Int64?
        /// Largest event time.
        package var maxEventTimeNanos: Int64?
        /// UTC day from the segment header.
        package var utcDay: Int32?

        /// Raw bytes per file byte (0 for an empty segment).
        package var compressionRatio: Double { fileBytes > 0 ? Double(rawBytes) / Double(fileBytes) : 0 }
    }

    /// One entry per segment, in sequence order.
    package var segments: [Figures] = []
    /// Sums over all segments.
    package var totals: Figures
    /// The torn tail at the end of the last segment, if any.
    package var tornTail: TornPlace?
}
