package import IsothermBinary

/// The 40-byte skippable frame at the start of every segment.
package struct SegmentHeader: Equatable, Sendable {
    /// First sequence of the segment; equals the number in the file name.
    package var baseSequence: UInt64
    /// UTC day of the first record's event time.
    package var utcDay: Int32

    /// Creates a header.
    package init(baseSequence: UInt64, utcDay: Int32) {
        self.baseSequence = baseSequence
        self.utcDay = utcDay
    }

    /// Appends the 40 header bytes.
    /// - Parameter writer: where to write.
    package func encode(into writer: inout ByteWriter) {
        let start = writer.count
        writer.writeUInt32LE(LogFormat.segmentMagic)
        writer.writeUInt32LE(UInt32(LogFormat.segmentHeaderBytes - 8))
        writer.writeUInt32LE(LogFormat.segmentTag)
        writer.writeUInt16LE(LogFormat.version)
        writer.writeUInt16LE(0)
        writer.writeUInt64LE(baseSequence)
        writer.writeUInt32LE(UInt32(bitPattern: utcDay))
        writer.writeUInt32LE(0)
        writer.writeUInt32LE(0)
        let crc = writer.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + 8)...])) }
        writer.writeUInt32LE(crc)
        assert(writer.count - start == LogFormat.segmentHeaderBytes)
    }

    /// Decodes and checks a segment header.
    /// - Parameter bytes: at least 40 bytes, the start of a segment file.
    /// - Returns: the header.
    /// - Throws: ``LogError/Code/damaged`` (no location) naming the failed check.
    package static func decode(_ bytes: UnsafeRawBufferPointer) throws(LogError) -> SegmentHeader {
        guard bytes.count >= LogFormat.segmentHeaderBytes else {
            throw LogError(.damaged, "segment header needs 40 bytes, have \(bytes.count)")
        }
        let fields: (magic: UInt32, size: UInt32, tag: UInt32, version: UInt16, base: UInt64, day: UInt32, crc: UInt32)
        do throws(BinaryError) {
            var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<LogFormat.segmentHeaderBytes]))
            let magic = try r.readUInt32LE("magic"), size = try r.readUInt32LE("size"), tag = try r.readUInt32LE("tag")
            let version = try r.readUInt16LE("formatVersion")
            _ = try r.readUInt16LE("reserved")
            let base = try r.readUInt64LE("baseSequence"), day = try r.readUInt32LE("utcDay")
            _ = try r.readUInt32LE("reserved")
            _ = try r.readUInt32LE("reserved")
            fields = (magic, size, tag, version, base, day, try r.readUInt32LE("headerCRC"))
        } catch {
            throw LogError(.damaged, "segment header: \(error)")
        }
        guard fields.magic == LogFormat.segmentMagic, fields.size == 32, fields.tag == LogFormat.segmentTag else {
            throw LogError(.damaged, "not a segment header (bad magic)")
        }
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[8..<36])) == fields.crc else {
            throw LogError(.damaged, "segment header CRC mismatch")
        }
        guard fields.version == LogFormat.version else {
            throw LogError(.damaged, "segment format version \(fields.version) is not supported")
        }
        return SegmentHeader(baseSequence: fields.base, utcDay: Int32(bitPattern: fields.day))
    }
}
