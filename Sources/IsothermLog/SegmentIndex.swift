import Glibc
import IsothermBinary

/// One batch in a segment index: where it starts and what it holds.
package struct IndexEntry: Equatable, Sendable {
    /// Sequence of the batch's first record.
    package var baseSequence: UInt64
    /// Byte offset of the batch header in the segment.
    package var fileOffset: Int64
    /// Smallest event time in the batch.
    package var minEventTimeNanos: Int64
    /// Largest event time in the batch.
    package var maxEventTimeNanos: Int64

    /// Creates an entry.
    package init(baseSequence: UInt64, fileOffset: Int64, minEventTimeNanos: Int64, maxEventTimeNanos: Int64) {
        self.baseSequence = baseSequence
        self.fileOffset = fileOffset
        self.minEventTimeNanos = minEventTimeNanos
        self.maxEventTimeNanos = maxEventTimeNanos
    }

    /// The entry for a batch header found at `offset`.
    init(_ header: BatchHeader, at offset: Int64) {
        self.init(
            baseSequence: header.baseSequence, fileOffset: offset, minEventTimeNanos: header.minEventTimeNanos,
            maxEventTimeNanos: header.maxEventTimeNanos)
    }
}

/// The `<segment>.idx` file: a 16-byte header, 32 bytes per batch, and a trailing CRC-32C.
/// It is derived data: never fsynced, rebuilt from the segment whenever it does not check out.
enum SegmentIndex {
    static let headerBytes = 16
    static let entryBytes = 32
    /// Most entries an index may hold (a 16 TiB segment of minimal batches); bounds the loader.
    static let entriesLimit = 1 << 28

    /// The index path for a segment path (`….lz4` → `….idx`).
    static func path(forSegment segmentPath: String) -> String {
        String(segmentPath.dropLast(LogFormat.segmentSuffix.count)) + LogFormat.indexSuffix
    }

    /// Appends the 16-byte header.
    static func encodeHeader(segmentBase: UInt64, into w: inout ByteWriter) {
        w.writeUInt32LE(LogFormat.indexTag)
        w.writeUInt16LE(1)
        w.writeUInt16LE(0)
        w.writeUInt64LE(segmentBase)
    }

    /// Appends one 32-byte entry.
    static func encode(_ e: IndexEntry, into w: inout ByteWriter) {
        w.writeUInt64LE(e.baseSequence)
        w.writeUInt64LE(UInt64(e.fileOffset))
        w.writeInt64LE(e.minEventTimeNanos)
        w.writeInt64LE(e.maxEventTimeNanos)
    }

