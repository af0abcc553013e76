/// One segment file of a log, as listed.
package struct SegmentInfo: Equatable, Sendable {
    /// Full path of the `.lz4` file.
    package var path: String
    /// First sequence (from the file name).
    package var baseSequence: UInt64
    /// File size when listed.
    package var fileBytes: Int64
    /// UTC day from the segment header; nil when the header is missing or fails its checks.
    package var utcDay: Int32?

    /// Creates a segment description.
    package init(path: String, baseSequence: UInt64, fileBytes: Int64, utcDay: Int32?) {
        self.path = path
        self.baseSequence = baseSequence
        self.fileBytes = fileBytes
        self.utcDay = utcDay
    }
}
