import IsothermBinary

/// The replay's hot path: a candle decoder over raw bytes with no error text, no field names and
/// no per-field bounds checks, for well-formed current-version candles only.
///
/// It never decides that a record is bad. Anything it does not expect (a record that ends early or
/// runs long, an unknown flag, a price out of range, an unusual time tag, a varint past eight bytes
/// near the end) makes it give up, and the caller runs the checked decoder, which either decodes
/// the record or throws the precise error. So the two decoders accept the same records and give the
/// same values; `CandleFastPathTests` checks that on every truncation and every single-byte change
/// of real candles.
enum CandleFastPath {
    /// Decodes `body` into `candle` and returns the event time, or nil to hand over to the checked
    /// decoder (the record may still be a good candle; `candle` is then unspecified).
    @inline(__always)
    static func decode(_ body: UnsafeRawBufferPointer, into candle: inout Candle) -> Timestamp? {
        guard body.count >= 16, let base = body.baseAddress else { return nil }
        var c = Cursor(p: base, n: body.count, i: 2)  // kind and version: checked by the caller

        // Event time: only the minute tag, which is what candles carry.
        let t = c.varint()
        guard c.ok, t & 3 == 0 else { return nil }
        let (nanos, overflow) = unzigzag(t >> 2).multipliedReportingOverflow(by: Timestamp.nanosPerMinute)
        guard !overflow else { return nil }

        c.i += 4  // market key: derived from the ticker; the batch CRC protects both
        // Ticker: 1…48 printable bytes, read a word at a time when whole words are in reach.
        guard c.i < c.n else { return nil }
        let length = Int(c.p.load(fromByteOffset: c.i, as: UInt8.self))
        c.i += 1
        guard length >= 1 && length <= Symbol.capacity, c.n - c.i >= (length + 7) & ~7 else { return nil }
        guard let ticker = Symbol(words: c.p + c.i, count: length) else { return nil }
        c.i += length

        let period = c.varint()
        guard c.ok, period >= 1 && period <= 1440 * 31, c.i < c.n else { return nil }
        let flags = c.p.load(fromByteOffset: c.i, as: UInt8.self)
        c.i += 1
        guard flags & ~31 == 0 else { return nil }
        let bid = flags & 1 != 0 ? c.ohlc() : OHLC.zero
        let ask = flags & 2 != 0 ? c.ohlc() : OHLC.zero
        let previous = flags & 16 != 0 ? c.price(c.tagged(10_000)) : 0
        let openInterest = c.tagged(100)
        let volume = c.tagged(100)
        let trade = flags & 4 != 0 ? c.ohlc() : OHLC.zero
        let mean = flags & 8 != 0 ? c.price(c.tagged(10_000)) : 0
        guard c.ok, c.i == c.n else { return nil }
        candle = Candle(
            ticker: ticker, periodMinutes: UInt16(period), presence: flags, bid: bid, ask: ask, trade: trade,
            mean: mean, previous: previous, volume: Count(hundredths: volume),
            openInterest: Count(hundredths: openInterest))
        return Timestamp(nanos: nanos)
    }

    /// The read position. Any surprise clears `ok` and the reads go on harmlessly (returning zero,
    /// never reading outside the `n` bytes); the decoder checks `ok` and the final position.
    struct Cursor {
        let p: UnsafeRawPointer
        let n: Int
        var i: Int
        var ok = true

        init(p: UnsafeRawPointer, n: Int, i: Int) {
            self.p = p
            self.n = n
            self.i = i
        }