    /// The complete file for a segment's entries.
    static func encode(segmentBase: UInt64, entries: [IndexEntry]) -> [UInt8] {
        var w = ByteWriter(capacity: headerBytes + entryBytes * entries.count + 4)
        encodeHeader(segmentBase: segmentBase, into: &w)
        for e in entries { encode(e, into: &w) }
        w.writeUInt32LE(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Parses an index file and checks its CRC, header, and that entries start at the segment's
    /// first batch and increase strictly in both sequence and offset.
    /// - Returns: the entries, or nil when the file does not check out.
    static func decode(_ bytes: [UInt8], segmentBase: UInt64) -> [IndexEntry]? {
        let n = bytes.count - headerBytes - 4
        guard n >= 0, n % entryBytes == 0, n / entryBytes <= entriesLimit else { return nil }
        return bytes.withUnsafeBytes { (raw) -> [IndexEntry]? in
            var r = ByteReader(raw)
            do throws(BinaryError) {
                let crcOffset = raw.count - 4
                guard
                    CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<crcOffset]))
                        == UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: crcOffset, as: UInt32.self))
                else { return nil }
                guard try r.readUInt32LE() == LogFormat.indexTag, try r.readUInt16LE() == 1 else { return nil }
                _ = try r.readUInt16LE()
                guard try r.readUInt64LE() == segmentBase else { return nil }
                var entries: [IndexEntry] = []
                entries.reserveCapacity(n / entryBytes)
                for i in 0..<(n / entryBytes) {
                    let e = IndexEntry(
                        baseSequence: try r.readUInt64LE(), fileOffset: Int64(bitPattern: try r.readUInt64LE()),
                        minEventTimeNanos: try r.readInt64LE(), maxEventTimeNanos: try r.readInt64LE())
                    if i == 0 {
                        guard e.baseSequence == segmentBase, e.fileOffset == Int64(LogFormat.segmentHeaderBytes) else {
                            return nil
                        }
                    } else {
                        let p = entries[i - 1]
                        guard e.baseSequence > p.baseSequence,
                            e.fileOffset >= p.fileOffset + Int64(LogFormat.batchHeaderBytes)
                        else { return nil }
                    }
                    guard e.minEventTimeNanos <= e.maxEventTimeNanos else { return nil }
                    entries.append(e)
                }
                return entries
            } catch {
                return nil
            }
        }
    }

    /// Reads and parses an index file.
    /// - Returns: the entries, or nil when the file is missing, unreadable or does not check out.
    static func load(segmentPath: String, segmentBase: UInt64) -> [IndexEntry]? {
        let path = path(forSegment: segmentPath)
        guard let file = try? LogFile.open(path, O_RDONLY), let size = try? file.size(),
            size >= Int64(headerBytes + 4), size <= Int64(headerBytes + 4 + entryBytes * entriesLimit)
        else { return nil }
        var bytes: [UInt8] = []
        guard let n = try? file.read(into: &bytes, count: Int(size), at: 0), n == Int(size) else { return nil }
        return decode(bytes, segmentBase: segmentBase)
    }

    /// Writes a whole index file through a temporary file and `rename`, so readers never see half of one.
    static func write(segmentPath: String, segmentBase: UInt64, entries: [IndexEntry]) throws(LogError) {
        let path = path(forSegment: segmentPath)
        let temp = path + ".tmp"
        let bytes = encode(segmentBase: segmentBase, entries: entries)
        do {
            let file = try LogFile.open(temp, O_WRONLY | O_CREAT | O_TRUNC)
            try bytes.withBytes { (b) throws(LogError) in try file.write(b, at: 0) }
        }
        try FileSystem.rename(temp, to: path)
    }
}

/// Keeps a segment's index file current as the writer appends batches: each append overwrites the
/// trailing CRC with the new entry and writes the new CRC after it (one `pwrite` of 36 bytes).
final class SegmentIndexAppender {
    private let file: LogFile
    private var count: Int
    private var crc: UInt32
    private var scratch = ByteWriter(capacity: 64)

    /// Writes a fresh index for `entries` and opens it for appending.
    init(segmentPath: String, segmentBase: UInt64, entries: [IndexEntry]) throws(LogError) {
        try SegmentIndex.write(segmentPath: segmentPath, segmentBase: segmentBase, entries: entries)
        file = try LogFile.open(SegmentIndex.path(forSegment: segmentPath), O_WRONLY)
        count = entries.count
        var w = ByteWriter()
        SegmentIndex.encodeHeader(segmentBase: segmentBase, into: &w)
        for e in entries { SegmentIndex.encode(e, into: &w) }
        crc = CRC32C.checksum(w.bytes)
    }

    /// Appends one entry.
    func append(_ entry: IndexEntry) throws(LogError) {
        scratch.removeAll()
        SegmentIndex.encode(entry, into: &scratch)
        crc = CRC32C.checksum(scratch.bytes, continuing: crc)
        scratch.writeUInt32LE(crc)
        let offset = Int64(SegmentIndex.headerBytes + SegmentIndex.entryBytes * count)
        try scratch.bytes.withBytes { (b) throws(LogError) in try file.write(b, at: offset) }
        count += 1
    }
}
