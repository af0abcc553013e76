import IsothermBinary
import IsothermEvents
import Testing

func hex(_ bytes: [UInt8]) -> String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

@Suite struct CodecTests {
    @Test func everyKindHasASample() {
        let kinds = Set(EventSamples.all.map { $0.event.kind })
        #expect(kinds == Set(EventKind.allCases))
    }

    @Test(arguments: EventSamples.all.indices)
    func roundTrip(index: Int) throws {
        let record = EventSamples.all[index]
        let bytes = EventCodec.encode(record)
        #expect(bytes[0] == record.event.kind.rawValue)
        #expect(bytes[1] == record.event.kind.currentVersion)
        #expect(try EventCodec.decode(bytes) == record)
        // Encoding is a function of the value: the same event always gives the same bytes.
        #expect(EventCodec.encode(try EventCodec.decode(bytes)) == bytes)
    }

    @Test(arguments: EventSamples.all.indices)
    func goldenBytes(index: Int) {
        let bytes = EventCodec.encode(EventSamples.all[index])
        #expect(
            hex(bytes) == (index < GoldenVectors.hex.count ? GoldenVectors.hex[index] : "missing"),
            "sample \(index) (\(EventSamples.all[index].event.kind.name))")
    }

    @Test(arguments: EventSamples.all.indices)
    func everyTruncationIsAnError(index: Int) {
        let bytes = EventCodec.encode(EventSamples.all[index])
        for cut in 0..<bytes.count {
            #expect(throws: BinaryError.self, "cut at \(cut)") { try EventCodec.decode(Array(bytes[..<cut])) }
        }
    }

    @Test func trailingBytesUnknownKindsAndNewerVersionsAreErrors() throws {
        let bytes = EventCodec.encode(EventSamples.all[2])
        #expect(throws: BinaryError.self) { try EventCodec.decode(bytes + [0]) }
        var unknown = bytes
        unknown[0] = 200
        do {
            _ = try EventCodec.decode(unknown)
            Issue.record("unknown kind decoded")
        } catch {
            #expect(error.code == .unknownKind)
        }
        var newer = bytes
        newer[1] = 2
        do {
            _ = try EventCodec.decode(newer)
            Issue.record("newer version decoded")
        } catch {
            #expect(error.code == .unsupportedVersion)
            #expect(error.description.contains("candle"))
        }
    }

    @Test func candleLayoutIsCompact() {
        // A quiet minute: flat bid and ask, no trades. Market key (4) + ticker (24) + envelope and prices.
        let quiet = EventCodec.encode(EventSamples.all[3])
        #expect(quiet.count <= 52)
        // The market key follows the envelope: FNV-1a of the ticker, little-endian.
        let key = EventSamples.ticker.marketKey
        #expect(
            Array(quiet[6..<10]) == [
                UInt8(key & 0xFF), UInt8(key >> 8 & 0xFF), UInt8(key >> 16 & 0xFF), UInt8(key >> 24),
            ])
        // Hand-checked prefix: kind 3, version 1, time = minutes since epoch zig-zagged and shifted.
        let minutes = Int64(1_764_252_120) / 60
        var w = ByteWriter()
        w.writeVarUInt(UInt64(minutes * 2) << 2)
        #expect(Array(quiet[0..<2]) == [3, 1])
        #expect(Array(quiet[2..<(2 + w.count)]) == w.bytes)
    }

    @Test func timeEncodingCoversEveryUnit() throws {
        for nanos: Int64 in [0, -1, 60_000_000_000, 1_000_000_000, 1_000_000, 1, -61_000_000_000, .max, .min + 1] {
            let r = EventRecord(time: Timestamp(nanos: nanos), event: EventSamples.all[12].event)
            #expect(try EventCodec.decode(EventCodec.encode(r)).time.nanos == nanos)
        }
    }
}
