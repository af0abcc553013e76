package import IsothermEvents
package import IsothermLog

/// Appends typed events to a log: encodes each with ``EventCodec`` straight into the pending batch.
package final class EventLogWriter {
    /// The byte log underneath (for flush policies, recovery reports and the next sequence).
    package let log: LogWriter

    /// Opens (creating if needed) the log at `directory` for writing.
    /// - Throws: `LogError` if another writer holds the log, or the log is damaged before its tail.
    package init(directory: String, options: LogOptions = EventLogWriter.defaultOptions) throws(LogError) {
        var options = options
        options.schemaVersion = eventSchemaVersion
        log = try LogWriter(directory: directory, options: options)
    }

    /// Batches of 4096 events, no fsync: the bulk-import default. Live order paths flush with `sync: true`.
    package static var defaultOptions: LogOptions { LogOptions() }

    /// The sequence number the next append will get.
    package var nextSequence: UInt64 { log.nextSequence }

    /// Appends one event.
    /// - Returns: its sequence number.
    @discardableResult
    package func append(_ record: EventRecord) throws(LogError) -> UInt64 {
        try log.append(eventTimeNanos: record.time.nanos) { w in EventCodec.encode(record, into: &w) }
    }

    /// Appends an event at a time.
    @discardableResult
    package func append(_ event: Event, at time: Timestamp) throws(LogError) -> UInt64 {
        try append(EventRecord(time: time, event: event))
    }

    /// Closes the pending batch; with `sync`, waits until it is on disk.
    package func flush(sync: Bool = false) throws(LogError) { try log.flush(sync: sync) }

    /// Flushes and releases the writer lock.
    package func close() throws(LogError) { try log.close() }
}
