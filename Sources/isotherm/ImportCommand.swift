import ArgumentParser
import Glibc
import IsothermDigest
import IsothermEvents
import IsothermImport
import IsothermStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring real data into a log: files in the services' own formats, or backfills from the services.",
        subcommands: [
            ImportFileCommand.self, ImportWeatherCommand.self, ImportKalshiCommand.self, ImportPostgresCommand.self,
        ])
}

struct ImportFileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file",
        abstract: "Parse files in a real format and append their events to a log, exactly once.",
        discussion: """
            Formats:
            \(ImportFormat.allCases.map { "  \($0.rawValue.padding(18))\($0.summary)" }.joined(separator: "\n"))

            Every file is parsed before anything is written: a file that cannot be read stops the \
            import with one line naming the file, line and field, and the log is left as it was. Each \
            file's events are appended in time order between two run_manifest events (kind `import`, \
            run id `import-<sha256 of the file>`), so importing the same file again does nothing, and \
            an import cut short by a crash resumes after the events it had written.

            Examples:
              isotherm import file --log data/NY --format nws-cli CLINYC.txt
              isotherm import file --log data/CHI --format vc-timeline --city CHI --basis-date 2025-07-09 vc.json
              isotherm import file --log data/NY --format ncei-daily ncei.json --json
            """)

    @Option(name: .long, help: "Log directory to append to (created when missing).")
    var log: String

    @Option(name: .long, help: "File format (see above).")
    var format: String

    @Option(name: .long, help: "City (NY, CHI, MIA, AUS, DEN, LAX, PHIL) when the file does not name its station.")
    var city: String?

    @Option(name: .long, help: "Station id for Visual Crossing observations (default: the city's settlement station).")
    var station: String?

    @Option(
        name: .long, help: "Basis date (YYYY-MM-DD) of a Visual Crossing forecast: the request's forecastBasisDate.")
    var basisDate: String?

    @Option(
        name: .long, help: "Units: 'metric' for Visual Crossing unitGroup=metric, 'standard' for NCEI units=standard.")
    var units: String?

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    @Argument(help: "Files to import.")
    var files: [String]

    func validate() throws {
        guard ImportFormat(rawValue: format) != nil else {
            throw ValidationError(
                "--format '\(format)' is not one of \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let basisDate, LocalDate(iso8601: basisDate) == nil {
            throw ValidationError("--basis-date '\(basisDate)' is not a YYYY-MM-DD date")
        }
        guard !files.isEmpty else { throw ValidationError("give at least one file") }
    }

    func run() throws {
        try reportingErrors {
            let format = ImportFormat(rawValue: format)!
            let options = ImportFormat.Options(
                city: city, station: station, basisDate: basisDate.flatMap { LocalDate(iso8601: $0) }, units: units)
            // 1. Read and parse everything first.
            var parsed: [(path: String, sha256: String, events: [EventRecord])] = []
            for path in files {
                let bytes = try readWholeFile(path)
                let events = try format.parse(bytes, source: path, options: options)
                parsed.append((path, SHA256Hasher.hash(bytes).hex, events))
            }
            // 2. What the log already holds.
            let writer = try EventLogWriter(directory: log)
            defer { try? writer.close() }
            let history = try ImportHistory(directory: log, nextSequence: writer.nextSequence)
            // 3. Append, once.
            var reports: [FileReport] = []
            for file in parsed {
                let runId = "import-" + file.sha256
                if let done = history.finished[runId] {
                    reports.append(
                        FileReport(
                            path: file.path, events: file.events.count, appended: 0,
                            note: "already imported (sequence \(done))"))
                    continue
                }
                var skip = 0
                if let started = history.unfinished(runId) {
                    // A crash cut this file's import short: the records after its start must be the
                    // start of this file's events, and the import resumes after them.
                    let written = try history.records(after: started)
                    guard written.count <= file.events.count, Array(file.events.prefix(written.count)) == written else {
                        throw CLIError(
                            "\(log): an unfinished import of \(file.path) at sequence \(started) is followed by other events; import it into a new log"
                        )
                    }
                    skip = written.count
                } else {
                    let first = file.events.first?.time ?? Timestamp(nanos: 0)
                    try writer.append(manifest(runId, .started, file: file, at: first))
                }
                for record in file.events.dropFirst(skip) { try writer.append(record) }
                try writer.append(
                    manifest(runId, .finished, file: file, at: file.events.last?.time ?? Timestamp(nanos: 0)))
                try writer.flush(sync: true)
                reports.append(
                    FileReport(
                        path: file.path, events: file.events.count, appended: file.events.count - skip,
                        note: skip > 0 ? "resumed after \(skip) events written before an interruption" : nil))
            }
            try writer.close()
            if json {
                var j = JSONWriter()
                j.beginObject()
                j.string("log", log)
                j.string("format", format.rawValue)
                j.beginArray("files")
                for r in reports {
                    j.beginObject()
                    j.string("file", r.path)
                    j.number("events", Int64(r.events))
                    j.number("appended", Int64(r.appended))
                    j.stringOrNull("note", r.note)
                    j.endObject()
                }
                j.endArray()
                j.endObject()
                print(j.output)
            } else {
                for r in reports {
                    print("\(r.path): \(r.events) events, \(r.appended) appended\(r.note.map { " (\($0))" } ?? "")")
                }
            }
        }
    }

    private func manifest(
        _ runId: String, _ phase: RunManifest.Phase, file: (path: String, sha256: String, events: [EventRecord]),
        at time: Timestamp
    ) -> EventRecord {
        EventRecord(
            time: time,
            event: .runManifest(
                RunManifest(
                    runId: runId, phase: phase, runKind: "import", engineVersion: Isotherm.version, configHash: "",
                    parameters: [
                        Field("format", format), Field("file", file.path), Field("sha256", file.sha256),
                        Field("events", String(file.events.count)),
                    ], inputs: [], outputHash: "")))
    }
}

private struct FileReport {
    var path: String
    var events: Int
    var appended: Int
    var note: String?
}

/// The import and backfill run manifests already in a log: finished units of work (a file, a fetched
/// page) by run id, and the start of one a crash cut short.
struct ImportHistory {
    let directory: String
    private(set) var finished: [String: UInt64] = [:]
    private var started: [String: UInt64] = [:]
    private var lastStarted: (runId: String, sequence: UInt64)?

    init(directory: String, nextSequence: UInt64) throws {
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
    func unfinished(_ runId: String) -> UInt64? { finished[runId] == nil ? started[runId] : nil }

    /// Every record after `sequence`.
    func records(after sequence: UInt64) throws -> [EventRecord] {
        var out: [EventRecord] = []
        try EventLogReader(directory: directory).forEach(from: .sequence(sequence + 1)) { _, record in
            out.append(record)
            return true
        }
        return out
    }
}

/// The whole content of a file.
func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw CLIError("\(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw CLIError("\(path): \(String(cString: strerror(errno)))") }
        if n == 0 { return out }
        out.append(contentsOf: buffer[..<n])
    }
}

extension String {
    /// Pads with spaces on the right to `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
