import IsothermBacktest
import IsothermDigest
import IsothermEvents
import IsothermLog
import IsothermStore

/// A backtest run as `--save` wrote it to a runs log: its final manifest, and per city the decisions,
/// orders and answers of that city's run (a section, opened by a marker naming the city and the input
/// log the decisions' sequence numbers refer to).
struct SavedRun {
    struct Section {
        var input: RunInput
        /// The city of the section (nil in runs logs of engines before 0.2.0).
        var city: String?
        var events: [(sequence: UInt64, record: EventRecord)] = []
    }

    var manifest: RunManifest
    var sections: [Section]

    /// The run `runId` (default: the last) in the runs log at `runs`.
    ///
    /// A run counts only when complete: its sections followed by its `finished` manifest. A run cut
    /// short (a killed `backtest --save`) left sections and no manifest; they are ignored — when the
    /// next marker belongs to another run, or repeats a city of the run being read (the same run saved
    /// again) — and named on standard error, so a rerun of the same run reads clean, each decision once.
    static func load(runs: String, runId: String?) throws -> SavedRun {
        guard isDirectory(runs) else { throw CLIError("\(runs): no such runs log") }
        var found: [SavedRun] = []
        var current: [Section] = []
        var incomplete: [String] = []
        var framing = RunsLogFraming()
        try EventLogReader(directory: runs).forEach { sequence, record in
            let (cut, step) = framing.add(record, sequence: sequence)
            if let cut {
                incomplete.append(cut)
                current = []
            }
            switch step {
            case .section(let s):
                current.append(Section(input: s.input, city: s.city))
            case .event(let sequence, let record):
                current[current.count - 1].events.append((sequence, record))
            case .finished(let m):
                found.append(SavedRun(manifest: m, sections: current))
                current = []
            case .outside:
                break
            }
            return true
        }
        if let r = framing.open { incomplete.append(r) }
        for r in incomplete {
            printError("note: \(runs) holds an incomplete run \(r) (cut short before its final manifest): ignored")
        }
        guard !found.isEmpty else { throw CLIError("\(runs) holds no complete saved run") }
        if let runId {
            guard let run = found.last(where: { $0.manifest.runId == runId }) else {
                throw CLIError(
                    "\(runs) has no run \(runId) (runs: \(found.map(\.manifest.runId).joined(separator: ", ")))")
            }
            return run
        }
        return found.last!
    }
}

/// Where a run's input logs are now: the path the manifest records (absolute since engine 0.2.0), or,
/// with `--inputs DIR`, the log under DIR with the same trailing path (`DIR/NY` for `/old/world/NY`,
/// else `DIR/world/NY`, …). Whatever is found must still have the recorded content hash: the hash, not
/// the path, decides that the inputs are the same.
struct InputLocator {
    let inputsDirectory: String?
    private var verified: [String: String] = [:]

    init(inputs: String?) { inputsDirectory = inputs }

    /// The directory holding `input`, its content hash checked.
    mutating func locate(_ input: RunInput, run runId: String) throws -> String {
        if let done = verified[input.log + "#" + input.contentHash] { return done }
        var candidates: [String] = []
        if let dir = inputsDirectory {
            let parts = input.log.split(separator: "/")
            for k in 1...max(1, parts.count) {
                candidates.append(dir + "/" + parts.suffix(k).joined(separator: "/"))
            }
            candidates.append(dir)
        } else {
            candidates.append(input.log)
        }
        guard let path = candidates.first(where: { isDirectory($0) }) else {
            throw CLIError(
                inputsDirectory == nil
                    ? "input log \(input.log) of run \(runId) is not there: give --inputs DIR where the logs are now"
                    : "input log \(input.log) of run \(runId) is not under \(inputsDirectory!) (tried \(candidates.joined(separator: ", ")))"
            )
        }
        let now = try LogContentHash.sha256(directory: path, cached: false).hex
        guard now == input.contentHash else {
            let what =
                inputsDirectory == nil
                ? "\(path) changed since run \(runId)" : "\(path) is not the input \(input.log) of run \(runId)"
            throw CLIError(
                "\(what): its sha256 is \(now.prefix(16))…, the run read \(input.contentHash.prefix(16))…")
        }
        verified[input.log + "#" + input.contentHash] = path
        return path
    }
}
