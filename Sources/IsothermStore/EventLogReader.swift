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
        // Walk each batch's records here: `varint(length) body`, recordCount times.
        func walk(_ header: BatchHeader, _ raw: UnsafeRawBufferPointer) throws -> Bool {
            var r = ByteReader(raw)
            var sequence = header.baseSequence
            for _ in 0..<header.recordCount {
                let n = try r.readCount("record length", limit: raw.count)
                let bytes = try r.readSlice(n, "record body")
                defer { sequence += 1 }
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
                let record: EventRecord
                do {
                    record = try EventCodec.decode(bytes)
                } catch {
                    throw StoreError(directory: directory, sequence: sequence, cause: error)
                }
                if try !body(sequence, record) { return false }
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