        /// A varint of up to 8 bytes: one load when 8 bytes are in reach, else byte by byte.
        @inline(__always)
        mutating func varint() -> UInt64 {
            if n - i >= 8 {
                let word = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if word & 0x80 == 0 {
                    i += 1
                    return word & 0x7F
                }
                guard let (value, length) = ByteReader.varint(inWord: word) else {
                    ok = false
                    return 0
                }
                i += length
                return value
            }
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while i < n && shift < 56 {
                let b = p.load(fromByteOffset: i, as: UInt8.self)
                i += 1
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
            ok = false
            return 0
        }

        /// `tagged(unit)`: a whole number of units (low bit 0) or a raw value (low bit 1).
        @inline(__always)
        mutating func tagged(_ unit: Int64) -> Int64 {
            let u = varint()
            let v = unzigzag(u >> 1)
            if u & 1 != 0 { return v }
            let (scaled, overflow) = v.multipliedReportingOverflow(by: unit)
            if overflow { ok = false }
            return scaled
        }

        /// A candle price: 0…Int32.max micro-dollars.
        @inline(__always)
        mutating func price(_ value: Int64) -> Int32 {
            if UInt64(bitPattern: value) > UInt64(Int32.max) { ok = false }
            return Int32(truncatingIfNeeded: value)
        }

        @inline(__always)
        mutating func ohlc() -> OHLC {
            // The usual shape: an open of up to two bytes, then three one-byte whole-cent deltas
            // (within ±15 cents), all checked with one load.
            if n - i >= 8 {
                let word = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let openBytes = word & 0x80 == 0 ? 1 : (word & 0x8000 == 0 ? 2 : 0)
                if openBytes != 0 {
                    let deltas = word >> UInt64(8 * openBytes)
                    // Three bytes with no continuation bit and the whole-unit tag (bit 0 clear).
                    if deltas & 0x0081_8181 == 0 {
                        let u = openBytes == 1 ? word & 0x7F : (word & 0x7F) | ((word >> 1) & 0x3F80)
                        let open = u & 1 == 0 ? unzigzag(u >> 1) &* 10_000 : unzigzag(u >> 1)
                        @inline(__always)
                        func delta(_ b: UInt64) -> Int64 { unzigzag((b & 0x7F) >> 1) &* 10_000 }
                        let high = open &+ delta(deltas)
                        let low = open &+ delta(deltas >> 8)
                        let close = open &+ delta(deltas >> 16)
                        // An open from two bytes is below 2^14 units, so nothing above can overflow.
                        let limit = UInt64(Int32.max)
                        if UInt64(bitPattern: open) <= limit && UInt64(bitPattern: high) <= limit
                            && UInt64(bitPattern: low) <= limit && UInt64(bitPattern: close) <= limit
                        {
                            i += openBytes + 3
                            return OHLC(uncheckedMicros: open, high, low, close)
                        }
                    }
                }
            }
            let open = tagged(10_000)
            let high = open &+ tagged(10_000)
            let low = open &+ tagged(10_000)
            let close = open &+ tagged(10_000)
            return OHLC(uncheckedMicros: Int64(price(open)), Int64(price(high)), Int64(price(low)), Int64(price(close)))
        }
    }
}

extension Symbol {
    /// Builds a symbol from `count` (1…48) bytes at `bytes`, reading whole 8-byte words: the caller
    /// guarantees `count` rounded up to 8 bytes are readable. Nil unless every byte is printable ASCII.
    @inline(__always)
    init?(words bytes: UnsafeRawPointer, count: Int) {
        var bad: UInt64 = 0
        // Word k of the symbol, with its bytes past `count` zeroed and checked into `bad`.
        @inline(__always)
        func word(_ k: Int, _ bad: inout UInt64) -> UInt64 {
            let left = count - 8 * k
            guard left > 0 else { return 0 }
            var w = bytes.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)
            if left < 8 { w &= (1 << UInt64(8 * left)) &- 1 }
            bad |= Symbol.unprintableBytes(w, count: left)
            return w
        }
        var s = Symbol()
        s.w0 = word(0, &bad)
        s.w1 = word(1, &bad)
        s.w2 = word(2, &bad)
        if count > 24 {
            s.w3 = word(3, &bad)
            s.w4 = word(4, &bad)
            s.w5 = word(5, &bad)
        }
        guard bad == 0 else { return nil }
        self = s
    }
}
