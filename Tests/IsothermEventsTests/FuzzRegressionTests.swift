import IsothermEvents
import Testing

/// Inputs the fuzz targets (`tools/fuzz`, `Fuzz/README.md`) found crashing the value types. Each runs in
/// a child process (an exit test), so that a regression fails its test instead of stopping the whole
/// suite. The reproducers are in `Fuzz/Corpus/`, which every fuzz run replays.
@Suite struct FuzzRegressionTests {
    /// FuzzKalshiWS, `{"type":"ticker","msg":{…,"ts":"5614-11-24T14:59:58Z"}}`: an RFC 3339 time outside
    /// what Int64 nanoseconds hold (1677-09-21…2262-04-11) overflowed in `Timestamp(rfc3339:)`.
    @Test func rfc3339TimeBeyondInt64NanosecondsIsNotATime() async {
        await #expect(processExitsWith: .success) {
            precondition(Timestamp(rfc3339: "5614-11-24T14:59:58Z") == nil)
            precondition(Timestamp(rfc3339: "1126-11-24T14:59:58Z") == nil)
            precondition(Timestamp(rfc3339: "2262-04-11T23:47:17Z") == nil)
        }
        // The edges of the range still parse.
        #expect(Timestamp(rfc3339: "2262-04-11T23:47:16Z")?.nanos == 9_223_372_036_000_000_000)
        #expect(Timestamp(rfc3339: "1677-09-21T00:12:44Z")?.nanos == -9_223_372_036_000_000_000)
    }

    /// FuzzEventCodec, Fuzz/Corpus/FuzzEventCodec/order-acknowledged-time-int64-min.bin (and two others):
    /// a record the codec decodes whose time is before 1677-09-21T00:12:44Z traps when rendered, in
    /// `Timestamp.rfc3339` (`nanos - day * nanosPerDay` overflows: the floored day starts before
    /// Int64.min). `isotherm log cat` renders every record of a log this way.
    @Test func timesBeforeTheInt64DayRangeRender() async {
        await #expect(processExitsWith: .success) {
            precondition(!Timestamp(nanos: .min).rfc3339.isEmpty)
            precondition(!Timestamp(nanos: -9_223_372_036_854_775_000).rfc3339.isEmpty)
            let body: [UInt8] = [0x0f, 0x01, 0x03, 0x01, 0x08, 0, 0, 0, 0, 0, 0x80, 0, 0]
            let record = try EventCodec.decode(body)
            precondition(EventJSON.render(record).hasPrefix("{\"time\":\""))
        }
        #expect(Timestamp(nanos: 0).rfc3339 == "1970-01-01T00:00:00Z")
    }
}
