import IsothermDigest
package import IsothermEvents
import IsothermLog
import IsothermPlatform
import IsothermStore

/// Why a saved run or its inputs cannot be read.
package enum SavedRunError: Error, Equatable, CustomStringConvertible {
    case noRunsLog(String)
    case noCompleteRun(String)
    case noSuchRun(runs: String, runId: String, saved: [String])
    /// The input log is not where the manifest says (`inputs`: nil) or under the given directory.
    case inputMissing(log: String, runId: String, inputs: String?, tried: [String])
    /// The log found has another content hash than the run read.
    case inputChanged(path: String, log: String, runId: String, inputs: String?, now: String, then: String)

    package var description: String {
        switch self {
        case .noRunsLog(let runs): "\(runs): no such runs log"
        case .noCompleteRun(let runs): "\(runs) holds no complete saved run"
        case .noSuchRun(let runs, let runId, let all):
            "\(runs) has no run \(runId) (runs: \(all.joined(separator: ", ")))"
        case .inputMissing(let log, let runId, let inputs, let tried):
            inputs == nil
                ? "input log \(log) of run \(runId) is not there: give --inputs DIR where the logs are now"
                : "input log \(log) of run \(runId) is not under \(inputs!) (tried \(tried.joined(separator: ", ")))"
        case .inputChanged(let path, let log, let runId, let inputs, let now, let then):
            (inputs == nil ? "\(path) changed since run \(runId)" : "\(path) is not the input \(log) of run \(runId)")
                + ": its sha256 is \(now.prefix(16))…, the run read \(then.prefix(16))…"
        }
    }
}

/// A backtest run as `--save` wrote it to a runs log: its final manifest, and per city the decisions,
/// orders and answers of that city's run (a section, opened by a marker naming the city and the input
/// log the decisions' sequence numbers refer to).
package struct SavedRun: Sendable {
    package struct Section: Sendable {
        package var input: RunInput
        /// The city of the section (nil in runs logs of engines before 0.2.0).
        package var city: String?
        package var events: [(sequence: UInt64, record: EventRecord)] = []
    }

    package var manifest: RunManifest
    package var sections: [Section]

    /// The run `runId` (default: the last) in the runs log at `runs`.
    ///
    /// A run counts only when complete: its sections followed by its `finished` manifest. A run cut
    /// short (a killed `backtest --save`) left sections and no manifest; they are ignored — when the
    /// next marker belongs to another run, or repeats a city of the run being read (the same run saved
    /// again) — and named in `incomplete` (the command says so on standard error), so a rerun of the same
    /// run reads clean, each decision once.
    /// - Throws: ``SavedRunError``; the log's errors.
    package static func load(runs: String, runId: String?) throws -> (run: SavedRun, incomplete: [String]) {
        guard Files.isDirectory(runs) else { throw SavedRunError.noRunsLog(runs) }
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
        guard !found.isEmpty else { throw SavedRunError.noCompleteRun(runs) }
        if let runId {
            guard let run = found.last(where: { $0.manifest.runId == runId }) else {
                throw SavedRunError.noSuchRun(runs: runs, runId: runId, saved: found.map(\.manifest.runId))
            }
            return (run, incomplete)
        }
        return (found.last!, incomplete)
    }
}

/// Where a run's input logs are now: the path the manifest records (absolute since engine 0.2.0), or,
/// with `--inputs DIR`, the log under DIR with the same trailing path (`DIR/NY` for `/old/world/NY`,
/// else `DIR/world/NY`, …). Whatever is found must still have the recorded content hash: the hash, not
/// the path, decides that the inputs are the same.
package struct InputLocator {
    package let inputsDirectory: String?
    private var verified: [String: String] = [:]

    package init(inputs: String?) { inputsDirectory = inputs }

    /// The directory holding `input`, its content hash checked.
    /// - Throws: ``SavedRunError/inputMissing(log:runId:inputs:tried:)`` or
    ///   ``SavedRunError/inputChanged(path:log:runId:inputs:now:then:)``; the log's errors.
    package mutating func locate(_ input: RunInput, run runId: String) throws -> String {
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
        guard let path = candidates.first(where: Files.isDirectory) else {
            throw SavedRunError.inputMissing(log: input.log, runId: runId, inputs: inputsDirectory, tried: candidates)
        }
        let now = try LogContentHash.sha256(directory: path, cached: false).hex
        guard now == input.contentHash else {
            throw SavedRunError.inputChanged(
                path: path, log: input.log, runId: runId, inputs: inputsDirectory, now: now, then: input.contentHash)
        }
        verified[input.log + "#" + input.contentHash] = path
        return path
    }
}
