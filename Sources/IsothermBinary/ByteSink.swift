/// Something bytes can be written to: a growable ``ByteWriter`` or a fixed ``UnsafeByteCursor``.
///
/// Field encoders are written once against this protocol; hot encoders run on a cursor inside one
/// ``ByteWriter/appendUnsafe(maxBytes:_:)`` so that a record costs one capacity check, not one per byte.
public protocol ByteSink {
    mutating func writeUInt8(_ value: UInt8)
    mutating func writeUInt32LE(_ value: UInt32)
    mutating func writeUInt64LE(_ value: UInt64)
    mutating func writeVarUInt(_ value: UInt64)
    mutating func writeRaw(_ bytes: UnsafeRawBufferPointer)
}

extension ByteSink {
    /// Writes a signed value as a zig-zag LEB128 varint.
    @inlinable @inline(__always)
    public mutating func writeVarInt(_ value: Int64) {
        writeVarUInt(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    @inlinable @inline(__always)
    public mutating func writeInt64LE(_ value: Int64) { writeUInt64LE(UInt64(bitPattern: value)) }

    /// Writes a varint length followed by the bytes.
    @inlinable @inline(__always)
    public mutating func writeLengthPrefixedRaw(_ bytes: UnsafeRawBufferPointer) {
        writeVarUInt(UInt64(bytes.count))
        writeRaw(bytes)
    }
}

/// A write cursor over memory reserved by ``ByteWriter/appendUnsafe(maxBytes:_:)``. Every write checks
/// the reserved bound (one comparison), so a wrong size estimate traps instead of corrupting memory.
public struct UnsafeByteCursor: ByteSink {
    @usableFromInline let base: UnsafeMutablePointer<UInt8>
    @usableFromInline let capacity: Int
    @usableFromInline var written: Int
    /// Bytes written so far.
    @inlinable public var count: Int { written }

    @inlinable
    init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
        self.written = 0
    }

    @inlinable @inline(__always)
    mutating func reserve(_ n: Int) {
        precondition(n <= capacity - written, "UnsafeByteCursor: write past the reserved bytes")
    }

    @inlinable @inline(__always)
    public mutating func writeUInt8(_ value: UInt8) {
        reserve(1)
        base[written] = value
        written += 1
    }

    @inlinable @inline(__always)
    public mutating func writeUInt32LE(_ value: UInt32) {
        reserve(4)
        UnsafeMutableRawPointer(base + written).storeBytes(of: value.littleEndian, as: UInt32.self)
        written += 4
    }

    @inlinable @inline(__always)
    public mutating func writeUInt64LE(_ value: UInt64) {
        reserve(8)
        UnsafeMutableRawPointer(base + written).storeBytes(of: value.littleEndian, as: UInt64.self)
        written += 8
    }

    @inlinable @inline(__always)
    public mutating func writeVarUInt(_ value: UInt64) {
        reserve(10)
        var v = value
        var i = written
        while v >= 0x80 {
            base[i] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            i += 1
        }
        base[i] = UInt8(truncatingIfNeeded: v)
        written = i + 1
    }

    @inlinable @inline(__always)
    public mutating func writeRaw(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let source = bytes.baseAddress {
            UnsafeMutableRawPointer(base + written).copyMemory(from: source, byteCount: bytes.count)
        }
        written += bytes.count
    }
}

extension ByteWriter: ByteSink {
    @inlinable
    public mutating func writeRaw(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }

    /// Reserves `maxBytes`, lets `body` write up to that many through a cursor, and keeps what it wrote.
    /// - Parameters:
    ///   - maxBytes: an upper bound on what `body` writes; writing more traps.
    ///   - body: the writes.
    @inlinable
    public mutating func appendUnsafe(maxBytes: Int, _ body: (inout UnsafeByteCursor) -> Void) {
        bytes.append(addingCapacity: maxBytes) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                var cursor = UnsafeByteCursor(base: buffer.baseAddress!, capacity: maxBytes)
                body(&cursor)
                initialized = cursor.count
            }
        }
    }
}
