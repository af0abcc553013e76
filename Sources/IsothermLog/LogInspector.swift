import Glibc

/// Summarises a log from its segment and batch headers only (no frames are read), so it is fast.
package enum LogInspector {
    /// Inspects a log directory (read only; takes no lock).
    /// - Parameter directory: the log directory.
    /// - Returns: per-segment figures and totals.
    /// - Throws: ``LogError/Code/damaged`` for a header that fails its checks (other than a torn tail
    ///   at the end), ``LogError/Code/notFound``, ``LogError/Code/io``.
    package static func inspect(directory: String) throws(LogError) -> InspectReport {
        let segments = try LogDirectory.segments(in: directory)
        let scanner = SegmentScanner()
        var totals = InspectReport.Figures(path: directory, baseSequence: segments.first?.baseSequence ?? 1)
        var report = InspectReport(totals: totals)
        for (i, info) in segments.enumerated() {
            let file = try LogFile.open(info.path, O_RDONLY)
            let isLast = i == segments.count - 1
            var f = InspectReport.Figures(path: info.path, baseSequence: info.baseSequence)
            let scan = try scanner.scan(file, nameBase: info.baseSequence, isLast: isLast, checkFrames: false) { h in
                f.batches += 1
                f.records += Int64(h.recordCount)
                f.rawBytes += Int64(h.rawBytes)
                f.minEventTimeNanos = min(f.minEventTimeNanos ?? .max, h.minEventTimeNanos)
                f.maxEventTimeNanos = max(f.maxEventTimeNanos ?? .min, h.maxEventTimeNanos)
            }
            f.utcDay = scan.header?.utcDay
            f.fileBytes = scan.fileBytes
            f.lastSequence = scan.lastBatch?.lastSequence
            report.tornTail = scan.torn
            totals.batches += f.batches
            totals.records += f.records
            totals.rawBytes += f.rawBytes
            totals.fileBytes += f.fileBytes
            totals.lastSequence = f.lastSequence ?? totals.lastSequence
            if let t = f.minEventTimeNanos { totals.minEventTimeNanos = min(totals.minEventTimeNanos ?? .max, t) }
            if let t = f.maxEventTimeNanos { totals.maxEventTimeNanos = max(totals.maxEventTimeNanos ?? .min, t) }
            report.segments.append(f)
        }
        report.totals = totals
        return report
    }
}
