import Glibc

/// Checks every batch of every segment of a log and reports every damaged place.
package enum LogVerifier {
    /// Verifies a log directory (read only; takes no lock).
    ///
    /// Checks each segment's name and header; each batch's header CRC, limits and sequence
    /// continuity (within and across segments); its frame CRC; that the frame decodes (with its
    /// content checksum) to exactly `rawBytes`; and that the records parse to exactly `recordCount`.
    /// After a batch whose header fails, it resynchronises on the next valid batch header, so
    /// every damaged place is reported. An incomplete final batch of the last segment is reported as a
    /// torn tail; a complete one that fails its CRC is damage. Each segment's `.idx` file, when there is
    /// one, must list exactly its batches (it is derived data, rebuilt by the next writer, but a stale
    /// one is reported).
    /// - Parameter directory: the log directory.
    /// - Returns: the report; damage is in ``VerifyReport/problems``, not thrown.
    /// - Throws: ``LogError/Code/notFound`` or ``LogError/Code/io``.
    /// A segment's `.idx`, when present, must list its batches: exactly, or — for the last segment,
    /// whose writer may not have appended the newest entry yet — a prefix of them.
    static func checkIndex(_ info: SegmentInfo, entries: [IndexEntry], isLast: Bool, into report: inout VerifyReport) {
        let path = SegmentIndex.path(forSegment: info.path)
        guard FileSystem.exists(path) else { return }
        report.indexes += 1
        let loaded = SegmentIndex.load(segmentPath: info.path, segmentBase: info.baseSequence)
        if let loaded, loaded == entries || (isLast && entries.starts(with: loaded)) { return }
        let what =
            loaded.map { "lists \($0.count) batches that do not match the segment's \(entries.count)" }
            ?? "cannot be read (bad header, size or CRC)"
        report.problems.append(
            VerifyReport.Problem(
                segment: path, offset: 0, sequenceRange: nil,
                message: "index file \(what); it is derived data: the next writer rebuilds it, or delete it",
                isTornTail: false))
    }

    package static func verify(directory: String) throws(LogError) -> VerifyReport {
        let segments = try LogDirectory.segments(in: directory)
        let scanner = SegmentScanner()
        let loader = try BatchLoader(checksContent: true)
        var report = VerifyReport()
        var expected: UInt64?  // next sequence, nil after damage that hides it
        for (i, info) in segments.enumerated() {
            let isLast = i == segments.count - 1
            let file = try LogFile.open(info.path, O_RDONLY)
            let fileBytes = try file.size()
            report.segments += 1
            report.fileBytes += fileBytes
            func problem(_ offset: Int64, _ range: ClosedRange<UInt64>?, _ message: String, torn: Bool = false) {
                report.problems.append(
                    VerifyReport.Problem(
                        segment: info.path, offset: offset, sequenceRange: range, message: message, isTornTail: torn))
            }
            do throws(LogError) {
                let h = try scanner.readSegmentHeader(file, fileBytes: fileBytes)
                if h.baseSequence != info.baseSequence {
                    problem(
                        0, nil,
                        "segment header says base sequence \(h.baseSequence), the file name \(info.baseSequence)")
                }
            } catch {
                var torn = false
                if isLast { torn = try scanner.nextBatchHeader(file, after: 0, fileBytes: fileBytes) == nil }
                problem(0, nil, error.message, torn: torn)
                if torn { break }
            }
            if let e = expected, e != info.baseSequence {
                problem(
                    0, nil,
                    "sequence gap: the previous segment ends at \(e - 1), this one starts at \(info.baseSequence)")
            }
            expected = info.baseSequence
            var offset = Int64(LogFormat.segmentHeaderBytes)
            var entries: [IndexEntry] = []
            var damagedHere = false
            scan: for _ in 0...(fileBytes / Int64(LogFormat.batchHeaderBytes) + 1) {
                switch try scanner.probe(file, at: offset, fileBytes: fileBytes) {
                case .end:
                    break scan
                case .incomplete(let why, let h):
                    problem(offset, h?.sequenceRange, why, torn: isLast)
                    damagedHere = true
                    break scan
                case .invalid(let error):
                    let next = try scanner.nextBatchHeader(file, after: offset, fileBytes: fileBytes)
                    let skipped = (next ?? fileBytes) - offset
                    problem(offset, nil, "\(error.message) (\(skipped) bytes skipped)", torn: isLast && next == nil)
                    damagedHere = true
                    guard let next else { break scan }
                    offset = next
                    expected = nil
                case .batch(let h):
                    var ok = true
                    if let e = expected, h.baseSequence != e {
                        problem(offset, h.sequenceRange, "expected a batch starting at sequence \(e)")
                        ok = false
                    }
                    let isFinal = isLast && offset + h.totalBytes == fileBytes
                    switch try loader.load(h, file: file, at: offset) {
                    case .ok:
                        break
                    case .badFrame(let why):
                        problem(offset, h.sequenceRange, why, torn: isFinal)
                        ok = false
                    case .frameCRCMismatch:
                        // A complete frame that fails its CRC is damage even at the end of the log.
                        let advice = isFinal ? " (\(LogDirectory.damagedTailAdvice(directory)))" : ""
                        problem(offset, h.sequenceRange, "frame CRC mismatch" + advice)
                        ok = false
                    case .badContent(let why):
                        problem(offset, h.sequenceRange, why)
                        ok = false
                    }
                    if ok {
                        entries.append(IndexEntry(h, at: offset))
                        report.batches += 1
                        report.records += Int64(h.recordCount)
                        report.rawBytes += Int64(h.rawBytes)
                        if report.firstSequence == nil { report.firstSequence = h.baseSequence }
                        report.lastSequence = h.lastSequence
                        report.minEventTimeNanos = min(report.minEventTimeNanos ?? .max, h.minEventTimeNanos)
                        report.maxEventTimeNanos = max(report.maxEventTimeNanos ?? .min, h.maxEventTimeNanos)
                    }
                    if !ok { damagedHere = true }
                    expected = h.lastSequence + 1
                    offset += h.totalBytes
                }
            }
            if !damagedHere { checkIndex(info, entries: entries, isLast: isLast, into: &report) }
        }
        return report
    }
}
