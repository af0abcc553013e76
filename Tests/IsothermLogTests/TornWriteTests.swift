import Foundation
import IsothermLog
import Testing

@Suite("Torn writes")
struct TornWriteTests {
    private func options() -> LogOptions {
        var o = LogOptions()
        o.batchRecordsMax = 5
        o.segmentBytesMax = 1400
        o.rollByUTCDay = false
        return o
    }

    /// Cuts the last segment of a copy of `source` at every length in `cuts`, reopens a writer, and
    /// checks what recovery keeps, quarantines and reports, then that appending works.
    private func checkCuts(
        source: String, records: [TestRecord], segment: SegmentInfo, batch: IndexEntry,
        cuts: ClosedRange<Int64>, tornBase: UInt64, tornRange: ClosedRange<UInt64>
    ) throws {
        let original = try readFile(segment.path)
        let name = (segment.path as NSString).lastPathComponent
        for cut in cuts {
            try withTempDirectory { dir in
                try copyLog(source, to: dir)
                let path = dir + "/" + name
                try writeFile(path, Array(original.prefix(Int(cut))))
                // A reader before recovery treats the torn tail as the end of the log.
                #expect(try readAll(dir).count == Int(tornBase) - 1, "cut \(cut): reader")

                let writer = try LogWriter(directory: dir, options: options())
                #expect(writer.nextSequence == tornBase, "cut \(cut)")
                if cut == batch.fileOffset {
                    #expect(writer.recovery.isClean, "cut \(cut)")
                } else {
                    let torn = try #require(writer.recovery.tornTail, "cut \(cut)")
                    #expect(torn.segment == path)
                    #expect(torn.offset == (cut < 40 ? 0 : batch.fileOffset), "cut \(cut)")
                    #expect(torn.bytesCut == cut - torn.offset)
                    #expect(try readFile(torn.quarantinePath) == Array(original[Int(torn.offset)..<Int(cut)]))
                    #expect(torn.quarantinePath.hasPrefix(dir + "/quarantine/\(name).\(torn.offset).torn"))
                    if cut - batch.fileOffset >= 60 { #expect(torn.sequenceRange == tornRange, "cut \(cut)") }
                    #expect(torn.segmentRemoved == (batch.fileOffset == 40))
                    #expect(writer.recovery.description.contains("torn tail of \(torn.bytesCut) bytes"))
                    if torn.segmentRemoved {
                        #expect(!FileManager.default.fileExists(atPath: path))
                    } else {
                        #expect(try readFile(path) == Array(original.prefix(Int(batch.fileOffset))))
                    }
                }
                // Appending works and reads back cleanly.
                let extra = makeRecords(count: 8, seed: 5)
                for (i, r) in extra.enumerated() {
                    #expect(try writer.append(r.body, eventTimeNanos: r.timeNanos) == tornBase + UInt64(i))
                }
                try writer.close()
                let all = try readAll(dir)
                #expect(all.map(\.0) == Array(1...(tornBase + 7)), "cut \(cut)")
                #expect(all.map(\.1) == records.prefix(Int(tornBase) - 1).map(\.body) + extra.map(\.body), "cut \(cut)")
                let report = try LogVerifier.verify(directory: dir)
                #expect(report.isClean, "cut \(cut): \(report.problems)")
            }
        }
    }

    @Test("every cut inside the last batch loses that batch only, quarantines the cut bytes, and appending resumes")
    func everyCutInLastBatch() throws {
        try withTempDirectory { source in
            let records = makeRecords(count: 48, largeEvery: 0)
            var o = options()
            o.segmentBytesMax = 2600
            try writeLog(source, records, options: o)
            let reader = try LogReader(directory: source)
            let segment = try #require(reader.segments.last)
            let entries = try reader.batchEntries(segment: reader.segments.count - 1)
            #expect(entries.count >= 3, "the last segment should hold several batches")
            let last = try #require(entries.last)
            let batches = try allBatches(source)
            let torn = try #require(batches.last)
            #expect(torn.baseSequence == last.baseSequence)
            try checkCuts(
                source: source, records: records, segment: segment, batch: last,
                cuts: last.fileOffset...(segment.fileBytes - 1), tornBase: last.baseSequence,
                tornRange: torn.sequenceRange)
        }
    }

    @Test("a cut inside a new segment's first batch or header removes the segment after quarantining it")
    func cutInFirstBatchOfSegment() throws {
        try withTempDirectory { source in
            let records = makeRecords(count: 48, largeEvery: 0)
            var o = options()
            o.segmentBytesMax = 1400
            try writeLog(source, records, options: o)
            // Add one batch in a segment of its own.
            let writer = try LogWriter(directory: source, options: o)
            try writer.flush()
            let base = writer.nextSequence
            try writer.close()
            var big = o
            big.segmentBytesMax = 100  // forces a new segment for the next batch
            let w2 = try LogWriter(directory: source, options: big)
            for r in makeRecords(count: 3, seed: 9, largeEvery: 0) {
                try w2.append(r.body, eventTimeNanos: r.timeNanos)
            }
            try w2.close()
            let all = records + makeRecords(count: 3, seed: 9, largeEvery: 0)
            let reader = try LogReader(directory: source)
            let segment = try #require(reader.segments.last)
            #expect(segment.baseSequence == base)
            let entries = try reader.batchEntries(segment: reader.segments.count - 1)
            #expect(entries.count == 1)
            try checkCuts(
                source: source, records: all, segment: segment, batch: entries[0],
                cuts: 1...(segment.fileBytes - 1), tornBase: base, tornRange: base...(base + 2))
        }
    }
}
