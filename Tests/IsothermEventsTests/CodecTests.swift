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

    /// Bytes from a hex string.
    func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    @Test("version-1 ticker, trade and settlement records still decode, upcast in EventCodec")
    func version1RecordsUpcast() throws {
        let ticker = try EventCodec.decode(bytes(GoldenVectors.version1.ticker))
        #expect(
            ticker
                == EventRecord(
                    time: Timestamp(nanos: 1_764_252_121_123_000_000),
                    event: .ticker(
                        TickerUpdate(
                            ticker: EventSamples.ticker, lastPrice: Price(cents: 30), yesBid: Price(cents: 27),
                            yesAsk: nil, yesBidSize: Count(contracts: 300), yesAskSize: .zero,
                            volume: Count(contracts: 5000), openInterest: Count(contracts: 2214), exchangeTime: nil))))
        let trade = try EventCodec.decode(bytes(GoldenVectors.version1.trade))
        #expect(
            trade.event
                == .trade(
                    Trade(
                        tradeId: "d91bc706-ee49-470d-82d8-11418bda6fed", ticker: EventSamples.ticker,
                        yesPrice: Price(cents: 36), count: Count(hundredths: 1050), takerSide: .no,
                        isBlockTrade: false)))
        let settlement = try EventCodec.decode(bytes(GoldenVectors.version1.settlement))
        #expect(
            settlement
                == EventRecord(
                    time: Timestamp(rfc3339: "2025-11-29T07:31:00Z")!,
                    event: .settlement(
                        Settlement(
                            city: Symbol("CHI")!, station: nil, source: .nwsCLI,
                            climateDate: LocalDate(iso8601: "2025-11-28")!, high: Temperature(degrees: 46),
                            low: Temperature(degrees: 30), isFinal: true, isCorrection: false,
                            issuedAt: Timestamp(rfc3339: "2025-11-29T07:30:00Z")!))))
        // An upcast record re-encodes as the current version.
        #expect(EventCodec.encode(settlement)[1] == 2)
        // Every truncation of an old record is still an error.
        for old in [GoldenVectors.version1.ticker, GoldenVectors.version1.trade, GoldenVectors.version1.settlement] {
            let b = bytes(old)
            for cut in 0..<b.count {
                #expect(throws: BinaryError.self, "cut at \(cut)") { try EventCodec.decode(Array(b[..<cut])) }
            }
        }
    }

    @Test("each version reads only its own flag bits, and errors name the offset")
    func versionedFlagsAreChecked() throws {
        // A version-1 settlement with the station bit (16) set: version 1 has no station.
        var v1 = bytes(GoldenVectors.version1.settlement)
        let flagsAt = 2 + 4 + 4 + 1 + 3 + 2  // kind and version, time, city, source, date, high
        #expect(v1[flagsAt] == 0x0b)
        v1[flagsAt] |= 16
        do {
            _ = try EventCodec.decode(v1)
            Issue.record("a station bit decoded in version 1")
        } catch {
            #expect(error.code == .invalidValue && error.offset == flagsAt, "\(error)")
        }
        // A version-2 trade whose block bit is set without its presence bit.
        var trade = EventCodec.encode(EventSamples.all[5])
        #expect(trade.last == 1, "stated, not a block trade")
        trade[trade.count - 1] = 2
        do {
            _ = try EventCodec.decode(trade)
            Issue.record("a block bit without presence decoded")
        } catch {
            #expect(error.code == .invalidValue && error.offset == trade.count - 1, "\(error)")
        }
        // Version 3 of a kind at version 2 is newer than this build.
        var newer = EventCodec.encode(EventSamples.all[4])
        newer[1] = 3
        do {
            _ = try EventCodec.decode(newer)
            Issue.record("version 3 decoded")
        } catch {
            #expect(error.code == .unsupportedVersion && error.offset == 1 && error.description.contains("ticker"))
        }
        // Absent ticker parts stay absent through the codec and render as null.
        let sparse = EventRecord(
            time: EventSamples.t0,
            event: .ticker(
                TickerUpdate(
                    ticker: EventSamples.ticker, lastPrice: nil, yesBid: nil, yesAsk: nil, yesBidSize: nil,
                    yesAskSize: nil, volume: nil, openInterest: nil)))
        #expect(try EventCodec.decode(EventCodec.encode(sparse)) == sparse)
        #expect(
            EventJSON.render(sparse)
                == #"{"time":"2025-11-27T14:00:00Z","kind":"ticker","ticker":"KXHIGHCHI-25NOV28-B45.5","exchange_time":null,"last_price":null,"yes_bid":null,"yes_ask":null,"yes_bid_size":null,"yes_ask_size":null,"volume":null,"open_interest":null}"#
        )
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
