/// An append-only byte buffer with little-endian and varint encoders.
///
/// Every on-disk and on-wire integer in Isotherm goes through this type or ``ByteReader``:
/// fixed-width fields are little-endian, variable-width ones are LEB128 varints (zig-zag for signed).
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Creates an empty writer.
    /// - Parameter capacity: bytes to reserve up front.
    @inlinable
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written.
    @inlinable
    public var count: Int { bytes.count }

    /// Forgets the content and keeps the capacity.
    @inlinable
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    @inlinable
    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    @inlinable
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    @inlinable
    public mutating func writeUInt16LE(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    @inlinable
    public mutating func writeUInt32LE(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func writeUInt64LE(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes an unsigned LEB128 varint (1 to 10 bytes).
    @inlinable
    public mutating func writeVarUInt(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// Writes raw bytes with no length.
    @inlinable
    public mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// Writes a varint length followed by the bytes.
    @inlinable
    public mutating func writeLengthPrefixed<C: Collection>(_ data: C) where C.Element == UInt8 {
        writeVarUInt(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    /// Writes a string as varint length + UTF-8.
    @inlinable
    public mutating func writeString(_ string: String) {
        var s = string
        s.withUTF8 { writeLengthPrefixed($0) }
    }

    /// Overwrites a little-endian UInt32 at `offset` (for headers whose sizes are known last).
    @inlinable
    public mutating func patchUInt32LE(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "patch outside the buffer")
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }
}
