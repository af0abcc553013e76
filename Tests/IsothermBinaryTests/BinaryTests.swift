import IsothermBinary
import Testing

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        // RFC 3720 B.4 and the common check value.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(0..<32)) == 0x46DD_794E)
    }

    @Test func piecewiseEqualsWhole() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32C.checksum(data)
        for cut in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let a = CRC32C.checksum(Array(data[..<cut]))
            #expect(CRC32C.checksum(Array(data[cut...]), continuing: a) == whole)
        }
    }

    @Test func hardwareEqualsSoftware() {
        // Every length 0...300 at every alignment 0...8, so the 8-byte loop and the byte tail
        // both meet every remainder; on a CPU without the instruction both paths are software.
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        let data = (0..<320).map { _ -> UInt8 in
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: rng >> 56)
        }
        data.withUnsafeBytes { all in
            for start in 0...8 {
                for count in 0...300 {
                    let piece = UnsafeRawBufferPointer(rebasing: all[start..<(start + count)])
                    let seed = UInt32(truncatingIfNeeded: count &* 2_654_435_761)
                    #expect(
                        CRC32C.checksum(piece, continuing: seed) == CRC32C.softwareChecksum(piece, continuing: seed))
                }
            }
        }
    }
}

@Suite struct VarintTests {
    @Test func unsignedRoundTripAndLengths() throws {
        let cases: [(UInt64, Int)] = [(0, 1), (127, 1), (128, 2), (16383, 2), (16384, 3), (UInt64.max, 10)]
        for (value, length) in cases {
            var w = ByteWriter()
            w.writeVarUInt(value)
            #expect(w.count == length)
            try w.bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
                var r = ByteReader(raw)
                #expect(try r.readVarUInt() == value)
                #expect(r.isAtEnd)
            }
        }
    }

    @Test func everyLengthWithAndWithoutPadding() throws {
        // The reader has a one-byte path, a one-load path when 8 bytes are in reach, and a byte loop
        // otherwise. Values of every length 1…10 must read the same through each, followed by
        // nothing, by a few bytes, or by many.
        var rng: UInt64 = 42
        for bits in 0...64 {
            for _ in 0..<8 {
                rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let value = bits == 0 ? 0 : (rng >> UInt64(64 - bits)) | (1 << UInt64(bits - 1))
                for padding in [0, 3, 9] {
                    var w = ByteWriter()
                    w.writeVarUInt(value)
                    let length = w.count
                    for _ in 0..<padding { w.writeUInt8(0xAB) }
                    try w.bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
                        var r = ByteReader(raw)
                        #expect(try r.readVarUInt() == value)
                        #expect(r.offset == length)
                    }
                }
            }
        }
        // Too long: eleven continuation bytes, with padding so the one-load path sees them first.
        try ([UInt8](repeating: 0xFF, count: 11) + [0, 0, 0]).withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var r = ByteReader(raw)
            #expect(throws: BinaryError.self) { try r.readVarUInt() }
        }
    }

    @Test func signedZigZag() throws {
        var w = ByteWriter()
        let values: [Int64] = [0, -1, 1, -64, 63, -65, 64, .min, .max]
        for v in values { w.writeVarInt(v) }
        #expect(Array(w.bytes.prefix(3)) == [0, 1, 2])
        try w.bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var r = ByteReader(raw)
            for v in values { #expect(try r.readVarInt() == v) }
        }
    }

    @Test func truncatedAndOverlongAreErrors() throws {
        try [UInt8]([0x80, 0x80]).withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var r = ByteReader(raw)
            #expect(throws: BinaryError.self) { try r.readVarUInt() }
        }
        try [UInt8](repeating: 0xFF, count: 11).withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var r = ByteReader(raw)
            #expect(throws: BinaryError.self) { try r.readVarUInt() }
        }
        try [UInt8](repeating: 0x01, count: 3).withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var r = ByteReader(raw)
            #expect(throws: BinaryError.self) { try r.readUInt32LE() }
        }
    }

    @Test func stringsRejectInvalidUTF8() throws {
        try [UInt8]([2, 0xC3, 0x28]).withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var r = ByteReader(raw)
            #expect(throws: BinaryError.self) { try r.readString() }
        }
    }

    @Test func fixedWidthLittleEndian() throws {
        var w = ByteWriter()
        w.writeUInt32LE(0x0102_0304)
        w.writeUInt64LE(0x0102_0304_0506_0708)
        w.writeUInt16LE(0xBEEF)
        #expect(w.bytes == [4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1, 0xEF, 0xBE])
        w.patchUInt32LE(0xAABB_CCDD, at: 0)
        try w.bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var r = ByteReader(raw)
            #expect(try r.readUInt32LE() == 0xAABB_CCDD)
            #expect(try r.readUInt64LE() == 0x0102_0304_0506_0708)
            #expect(try r.readUInt16LE() == 0xBEEF)
        }
    }
}
