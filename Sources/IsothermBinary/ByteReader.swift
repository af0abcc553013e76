/// A bounds-checked cursor over borrowed bytes.
///
/// Every read checks the remaining length and throws ``BinaryError`` rather than trapping, so a
/// damaged record becomes an error that names the offset instead of a crash.
public struct ByteReader {
    /// The bytes being read; the caller keeps them alive for the reader's lifetime.
    public let base: UnsafeRawBufferPointer
    /// Offset of the next byte to read, from the start of `base`.
    public var offset: Int

    @inlinable
    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    /// Bytes left to read.
    @inlinable
    public var remaining: Int { base.count - offset }

    /// True once every byte has been read.
    @inlinable
    public var isAtEnd: Bool { offset >= base.count }

    @inlinable @inline(__always)
    public mutating func need(_ n: Int, _ what: StaticString) throws(BinaryError) {
        if _slowPath(n < 0 || n > base.count - offset) {
            throw BinaryError(.truncated, "need \(n) bytes for \(what), have \(base.count - offset)", offset: offset)
        }
    }

    @inlinable @inline(__always)
    public mutating func readUInt8(_ what: StaticString = "byte") throws(BinaryError) -> UInt8 {
        try need(1, what)
        let v = base[offset]
        offset += 1
        return v
    }

    @inlinable
    public mutating func readBool(_ what: StaticString = "bool") throws(BinaryError) -> Bool {
        let b = try readUInt8(what)
        guard b <= 1 else { throw BinaryError(.invalidValue, "\(what): bool byte \(b)", offset: offset - 1) }
        return b == 1
    }

    @inlinable
    public mutating func readUInt16LE(_ what: StaticString = "u16") throws(BinaryError) -> UInt16 {
        try need(2, what)
        let v = base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        offset += 2
        return UInt16(littleEndian: v)
    }

    @inlinable @inline(__always)
    public mutating func readUInt32LE(_ what: StaticString = "u32") throws(BinaryError) -> UInt32 {
        try need(4, what)
        let v = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return UInt32(littleEndian: v)
    }

    @inlinable
    public mutating func readUInt64LE(_ what: StaticString = "u64") throws(BinaryError) -> UInt64 {
        try need(8, what)
        let v = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(littleEndian: v)
    }

    @inlinable
    public mutating func readInt64LE(_ what: StaticString = "i64") throws(BinaryError) -> Int64 {
        Int64(bitPattern: try readUInt64LE(what))
    }

    /// Reads an unsigned LEB128 varint; rejects encodings longer than 10 bytes.
    @inlinable @inline(__always)
    public mutating func readVarUInt(_ what: StaticString = "varint") throws(BinaryError) -> UInt64 {
        // One byte: flags, deltas, lengths and most counts.
        if _fastPath(offset < base.count) {
            let b0 = base[offset]
            if b0 < 0x80 {
                offset += 1
                return UInt64(b0)
            }
        }
        // Two to eight bytes (prices, times, open interest) with eight bytes in reach: one load, no loop.
        if _fastPath(base.count - offset >= 8) {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            if let (value, length) = Self.varint(inWord: word) {
                offset += length
                return value
            }
        }
        return try readVarUIntSlow(what)
    }

    /// Decodes a varint of up to eight bytes from the eight bytes loaded little-endian in `word`.
    /// - Returns: the value and its length in bytes, or nil when the varint runs past eight bytes.
    @inlinable @inline(__always)
    public static func varint(inWord word: UInt64) -> (value: UInt64, length: Int)? {
        let stops = ~word & 0x8080_8080_8080_8080  // the high bit of each byte that ends the varint
        guard _fastPath(stops != 0) else { return nil }
        let bits = stops.trailingZeroBitCount + 1  // 8 × length
        return (compactGroups(word & (bits == 64 ? ~0 : (1 << UInt64(bits)) &- 1)), bits >> 3)
    }

    /// Packs the 7-bit groups of up to eight varint bytes (continuation bits still set) into one value.
    @inlinable @inline(__always)
    static func compactGroups(_ word: UInt64) -> UInt64 {
        var x = word & 0x7F7F_7F7F_7F7F_7F7F
        x = (x & 0x007F_007F_007F_007F) | ((x & 0x7F00_7F00_7F00_7F00) >> 1)  // 14 bits per 16
        x = (x & 0x0000_3FFF_0000_3FFF) | ((x & 0x3FFF_0000_3FFF_0000) >> 2)  // 28 bits per 32
        return (x & 0x0000_0000_0FFF_FFFF) | ((x & 0x0FFF_FFFF_0000_0000) >> 4)  // 56 bits
    }

    @inlinable @inline(never)
    mutating func readVarUIntSlow(_ what: StaticString) throws(BinaryError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            guard offset < base.count else {
                throw BinaryError(.truncated, "\(what): varint runs off the end", offset: start)
            }
            let b = base[offset]
            offset += 1
            if shift == 63 && b > 1 {
                throw BinaryError(.invalidValue, "\(what): varint overflows 64 bits", offset: start)
            }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw BinaryError(.invalidValue, "\(what): varint longer than 10 bytes", offset: start) }
        }
    }

    /// Reads a zig-zag LEB128 varint.
    @inlinable @inline(__always)
    public mutating func readVarInt(_ what: StaticString = "varint") throws(BinaryError) -> Int64 {
        let u = try readVarUInt(what)
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// Reads a varint that must fit an `Int` count no larger than `limit`.
    @inlinable @inline(__always)
    public mutating func readCount(_ what: StaticString, limit: Int) throws(BinaryError) -> Int {
        let start = offset
        let v = try readVarUInt(what)
        guard v <= UInt64(limit) else {
            throw BinaryError(.invalidValue, "\(what): \(v) exceeds the limit \(limit)", offset: start)
        }
        return Int(v)
    }

    /// Returns a view of the next `count` bytes and advances past them.
    @inlinable @inline(__always)
    public mutating func readSlice(_ count: Int, _ what: StaticString = "bytes") throws(BinaryError)
        -> UnsafeRawBufferPointer
    {
        try need(count, what)
        let s = UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
        offset += count
        return s
    }

    /// Reads varint length + bytes, copied into an array.
    @inlinable
    public mutating func readLengthPrefixed(_ what: StaticString = "bytes", limit: Int = 1 << 26) throws(BinaryError)
        -> [UInt8]
    {
        let n = try readCount(what, limit: limit)
        return Array(try readSlice(n, what))
    }

    /// Reads varint length + UTF-8; invalid UTF-8 is an error, not a replacement character.
    @inlinable
    public mutating func readString(_ what: StaticString = "string", limit: Int = 1 << 26) throws(BinaryError)
        -> String
    {
        let start = offset
        let n = try readCount(what, limit: limit)
        let s = try readSlice(n, what)
        guard let string = String(validating: s, as: UTF8.self) else {
            throw BinaryError(.invalidValue, "\(what): invalid UTF-8", offset: start)
        }
        return string
    }
}
