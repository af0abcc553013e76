package import IsothermBinary

/// The 60-byte skippable frame in front of every batch's LZ4 frame.
///
/// Offsets in `Schemas/log-format.md` count from the "ISOB" tag, 8 bytes into the header.
package struct BatchHeader: Equatable, Sendable {
    /// Event schema version of the writer.
    package var schemaVersion: UInt16
    /// Sequence of the first record.
    package var baseSequence: UInt64
    /// Records in the batch (>= 1).
    package var recordCount: UInt32
    /// Decompressed size of the records.
    package var rawBytes: UInt32
    /// Size of the LZ4 frame that follows the header.
    package var frameBytes: UInt32
    /// Smallest event time of the batch's records.
    package var minEventTimeNanos: Int64
    /// Largest event time of the batch's records.
    package var maxEventTimeNanos: Int64
    /// CRC-32C of the LZ4 frame.
    package var frameCRC: UInt32

    /// Creates a header.
    package init(
        schemaVersion: UInt16, baseSequence: UInt64, recordCount: UInt32, rawBytes: UInt32, frameBytes: UInt32,
        minEventTimeNanos: Int64, maxEventTimeNanos: Int64, frameCRC: UInt32
    ) {
        self.schemaVersion = schemaVersion
        self.baseSequence = baseSequence
        self.recordCount = recordCount
        self.rawBytes = rawBytes
        self.frameBytes = frameBytes
        self.minEventTimeNanos = minEventTimeNanos
        self.maxEventTimeNanos = maxEventTimeNanos
        self.frameCRC = frameCRC
    }

    /// Sequence of the last record.
    package var lastSequence: UInt64 { baseSequence &+ UInt64(recordCount) &- 1 }
    /// The batch's sequences.
    package var sequenceRange: ClosedRange<UInt64> { baseSequence...max(baseSequence, lastSequence) }
    /// Header plus frame: the bytes the batch takes in its segment.
    package var totalBytes: Int64 { Int64(LogFormat.batchHeaderBytes) + Int64(frameBytes) }

    /// Appends the 60 header bytes, computing the header CRC.
    /// - Parameter writer: where to write.
    package func encode(into writer: inout ByteWriter) {
        let start = writer.count
        writer.writeUInt32LE(LogFormat.batchMagic)
        writer.writeUInt32LE(UInt32(LogFormat.batchHeaderBytes - 8))
        writer.writeUInt32LE(LogFormat.batchTag)
        writer.writeUInt8(UInt8(LogFormat.version))
        writer.writeUInt8(0)
        writer.writeUInt16LE(schemaVersion)
        writer.writeUInt64LE(baseSequence)
        writer.writeUInt32LE(recordCount)
        writer.writeUInt32LE(rawBytes)
        writer.writeUInt32LE(frameBytes)
        writer.writeInt64LE(minEventTimeNanos)
        writer.writeInt64LE(maxEventTimeNanos)
        writer.writeUInt32LE(frameCRC)
        let crc = writer.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + 8)...])) }
        writer.writeUInt32LE(crc)
        assert(writer.count - start == LogFormat.batchHeaderBytes)
    }

    /// True when `bytes` starts with the 12 bytes every batch header starts with
    /// (magic, size 52, "ISOB"); used to resynchronise after damage.
    /// - Parameter bytes: at least 12 bytes.
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 12
            && UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) == LogFormat.batchMagic
            && UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) == 52
            && UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) == LogFormat.batchTag
    }

    /// Decodes a batch header and checks its magic, CRC, version, flags and limits.
    /// - Parameter bytes: at least 60 bytes starting at the header.
    /// - Returns: the header.
    /// - Throws: ``LogError/Code/damaged`` (no location) naming the failed check.
    package static func decode(_ bytes: UnsafeRawBufferPointer) throws(LogError) -> BatchHeader {
        guard bytes.count >= LogFormat.batchHeaderBytes else {
            throw LogError(.damaged, "batch header needs 60 bytes, have \(bytes.count)")
        }
        guard hasPrefix(bytes) else { throw LogError(.damaged, "not a batch header (bad magic)") }
        let version: UInt8, flags: UInt8, crc: UInt32
        var h: BatchHeader
        do throws(BinaryError) {
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[12..<LogFormat.batchHeaderBytes]))
            version = try r.readUInt8("formatVersion")
            flags = try r.readUInt8("flags")
            h = BatchHeader(
                schemaVersion: try r.readUInt16LE("schemaVersion"), baseSequence: try r.readUInt64LE("baseSequence"),
                recordCount: try r.readUInt32LE("recordCount"), rawBytes: try r.readUInt32LE("rawBytes"),
                frameBytes: try r.readUInt32LE("frameBytes"), minEventTimeNanos: try r.readInt64LE("minEventTimeNanos"),
                maxEventTimeNanos: try r.readInt64LE("maxEventTimeNanos"), frameCRC: try r.readUInt32LE("frameCRC"))
            crc = try r.readUInt32LE("headerCRC")
        } catch {
            throw LogError(.damaged, "batch header: \(error)")
        }
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[8..<56])) == crc else {
            throw LogError(.damaged, "batch header CRC mismatch")
        }
        guard version == UInt8(LogFormat.version), flags == 0 else {
            throw LogError(.damaged, "batch format version \(version) flags \(flags) not supported")
        }
        guard h.recordCount >= 1, h.recordCount <= UInt32(LogFormat.batchRecordsLimit) else {
            throw LogError(.damaged, "batch record count \(h.recordCount) outside 1...\(LogFormat.batchRecordsLimit)")
        }
        guard h.rawBytes <= UInt32(LogFormat.batchRawBytesLimit), h.frameBytes <= UInt32(LogFormat.frameBytesLimit)
        else { throw LogError(.damaged, "batch sizes raw \(h.rawBytes) frame \(h.frameBytes) exceed the limits") }
        guard h.baseSequence >= 1, h.baseSequence <= UInt64.max - UInt64(h.recordCount) else {
            throw LogError(.damaged, "batch base sequence \(h.baseSequence) out of range")
        }
        guard h.minEventTimeNanos <= h.maxEventTimeNanos else {
            throw LogError(.damaged, "batch min event time \(h.minEventTimeNanos) > max \(h.maxEventTimeNanos)")
        }
        return h
    }
}
