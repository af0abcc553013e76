package import IsothermEvents

/// Writes PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`) into a fixed buffer
/// and hands each full buffer to `flush` (which sends it with `PQputCopyData`).
///
/// The format (PostgreSQL manual, "COPY", Binary Format): an 11-byte signature `PGCOPY\n\377\r\n\0`,
/// an `int32` flags field (0) and an `int32` header-extension length (0); then per row an `int16`
/// field count and per field an `int32` byte length (−1 for NULL) followed by the value in the
/// type's binary send format, all big-endian; then an `int16` −1 trailer. The values written here:
/// `int2`/`int4`/`int8`/`bool` as they are; `text` as UTF-8 bytes; `date` as `int4` days since
/// 2000-01-01; `timestamptz` as `int8` microseconds since 2000-01-01 00:00 UTC; `numeric` as base-10000
/// digits (`ndigits`, `weight`, `sign`, `dscale`, digits); `jsonb` as a version byte (1) and the text.
package final class BinaryCopyWriter {
    /// 2000-01-01 (PostgreSQL's epoch) in days since 1970-01-01.
    package static let postgresEpochDays: Int32 = 10_957
    /// 2000-01-01T00:00:00Z in microseconds since 1970-01-01T00:00:00Z.
    package static let postgresEpochMicros: Int64 = 946_684_800_000_000

    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0
    private let flush: (UnsafeRawBufferPointer) throws -> Void
    /// Rows begun so far.
    package private(set) var rows: Int64 = 0
    /// Bytes handed to `flush` so far.
    package private(set) var bytesFlushed: Int64 = 0

    /// - Parameters:
    ///   - capacity: bytes buffered before `flush` is called (at least 64 KiB).
    ///   - flush: receives each full buffer (and the last, partial one from ``finish()``).
    package init(capacity: Int = 1 << 20, flush: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.capacity = max(capacity, 1 << 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
        self.flush = flush
        let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]
        for (i, b) in signature.enumerated() { base.storeBytes(of: b, toByteOffset: i, as: UInt8.self) }
        used = signature.count
        put32(0)  // flags
        put32(0)  // header extension length
    }

    deinit { base.deallocate() }

    /// Sends what is buffered.
    package func drain() throws {
        guard used > 0 else { return }
        let n = used
        used = 0
        bytesFlushed += Int64(n)
        try flush(UnsafeRawBufferPointer(start: base, count: n))
    }

    /// Makes room for `n` more bytes, draining the buffer if needed.
    @inline(__always)
    private func reserve(_ n: Int) throws {
        if used + n > capacity {
            try drain()
            precondition(n <= capacity, "a COPY field of \(n) bytes exceeds the \(capacity)-byte buffer")
        }
    }

    @inline(__always) private func put16(_ v: Int16) {
        base.storeBytes(of: v.bigEndian, toByteOffset: used, as: Int16.self)
        used += 2
    }
    @inline(__always) private func put32(_ v: Int32) {
        base.storeBytes(of: v.bigEndian, toByteOffset: used, as: Int32.self)
        used += 4
    }
    @inline(__always) private func put64(_ v: Int64) {
        base.storeBytes(of: v.bigEndian, toByteOffset: used, as: Int64.self)
        used += 8
    }

    /// Starts a row of `fields` values; exactly that many field calls must follow.
    @inline(__always)
    package func beginRow(fields: Int16) throws {
        try reserve(2)
        put16(fields)
        rows += 1
    }

    @inline(__always)
    package func null() throws {
        try reserve(4)
        put32(-1)
    }

    @inline(__always)
    package func int16(_ v: Int16) throws {
        try reserve(6)
        put32(2)
        put16(v)
    }

    @inline(__always)
    package func int32(_ v: Int32) throws {
        try reserve(8)
        put32(4)
        put32(v)
    }

    @inline(__always)
    package func int64(_ v: Int64) throws {
        try reserve(12)
        put32(8)
        put64(v)
    }

    package func bool(_ v: Bool) throws {
        try reserve(5)
        put32(1)
        base.storeBytes(of: v ? 1 : 0, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    /// Raw bytes as one field (text in the session's encoding, which the projector sets to UTF-8).
    @inline(__always)
    package func bytes(_ b: UnsafeRawBufferPointer) throws {
        try reserve(4 + b.count)
        put32(Int32(b.count))
        if let src = b.baseAddress, b.count > 0 {
            (base + used).copyMemory(from: src, byteCount: b.count)
        }
        used += b.count
    }

    package func text(_ s: String) throws {
        var s = s
        try s.withUTF8 { try bytes(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    package func text(_ s: Symbol) throws {
        try s.withBytes { try bytes($0) }
    }

    /// A `date`: days since 2000-01-01.
    @inline(__always)
    package func date(_ d: LocalDate) throws {
        try int32(d.daysSinceEpoch &- Self.postgresEpochDays)
    }

    /// A `timestamptz`: microseconds since 2000-01-01 UTC. PostgreSQL keeps microseconds: a time with
    /// nanoseconds below that is cut to the microsecond at or before it.
    @inline(__always)
    package func timestamp(_ t: Timestamp) throws {
        try int64(Self.postgresMicros(t))
    }

    /// Microseconds since 2000-01-01 UTC, rounded toward negative infinity.
    @inline(__always)
    package static func postgresMicros(_ t: Timestamp) -> Int64 {
        let n = t.nanos
        let micros = n >= 0 ? n / 1000 : (n + 1) / 1000 - 1
        return micros &- postgresEpochMicros
    }

    /// A `jsonb`: version 1 and the JSON text (the server parses and checks it).
    package func jsonb(_ json: String) throws {
        var s = json
        try s.withUTF8 { utf8 in
            try reserve(5 + utf8.count)
            put32(Int32(1 + utf8.count))
            base.storeBytes(of: 1, toByteOffset: used, as: UInt8.self)
            used += 1
            if let src = utf8.baseAddress, utf8.count > 0 {
                (base + used).copyMemory(from: UnsafeRawPointer(src), byteCount: utf8.count)
            }
            used += utf8.count
        }
    }

    /// A `numeric` equal to `value / 10^scale`, displayed with `displayScale` decimals.
    /// - Parameters:
    ///   - value: the unscaled integer (tenths of °F with scale 1, micro-dollars with scale 6).
    ///   - scale: decimals in `value`, 0…8.
    ///   - displayScale: the `dscale` sent (decimals shown); at least the decimals the value needs.
    package func numeric(_ value: Int64, scale: Int, displayScale: Int) throws {
        let digits = Self.numericDigits(value, scale: scale)
        try reserve(4 + 8 + 2 * digits.digits.count)
        put32(Int32(8 + 2 * digits.digits.count))
        put16(Int16(digits.digits.count))
        put16(digits.weight)
        put16(value < 0 ? 0x4000 : 0)
        put16(Int16(displayScale))
        for d in digits.digits { put16(d) }
    }

    /// Base-10000 digits of |value| / 10^scale, most significant first, with the weight (power of
    /// 10000) of the first one; leading and trailing zero digits left out (zero has none).
    package static func numericDigits(_ value: Int64, scale: Int) -> (digits: [Int16], weight: Int16) {
        precondition((0...8).contains(scale), "numeric scale \(scale) outside 0…8")
        var pow10: UInt64 = 1
        for _ in 0..<scale { pow10 *= 10 }
        let magnitude = value.magnitude
        var integer = magnitude / pow10
        var fraction = magnitude % pow10
        // Fraction as whole base-10000 groups: pad it to 4 or 8 decimals.
        let groups = (scale + 3) / 4
        for _ in scale..<(groups * 4) { fraction *= 10 }
        var intDigits: [Int16] = []
        while integer > 0 {
            intDigits.append(Int16(integer % 10_000))
            integer /= 10_000
        }
        intDigits.reverse()
        var fracDigits: [Int16] = []
        for g in 0..<groups {
            var divisor: UInt64 = 1
            for _ in 0..<(4 * (groups - 1 - g)) { divisor *= 10 }
            fracDigits.append(Int16(fraction / divisor % 10_000))
        }
        var all = intDigits + fracDigits
        var weight = Int16(intDigits.count) - 1
        while let first = all.first, first == 0 {
            all.removeFirst()
            weight -= 1
        }
        while let last = all.last, last == 0 { all.removeLast() }
        if all.isEmpty { weight = 0 }
        return (all, weight)
    }

    /// Ends the data (the `-1` trailer) and sends the rest of the buffer.
    package func finish() throws {
        try reserve(2)
        put16(-1)
        try drain()
    }
}
