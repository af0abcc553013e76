import Foundation
import IsothermLog
import Testing

@Suite("Corruption")
struct CorruptionTests {
    private func options() -> LogOptions {
        var o = LogOptions()
        o.batchRecordsMax = 4
        o.segmentBytesMax = 700
        o.rollByUTCDay = false
        return o
    }

    /// A log of two segments with a few small batches each.
    private func makeLog(_ dir: String) throws -> [TestRecord] {
        let records = makeRecords(count: 24, seed: 3, largeEvery: 0).map { r in
            TestRecord(body: Array(r.body.prefix(30)), timeNanos: r.timeNanos)
        }
        try writeLog(dir, records, options: options())
        let segments = try LogReader(directory: dir).segments
        #expect(segments.count >= 2)
        return records
    }

    /// The offset of the batch (or segment header, 0) that holds byte `i`.
    private func owner(of i: Int64, in entries: [IndexEntry]) -> Int64 {
        entries.last { $0.fileOffset <= i }?.fileOffset ?? 0
    }

    /// Flips one bit of every byte of one segment, in turn, in a copy of the log.
    private func flipEveryByte(segmentIndex: Int) throws {
        try withTempDirectory { source in
            let records = try makeLog(source)
            let reader = try LogReader(directory: source)
            let segment = reader.segments[segmentIndex]
            let isLast = segmentIndex == reader.segments.count - 1
            let entries = try reader.batchEntries(segment: segmentIndex)
            let batches = try allBatches(source)
            let original = try readFile(segment.path)
            let name = (segment.path as NSString).lastPathComponent
            for i in 0..<original.count {
                try withTempDirectory { dir in
                    try copyLog(source, to: dir)
                    var bytes = original
                    bytes[i] ^= 0x10
                    let path = dir + "/" + name
                    try writeFile(path, bytes)
                    let expectedOffset = owner(of: Int64(i), in: entries)

                    let report = try LogVerifier.verify(directory: dir)
                    let hit = report.problems.contains { $0.segment == path && $0.offset == expectedOffset }
                    #expect(hit, "byte \(i): expected a problem at \(expectedOffset), got \(report.problems)")
                    let finalBatch = isLast && expectedOffset == entries.last?.fileOffset
                    if !finalBatch {
                        #expect(report.problems.allSatisfy { !$0.isTornTail }, "byte \(i): \(report.problems)")
                    }

                    // A reader errors with .damaged or, for the final batch, stops before it; it
                    // never returns altered records.
                    var read: [(UInt64, [UInt8])] = []
                    let error = logError {
                        try LogReader(directory: dir).forEachRecord { seq, body in
                            read.append((seq, Array(body)))
                            return true
                        }
                    }
                    for (seq, body) in read {
                        #expect(body == records[Int(seq) - 1].body, "byte \(i): record \(seq) altered")
                    }
                    #expect(read.map(\.0) == (0..<read.count).map { UInt64($0 + 1) }, "byte \(i): sequences")
                    if let error {
                        #expect(error.code == .damaged, "byte \(i): \(error)")
                        #expect(error.path == path && error.offset == expectedOffset, "byte \(i): \(error)")
                    } else {
                        #expect(finalBatch, "byte \(i): a damaged batch read without error")
                        #expect(read.count == Int(batches.last!.baseSequence) - 1, "byte \(i)")
                    }
                }
            }
        }
    }

    @Test("every flipped byte of an earlier segment is reported at its batch and stops readers")
    func flipsInEarlierSegment() throws {
        try flipEveryByte(segmentIndex: 0)
    }

    @Test("every flipped byte of the last segment is reported; a flip in the final batch's header reads as a torn tail")
    func flipsInLastSegment() throws {
        try withTempDirectory { dir in
            _ = try makeLog(dir)
            let count = try LogReader(directory: dir).segments.count
            #expect(count >= 2)
        }
        try flipEveryByte(segmentIndex: 1)
    }

