/// How a ``LogWriter`` cuts batches and segments, compresses, and syncs.
package struct LogOptions: Equatable, Sendable {
    /// A segment rolls before a batch that would make it larger than this. A batch never spans two
    /// segments, so a single batch larger than this gets a segment of its own.
    package var segmentBytesMax: Int64 = 256 << 20
    /// A batch closes when it holds this many records (1 ... ``LogFormat/batchRecordsLimit``).
    package var batchRecordsMax: Int = 4096
    /// A batch closes before a record that would take its raw (decompressed) size past this, and
    /// as soon as it reaches it (1 ... ``LogFormat/batchRawBytesLimit``). A single larger record
    /// gets a batch of its own.
    package var batchRawBytesMax: Int = 256 << 10
    /// When the writer syncs.
    package var durability: Durability = .none
    /// Event schema version written to every batch header.
    package var schemaVersion: UInt16 = 1
    /// Roll the segment when a record's UTC day (of its event time) is later than the segment's.
    package var rollByUTCDay: Bool = true
    /// LZ4 frame compression level: 0 or 1 is the fast default, negative values trade ratio for
    /// speed ("acceleration"), 3 ... 12 select LZ4 HC (slow).
    package var compressionLevel: Int32 = 0

    /// The defaults: 256 MiB segments, 4096-record / 256 KiB batches, no fsync, daily roll.
    package init() {}

    /// Checks every field against the format limits.
    /// - Throws: ``LogError/Code/invalidArgument`` naming the first field out of range.
    func validate() throws(LogError) {
        guard segmentBytesMax >= Int64(LogFormat.segmentHeaderBytes + LogFormat.batchHeaderBytes) else {
            throw LogError(.invalidArgument, "segmentBytesMax \(segmentBytesMax) is below 100 bytes")
        }
        guard (1...LogFormat.batchRecordsLimit).contains(batchRecordsMax) else {
            throw LogError(
                .invalidArgument, "batchRecordsMax \(batchRecordsMax) is outside 1...\(LogFormat.batchRecordsLimit)")
        }
        guard (1...LogFormat.batchRawBytesLimit).contains(batchRawBytesMax) else {
            throw LogError(
                .invalidArgument, "batchRawBytesMax \(batchRawBytesMax) is outside 1...\(LogFormat.batchRawBytesLimit)")
        }
        if case .syncInterval(let ns) = durability, ns < 0 {
            throw LogError(.invalidArgument, "syncInterval \(ns) ns is negative")
        }
        guard (-65_536...12).contains(compressionLevel) else {
            throw LogError(.invalidArgument, "compressionLevel \(compressionLevel) is outside -65536...12")
        }
    }
}
