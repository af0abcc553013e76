package import IsothermEvents
package import IsothermLog
import IsothermBinary

/// Where a replay starts.
package enum ReplayStart: Sendable, Equatable {
    /// At this sequence number (1 = the beginning).
    case sequence(UInt64)
    /// At the first event whose time is at or after this instant.
    case time(Timestamp)
}

/// A record in the log could not be decoded as an event.
package struct StoreError: Error, CustomStringConvertible {
    package let directory: String
    package let sequence: UInt64
    package let cause: BinaryError
    package var description: String {
        "cannot decode event \(sequence) in log \(directory): \(cause)"
    }
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
        var kindMask: [Bool]? = nil
        if let kinds {
            var mask = [Bool](repeating: false, count: 256)
            for k in kinds { mask[Int(k.rawValue)] = true }
            kindMask = mask
        }
        let directory = self.directory
        func visit(_ sequence: UInt64, _ bytes: UnsafeRawBufferPointer, _ notBefore: Timestamp?) throws -> Bool {
            if let mask = kindMask, bytes.isEmpty || !mask[Int(bytes[0])] { return true }
            let record: EventRecord
            do {
                record = try EventCodec.decode(bytes)
            } catch {
                throw StoreError(directory: directory, sequence: sequence, cause: error)
            }
            if let notBefore, record.time < notBefore { return true }
            return try body(sequence, record)
        }
        switch start {
        case .sequence(let s):
            try log.forEachRecord(fromSequence: max(1, s)) { seq, bytes in try visit(seq, bytes, nil) }
        case .time(let t):
            try log.forEachRecord(fromTimeNanos: t.nanos) { seq, bytes in try visit(seq, bytes, t) }
        }
    }
}