    @Test("a damaged batch in the middle of the last segment makes the writer refuse to open and change nothing")
    func writerRefusesDamage() throws {
        try withTempDirectory { dir in
            var o = options()
            o.segmentBytesMax = 1 << 20
            let records = makeRecords(count: 20, seed: 4, largeEvery: 0)
            try writeLog(dir, records, options: o)
            let reader = try LogReader(directory: dir)
            let segment = try #require(reader.segments.last)
            let entries = try reader.batchEntries(segment: 0)
            #expect(entries.count == 5)
            var bytes = try readFile(segment.path)
            let target = entries[2]
            bytes[Int(target.fileOffset) + 70] ^= 0x01  // inside the frame
            try writeFile(segment.path, bytes)
            let before = try snapshot(dir)
            let error = logError { _ = try LogWriter(directory: dir, options: o) }
            #expect(error?.code == .damaged)
            #expect(error?.path == segment.path)
            #expect(error?.offset == target.fileOffset)
            #expect(error?.sequenceRange == 9...12)
            #expect(
                error?.description
                    == "damaged batch in \(segment.path) at byte \(target.fileOffset) (sequences 9...12): "
                    + "frame CRC mismatch"
            )
            #expect(try snapshot(dir) == before)

            // The same in an earlier segment's header, found when its index must be rebuilt.
            bytes[Int(target.fileOffset) + 70] ^= 0x01
            try writeFile(segment.path, bytes)
            var small = o
            small.segmentBytesMax = 100  // the next batch starts a second segment
            let w2 = try LogWriter(directory: dir, options: small)
            for r in records.prefix(3) { try w2.append(r.body, eventTimeNanos: r.timeNanos) }
            try w2.close()
            #expect(try LogReader(directory: dir).segments.count == 2)
            bytes = try readFile(segment.path)
            bytes[Int(target.fileOffset) + 20] ^= 0x01  // inside the header of batch 3 of the first segment
            try writeFile(segment.path, bytes)
            try FileManager.default.removeItem(atPath: segment.path.replacingOccurrences(of: ".lz4", with: ".idx"))
            let before2 = try snapshot(dir)
            let error2 = logError { _ = try LogWriter(directory: dir, options: o) }
            #expect(error2?.code == .damaged)
            #expect(error2?.offset == target.fileOffset)
            #expect(try snapshot(dir) == before2)
        }
    }

    @Test(
        "a flipped byte in the final, complete batch's frame is damage: readers stop with its place, writers refuse, log quarantine cuts it"
    )
    func damagedFinalBatch() throws {
        try withTempDirectory { dir in
            var o = options()
            o.segmentBytesMax = 1 << 20
            let records = makeRecords(count: 20, seed: 5, largeEvery: 0)
            try writeLog(dir, records, options: o)
            let reader = try LogReader(directory: dir)
            let segment = try #require(reader.segments.last)
            let entries = try reader.batchEntries(segment: 0)
            let last = try #require(entries.last)
            var bytes = try readFile(segment.path)
            bytes[Int(last.fileOffset) + 70] ^= 0x01  // inside the final batch's frame, which is complete
            try writeFile(segment.path, bytes)

            // Readers: damage at its place, after every record before it (no writer is active).
            var read = 0
            let error = logError {
                try LogReader(directory: dir).forEachRecord { _, _ in
                    read += 1
                    return true
                }
            }
            #expect(read == Int(last.baseSequence) - 1)
            #expect(error?.code == .damaged && error?.offset == last.fileOffset, "\(String(describing: error))")
            #expect(error?.message.contains("isotherm log quarantine") == true)
            // Verify: damage, not a torn tail.
            let report = try LogVerifier.verify(directory: dir)
            #expect(report.problems.count == 1 && report.problems.first?.isTornTail == false, "\(report.problems)")
            // Writers refuse and change nothing; their new events would otherwise reuse its sequences.
            let before = try snapshot(dir)
            let refused = logError { _ = try LogWriter(directory: dir, options: o) }
            #expect(refused?.code == .damaged && refused?.offset == last.fileOffset)
            #expect(try snapshot(dir) == before)
            // Asked explicitly, the writer moves it to quarantine/ and appends after the batch before.
            let cutter = try LogWriter(directory: dir, options: o, cutDamagedTail: true)
            #expect(cutter.recovery.tornTail?.offset == last.fileOffset)
            #expect(cutter.recovery.tornTail?.sequenceRange == last.baseSequence...20)
            #expect(cutter.nextSequence == last.baseSequence)
            try cutter.close()
            #expect(try LogVerifier.verify(directory: dir).isClean)
            let moved = try FileManager.default.contentsOfDirectory(atPath: dir + "/quarantine")
            #expect(moved.count == 1 && moved[0].hasSuffix(".\(last.fileOffset).torn"))
        }
    }

    @Test("log verify checks index files: a stale one is reported, a missing one is not")
    func staleIndexes() throws {
        try withTempDirectory { dir in
            let records = makeRecords(count: 24, seed: 3, largeEvery: 0).map { r in
                TestRecord(body: Array(r.body.prefix(30)), timeNanos: r.timeNanos)
            }
            try writeLog(dir, records, options: options())
            var report = try LogVerifier.verify(directory: dir)
            #expect(report.isClean && report.indexes == report.segments)
            let first = try LogReader(directory: dir).segments[0].path
            let index = first.replacingOccurrences(of: ".lz4", with: ".idx")
            var bytes = try readFile(index)
            bytes[bytes.count - 1] ^= 0x40
            try writeFile(index, bytes)
            report = try LogVerifier.verify(directory: dir)
            #expect(report.problems.count == 1 && report.problems[0].segment == index, "\(report.problems)")
            #expect(report.problems[0].description.hasPrefix("stale index in \(index)"))
            try FileManager.default.removeItem(atPath: index)
            #expect(try LogVerifier.verify(directory: dir).isClean, "a missing index is rebuilt, not damage")
        }
    }
}
