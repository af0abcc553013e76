import Glibc
import IsothermBinary

/// Streams a log's batches and records with bounded memory: one batch at a time is read with
/// `pread` into a reusable buffer and decompressed into another (no `mmap`, no whole segments).
///
/// Readers take no lock and may run while a writer appends: they see complete batches only, and an
/// incomplete or failing final batch of the last segment (a writer mid-write, or a torn tail a
/// writer has not recovered yet) ends the log. Anything else that fails a check stops reading with
/// ``LogError/Code/damaged`` naming the segment, byte offset and sequences. Seeks use the index
/// files when they check out and scan batch headers otherwise; readers never write index files.
/// Not thread-safe: use one reader per thread.
package final class LogReader {
    /// A batch to start reading at.
    package struct Position: Equatable, Sendable {
        /// Index into ``LogReader/segments``.
        package var segment: Int
        /// Byte offset of the batch in that segment.
        package var offset: Int64
        /// First sequence of that batch.
        package var baseSequence: UInt64
    }

    /// The log directory.
    package let directory: String
    /// Segments sorted by base sequence, as listed by ``init(directory:)`` or ``refresh()``.
    package private(set) var segments: [SegmentInfo]
    private let scanner = SegmentScanner()
    private let loader: BatchLoader

    /// Lists the segments of a log.
    /// - Parameter directory: the log directory.
    /// - Throws: ``LogError/Code/notFound`` when it does not exist.
    package init(directory: String) throws(LogError) {
        self.directory = directory
        segments = try LogDirectory.segments(in: directory)
        loader = try BatchLoader()
    }

    /// Lists the segments again (to see segments a writer created since).
    package func refresh() throws(LogError) {
        segments = try LogDirectory.segments(in: directory)
    }

    // MARK: Seeking

    /// The batch that holds `sequence`, or the first batch after it when none does.
    /// - Returns: nil for an empty log.
    package func position(ofSequence sequence: UInt64) throws(LogError) -> Position? {
        guard !segments.isEmpty else { return nil }
        var i = 0
        var lo = 0
        var hi = segments.count - 1
        while lo <= hi {  // last segment whose base <= sequence
            let mid = (lo + hi) / 2
            if segments[mid].baseSequence <= sequence {
                i = mid
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        let entries = try batchEntries(segment: i)
        guard let first = entries.first else {
            return Position(
                segment: i, offset: Int64(LogFormat.segmentHeaderBytes), baseSequence: segments[i].baseSequence)
        }
        var pick = first
        lo = 0
        hi = entries.count - 1
        while lo <= hi {  // last batch whose base <= sequence
            let mid = (lo + hi) / 2
            if entries[mid].baseSequence <= sequence {
                pick = entries[mid]
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        return Position(segment: i, offset: pick.fileOffset, baseSequence: pick.baseSequence)
    }

    /// The first batch whose ``BatchHeader/maxEventTimeNanos`` is at or after `timeNanos`
    /// (event times need not be monotonic, so this walks the index entries in order).
    /// - Returns: nil when no batch qualifies.
    package func firstBatchAtOrAfter(timeNanos: Int64) throws(LogError) -> Position? {
        for i in segments.indices {
            if let e = try batchEntries(segment: i).first(where: { $0.maxEventTimeNanos >= timeNanos }) {
                return Position(segment: i, offset: e.fileOffset, baseSequence: e.baseSequence)
            }
        }
        return nil
    }

    /// The index entries of one segment (from its index file, or by scanning headers).
    package func batchEntries(segment i: Int) throws(LogError) -> [IndexEntry] {
        let info = segments[i]
        let file = try LogFile.open(info.path, O_RDONLY)
        return try scanner.batches(file, nameBase: info.baseSequence, isLast: i == segments.count - 1).entries
    }

    /// The last complete record's sequence, or nil for an empty log.
    package func lastSequence() throws(LogError) -> UInt64? {
        for i in segments.indices.reversed() {
            let info = segments[i]
            let file = try LogFile.open(info.path, O_RDONLY)
            let scan = try scanner.batches(file, nameBase: info.baseSequence, isLast: i == segments.count - 1)
            if let last = scan.lastBatch { return last.lastSequence }
        }
        return nil
    }

    // MARK: Streaming

    /// Calls `body` with every batch that holds a sequence at or after `fromSequence`, in order.
    /// - Parameters:
    ///   - fromSequence: the first sequence wanted.
    ///   - body: gets the header and the decompressed records (valid only during the call);
    ///     returns false to stop.
    /// - Throws: ``LogError`` for damage or I/O, or what `body` throws.
    package func forEachBatch(
        fromSequence: UInt64 = 1, _ body: (BatchHeader, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        guard let start = try position(ofSequence: fromSequence) else { return }
        try stream(from: start) { h, raw in
            h.lastSequence < fromSequence ? true : try body(h, raw)
        }
    }

    /// Calls `body` with every batch from the first whose max event time is at or after
    /// `fromTimeNanos` (see ``firstBatchAtOrAfter(timeNanos:)``) to the end of the log.
    package func forEachBatch(
        fromTimeNanos: Int64, _ body: (BatchHeader, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        guard let start = try firstBatchAtOrAfter(timeNanos: fromTimeNanos) else { return }
        try stream(from: start, body)
    }

    /// Calls `body` with every record at or after `fromSequence`, in order.
    /// - Parameters:
    ///   - fromSequence: the first sequence wanted (earlier records of its batch are skipped).
    ///   - body: gets the sequence and the body (valid only during the call); returns false to stop.
    package func forEachRecord(fromSequence: UInt64 = 1, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool)
        throws
    {
        try forEachBatch(fromSequence: fromSequence) { h, raw in
            var r = ByteReader(raw)
            var sequence = h.baseSequence
            for _ in 0..<h.recordCount {
                let n = try r.readCount("record length", limit: LogFormat.recordBodyBytesLimit)
                let record = try r.readSlice(n, "record body")
                if sequence >= fromSequence, try !body(sequence, record) { return false }
                sequence += 1
            }
            return true
        }
    }

    /// Reads batches from `start` to the end of the log, checking every one.
    private func stream(from start: Position, _ body: (BatchHeader, UnsafeRawBufferPointer) throws -> Bool) throws {
        var expected = start.baseSequence
        for i in start.segment..<segments.count {
            let info = segments[i]
            let isLast = i == segments.count - 1
            if i > start.segment, info.baseSequence != expected {
                throw LogError(
                    .damaged, "sequence gap: the previous segment ends at \(expected - 1)", path: info.path, offset: 0)
            }
            let file = try LogFile.open(info.path, O_RDONLY)
            let fileBytes = try file.size()
            // A torn tail at the end of the last segment ends the log.
            func endsLog(_ offset: Int64) throws(LogError) -> Bool {
                guard isLast else { return false }
                return try scanner.nextBatchHeader(file, after: offset, fileBytes: fileBytes) == nil
            }
            do {
                let header = try scanner.readSegmentHeader(file, fileBytes: fileBytes)
                guard header.baseSequence == info.baseSequence else {
                    throw LogError(
                        .damaged, "segment header says base sequence \(header.baseSequence)", path: info.path, offset: 0
                    )
                }
            } catch {
                if try endsLog(0) { return }
                throw error
            }
            var offset = i == start.segment ? start.offset : Int64(LogFormat.segmentHeaderBytes)
            for _ in 0...(fileBytes / Int64(LogFormat.batchHeaderBytes) + 1) {
                let h: BatchHeader
                switch try scanner.probe(file, at: offset, fileBytes: fileBytes) {
                case .end:
                    break
                case .incomplete(let why, let header):
                    if isLast { return }
                    throw LogError(.damaged, why, path: info.path, offset: offset, sequenceRange: header?.sequenceRange)
                case .invalid(let error):
                    if try endsLog(offset) { return }
                    throw error
                case .batch(let header):
                    h = header
                    guard h.baseSequence == expected else {
                        throw LogError(
                            .damaged, "expected a batch starting at sequence \(expected)", path: info.path,
                            offset: offset, sequenceRange: h.sequenceRange)
                    }
                    if try !readBatch(h, file: file, at: offset, isFinal: isLast && offset + h.totalBytes == fileBytes)
                    {
                        return
                    }
                    if try !loader.withRaw(h, { try body(h, $0) }) { return }
                    expected = h.lastSequence + 1
                    offset += h.totalBytes
                    continue
                }
                break  // .end
            }
        }
    }

    /// Reads, checks and decompresses one batch.
    /// - Parameter isFinal: the batch ends the last segment (a short frame is then a torn tail; a
    ///   complete frame failing its CRC is damage unless a writer holds the log and may be writing it).
    /// - Returns: false when the batch is a torn tail (the log ends before it).
    private func readBatch(_ h: BatchHeader, file: LogFile, at offset: Int64, isFinal: Bool) throws(LogError) -> Bool {
        switch try loader.load(h, file: file, at: offset) {
        case .ok:
            return true
        case .badFrame(let why):
            if isFinal { return false }
            throw LogError(.damaged, why, path: file.path, offset: offset, sequenceRange: h.sequenceRange)
        case .frameCRCMismatch:
            if isFinal && LogDirectory.writerIsActive(directory) { return false }
            let advice = isFinal ? " (\(LogDirectory.damagedTailAdvice(directory)))" : ""
            throw LogError(
                .damaged, "frame CRC mismatch" + advice, path: file.path, offset: offset, sequenceRange: h.sequenceRange
            )
        case .badContent(let why):
            throw LogError(.damaged, why, path: file.path, offset: offset, sequenceRange: h.sequenceRange)
        }
    }
}
