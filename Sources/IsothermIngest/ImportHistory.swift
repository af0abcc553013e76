package import IsothermEvents
import IsothermStore

/// The import and backfill run manifests already in a log: finished units of work (a file, a fetched
/// page) by run id, and the start of one a crash cut short.
package struct ImportHistory: Sendable {
    package let directory: String
    package private(set) var finished: [String: UInt64] = [:]
    private var started: [String: UInt64] = [:]
    private var lastStarted: (runId: String, sequence: UInt64)?

    package init(directory: String, nextSequence: UInt64) throws {
        self.directory = directory
        guard nextSequence > 1 else { return }
        var finished: [String: UInt64] = [:]
        var started: [String: UInt64] = [:]
        try EventLogReader(directory: directory).forEach(kinds: [.runManifest]) { sequence, record in
            if case .runManifest(let m) = record.event, m.runKind == "import" || m.runKind == "backfill" {
                if m.phase == .started { started[m.runId] = sequence } else { finished[m.runId] = sequence }
            }
            return true
        }
        self.finished = finished
        self.started = started
    }

    /// The sequence of the start manifest of `runId` when it has no finish.
    package func unfinished(_ runId: String) -> UInt64? { finished[runId] == nil ? started[runId] : nil }

    /// Every record after `sequence`.
    package func records(after sequence: UInt64) throws -> [EventRecord] {
        var out: [EventRecord] = []
        try EventLogReader(directory: directory).forEach(from: .sequence(sequence + 1)) { _, record in
            out.append(record)
            return true
        }
        return out
    }
}
