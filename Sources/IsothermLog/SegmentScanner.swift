import Glibc
import IsothermBinary

/// What sits at a byte offset of a segment where a batch should start.
enum BatchProbe {
    /// The offset is the end of the file.
    case end
    /// A valid header whose frame fits in the file.
    case batch(BatchHeader)
    /// The file ends inside the header, or inside the frame of a valid header.
    case incomplete(String, BatchHeader?)
    /// The header fails a check.
    case invalid(LogError)
}

/// A torn tail found in the last segment: where it starts and why.
package struct TornPlace: Equatable, Sendable {
    /// Byte offset of the torn batch (0 when the segment header itself is torn).
    package var offset: Int64
    /// What is wrong with the bytes there.
    package var reason: String
    /// The torn batch's sequences, when its header could be read.
    package var sequenceRange: ClosedRange<UInt64>?
}

/// The batches of one segment, found by reading headers.
struct SegmentScan {
    /// The segment header, nil when the segment is torn at offset 0.
    var header: SegmentHeader?
    /// One entry per complete batch, in file order.
    var entries: [IndexEntry] = []
    /// Header of the last complete batch.
    var lastBatch: BatchHeader?
    /// The file size scanned.
    var fileBytes: Int64
    /// Where the valid bytes end (the torn offset, or the file size).
    var validBytes: Int64
    /// Set when the last segment ends in a torn batch.
    var torn: TornPlace?
    /// True when the index file was used and already covered every batch.
    var indexWasComplete = false
}

/// Reads segment and batch headers with reusable, bounded buffers: probing a batch, checking a
/// frame's CRC in 1 MiB chunks, resynchronising on the next valid batch header, and scanning a
/// whole segment (the recovery scan of `Schemas/log-format.md`).
final class SegmentScanner {
    /// Bytes read per chunk when checksumming frames or resynchronising.
    static let chunkBytes = 1 << 20
    private var header = [UInt8](repeating: 0, count: LogFormat.batchHeaderBytes)
    private var chunk: [UInt8] = []

    init() {}

    /// Reads and checks the segment header.
    /// - Throws: ``LogError/Code/damaged`` located at byte 0 of the segment.
    func readSegmentHeader(_ file: LogFile, fileBytes: Int64) throws(LogError) -> SegmentHeader {
        let n = try file.read(into: &header, count: LogFormat.segmentHeaderBytes, at: 0)
        guard n == LogFormat.segmentHeaderBytes else {
            throw LogError(.damaged, "segment ends inside its header (\(n) of 40 bytes)", path: file.path, offset: 0)
        }
        do {
            return try header.withBytes { (b) throws(LogError) in try SegmentHeader.decode(b) }
        } catch {
            throw error.located(path: file.path, offset: 0)
        }
    }

    /// Classifies the bytes at `offset`.
    /// - Parameters:
    ///   - file: the segment.
    ///   - offset: where a batch should start.
    ///   - fileBytes: the file size to respect.
    /// - Returns: what is there.
    func probe(_ file: LogFile, at offset: Int64, fileBytes: Int64) throws(LogError) -> BatchProbe {
        if offset >= fileBytes { return .end }
        let want = Int(min(Int64(LogFormat.batchHeaderBytes), fileBytes - offset))
        let n = try file.read(into: &header, count: want, at: offset)
        guard n == LogFormat.batchHeaderBytes else {
            return .incomplete("file ends \(n) bytes into a 60-byte batch header", nil)
        }
        let h: BatchHeader
        do {
            h = try header.withBytes { (b) throws(LogError) in try BatchHeader.decode(b) }
        } catch {
            return .invalid(error.located(path: file.path, offset: offset))
        }
        let have = fileBytes - offset - Int64(LogFormat.batchHeaderBytes)
        if have < Int64(h.frameBytes) {
            return .incomplete("file ends \(have) bytes into a \(h.frameBytes)-byte frame", h)
        }
        return .batch(h)
    }

