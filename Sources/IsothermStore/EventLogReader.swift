package import IsothermBinary
package import IsothermEvents
package import IsothermLog

/// Where a replay starts.
package enum ReplayStart: Sendable, Equatable {
    /// At this sequence number (1 = the beginning).
    case sequence(UInt64)
    /// At the first event (in log order) whose time is at or after this instant; every later event
    /// follows, including late arrivals stamped earlier (a replay from there sees what the live
    /// system saw from then on).
    case time(Timestamp)
}

/// A record in the log could not be decoded as an event.
package struct StoreError: Error, CustomStringConvertible {
    package let directory: String
    package let sequence: UInt64
    package let cause: BinaryError
    package var description: String { "cannot decode event \(sequence) in log \(directory): \(cause)" }
}

/// Streams typed events from a log with bounded memory (one batch at a time).
package struct EventLogReader {
    package let directory: String
    package let log: LogReader

    /// Opens the log at `directory` for reading (no lock; a concurrent writer is fine).
    package init(directory: String) throws(LogError) {
        self.directory = directory
        self.log = try LogReader(directory: directory)
    }

    /// Calls `body` with each event in sequence order until it returns `false`.
    /// - Parameters:
    ///   - start: where to begin.
    ///   - kinds: only these kinds (`nil` = every kind); other records are skipped without decoding.
    ///   - body: receives the sequence number and the event.
    /// - Throws: `LogError` for a damaged log, ``StoreError`` for an undecodable record, or what `body` throws.
    package func forEach(
        from start: ReplayStart = .sequence(1), kinds: Set<EventKind>? = nil,
        _ body: (UInt64, EventRecord) throws -> Bool
    ) throws {
        try forEach(
            from: start, kinds: kinds,
            candles: { sequence, time, candle in
                try body(sequence, EventRecord(time: time, event: .candle(candle)))
            }, others: body)
    }

    /// The replay's fast path: like ``forEach(from:kinds:_:)``, but candles (nearly every event)
    /// go to `candles` as they decode, without an ``Event`` or ``EventRecord`` being built or copied.
    /// - Parameters:
    ///   - start: where to begin.
    ///   - kinds: only these kinds (`nil` = every kind); other records are skipped without decoding.
    ///   - candles: receives the sequence number, event time and candle of each current-version candle.
    ///   - others: receives every other event (older candle versions included).
    /// - Throws: `LogError` for a damaged log, ``StoreError`` for an undecodable record, or what the
    ///   callbacks throw.
    package func forEach(
        from start: ReplayStart = .sequence(1), kinds: Set<EventKind>? = nil,
        candles: (UInt64, Timestamp, Candle) throws -> Bool,
        others: (UInt64, EventRecord) throws -> Bool
    ) throws {
        var mask = [Bool](repeating: kinds == nil, count: 256)
        for k in kinds ?? [] { mask[Int(k.rawValue)] = true }
        let directory = self.directory
        let first: UInt64
        var notBefore: Timestamp?
        switch start {
        case .sequence(let s):
            first = max(1, s)
            notBefore = nil
        case .time(let t):
            first = 1
            notBefore = t
        }
        // Candles decode in place, record after record. Behind a pointer rather than in a local the
        // walk captures: a captured variable passed `inout` costs a dynamic exclusivity check per record.
        let candle = UnsafeMutablePointer<Candle>.allocate(capacity: 1)
        candle.initialize(to: .placeholder)
        defer { candle.deallocate() }  // Candle is plain data: nothing to deinitialize
        // Walk each batch's records here: `varint(length) body`, recordCount times. The loader
        // has already checked the framing, so the reads below cannot fail on a good batch.
        func walk(_ header: BatchHeader, _ raw: UnsafeRawBufferPointer) throws -> Bool {
            var r = ByteReader(raw)
            var sequence = header.baseSequence &- 1
            for _ in 0..<header.recordCount {
                let n = try r.readCount("record length", limit: raw.count)
                let bytes = try r.readSlice(n, "record body")
                sequence &+= 1
                guard sequence >= first else { continue }
                if let start = notBefore {
                    // Before the start point every record's time counts, whatever its kind.
                    let time: Timestamp
                    do {
                        time = try EventCodec.time(of: bytes)
                    } catch {
                        throw StoreError(directory: directory, sequence: sequence, cause: error)
                    }
                    if time < start { continue }
                    notBefore = nil
                }
                guard !bytes.isEmpty, mask[Int(bytes[0])] else { continue }
                let time: Timestamp?
                do {
                    time = try EventCodec.decodeCandle(bytes, into: &candle.pointee)
                } catch {
                    throw StoreError(directory: directory, sequence: sequence, cause: error)
                }
                if let time {
                    if try !candles(sequence, time, candle.pointee) { return false }
                    continue
                }
                let record: EventRecord
                do {
                    record = try EventCodec.decode(bytes)
                } catch {
                    throw StoreError(directory: directory, sequence: sequence, cause: error)
                }
                if try !others(sequence, record) { return false }
            }
            return true
        }
        if let start = notBefore {
            try log.forEachBatch(fromTimeNanos: start.nanos, walk)
        } else {
            try log.forEachBatch(fromSequence: first, walk)
        }
    }
}
