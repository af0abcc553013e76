import IsothermBacktest
import IsothermEvents
import IsothermLog
import IsothermStore

/// Opens a log for writing and says on standard error what the writer's recovery changed (a torn tail
/// cut to quarantine/): every command that appends opens its log through here, so no recovery is
/// silent. Commands with `--json` add ``Recoveries/json(into:)`` to their output.
func openLogWriter(_ directory: String, options: LogOptions = EventLogWriter.defaultOptions) throws
    -> EventLogWriter
{
    let writer = try EventLogWriter(directory: directory, options: options)
    Recoveries.note(directory, writer.log.recovery)
    return writer
}

/// The recoveries of this process's writers.
enum Recoveries {
    private static let all = Locked<[(log: String, report: RecoveryReport)]>([])

    /// Prints a recovery that cut something, and keeps it for the JSON output.
    static func note(_ log: String, _ report: RecoveryReport) {
        guard report.tornTail != nil else { return }
        printError("recovered \(log): \(report)")
        all.withLock { $0.append((log, report)) }
    }

    /// `"recovered":[{log, segment, offset, bytes_cut, quarantine, first_seq, last_seq, reason}]`.
    static func json(into j: inout JSONWriter) {
        j.beginArray("recovered")
        for (log, r) in all.withLock({ $0 }) {
            guard let t = r.tornTail else { continue }
            j.beginObject()
            j.string("log", log)
            fields(of: t, into: &j)
            j.endObject()
        }
        j.endArray()
    }

    /// A cut tail's fields, in the object being written.
    static func fields(of t: RecoveryReport.TornTail, into j: inout JSONWriter) {
        j.string("segment", t.segment)
        j.number("offset", t.offset)
        j.number("bytes_cut", t.bytesCut)
        j.string("quarantine", t.quarantinePath)
        if let range = t.sequenceRange {
            j.number("first_seq", range.lowerBound)
            j.number("last_seq", range.upperBound)
        }
        j.string("reason", t.reason)
    }
}
