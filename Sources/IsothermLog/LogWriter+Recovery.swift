import Glibc

extension LogWriter {
    /// The last segment, open for appending after recovery.
    struct RecoveredSegment {
        let file: LogFile
        let base: UInt64
        let utcDay: Int32
        let bytes: Int64
        let index: SegmentIndexAppender
    }

    /// The recovery of `Schemas/log-format.md`: check everything first, then change things.
    /// - Parameters:
    ///   - directory: the locked log directory.
    ///   - report: receives what was changed.
    /// - Returns: the next sequence, and the last segment when one remains to append to.
    static func recover(directory: String, cutDamagedTail: Bool = false, report: inout RecoveryReport)
        throws(LogError) -> (nextSequence: UInt64, last: RecoveredSegment?)
    {
        let segments = try LogDirectory.segments(in: directory)
        let scanner = SegmentScanner()
        var scans: [SegmentScan] = []
        var expected: UInt64?
        // Phase 1: read only.
        for (i, info) in segments.enumerated() {
            let isLast = i == segments.count - 1
            let file = try LogFile.open(info.path, O_RDONLY)
            if let expected, info.baseSequence != expected {
                throw LogError(
                    .damaged, "sequence gap: the previous segment ends at \(expected - 1)", path: info.path, offset: 0)
            }
            let scan =
                isLast
                ? try scanner.scan(
                    file, nameBase: info.baseSequence, isLast: true, checkFrames: true, cutDamagedTail: cutDamagedTail)
                : try scanner.batches(file, nameBase: info.baseSequence, isLast: false)
            expected = scan.lastBatch.map { $0.lastSequence + 1 } ?? info.baseSequence
            scans.append(scan)
        }
        // Phase 2: rebuild indexes of earlier segments, cut the torn tail.
        for (info, scan) in zip(segments, scans).dropLast() where !scan.indexWasComplete {
            try SegmentIndex.write(segmentPath: info.path, segmentBase: info.baseSequence, entries: scan.entries)
            report.rebuiltIndexes.append(SegmentIndex.path(forSegment: info.path))
        }
        guard let info = segments.last, let scan = scans.last else { return (expected ?? 1, nil) }
        if let torn = scan.torn {
            let tail = try quarantine(info: info, torn: torn, fileBytes: scan.fileBytes, directory: directory)
            report.tornTail = tail
            if tail.segmentRemoved { return (expected ?? 1, nil) }
        }
        if SegmentIndex.load(segmentPath: info.path, segmentBase: info.baseSequence) != scan.entries {
            report.rebuiltIndexes.append(SegmentIndex.path(forSegment: info.path))
        }
        let index = try SegmentIndexAppender(
            segmentPath: info.path, segmentBase: info.baseSequence, entries: scan.entries)
        let file = try LogFile.open(info.path, O_RDWR)
        return (
            expected ?? 1,
            RecoveredSegment(
                file: file, base: info.baseSequence, utcDay: scan.header!.utcDay, bytes: scan.validBytes, index: index)
        )
    }

    /// Copies the torn bytes to `quarantine/<segment>.<offset>.torn` (synced), then cuts the segment
    /// at the torn offset, or removes it when no batch would be left.
    private static func quarantine(info: SegmentInfo, torn: TornPlace, fileBytes: Int64, directory: String)
        throws(LogError) -> RecoveryReport.TornTail
    {
        let folder = LogDirectory.join(directory, LogDirectory.quarantineName)
        try FileSystem.makeDirectories(folder)
        let name = LogFormat.segmentFileName(baseSequence: info.baseSequence) + ".\(torn.offset).torn"
        var target = LogDirectory.join(folder, name)
        for n in 1..<1000 where FileSystem.exists(target) {
            target = LogDirectory.join(folder, name + ".\(n)")
        }
        guard !FileSystem.exists(target) else {
            throw LogError(.io, "too many quarantine files named \(name)", path: folder)
        }
        let source = try LogFile.open(info.path, O_RDWR)
        do {
            let sink = try LogFile.open(target, O_WRONLY | O_CREAT | O_EXCL)
            var buffer: [UInt8] = []
            var pos = torn.offset
            while pos < fileBytes {
                let want = Int(min(Int64(SegmentScanner.chunkBytes), fileBytes - pos))
                let n = try source.read(into: &buffer, count: want, at: pos)
                guard n == want else {
                    throw LogError(.io, "short read while quarantining", path: info.path, offset: pos)
                }
                try buffer.withBytes { (b) throws(LogError) in
                    try sink.write(UnsafeRawBufferPointer(rebasing: b[0..<n]), at: pos - torn.offset)
                }
                pos += Int64(n)
            }
            try sink.sync()
        }
        try FileSystem.syncDirectory(folder)
        let removed = torn.offset <= Int64(LogFormat.segmentHeaderBytes)
        if removed {
            try FileSystem.remove(info.path)
            try FileSystem.remove(SegmentIndex.path(forSegment: info.path))
            try FileSystem.syncDirectory(directory)
        } else {
            try source.truncate(to: torn.offset)
            try source.sync()
        }
        return RecoveryReport.TornTail(
            segment: info.path, offset: torn.offset, bytesCut: fileBytes - torn.offset, quarantinePath: target,
            sequenceRange: torn.sequenceRange, reason: torn.reason, segmentRemoved: removed)
    }
}