    /// CRC-32C of the frame of the batch at `offset`, read in chunks.
    func frameCRC(_ file: LogFile, header h: BatchHeader, at offset: Int64) throws(LogError) -> UInt32 {
        var crc: UInt32 = 0
        var pos = offset + Int64(LogFormat.batchHeaderBytes)
        let end = pos + Int64(h.frameBytes)
        while pos < end {
            let want = Int(min(Int64(SegmentScanner.chunkBytes), end - pos))
            let n = try file.read(into: &chunk, count: want, at: pos)
            guard n == want else { throw LogError(.io, "short read of a frame", path: file.path, offset: offset) }
            crc = chunk.withUnsafeBytes {
                CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<n]), continuing: crc)
            }
            pos += Int64(n)
        }
        return crc
    }

    /// The first offset after `offset` where a batch header that passes its checks starts.
    /// - Returns: that offset, or nil when none does before the end of the file.
    func nextBatchHeader(_ file: LogFile, after offset: Int64, fileBytes: Int64) throws(LogError) -> Int64? {
        let headerBytes = Int64(LogFormat.batchHeaderBytes)
        var pos = offset + 1
        while pos + headerBytes <= fileBytes {
            let want = Int(min(Int64(SegmentScanner.chunkBytes), fileBytes - pos))
            let n = try file.read(into: &chunk, count: want, at: pos)
            guard n == want else { return nil }
            let found: Int? = chunk.withUnsafeBytes { b in
                var i = 0
                while i + LogFormat.batchHeaderBytes <= n {
                    let window = UnsafeRawBufferPointer(rebasing: b[i..<(i + LogFormat.batchHeaderBytes)])
                    if BatchHeader.hasPrefix(window), (try? BatchHeader.decode(window)) != nil { return i }
                    i += 1
                }
                return nil
            }
            if let found { return pos + Int64(found) }
            // Overlap so a header straddling two chunks is still seen.
            pos += Int64(max(1, n - LogFormat.batchHeaderBytes + 1))
        }
        return nil
    }

    /// Scans a segment's headers from `start`, applying the torn-tail rule when `isLast`.
    /// - Parameters:
    ///   - file: the open segment.
    ///   - nameBase: the base sequence its file name gives.
    ///   - isLast: whether this is the log's last segment (a bad tail is then torn, not damaged).
    ///   - checkFrames: also check every frame's CRC (the writer's recovery scan of the last segment).
    ///     A complete final batch whose frame fails its CRC is damage, not a torn tail — unless
    ///     `cutDamagedTail` (an explicit `isotherm log quarantine`) asks to cut it as one.
    ///   - start: the offset, sequence and known entries to resume from (an index's last entry).
    ///   - onBatch: called with each complete batch's header.
    /// - Returns: the batches found and any torn tail.
    /// - Throws: ``LogError/Code/damaged`` naming the place, or ``LogError/Code/io``.
    func scan(
        _ file: LogFile, nameBase: UInt64, isLast: Bool, checkFrames: Bool, cutDamagedTail: Bool = false,
        start: (offset: Int64, sequence: UInt64, entries: [IndexEntry])? = nil,
        onBatch: ((BatchHeader) -> Void)? = nil
    ) throws(LogError) -> SegmentScan {
        let fileBytes = try file.size()
        var result = SegmentScan(fileBytes: fileBytes, validBytes: fileBytes)
        func tornOrDamaged(_ error: LogError, at offset: Int64, range: ClosedRange<UInt64>?) throws(LogError) {
            guard isLast else { throw error.located(path: file.path, offset: offset, sequenceRange: range) }
            result.torn = TornPlace(offset: offset, reason: error.message, sequenceRange: range)
            result.validBytes = offset
        }
        do throws(LogError) {
            let h = try readSegmentHeader(file, fileBytes: fileBytes)
            guard h.baseSequence == nameBase else {
                throw LogError(
                    .damaged, "segment header says base sequence \(h.baseSequence), the file name \(nameBase)",
                    path: file.path, offset: 0)
            }
            result.header = h
        } catch {
            guard error.code == .damaged else { throw error }
            var nothingFollows = fileBytes <= Int64(LogFormat.segmentHeaderBytes)
            if !nothingFollows { nothingFollows = try nextBatchHeader(file, after: 0, fileBytes: fileBytes) == nil }
            if nothingFollows {
                try tornOrDamaged(error, at: 0, range: nil)
                return result
            }
            throw error
        }
        var offset = start?.offset ?? Int64(LogFormat.segmentHeaderBytes)
        var expected = start?.sequence ?? nameBase
        result.entries = start?.entries ?? []
        // Every batch takes at least 60 bytes, which bounds the loop.
        for _ in 0...(fileBytes / Int64(LogFormat.batchHeaderBytes) + 1) {
            switch try probe(file, at: offset, fileBytes: fileBytes) {
            case .end:
                return result
            case .incomplete(let why, let h):
                try tornOrDamaged(LogError(.damaged, why), at: offset, range: h?.sequenceRange)
                return result
            case .invalid(let error):
                if isLast, try nextBatchHeader(file, after: offset, fileBytes: fileBytes) == nil {
                    try tornOrDamaged(error, at: offset, range: nil)
                    return result
                }
                throw error
            case .batch(let h):
                guard h.baseSequence == expected else {
                    throw LogError(
                        .damaged, "expected a batch starting at sequence \(expected)", path: file.path, offset: offset,
                        sequenceRange: h.sequenceRange)
                }
                if checkFrames, try frameCRC(file, header: h, at: offset) != h.frameCRC {
                    let isFinal = offset + h.totalBytes == fileBytes
                    if isFinal && cutDamagedTail {
                        try tornOrDamaged(
                            LogError(.damaged, "frame CRC mismatch (cut on request)"), at: offset,
                            range: h.sequenceRange)
                        return result
                    }
                    let directory = String(file.path[..<(file.path.lastIndex(of: "/") ?? file.path.startIndex)])
                    let advice =
                        isFinal ? " (\(LogDirectory.damagedTailAdvice(directory.isEmpty ? "." : directory)))" : ""
                    throw LogError(.damaged, "frame CRC mismatch" + advice).located(
                        path: file.path, offset: offset, sequenceRange: h.sequenceRange)
                }
                result.entries.append(IndexEntry(h, at: offset))
                result.lastBatch = h
                onBatch?(h)
                expected = h.lastSequence + 1
                offset += h.totalBytes
            }
        }
        throw LogError(.damaged, "segment scan did not end", path: file.path, offset: offset)
    }

    /// The batches of a segment, taken from its index file where that checks out and by scanning
    /// headers otherwise (and for any batches written after the index's last entry).
    /// - Parameters:
    ///   - file: the open segment.
    ///   - nameBase: the base sequence its file name gives.
    ///   - isLast: whether this is the log's last segment.
    /// - Returns: the scan; ``SegmentScan/indexWasComplete`` says whether the index needs rewriting.
    func batches(_ file: LogFile, nameBase: UInt64, isLast: Bool) throws(LogError) -> SegmentScan {
        if let entries = SegmentIndex.load(segmentPath: file.path, segmentBase: nameBase), let last = entries.last,
            case .batch(let h) = try probe(file, at: last.fileOffset, fileBytes: try file.size()),
            IndexEntry(h, at: last.fileOffset) == last
        {
            var scan = try scan(
                file, nameBase: nameBase, isLast: isLast, checkFrames: false,
                start: (last.fileOffset, last.baseSequence, Array(entries.dropLast())))
            scan.indexWasComplete = scan.entries.count == entries.count && scan.torn == nil
            return scan
        }
        return try scan(file, nameBase: nameBase, isLast: isLast, checkFrames: false)
    }
}
