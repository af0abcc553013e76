import IsothermEvents
import IsothermLog
import IsothermStore
import IsothermWorld
import Testing

@Suite("Typed events through the log")
struct EventRoundTripTests {
    @Test("a generated stream written in 500-record batches reads back equal, with sequences 1...n")
    func roundTrip() throws {
        try withTempDirectory { dir in
            let n = try writeEvents(dir, testStream())
            #expect(n > 50_000, "the 2-day, 3-city stream should be large, got \(n)")

            // Small batches really were used: n / 500 batches at least, over one segment per UTC day.
            let inspect = try LogInspector.inspect(directory: dir)
            #expect(inspect.totals.records == Int64(n))
            #expect(inspect.totals.batches >= n / 500)
            #expect(inspect.segments.count >= 3, "the stream spans 4 UTC days: \(inspect.segments.map(\.path))")

            let read = try readEvents(dir)
            #expect(read.count == n)
            expectSame(read.map(\.sequence), Array(1...UInt64(n)), "sequences")
            var expected = testStream()
            for r in read {
                guard let e = expected.next() else {
                    Issue.record("the log holds more events than the stream: sequence \(r.sequence)")
                    return
                }
                if e != r.record {
                    Issue.record("event \(r.sequence) differs: wrote \(e), read \(r.record)")
                    return
                }
            }
            #expect(expected.next() == nil, "the log holds fewer events than the stream")
        }
    }

    @Test("every event kind the stream makes survives the trip, candles, listings and settlements alike")
    func kindsPresent() throws {
        try withTempDirectory { dir in
            try writeEvents(dir, testStream())
            let kinds = Set(try readEvents(dir).map(\.record.event.kind))
            #expect(kinds == [.candle, .marketListed, .marketLifecycle, .dailyForecast, .settlement])
        }
    }

    @Test("close, reopen and append more: the reader sees one log with contiguous sequences")
    func reopenAndContinue() throws {
        try withTempDirectory { dir in
            let all = Array(testStream(days: 1, cities: 2))
            let cut = all.count * 2 / 3
            #expect(cut > 1000)
            try writeEvents(dir, all[..<cut])

            let writer = try EventLogWriter(directory: dir, options: smallBatchOptions())
            #expect(writer.nextSequence == UInt64(cut) + 1)
            #expect(writer.log.recovery == RecoveryReport(), "a cleanly closed log needs no recovery")
            for (i, r) in all[cut...].enumerated() {
                let sequence = try writer.append(r)
                #expect(sequence == UInt64(cut + i + 1))
            }
            try writer.close()

            let read = try readEvents(dir)
            #expect(read.count == all.count)
            expectSame(read.map(\.sequence), Array(1...UInt64(all.count)), "sequences")
            expectSame(read.map(\.record), all, "events")

            // A second reopen with nothing appended changes nothing.
            let again = try EventLogWriter(directory: dir, options: smallBatchOptions())
            #expect(again.nextSequence == UInt64(all.count) + 1)
            try again.close()
            #expect(try readEvents(dir).count == all.count)
        }
    }

    @Test("an empty log reads as no events, and a new writer starts at sequence 1")
    func emptyLog() throws {
        try withTempDirectory { dir in
            let writer = try EventLogWriter(directory: dir)
            #expect(writer.nextSequence == 1)
            try writer.close()
            #expect(try readEvents(dir).isEmpty)
            #expect(try readEvents(dir, from: .time(streamStart.startUTC)).isEmpty)
        }
    }
}
