import IsothermBinary

/// The open batch and the per-record state of a ``LogWriter``.
///
/// Kept in one struct so that appending a record makes one exclusive access to the writer's
/// storage (class properties are checked dynamically, and a dozen checks per record cost more
/// than the record). Anything unusual (a failed writer, a UTC day roll, an oversized record, a
/// record that overflows the batch) returns ``Outcome/slowPath`` or a specific outcome before or
/// after the fast work, and the writer handles it.
struct PendingBatch {
    /// What an append did.
    enum Outcome {
        /// Appended with this sequence; `full` says the batch must close now.
        case appended(UInt64, full: Bool)
        /// Nothing done: the writer must handle failure or a day roll first.
        case slowPath
        /// Nothing kept: the body of this many bytes is over the limit.
        case tooLarge(Int)
        /// The framed record starting at this offset is in `bytes` but does not fit the batch.
        case overflow(Int)
    }

    /// Raw records: `varint(length) body` each.
    var bytes: ByteWriter
    /// Records in the batch.
    var count = 0
    var minEventTimeNanos: Int64 = 0
    var maxEventTimeNanos: Int64 = 0
    /// UTC day of the batch's first record.
    var firstDay: Int32 = 0
    /// The sequence the next record gets.
    var nextSequence: UInt64
    /// Records at or after this time start a later UTC day than the current one (slow path).
    var rollAtNanos: Int64 = .max
    /// When true, the batch's first record sets the current day (no segment open, or a roll is due).
    var dayFromFirstRecord = true
    /// Set once the writer failed or closed (slow path, which throws).
    var isStopped = false
    let recordsMax: Int
    let rawBytesMax: Int
    let rollByUTCDay: Bool

    init(nextSequence: UInt64, options: LogOptions) {
        bytes = ByteWriter(capacity: min(options.batchRawBytesMax, 1 << 20) + 64)
        self.nextSequence = nextSequence
        recordsMax = options.batchRecordsMax
        rawBytesMax = options.batchRawBytesMax
        rollByUTCDay = options.rollByUTCDay
    }

    /// The first sequence no record may have: a batch header holds sequences below 2^64 − 1 (its base
    /// plus its count must not overflow), so a log whose last record is 2^64 − 2 takes no more.
    static let sequenceEnd = UInt64.max

    /// Sequence of the batch's first record.
    var baseSequence: UInt64 { nextSequence - UInt64(count) }

    /// The first nanosecond after UTC day `day` (saturating).
    static func dayEnd(_ day: Int32) -> Int64 {
        let (v, overflow) = (Int64(day) + 1).multipliedReportingOverflow(by: LogFormat.nanosPerDay)
        return overflow ? .max : v
    }

    @inline(__always)
    private mutating func startIfEmpty(_ t: Int64) {
        guard count == 0 else { return }
        minEventTimeNanos = t
        maxEventTimeNanos = t
        firstDay = LogFormat.utcDay(ofNanos: t)
        if dayFromFirstRecord && rollByUTCDay { rollAtNanos = PendingBatch.dayEnd(firstDay) }
    }

    @inline(__always)
    private mutating func finish(_ t: Int64) -> Outcome {
        count += 1
        if t < minEventTimeNanos { minEventTimeNanos = t }
        if t > maxEventTimeNanos { maxEventTimeNanos = t }
        let sequence = nextSequence
        nextSequence += 1
        return .appended(sequence, full: count >= recordsMax || bytes.count >= rawBytesMax)
    }

    /// Appends a record whose body is already in memory.
    @inline(__always)
    mutating func append(_ body: UnsafeRawBufferPointer, eventTimeNanos t: Int64) -> Outcome {
        guard !isStopped, t < rollAtNanos, nextSequence < PendingBatch.sequenceEnd else { return .slowPath }
        guard body.count <= LogFormat.recordBodyBytesLimit else { return .tooLarge(body.count) }
        if count > 0 && bytes.count + LogWriter.varintBytes(body.count) + body.count > rawBytesMax {
            return .overflow(bytes.count)  // nothing written: the writer closes the batch and retries
        }
        startIfEmpty(t)
        bytes.writeVarUInt(UInt64(body.count))
        bytes.bytes.append(contentsOf: body)
        return finish(t)
    }

    /// Appends a record whose body `encode` writes in place after a reserved one-byte length.
    @inline(__always)
    mutating func append(eventTimeNanos t: Int64, encode: (inout ByteWriter) -> Void) -> Outcome {
        guard !isStopped, t < rollAtNanos, nextSequence < PendingBatch.sequenceEnd else { return .slowPath }
        let lengthAt = bytes.count
        bytes.writeUInt8(0)
        encode(&bytes)
        precondition(bytes.count > lengthAt, "encode removed bytes from the batch")
        let bodyBytes = bytes.count - lengthAt - 1
        guard bodyBytes <= LogFormat.recordBodyBytesLimit else {
            bytes.bytes.removeSubrange(lengthAt...)
            return .tooLarge(bodyBytes)
        }
        if _fastPath(bodyBytes < 0x80) {
            bytes.bytes[lengthAt] = UInt8(truncatingIfNeeded: bodyBytes)
        } else {
            var length = ByteWriter(capacity: 10)
            length.writeVarUInt(UInt64(bodyBytes))
            bytes.bytes.replaceSubrange(lengthAt..<(lengthAt + 1), with: length.bytes)
        }
        if count > 0 && bytes.count > rawBytesMax { return .overflow(lengthAt) }
        startIfEmpty(t)
        return finish(t)
    }

    /// Appends an already framed record (`varint(length) body`) to an empty batch.
    mutating func appendFramed(_ record: [UInt8], eventTimeNanos t: Int64) -> Outcome {
        precondition(count == 0)
        startIfEmpty(t)
        bytes.writeBytes(record)
        return finish(t)
    }

    /// Forgets the batch's records (after it was written).
    mutating func reset() {
        bytes.removeAll()
        count = 0
    }
}
