import IsothermBinary
import IsothermEvents
import IsothermLog
import IsothermStore
import Testing

@Suite("Records that are not events")
struct DamagedContentTests {
    /// Writes `good` events, then a record of kind 200 (not an event kind), then `after` more events.
    /// - Returns: the valid events and the bad record's sequence.
    private func writeLogWithBadRecord(_ dir: String, good: Int, after: Int) throws -> ([EventRecord], UInt64) {
        let records = Array(testStream(days: 1, cities: 1).prefix(good + after))
        let writer = try EventLogWriter(directory: dir, options: smallBatchOptions())
        for r in records[..<good] { try writer.append(r) }
        let bad = try writer.log.append([200, 1, 0], eventTimeNanos: records[good - 1].time.nanos)
        for r in records[good...] { try writer.append(r) }
        try writer.close()
        return (records, bad)
    }

    @Test("an undecodable record throws StoreError naming its sequence, after every event before it")
    func undecodableRecordNamed() throws {
        try withTempDirectory { dir in
            let (records, bad) = try writeLogWithBadRecord(dir, good: 1234, after: 300)
            #expect(bad == 1235)

            var delivered: [UInt64] = []
            var caught: StoreError?
            do {
                try EventLogReader(directory: dir).forEach { sequence, _ in
                    delivered.append(sequence)
                    return true
                }
            } catch let e as StoreError {
                caught = e
            }
            let error = try #require(caught, "reading past a kind-200 record must throw StoreError")
            #expect(error.sequence == bad)
            #expect(error.directory == dir)
            #expect(error.cause.code == .unknownKind)
            #expect(error.description.contains("cannot decode event"))
            #expect(error.description.contains("\(bad)"))
            expectSame(delivered, Array(1...(bad - 1)), "every event before the bad record is delivered first")

            // The log itself is sound: the bytes log reads every record, the bad one included.
            #expect(try LogVerifier.verify(directory: dir).isClean)
            var rawCount = 0
            try LogReader(directory: dir).forEachRecord { _, _ in
                rawCount += 1
                return true
            }
            #expect(rawCount == records.count + 1)
        }
    }

    @Test("a seek past the bad record, or a kind filter that excludes it, reads without error")
    func badRecordSkipped() throws {
        try withTempDirectory { dir in
            let (records, bad) = try writeLogWithBadRecord(dir, good: 40, after: 60)

            let after = try readEvents(dir, from: .sequence(bad + 1))
            #expect(after.map(\.sequence) == Array((bad + 1)...(bad + 60)))
            #expect(after.map(\.record) == Array(records[40...]))

            // Filtered reads skip other kinds without decoding them, so kind 200 is never looked at.
            let candles = try readEvents(dir, kinds: [.candle])
            let expected = records.enumerated().filter { $0.element.event.kind == .candle }
                .map { Replayed(sequence: UInt64($0.offset < 40 ? $0.offset + 1 : $0.offset + 2), record: $0.element) }
            #expect(!expected.isEmpty)
            #expect(candles == expected)
        }
    }

    @Test("a truncated event body (valid kind, missing fields) also throws StoreError with its sequence")
    func truncatedEvent() throws {
        try withTempDirectory { dir in
            let records = Array(testStream(days: 1, cities: 1).prefix(20))
            let writer = try EventLogWriter(directory: dir, options: smallBatchOptions())
            for r in records { try writer.append(r) }
            let body = EventCodec.encode(records[records.count - 1])
            let bad = try writer.log.append(Array(body.dropLast(3)), eventTimeNanos: records[19].time.nanos)
            try writer.close()

            do {
                _ = try readEvents(dir)
                Issue.record("reading a truncated event must throw")
            } catch let e as StoreError {
                #expect(e.sequence == bad)
                #expect(bad == 21)
                #expect(e.description.contains("cannot decode event 21"))
            }
        }
    }
}
