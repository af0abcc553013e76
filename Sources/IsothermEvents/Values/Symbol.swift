/// A short ASCII identifier (market, event or series ticker, city code, station) stored inline.
///
/// Tickers are on every market-data event, so decoding one must not allocate: the bytes live in
/// six words inside the value (48 bytes, zero-padded). Kalshi tickers are far shorter
/// (`KXHIGHPHIL-25NOV28-B45.5` is 24); a longer or non-printable identifier is rejected.
package struct Symbol: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Largest accepted length in bytes.
    package static let capacity = 48

    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt64 = 0
    var w3: UInt64 = 0
    var w4: UInt64 = 0
    var w5: UInt64 = 0

    /// All six words at once, without branches (the synthesized comparison, a chain of word
    /// compares, is merged by LLVM into a 48-byte `memcmp` call).
    package static func == (a: Symbol, b: Symbol) -> Bool {
        ((a.w0 ^ b.w0) | (a.w1 ^ b.w1) | (a.w2 ^ b.w2) | (a.w3 ^ b.w3) | (a.w4 ^ b.w4) | (a.w5 ^ b.w5)) == 0
    }

    /// The empty symbol.
    package init() {}

    /// Creates a symbol from printable ASCII (0x21–0x7E); `nil` if empty, too long, or not printable.
    package init?(_ text: String) {
        var t = text
        let ok: Bool = t.withUTF8 { Symbol.isValid(UnsafeRawBufferPointer($0)) }
        guard ok, !text.isEmpty else { return nil }
        let symbol = t.withUTF8 { Symbol(unchecked: UnsafeRawBufferPointer($0)) }
        self = symbol
    }

    /// Creates a symbol from bytes already checked with ``isValid(_:)``.
    package init(unchecked bytes: UnsafeRawBufferPointer) {
        withUnsafeMutableBytes(of: &self) { dst in
            dst.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
    }

    /// Copies and checks `bytes` in one pass, a word at a time: `nil` unless they are 1…48 bytes of
    /// printable ASCII (0x21–0x7E). This is the decoder's path, so it avoids a byte loop.
    @inline(__always)
    package init?(validating bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n >= 1 && n <= Symbol.capacity else { return nil }
        var s = Symbol()
        withUnsafeMutableBytes(of: &s) { dst in
            dst.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: n)
        }
        var bad: UInt64 = 0
        withUnsafeBytes(of: s) { raw in
            var i = 0
            while i < n {
                bad |= Symbol.unprintableBytes(raw.load(fromByteOffset: i, as: UInt64.self), count: n - i)
                i += 8
            }
        }
        guard bad == 0 else { return nil }
        self = s
    }

    /// Nonzero when one of the first `count` bytes of `w` (little-endian; all 8 when `count` ≥ 8) is
    /// outside printable ASCII 0x21–0x7E. Bytes past `count` are ignored.
    @inline(__always)
    static func unprintableBytes(_ w: UInt64, count: Int) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let keep = count >= 8 ? highs : highs >> UInt64(8 * (8 - count))
        let below = (w &- ones &* 0x21) & ~w  // high bit set where b < 0x21 (b < 0x80)
        let above = (w &+ ones) | w  // high bit set where b > 0x7E
        return (below | above) & keep
    }

    /// True if `bytes` can be a symbol: 1…48 bytes of printable ASCII.
    package static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 1 && bytes.count <= capacity else { return false }
        for b in bytes where b < 0x21 || b > 0x7E { return false }
        return true
    }

    /// Length in bytes: symbols never contain a zero byte, so it is where the zero padding starts,
    /// found a word at a time.
    package var count: Int {
        withUnsafeBytes(of: self) { raw in
            var k = 5
            while k >= 0 && raw.load(fromByteOffset: 8 * k, as: UInt64.self) == 0 { k -= 1 }
            guard k >= 0 else { return 0 }
            let last = UInt64(littleEndian: raw.load(fromByteOffset: 8 * k, as: UInt64.self))
            return 8 * k + (64 - last.leadingZeroBitCount + 7) / 8
        }
    }

    /// Calls `body` with the symbol's bytes.
    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let n = count
        return try withUnsafeBytes(of: self) { raw in try body(UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
    }

    package var isEmpty: Bool { w0 == 0 }

    /// FNV-1a (32-bit) of the bytes: a stable per-market key, written ahead of the ticker in candles.
    package var marketKey: UInt32 {
        withBytes { bytes in
            var h: UInt32 = 0x811C_9DC5
            for b in bytes { h = (h ^ UInt32(b)) &* 0x0100_0193 }
            return h
        }
    }

    package var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }
    package var description: String { string }

    /// Byte-wise order, the same as `String` order for ASCII.
    package static func < (a: Symbol, b: Symbol) -> Bool {
        withUnsafeBytes(of: a) { ra in
            withUnsafeBytes(of: b) { rb in
                for i in 0..<capacity where ra[i] != rb[i] { return ra[i] < rb[i] }
                return false
            }
        }
    }
}
