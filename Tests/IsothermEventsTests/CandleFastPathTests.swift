import IsothermBinary
import IsothermEvents
import Testing

/// The replay decodes candles with a fast path that hands anything unusual to the checked decoder.
/// These tests hold it to one rule: whenever the fast path returns a candle, the checked decoder
/// accepts the same bytes and returns the same candle; and on ordinary candles it does not give up.
@Suite struct CandleFastPathTests {
    /// Candles of every shape: edge prices, sub-cent prices, wide and narrow ranges, absent parts,
    /// short and 48-byte tickers, fractional and large counts, minute/second/odd times, long periods.
    static func candles() -> [EventRecord] {
        var rng: UInt64 = 0x1234_5678
        func next(_ below: UInt64) -> Int64 {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int64((rng >> 33) % below)
        }
        let tickers = [
            "KXHIGHNY-25NOV28-B45.5", "KXHIGHPHIL-25NOV28-T39", "A",
            String(repeating: "Z", count: 48), "KXHIGHCHI-26JAN02-B-3.5",
        ]
        func price() -> Price {
            switch next(6) {
            case 0: return Price(micros: 0)
            case 1: return Price(micros: Int64(Int32.max))
            case 2: return Price(micros: next(1_000_000))  // sub-cent
            default: return Price(cents: 1 + next(99))
            }
        }
        func ohlc() -> OHLC? {
            if next(5) == 0 { return nil }
            let open = price()
            func near() -> Price {
                let step = next(3) == 0 ? next(4_000_000) - 2_000_000 : (next(41) - 20) * 10_000
                return Price(micros: min(max(0, open.micros + step), Int64(Int32.max)))
            }
            return OHLC(open: open, high: near(), low: near(), close: near())
        }
        var out: [EventRecord] = []
        for i in 0..<400 {
            let minute = 29_000_000 + next(1_000_000)
            let time: Timestamp
            switch i % 7 {
            case 0: time = Timestamp(nanos: minute * 60_000_000_000 + next(60) * 1_000_000_000)
            case 1: time = Timestamp(nanos: minute * 60_000_000_000 + next(999_999_999) + 1)
            default: time = Timestamp(nanos: minute * 60_000_000_000)
            }
            let count = { () -> Count in
                switch next(4) {
                case 0: return Count(hundredths: next(100))
                case 1: return Count(hundredths: next(1 << 40))
                default: return Count(hundredths: next(5000) * 100)
                }
            }
            let candle = Candle(
                ticker: Symbol(tickers[Int(next(UInt64(tickers.count)))])!,
                periodMinutes: [1, 1, 1, 60, 1440, 44_640][Int(next(6))],
                yesBid: ohlc(), yesAsk: ohlc(), price: ohlc(),
                meanPrice: next(3) == 0 ? price() : nil, previousPrice: next(3) == 0 ? price() : nil,
                volume: count(), openInterest: count())
            out.append(EventRecord(time: time, event: .candle(candle)))
        }
        return out
    }

    static func encoded(_ record: EventRecord) -> [UInt8] {
        var w = ByteWriter()
        EventCodec.encode(record, into: &w)
        return w.bytes
    }

    /// The fast path's answer must be the checked decoder's; nil (hand over) is always allowed.
    static func agree(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            let checked: (Timestamp, Candle)??
            do { checked = try EventCodec.decodeCandleChecked(raw) } catch { checked = .none }
            guard let (time, candle) = EventCodec.decodeCandleFastPathOnly(raw) else { return true }
            guard let accepted = checked, let (checkedTime, checkedCandle) = accepted else { return false }
            return time == checkedTime && candle == checkedCandle
        }
    }

    @Test func everyShapeDecodesLikeTheCheckedDecoder() throws {
        for record in Self.candles() {
            let bytes = Self.encoded(record)
            #expect(Self.agree(bytes))
            let decoded = try bytes.withUnsafeBytes { raw in try EventCodec.decodeCandle(raw) }
            #expect(decoded?.0 == record.time)
            if case .candle(let expected) = record.event { #expect(decoded?.1 == expected) }
        }
    }

    @Test func ordinaryCandlesStayOnTheFastPath() {
        for record in EventSamples.all where record.event.kind == .candle {
            let bytes = Self.encoded(record)
            let fast = bytes.withUnsafeBytes { EventCodec.decodeCandleFastPathOnly($0) }
            #expect(fast != nil, "the sample candle fell off the fast path")
        }
    }

    @Test func truncationsAndByteChangesNeverFoolTheFastPath() {
        var disagreements = 0
        var checkedCases = 0
        for record in Self.candles().prefix(60) {
            let bytes = Self.encoded(record)
            for cut in 0..<bytes.count {
                checkedCases += 1
                if !Self.agree(Array(bytes[..<cut])) { disagreements += 1 }
            }
            for at in 0..<bytes.count {
                for value: UInt8 in [
                    0x00, 0x01, 0x7F, 0x80, 0xFF, bytes[at] ^ 0x01, bytes[at] ^ 0x40, bytes[at] ^ 0x80,
                ] {
                    var changed = bytes
                    changed[at] = value
                    checkedCases += 1
                    if !Self.agree(changed) { disagreements += 1 }
                }
            }
            checkedCases += 1
            if !Self.agree(bytes + [0]) { disagreements += 1 }
        }
        #expect(checkedCases > 20_000)
        #expect(disagreements == 0)
    }
}
