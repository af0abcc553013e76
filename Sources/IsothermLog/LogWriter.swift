import Glibc
package import IsothermBinary
import IsothermPlatform

/// The single writer of a log directory: assigns sequences, packs records into batches, compresses
/// each batch into one LZ4 frame and appends header + frame with one `pwrite`, rolls segments by
/// UTC day and size, keeps the index files current, and syncs per ``LogOptions/durability``.
///
/// Opening runs recovery (see ``RecoveryReport``). Not thread-safe: use it from one thread.
package final class LogWriter {
    /// The log directory.
    package let directory: String
    /// The options in force.
    package let options: LogOptions
    /// What opening the log changed.
    package let recovery: RecoveryReport
    /// The sequence the next appended record gets (1 for an empty log).
    package var nextSequence: UInt64 { batch.nextSequence }

    /// The segment batches are appended to.
    private final class OpenSegment {
        let file: LogFile
        let baseSequence: UInt64
        let utcDay: Int32
        let index: SegmentIndexAppender
        var bytes: Int64
        var dirty = false

        init(file: LogFile, baseSequence: UInt64, utcDay: Int32, bytes: Int64, index: SegmentIndexAppender) {
            self.file = file
            self.baseSequence = baseSequence
            self.utcDay = utcDay
            self.bytes = bytes
            self.index = index
        }
    }

    private var lock: LogFile?
    private let encoder: LZ4FrameEncoder
    private var segment: OpenSegment?
    /// Set when the next batch must start a new segment (UTC day roll).
    private var rollPending = false
    /// The open batch and the per-record state.
    private var batch: PendingBatch
    /// Output buffer: [segment header 40][batch header 60][frame]; reused for every batch.
    private var out: [UInt8] = []
    private var headerScratch = ByteWriter(capacity: 128)
    private var lastSyncNanos: Int64
    /// Set after close or after a failed write; every later call throws it.
    private var failure: LogError?

    /// Opens (creating if needed) a log directory for writing.
    ///
    /// Takes the `LOCK`, lists segments, checks each non-last segment's index (rebuilding it by
    /// scanning headers when it is missing, stale or damaged), and scans the last segment checking
    /// every header and frame CRC. A torn tail there is moved to `quarantine/` and cut off. Any
    /// other failure throws before anything is changed.
    /// - Parameters:
    ///   - directory: the log directory; created with its parents when missing.
    ///   - options: batching, rolling, compression and durability.
    /// - Throws: ``LogError/Code/locked`` when another writer holds the log, ``LogError/Code/damaged``
    ///   naming the segment, offset and sequences of damage, ``LogError/Code/invalidArgument`` for bad
    ///   options, ``LogError/Code/io`` for system call failures.
    package convenience init(directory: String, options: LogOptions = LogOptions()) throws(LogError) {
        try self.init(directory: directory, options: options, cutDamagedTail: false)
    }

    /// Opens the log like ``init(directory:options:)``; with `cutDamagedTail`, a complete final batch
    /// that fails its CRC (damage, which a plain open refuses) is moved to `quarantine/` like a torn
    /// tail, as `isotherm log quarantine` asks. Damage anywhere else is still refused.
    package init(directory: String, options: LogOptions = LogOptions(), cutDamagedTail: Bool) throws(LogError) {
        try options.validate()
        self.directory = directory
        self.options = options
        encoder = try LZ4FrameEncoder(compressionLevel: options.compressionLevel)
        batch = PendingBatch(nextSequence: 1, options: options)
        lastSyncNanos = SystemClock.monotonicNanos()

        try FileSystem.makeDirectories(directory)
        let lockPath = LogDirectory.join(directory, LogDirectory.lockName)
        let lock = try LogFile.open(lockPath, O_RDWR | O_CREAT)
        // A process that forks (to run a tool, say) while a writer holds the lock keeps a copy of the
        // descriptor, and so the lock, until its child execs and drops it, microseconds to a few
        // milliseconds later. Retry for up to 250 ms before calling the log locked; a real second
        // writer holds it far longer.
        var acquired = try lock.tryLockExclusive()
        var waitedMillis = 0
        while !acquired && waitedMillis < 250 {
            usleep(5_000)
            waitedMillis += 5
            acquired = try lock.tryLockExclusive()
        }
        guard acquired else {
            throw LogError(.locked, "another writer holds \(lockPath)", path: directory)
        }
        self.lock = lock

        var report = RecoveryReport()
        let opened = try LogWriter.recover(directory: directory, cutDamagedTail: cutDamagedTail, report: &report)
        batch.nextSequence = opened.nextSequence
        recovery = report
        if let last = opened.last {
            segment = OpenSegment(
                file: last.file, baseSequence: last.base, utcDay: last.utcDay, bytes: last.bytes,
                index: last.index)
            followSegmentDay(last.utcDay)
        }
    }

    deinit {
        // Best effort: a writer dropped without close() still writes its open batch.
        if failure == nil { try? flush() }
    }

    // MARK: Appending

    /// Appends one record.
    /// - Parameters:
    ///   - body: the record's bytes (at most ``LogFormat/recordBodyBytesLimit``).
    ///   - eventTimeNanos: its event time, nanoseconds since the Unix epoch (UTC).
    /// - Returns: the record's sequence.
    /// - Throws: ``LogError/Code/tooLarge`` for an oversized body; errors of writing a batch.
    @discardableResult
    package func append(_ body: UnsafeRawBufferPointer, eventTimeNanos: Int64) throws(LogError) -> UInt64 {
        for _ in 0..<3 {
            switch batch.append(body, eventTimeNanos: eventTimeNanos) {
            case .appended(let sequence, let full):
                if full { try closeBatch() }
                return sequence
            case .slowPath:
                try prepareSlowPath(eventTimeNanos: eventTimeNanos)
            case .tooLarge(let n):
                throw LogError(.tooLarge, "record body of \(n) bytes exceeds \(LogFormat.recordBodyBytesLimit)")
            case .overflow:
                try closeBatch()  // the record goes into the next batch
            }
        }
        preconditionFailure("append made no progress")
    }

    /// Appends one record.
    /// - Parameters:
    ///   - body: the record's bytes.
    ///   - eventTimeNanos: its event time.
    /// - Returns: the record's sequence.
    @discardableResult
    package func append(_ body: [UInt8], eventTimeNanos: Int64) throws(LogError) -> UInt64 {
        try body.withBytes { (b) throws(LogError) -> UInt64 in try append(b, eventTimeNanos: eventTimeNanos) }
    }

    /// Appends one record whose body `encode` writes straight into the open batch (no copy).
    ///
    /// `encode` must only append to the writer it is given (which already holds the batch's earlier
    /// records); the bytes it appends become the body. A one-byte length is reserved in front and
    /// widened (moving the body) only for bodies of 128 bytes or more.
    /// - Parameters:
    ///   - eventTimeNanos: the record's event time.
    ///   - encode: writes the body; called exactly once.
    /// - Returns: the record's sequence.
    /// - Throws: ``LogError/Code/tooLarge`` when the body exceeds ``LogFormat/recordBodyBytesLimit``
    ///   (nothing is appended); errors of writing a batch.
    @discardableResult
    package func append(eventTimeNanos: Int64, encode: (inout ByteWriter) -> Void) throws(LogError) -> UInt64 {
        for _ in 0..<2 {
            switch batch.append(eventTimeNanos: eventTimeNanos, encode: encode) {
            case .appended(let sequence, let full):
                if full { try closeBatch() }
                return sequence
            case .slowPath:
                try prepareSlowPath(eventTimeNanos: eventTimeNanos)
            case .tooLarge(let n):
                throw LogError(.tooLarge, "record body of \(n) bytes exceeds \(LogFormat.recordBodyBytesLimit)")
            case .overflow(let lengthAt):
                // The record does not fit the open batch: close the batch without it, then start the next with it.
                let record = Array(batch.bytes.bytes[lengthAt...])
                batch.bytes.bytes.removeSubrange(lengthAt...)
                try closeBatch()
                guard
                    case .appended(let sequence, let full) = batch.appendFramed(record, eventTimeNanos: eventTimeNanos)
                else { preconditionFailure("appending to an empty batch failed") }
                if full { try closeBatch() }
                return sequence
            }
        }
        preconditionFailure("append made no progress")
    }

    /// Writes the open batch, if any, and syncs when `sync` is true or the policy says so.
    /// - Parameter sync: also `fdatasync` the current segment.
    package func flush(sync: Bool = false) throws(LogError) {
        if let failure { throw failure }
        try closeBatch()
        if sync, let segment, segment.dirty { try syncSegment(segment) }
    }

    /// Flushes (syncing unless the policy is ``Durability/none``) and releases the lock.
    /// Calling it again does nothing; other calls afterwards throw ``LogError/Code/closed``.
    package func close() throws(LogError) {
        if let failure, failure.code == .closed { return }
        defer {
            segment = nil
            lock = nil
            fail(LogError(.closed, "the writer is closed", path: directory))
        }
        try flush(sync: options.durability != .none)
    }

    // MARK: Batches

    /// Handles what the fast path refuses: a failed or closed writer (throws), or a record on a
    /// later UTC day than the current segment's (closes the batch; the next starts a segment).
    private func prepareSlowPath(eventTimeNanos: Int64) throws(LogError) {
        if let failure { throw failure }
        guard batch.nextSequence < PendingBatch.sequenceEnd else {
            throw LogError(
                .tooLarge, "the log's sequence numbers are used up: its last record is \(batch.nextSequence - 1)",
                path: directory)
        }
        precondition(eventTimeNanos >= batch.rollAtNanos, "slow path without a reason")
        try closeBatch()
        rollPending = true
        batch.dayFromFirstRecord = true
        batch.rollAtNanos = .max
    }

    /// Makes `day` the current UTC day: later records roll the segment.
    private func followSegmentDay(_ day: Int32) {
        batch.dayFromFirstRecord = false
        batch.rollAtNanos = options.rollByUTCDay ? PendingBatch.dayEnd(day) : .max
    }

    /// Stops the writer: every later call throws `error`.
    private func fail(_ error: LogError) {
        failure = error
        batch.isStopped = true
    }

    /// Compresses the open batch and appends it (with a segment header when it starts a segment)
    /// in one `pwrite`, then appends its index entry and syncs per policy.
    private func closeBatch() throws(LogError) {
        guard batch.count > 0 else { return }
        let base = batch.baseSequence
        let prefix = LogFormat.segmentHeaderBytes + LogFormat.batchHeaderBytes
        let frameBytes = try batch.bytes.bytes.withBytes { (raw) throws(LogError) -> Int in
            try encoder.compress(raw, into: &out, at: prefix)
        }
        let frameCRC = out.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[prefix..<(prefix + frameBytes)]))
        }
        let header = BatchHeader(
            schemaVersion: options.schemaVersion, baseSequence: base, recordCount: UInt32(batch.count),
            rawBytes: UInt32(batch.bytes.count), frameBytes: UInt32(frameBytes),
            minEventTimeNanos: batch.minEventTimeNanos, maxEventTimeNanos: batch.maxEventTimeNanos, frameCRC: frameCRC)
        let startsSegment =
            segment == nil || rollPending || segment!.bytes + header.totalBytes > options.segmentBytesMax
        headerScratch.removeAll()
        if startsSegment {
            SegmentHeader(baseSequence: base, utcDay: batch.firstDay).encode(into: &headerScratch)
        }
        header.encode(into: &headerScratch)
        let start = prefix - headerScratch.count
        out.withUnsafeMutableBytes { o in
            headerScratch.bytes.withUnsafeBytes { h in
                UnsafeMutableRawBufferPointer(rebasing: o[start..<prefix]).copyMemory(from: h)
            }
        }
        if startsSegment { try openSegment(base: base, utcDay: batch.firstDay) }
        let segment = segment!
        let batchOffset = segment.bytes + Int64(headerScratch.count - LogFormat.batchHeaderBytes)
        do {
            try out.withBytes { (o) throws(LogError) in
                try segment.file.write(
                    UnsafeRawBufferPointer(rebasing: o[start..<(prefix + frameBytes)]), at: segment.bytes)
            }
            segment.bytes += Int64(prefix + frameBytes - start)
            segment.dirty = true
            try segment.index.append(IndexEntry(header, at: batchOffset))
        } catch {
            fail(error)
            throw error
        }
        batch.reset()
        rollPending = false
        followSegmentDay(segment.utcDay)
        switch options.durability {
        case .none:
            break
        case .syncEachBatch:
            try syncSegment(segment)
        case .syncInterval(let nanos):
            if SystemClock.monotonicNanos() - lastSyncNanos >= nanos { try syncSegment(segment) }
        }
    }

    /// Creates the segment file for a batch starting at `base`, syncing the previous segment first
    /// under a sync policy so rolling never leaves older data unsynced.
    private func openSegment(base: UInt64, utcDay: Int32) throws(LogError) {
        if options.durability != .none, let old = segment, old.dirty { try syncSegment(old) }
        segment = nil
        let path = LogDirectory.join(directory, LogFormat.segmentFileName(baseSequence: base))
        do {
            let file = try LogFile.open(path, O_RDWR | O_CREAT | O_EXCL)
            let index = try SegmentIndexAppender(segmentPath: path, segmentBase: base, entries: [])
            if options.durability != .none { try FileSystem.syncDirectory(directory) }
            segment = OpenSegment(file: file, baseSequence: base, utcDay: utcDay, bytes: 0, index: index)
        } catch {
            fail(error)
            throw error
        }
    }

    private func syncSegment(_ segment: OpenSegment) throws(LogError) {
        do {
            try segment.file.sync()
        } catch {
            fail(error)  // after a failed fsync the page cache state is unknown: reopen to recover
            throw error
        }
        segment.dirty = false
        lastSyncNanos = SystemClock.monotonicNanos()
    }

    /// Bytes of the LEB128 encoding of `n`.
    @inline(__always)
    static func varintBytes(_ n: Int) -> Int {
        var v = UInt64(n)
        var bytes = 1
        while v >= 0x80 {
            v >>= 7
            bytes += 1
        }
        return bytes
    }
}
