import IsothermBinary
import IsothermLog
import Testing

@Suite("Round trip")
struct RoundTripTests {
    @Test("records come back with their sequences across batches, segments and UTC days; reopening continues")
    func roundTrip() throws {
        try withTempDirectory { dir in
            let records = makeRecords(count: 1500)
            let writer = try LogWriter(directory: dir, options: smallOptions())
            #expect(writer.nextSequence == 1)
            #expect(writer.recovery.isClean)
            for (i, r) in records.enumerated() {
                let seq: UInt64
                switch i % 3 {
                case 0:
                    seq = try writer.append(r.body, eventTimeNanos: r.timeNanos)
                case 1:
                    seq = try r.body.withUnsafeBytes { try writer.append($0, eventTimeNanos: r.timeNanos) }
                default:
                    seq = try writer.append(eventTimeNanos: r.timeNanos) { w in w.writeBytes(r.body) }
                }
                #expect(seq == UInt64(i + 1))
                if i == 700 { try writer.flush() }
            }
            try writer.close()

            let read = try readAll(dir)
            #expect(read.count == records.count)
            for (i, (seq, body)) in read.enumerated() {
                #expect(seq == UInt64(i + 1))
                #expect(body == records[i].body, "record \(seq)")
            }

            // Batches respect the limits; segments roll by size and by UTC day.
            let batches = try allBatches(dir)
            #expect(batches.allSatisfy { $0.recordCount <= 7 })
            #expect(batches.allSatisfy { $0.rawBytes <= 600 || $0.recordCount == 1 })
            let reader = try LogReader(directory: dir)
            #expect(reader.segments.count > 10)
            var days = Set<Int32>()
            for (i, segment) in reader.segments.enumerated() {
                let first = records[Int(segment.baseSequence) - 1]
                #expect(segment.utcDay == LogFormat.utcDay(ofNanos: first.timeNanos))
                let end = i + 1 < reader.segments.count ? Int(reader.segments[i + 1].baseSequence) - 1 : records.count
                for r in records[(Int(segment.baseSequence) - 1)..<end] {
                    #expect(LogFormat.utcDay(ofNanos: r.timeNanos) == segment.utcDay, "a segment spans two UTC days")
                }
                if let day = segment.utcDay { days.insert(day) }
                #expect(segment.fileBytes <= 2048 || reader.segments.count == 1 || batchesIn(segment, batches) == 1)
            }
            #expect(days.count >= 3)

            // Reopen and append: sequences continue.
            let more = makeRecords(count: 100, seed: 2)
            let again = try LogWriter(directory: dir, options: smallOptions())
            #expect(again.nextSequence == 1501)
            #expect(again.recovery.isClean)
            for (i, r) in more.enumerated() {
                #expect(
                    try again.append(r.body, eventTimeNanos: r.timeNanos + 10 * 86_400_000_000_000) == UInt64(1501 + i))
            }
            try again.close()
            let all = try readAll(dir)
            #expect(all.count == 1600)
            #expect(all.map(\.0) == Array(1...1600))
            #expect(all.suffix(100).map(\.1) == more.map(\.body))

            let report = try LogVerifier.verify(directory: dir)
            #expect(report.isClean, "\(report.problems)")
            #expect(report.records == 1600)
            #expect(report.firstSequence == 1 && report.lastSequence == 1600)
            let inspect = try LogInspector.inspect(directory: dir)
            #expect(inspect.totals.records == 1600)
            #expect(inspect.totals.lastSequence == 1600)
            #expect(inspect.totals.batches == report.batches)
            #expect(inspect.totals.rawBytes == report.rawBytes)
            #expect(inspect.totals.fileBytes == report.fileBytes)
            #expect(inspect.segments.count == (try LogReader(directory: dir)).segments.count)
            #expect(inspect.tornTail == nil)
        }
    }

    private func batchesIn(_ segment: SegmentInfo, _ batches: [BatchHeader]) -> Int {
        batches.filter { $0.baseSequence == segment.baseSequence }.count
    }

    @Test(
        "the encode path widens the length prefix for long bodies and moves a record that overflows the batch"
    )
    func encodePath() throws {
        try withTempDirectory { dir in
            var o = LogOptions()
            o.batchRawBytesMax = 1000
            let writer = try LogWriter(directory: dir, options: o)
            let sizes = [0, 1, 127, 128, 300, 16_383, 16_384, 900, 5, 999, 2]
            for (i, n) in sizes.enumerated() {
                try writer.append(eventTimeNanos: Int64(i)) { w in
                    for j in 0..<n { w.writeUInt8(UInt8(truncatingIfNeeded: j &* 31 &+ i)) }
                }
            }
            try writer.close()
            let read = try readAll(dir)
            #expect(read.map { $0.1.count } == sizes)
            for (i, (_, body)) in read.enumerated() {
                #expect(body == (0..<sizes[i]).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) })
            }
            #expect(try allBatches(dir).allSatisfy { $0.rawBytes <= 1000 || $0.recordCount == 1 })
        }
    }

    @Test("too-large records and bad options are refused with clear errors")
    func limits() throws {
        try withTempDirectory { dir in
            let writer = try LogWriter(directory: dir)
            let big = [UInt8](repeating: 1, count: LogFormat.recordBodyBytesLimit + 1)
            let e = logError { try writer.append(big, eventTimeNanos: 0) }
            #expect(e?.code == .tooLarge)
            let e2 = logError {
                try writer.append(eventTimeNanos: 0) { w in w.writeBytes(big) }
            }
            #expect(e2?.code == .tooLarge)
            #expect(try writer.append([9], eventTimeNanos: 0) == 1)
            try writer.close()
            #expect(logError { try writer.append([1], eventTimeNanos: 0) }?.code == .closed)
            #expect(try readAll(dir).map(\.1) == [[9]])
        }
        var o = LogOptions()
        o.batchRecordsMax = 0
        #expect(
            logError { _ = try LogWriter(directory: "/tmp/never-created-isotherm", options: o) }?.code
                == .invalidArgument)
        #expect(logError { _ = try LogReader(directory: "/nonexistent/isotherm-log") }?.code == .notFound)
    }

    @Test("UTC days floor before 1970, and errors print one line naming the place")
    func daysAndDescriptions() {
        #expect(LogFormat.utcDay(ofNanos: 0) == 0)
        #expect(LogFormat.utcDay(ofNanos: -1) == -1)
        #expect(LogFormat.utcDay(ofNanos: 86_400_000_000_000) == 1)
        #expect(LogFormat.utcDay(ofNanos: day2024Nanos + 5) == 19_723)
        #expect(LogFormat.segmentFileName(baseSequence: 1) == "00000000000000000001.lz4")
        let e = LogError(
            .damaged, "frame CRC mismatch", path: "/x/00000000000000000001.lz4", offset: 1234,
            sequenceRange: 4097...8192)
        #expect(
            e.description
                == "damaged batch in /x/00000000000000000001.lz4 at byte 1234 (sequences 4097...8192): "
                + "frame CRC mismatch"
        )
    }
}
