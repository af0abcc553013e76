package import IsothermBinary

// Field encodings shared by every event layout (Schemas/events.md, "Field encodings").
//
// - time:   tagged varint. minutes → zz(m)<<2|0; seconds → zz(s)<<2|1; milliseconds → zz(ms)<<2|2;
//           otherwise the byte 3 then Int64 nanoseconds LE.
// - price:  tagged varint of micro-dollars: whole cents → zz(c)<<1|0, else zz(µ)<<1|1.
// - count:  tagged varint of hundredths: whole contracts → zz(n)<<1|0, else zz(h)<<1|1.
// - temp:   zig-zag varint of tenths of °F.  date: zig-zag varint of days since 1970-01-01.
// - symbol: varint length (1…48) then ASCII.  string/bytes: varint length then bytes.
// - u64 seq: unsigned varint.

extension ByteSink {
    @inline(__always)
    package mutating func writeTime(_ t: Timestamp) {
        let n = t.nanos
        if n % Timestamp.nanosPerMinute == 0 {
            writeVarUInt(zigzag(n / Timestamp.nanosPerMinute) << 2)
        } else if n % Timestamp.nanosPerSecond == 0 {
            writeVarUInt(zigzag(n / Timestamp.nanosPerSecond) << 2 | 1)
        } else if n % 1_000_000 == 0 {
            writeVarUInt(zigzag(n / 1_000_000) << 2 | 2)
        } else {
            writeUInt8(3)
            writeInt64LE(n)
        }
    }

    @inline(__always)
    package mutating func writePrice(_ p: Price) { writeTagged(p.micros, unit: 10_000) }

    @inline(__always)
    package mutating func writeMoney(_ m: Money) { writeTagged(m.micros, unit: 10_000) }

    @inline(__always)
    package mutating func writeCount(_ c: Count) { writeTagged(c.hundredths, unit: 100) }

    package mutating func writeTemperature(_ t: Temperature) { writeVarInt(Int64(t.tenths)) }

    package mutating func writeDate(_ d: LocalDate) { writeVarInt(Int64(d.daysSinceEpoch)) }

    package mutating func writeSymbol(_ s: Symbol) { s.withBytes { writeLengthPrefixedRaw($0) } }

    /// A value in fine units, written in coarse units when it is a whole number of them.
    @inline(__always)
    package mutating func writeTagged(_ v: Int64, unit: Int64) {
        if v % unit == 0 {
            writeVarUInt(zigzag(v / unit) << 1)
        } else {
            writeVarUInt(zigzag(v) << 1 | 1)
        }
    }

}

extension ByteWriter {
    package mutating func writeFields(_ fields: [Field]) {
        writeVarUInt(UInt64(fields.count))
        for f in fields {
            writeString(f.name)
            writeString(f.value)
        }
    }
}

func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))) }

/// Largest element count accepted for any list inside one event.
package let eventListCountMax = 1 << 20

extension ByteReader {
    package mutating func readTime(_ what: StaticString = "time") throws(BinaryError) -> Timestamp {
        let start = offset
        let u = try readVarUInt(what)
        switch u & 3 {
        case 0: return Timestamp(nanos: try scaled(unzigzag(u >> 2), Timestamp.nanosPerMinute, what, start))
        case 1: return Timestamp(nanos: try scaled(unzigzag(u >> 2), Timestamp.nanosPerSecond, what, start))
        case 2: return Timestamp(nanos: try scaled(unzigzag(u >> 2), 1_000_000, what, start))
        default:
            guard u == 3 else { throw BinaryError(.invalidValue, "\(what): bad time tag", offset: start) }
            return Timestamp(nanos: try readInt64LE(what))
        }
    }

    @inline(__always)
    package mutating func readPrice(_ what: StaticString = "price") throws(BinaryError) -> Price {
        Price(micros: try readTagged(unit: 10_000, what))
    }

    package mutating func readMoney(_ what: StaticString = "money") throws(BinaryError) -> Money {
        Money(micros: try readTagged(unit: 10_000, what))
    }

    @inline(__always)
    package mutating func readCount(_ what: StaticString = "count") throws(BinaryError) -> Count {
        Count(hundredths: try readTagged(unit: 100, what))
    }

    package mutating func readTemperature(_ what: StaticString = "temperature") throws(BinaryError) -> Temperature {
        let start = offset
        let v = try readVarInt(what)
        guard let t = Int32(exactly: v) else { throw BinaryError(.invalidValue, "\(what) out of range", offset: start) }
        return Temperature(tenths: t)
    }

    package mutating func readDate(_ what: StaticString = "date") throws(BinaryError) -> LocalDate {
        let start = offset
        let v = try readVarInt(what)
        guard let d = Int32(exactly: v) else { throw BinaryError(.invalidValue, "\(what) out of range", offset: start) }
        return LocalDate(daysSinceEpoch: d)
    }

    package mutating func readSymbol(_ what: StaticString = "symbol") throws(BinaryError) -> Symbol {
        let start = offset
        let n = try readCount(what, limit: Symbol.capacity)
        let bytes = try readSlice(n, what)
        guard let symbol = Symbol(validating: bytes) else {
            throw BinaryError(.invalidValue, "\(what): not a printable ASCII symbol of 1…48 bytes", offset: start)
        }
        return symbol
    }

    @inline(__always)
    package mutating func readTagged(unit: Int64, _ what: StaticString) throws(BinaryError) -> Int64 {
        let start = offset
        let u = try readVarUInt(what)
        let v = unzigzag(u >> 1)
        return u & 1 == 0 ? try scaled(v, unit, what, start) : v
    }

    func scaled(_ v: Int64, _ unit: Int64, _ what: StaticString, _ start: Int) throws(BinaryError) -> Int64 {
        let (r, o) = v.multipliedReportingOverflow(by: unit)
        guard !o else { throw BinaryError(.invalidValue, "\(what) overflows", offset: start) }
        return r
    }

    package mutating func readFields(_ what: StaticString = "fields") throws(BinaryError) -> [Field] {
        let n = try readCount(what, limit: eventListCountMax)
        var out: [Field] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(Field(try readString(what), try readString(what))) }
        return out
    }

    /// Reads a 1-byte enum raw value.
    package mutating func readEnum<E: RawRepresentable>(_ type: E.Type, _ what: StaticString) throws(BinaryError) -> E
    where E.RawValue == UInt8 {
        let b = try readUInt8(what)
        guard let e = E(rawValue: b) else {
            throw BinaryError(.invalidValue, "\(what): unknown value \(b)", offset: offset - 1)
        }
        return e
    }

    /// Reads a presence-flag byte and rejects bits beyond `allowed`.
    package mutating func readFlags(allowed: UInt8, _ what: StaticString = "flags") throws(BinaryError) -> UInt8 {
        let f = try readUInt8(what)
        guard f & ~allowed == 0 else {
            throw BinaryError(.invalidValue, "\(what): unknown bits \(f)", offset: offset - 1)
        }
        return f
    }
}
