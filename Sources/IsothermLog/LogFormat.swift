/// Constants of the log format (`Schemas/log-format.md`, version 1).
package enum LogFormat {
    /// Format version written to segment and batch headers.
    package static let version: UInt16 = 1
    /// Skippable-frame magic of a segment header (nibble E).
    static let segmentMagic: UInt32 = 0x184D_2A5E
    /// Skippable-frame magic of a batch header (nibble 0).
    static let batchMagic: UInt32 = 0x184D_2A50
    /// "ISOS" as a little-endian u32.
    static let segmentTag: UInt32 = 0x534F_5349
    /// "ISOB" as a little-endian u32.
    static let batchTag: UInt32 = 0x424F_5349
    /// "ISOX" as a little-endian u32.
    static let indexTag: UInt32 = 0x584F_5349
    /// Bytes of a segment header, skippable-frame magic and size included.
    package static let segmentHeaderBytes = 40
    /// Bytes of a batch header, skippable-frame magic and size included.
    package static let batchHeaderBytes = 60
    /// Most records in one batch.
    package static let batchRecordsLimit = 65_536
    /// Most raw (decompressed) bytes in one batch.
    package static let batchRawBytesLimit = 16 << 20
    /// Largest record body.
    package static let recordBodyBytesLimit = 8 << 20
    /// Largest LZ4 frame a batch may carry: the worst-case LZ4 expansion of the raw limit, rounded up.
    static let frameBytesLimit = batchRawBytesLimit + batchRawBytesLimit / 128 + 4096
    /// Nanoseconds in a UTC day.
    static let nanosPerDay: Int64 = 86_400_000_000_000
    /// File name suffix of segments.
    static let segmentSuffix = ".lz4"
    /// File name suffix of indexes.
    static let indexSuffix = ".idx"

    /// The UTC day (days since 1970-01-01, floored) of an event time.
    /// - Parameter nanos: nanoseconds since the Unix epoch.
    /// - Returns: the day number; negative before 1970.
    package static func utcDay(ofNanos nanos: Int64) -> Int32 {
        var day = nanos / nanosPerDay
        if nanos % nanosPerDay < 0 { day -= 1 }
        return Int32(truncatingIfNeeded: day)
    }

    /// The file name of the segment starting at `baseSequence`: 20 zero-padded digits + `.lz4`.
    /// - Parameter baseSequence: the first sequence of the segment.
    /// - Returns: for example `00000000000000000001.lz4`.
    package static func segmentFileName(baseSequence: UInt64) -> String {
        let digits = String(baseSequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + segmentSuffix
    }

    /// Parses a segment file name.
    /// - Parameter name: a file name (no directory).
    /// - Returns: the base sequence, or nil when the name is not 20 digits + `.lz4`.
    static func baseSequence(ofSegmentFileName name: String) -> UInt64? {
        guard name.utf8.count == 24, name.hasSuffix(segmentSuffix) else { return nil }
        let digits = name.utf8.prefix(20)
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }
}
