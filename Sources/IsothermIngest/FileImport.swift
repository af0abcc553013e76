import IsothermDigest
package import IsothermEvents
package import IsothermImport
import IsothermPlatform
import IsothermStore

/// Why a file import stopped.
package enum FileImportError: Error, Equatable, CustomStringConvertible {
    /// A crash cut the file's import short and other events followed it: resuming would interleave.
    case interrupted(log: String, file: String, sequence: UInt64)

    package var description: String {
        switch self {
        case .interrupted(let log, let file, let sequence):
            "\(log): an unfinished import of \(file) at sequence \(sequence) is followed by other events; import it into a new log"
        }
    }
}

/// `isotherm import file`: each file parsed before anything is written, then each file's events
/// appended in time order between two run manifests (kind `import`, run id `import-<sha256>`), synced.
/// A content is imported exactly once: a second copy in the same import is skipped, one already in the
/// log is reported with its sequence, an import a crash cut short resumes after the events it wrote
/// (which must be the file's first), and a file that gives no events is not recorded (a later parser
/// that reads more of it can still import it).
package struct FileImport: Sendable {
    /// What became of one file.
    package struct Report: Equatable, Sendable {
        package var path: String
        package var events: Int
        package var appended: Int
        /// Skipped, already imported, resumed, or no events; nil when simply appended.
        package var note: String?
    }

    package var format: ImportFormat
    package var options: ImportFormat.Options
    /// The largest file read (a larger one is refused before a byte is read).
    package var maxBytes: Int
    package var engineVersion: String

    package init(format: ImportFormat, options: ImportFormat.Options, maxBytes: Int, engineVersion: String) {
        self.format = format
        self.options = options
        self.maxBytes = maxBytes
        self.engineVersion = engineVersion
    }

    /// Imports `files` into the log at `log`, in order.
    /// - Throws: ``FileImportError``, `FileError` for a file that cannot be read, the parser's
    ///   `ImportError` (nothing written then), the log's errors.
    package func run(_ files: [String], into log: String) throws -> [Report] {
        // 1. Read and parse everything first; a content given twice is imported once.
        var parsed: [(path: String, sha256: String, events: [EventRecord])] = []
        var sameAs: [Int: String] = [:]
        for path in files {
            let bytes = try Files.readRegular(path, maxBytes: maxBytes)
            let sha256 = SHA256Hasher.hash(bytes).hex
            if let first = parsed.first(where: { $0.sha256 == sha256 }) {
                sameAs[parsed.count] = first.path
                parsed.append((path, sha256, first.events))
                continue
            }
            parsed.append((path, sha256, try format.parse(bytes, source: path, options: options)))
        }
        // 2. What the log already holds.
        let writer = try EventLogWriter(directory: log)
        defer { try? writer.close() }
        let history = try ImportHistory(directory: log, nextSequence: writer.nextSequence)
        // 3. Append, once.
        var reports: [Report] = []
        for (index, file) in parsed.enumerated() {
            let runId = "import-" + file.sha256
            if let first = sameAs[index] {
                reports.append(
                    Report(
                        path: file.path, events: file.events.count, appended: 0,
                        note: "skipped: same content as \(first)"))
                continue
            }
            if file.events.isEmpty {
                reports.append(Report(path: file.path, events: 0, appended: 0, note: "no events in it; not recorded"))
                continue
            }
            if let done = history.finished[runId] {
                reports.append(
                    Report(
                        path: file.path, events: file.events.count, appended: 0,
                        note: "already imported (sequence \(done))"))
                continue
            }
            var skip = 0
            if let started = history.unfinished(runId) {
                let written = try history.records(after: started)
                guard written.count <= file.events.count, Array(file.events.prefix(written.count)) == written else {
                    throw FileImportError.interrupted(log: log, file: file.path, sequence: started)
                }
                skip = written.count
            } else {
                try writer.append(manifest(runId, .started, file, at: file.events.first?.time ?? Timestamp(nanos: 0)))
            }
            for record in file.events.dropFirst(skip) { try writer.append(record) }
            try writer.append(manifest(runId, .finished, file, at: file.events.last?.time ?? Timestamp(nanos: 0)))
            try writer.flush(sync: true)
            reports.append(
                Report(
                    path: file.path, events: file.events.count, appended: file.events.count - skip,
                    note: skip > 0 ? "resumed after \(skip) events written before an interruption" : nil))
        }
        try writer.close()
        return reports
    }

    private func manifest(
        _ runId: String, _ phase: RunManifest.Phase, _ file: (path: String, sha256: String, events: [EventRecord]),
        at time: Timestamp
    ) -> EventRecord {
        EventRecord(
            time: time,
            event: .runManifest(
                RunManifest(
                    runId: runId, phase: phase, runKind: "import", engineVersion: engineVersion, configHash: "",
                    parameters: [
                        Field("format", format.rawValue), Field("file", file.path), Field("sha256", file.sha256),
                        Field("events", String(file.events.count)),
                    ], inputs: [], outputHash: "")))
    }
}
