import Foundation
import IsothermLog
import Testing

@Suite("Seek")
struct SeekTests {
    /// Records whose event times wander (not monotonic) so time seeks must not binary-search.
    private func wanderingRecords() -> [TestRecord] {
        var records = makeRecords(count: 600, seed: 7, largeEvery: 0)
        var rng = SplitMix64(state: 99)
        for i in records.indices where i % 11 == 4 {
            records[i].timeNanos -= Int64(rng.next(below: 40)) * 60_000_000_000
        }
        return records
    }

    /// First sequence read and count for each start sequence; first batch base for each time.
    private func seekResults(_ dir: String, sequences: [UInt64], times: [Int64]) throws -> ([[UInt64]], [UInt64?]) {
        let reader = try LogReader(directory: dir)
        var bySequence: [[UInt64]] = []
        for s in sequences {
            var seen: [UInt64] = []
            try reader.forEachRecord(fromSequence: s) { seq, _ in
                seen.append(seq)
                return true
            }
            bySequence.append(seen)
        }
        var byTime: [UInt64?] = []
        for t in times {
            var first: UInt64?
            try reader.forEachBatch(fromTimeNanos: t) { h, _ in
                first = h.baseSequence
                return false
            }
            byTime.append(first)
        }
        return (bySequence, byTime)
    }

    @Test("seek by sequence and by time, with the index and after the index files are deleted or damaged")
    func seeks() throws {
        try withTempDirectory { dir in
            let records = wanderingRecords()
            try writeLog(dir, records, options: smallOptions())
            let batches = try allBatches(dir)
            let last = UInt64(records.count)
            let sequences: [UInt64] = [1, 2, 7, 8, 9, 100, 333, 599, 600, 601, 10_000]
            let times: [Int64] = [
                records[0].timeNanos - 1, records[0].timeNanos, records[123].timeNanos, records[124].timeNanos + 1,
                records[450].timeNanos, records[599].timeNanos, records[599].timeNanos + 1,
            ]
            // Brute force over all batch headers.
            let expectedByTime: [UInt64?] = times.map { t in batches.first { $0.maxEventTimeNanos >= t }?.baseSequence }
            let expectedBySequence: [[UInt64]] = sequences.map { s in s <= last ? Array(s...last) : [] }
            #expect(expectedByTime.contains(nil) && expectedByTime.compactMap { $0 }.count == times.count - 1)

            let (bySequence, byTime) = try seekResults(dir, sequences: sequences, times: times)
            #expect(bySequence == expectedBySequence)
            #expect(byTime == expectedByTime)

            let reader = try LogReader(directory: dir)
            #expect(try reader.lastSequence() == last)
            for s in sequences where s <= last {
                let p = try #require(try reader.position(ofSequence: s))
                let b = try #require(batches.first { $0.sequenceRange.contains(s) })
                #expect(p.baseSequence == b.baseSequence)
            }

            let indexFiles = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".idx") }
                .sorted()
            #expect(indexFiles.count == reader.segments.count)
            let originals = try indexFiles.map { try readFile(dir + "/" + $0) }

            // Damage every index three ways: deleted, a flipped byte, truncated.
            for (i, name) in indexFiles.enumerated() {
                let path = dir + "/" + name
                switch i % 3 {
                case 0:
                    try FileManager.default.removeItem(atPath: path)
                case 1:
                    var bytes = originals[i]
                    bytes[bytes.count / 2] ^= 0x40
                    try writeFile(path, bytes)
                default:
                    try writeFile(path, Array(originals[i].prefix(originals[i].count - 32)))
                }
            }
            let (bySequence2, byTime2) = try seekResults(dir, sequences: sequences, times: times)
            #expect(bySequence2 == expectedBySequence)
            #expect(byTime2 == expectedByTime)

            // A writer rebuilds them, byte for byte.
            let writer = try LogWriter(directory: dir, options: smallOptions())
            #expect(writer.recovery.isClean)
            #expect(writer.recovery.rebuiltIndexes.count == indexFiles.count)
            try writer.close()
            for (i, name) in indexFiles.enumerated() {
                #expect(try readFile(dir + "/" + name) == originals[i], "\(name)")
            }
            let (bySequence3, byTime3) = try seekResults(dir, sequences: sequences, times: times)
            #expect(bySequence3 == expectedBySequence)
            #expect(byTime3 == expectedByTime)
        }
    }

    @Test("an index that lags the segment (writer appended after it) is extended by scanning headers")
    func staleIndex() throws {
        try withTempDirectory { dir in
            let records = makeRecords(count: 60, largeEvery: 0)
            var o = smallOptions()
            o.segmentBytesMax = 1 << 20
            o.rollByUTCDay = false
            try writeLog(dir, Array(records.prefix(30)), options: o)
            let idx =
                dir + "/" + LogFormat.segmentFileName(baseSequence: 1).replacingOccurrences(of: ".lz4", with: ".idx")
            let early = try readFile(idx)
            let writer = try LogWriter(directory: dir, options: o)
            for r in records.suffix(30) { try writer.append(r.body, eventTimeNanos: r.timeNanos) }
            try writer.close()
            try writeFile(idx, early)  // an index that covers only the first 30 records
            let reader = try LogReader(directory: dir)
            #expect(try reader.lastSequence() == 60)
            #expect(try readAll(dir, from: 55).map(\.0) == Array(55...60))
            var first: UInt64?
            try reader.forEachBatch(fromTimeNanos: records[58].timeNanos) { h, _ in
                first = h.baseSequence
                return false
            }
            #expect(first.map { $0 <= 59 && $0 + 7 > 59 } == true)
            let reopened = try LogWriter(directory: dir, options: o)
            #expect(reopened.recovery.rebuiltIndexes.count == 1)
            try reopened.close()
        }
    }
}
