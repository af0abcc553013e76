import FuzzSupport
import IsothermBinary
import IsothermEvents

/// One event record body (`u8 kind, u8 version, time, payload`), as a log batch holds it.
///
/// Besides not crashing, the decoders must agree: a candle the fast path decodes, the checked decoder
/// decodes to the same value (`CandleFastPath` hands anything unusual over, never decodes it
/// differently); whatever decodes re-encodes to bytes that decode to the same value, names its kind
/// and time in its envelope, and renders as JSON.
@main
enum FuzzEventCodec {
    static func main() {
        FuzzDriver.run { data, size in
            let body = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
            FuzzEventCodec.check(body)
            return 0
        }
    }

    static func check(_ body: UnsafeRawBufferPointer) {
        let checked = Result { () throws(BinaryError) in try EventCodec.decodeCandleChecked(body) }
        if let (time, candle) = EventCodec.decodeCandleFastPathOnly(body) {
            guard case .success(let c?) = checked, c.0 == time, c.1 == candle else {
                FuzzCheck.fail("the candle fast path decodes \(candle) at \(time); the checked decoder: \(checked)")
            }
        }
        let record: EventRecord
        do {
            record = try EventCodec.decode(body)
        } catch {
            if case .success(let c?) = checked {
                FuzzCheck.fail("decode fails (\(error)) where the checked candle decoder gives \(c)")
            }
            return
        }
        if case .candle(let candle) = record.event, case .success(let c?) = checked {
            guard c.0 == record.time, c.1 == candle else { FuzzCheck.fail("two candle decoders disagree") }
        }
        guard EventCodec.kind(of: body) == record.event.kind else {
            FuzzCheck.fail("kind(of:) is not the decoded kind \(record.event.kind)")
        }
        guard (try? EventCodec.time(of: body)) == record.time else {
            FuzzCheck.fail("time(of:) is not the decoded time \(record.time)")
        }
        let again = EventCodec.encode(record)
        guard let back = try? EventCodec.decode(again), back == record else {
            FuzzCheck.fail("\(record) does not survive encode and decode")
        }
        _ = EventJSON.render(record, sequence: 1)
    }
}
