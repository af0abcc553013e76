import ArgumentParser
import IsothermBacktest
import IsothermDigest
import IsothermEvents
import IsothermStore

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract:
            "Recompute a saved run, or a live session, from its inputs and prove every decision, order and answer identical.",
        discussion: """
            Reads the run's manifest from the runs log (isotherm backtest --save), checks each input log \
            still has the content hash the run recorded, rebuilds the configuration from the manifest (its \
            parameter hash must match), reruns it with the same reducers, and compares every recomputed \
            event with the recorded one, then the output hash. Exit 0: identical; exit 1: the first \
            difference is printed (input log, place, recorded and recomputed event).

            With --session LOG, the log of a paper session (isotherm live) is replayed instead: its \
            inputs (REST answers, feed frames and their events, clock ticks) go through the same engine \
            in the same order, and every output the session recorded after each input must be recomputed \
            byte for byte; exit 1 names the first output that differs (its log sequence), or one made \
            but not recorded.

            The manifest records each input log's absolute path, so the runs log can be read from any \
            directory; when the data has moved, --inputs DIR finds each log under DIR by its trailing path \
            (its content hash must still match).

            Examples:
              isotherm backtest --world world --save runs
              isotherm replay --runs runs --verify
              isotherm replay --runs runs --run 4c0e7d34f2be --verify --json
              isotherm replay --runs /archive/runs --inputs /archive/world --verify
              isotherm replay --session sessions/today --verify --json
            """)

    @Option(name: .long, help: "The runs log.")
    var runs: String?

    @Option(name: .long, help: "A live or paper session's log (isotherm live --log), instead of --runs.")
    var session: String?

    @Option(name: .customLong("run"), help: "Run id (default: the last run in the log).")
    var runId: String?

    @Flag(name: .long, help: "Compare every recomputed event with the recorded one (the default and only mode).")
    var verify = false

    @Option(name: .long, help: "Where the input logs are now, when they moved since the run (found by trailing path).")
    var inputs: String?

    @Option(name: .long, help: "Logs run at once (default: the number of cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (runs == nil) != (session == nil) else { throw ValidationError("give one of --runs or --session") }
        if session != nil, runId != nil || inputs != nil {
            throw ValidationError("--run and --inputs are for --runs; a session's log holds its inputs")
        }
    }

    func run() throws {
        try reportingErrors {
            if let session {
                try replaySession(session)
                return
            }
            let runs = runs!
            let saved = try SavedRun.loadNoting(runs: runs, runId: runId)
            let m = saved.manifest
            guard saved.sections.allSatisfy({ $0.city != nil }) else {
                throw CLIError(
                    "run \(m.runId) was saved by engine \(m.engineVersion), which recorded runs per log; this engine "
                        + "(\(Isotherm.version)) runs per city and defines the output hash over cities: rerun the backtest to replay it"
                )
            }
            var locator = InputLocator(inputs: inputs)
            var logs: [String] = []
            for input in m.inputs { logs.append(try locator.locate(input, run: m.runId)) }
            var config: BacktestConfig
            do {
                config = try ReplayConfig.from(
                    m, logs: logs, threads: threads ?? availableCores(), engineVersion: m.engineVersion)
            } catch {
                throw CLIError("run \(m.runId): \(error)")
            }
            config.contentHashes = Dictionary(uniqueKeysWithValues: zip(logs, m.inputs.map(\.contentHash)))
            let result = try Backtest.run(config)
            var difference: String? = nil
            var compared = 0
            if saved.sections.map(\.city) != result.runs.map(\.city) {
                difference =
                    "the run recorded cities \(saved.sections.compactMap(\.city).joined(separator: ",")), the replay makes \(result.runs.map(\.city).joined(separator: ","))"
            }
            for (section, run) in zip(saved.sections, result.runs) where difference == nil {
                for (i, recomputed) in run.output.enumerated() {
                    guard i < section.events.count else {
                        difference =
                            "\(section.input.log) \(run.city): the replay makes event \(i + 1), the run recorded \(section.events.count): \(EventJSON.render(recomputed))"
                        break
                    }
                    let recorded = section.events[i].record
                    if recorded != recomputed {
                        difference =
                            "\(section.input.log) \(run.city): event \(i + 1) (runs log sequence \(section.events[i].sequence)) differs:\n  recorded   \(EventJSON.render(recorded))\n  recomputed \(EventJSON.render(recomputed))"
                        break
                    }
                    compared += 1
                }
                if difference == nil && section.events.count > run.output.count {
                    difference =
                        "\(section.input.log) \(run.city): the run recorded \(section.events.count) events, the replay makes \(run.output.count)"
                }
            }
            if difference == nil && result.outputHash != m.outputHash {
                difference = "the output hash differs: recorded \(m.outputHash), recomputed \(result.outputHash)"
            }
            if json {
                var j = JSONWriter()
                j.beginObject()
                j.string("run_id", m.runId)
                j.bool("identical", difference == nil)
                j.number("events_compared", Int64(compared))
                j.string("output_hash", result.outputHash)
                j.stringOrNull("difference", difference)
                j.endObject()
                print(j.output)
            } else if let difference {
                print("run \(m.runId): NOT identical after \(compared) events\n\(difference)")
            } else {
                print(
                    "run \(m.runId): identical: \(compared) events (decisions, orders, answers, timers) and the output hash \(result.outputHash)"
                )
            }
            if difference != nil { throw ExitCode(1) }
        }
    }

    /// `--session`: recomputes a session log's outputs from its inputs.
    private func replaySession(_ log: String) throws {
        let v: SessionLog.Verification
        do {
            v = try SessionLog.verify(log, engineVersion: Isotherm.version)
        } catch let e as SessionLogError {
            throw CLIError(e.description)
        }
        if json {
            var j = JSONWriter()
            j.beginObject()
            j.string("session", v.sessionId)
            j.bool("identical", v.identical)
            j.number("inputs", Int64(v.inputs))
            j.number("outputs_compared", Int64(v.compared))
            j.string("output_hash", v.outputHash)
            j.bool("finished", v.recordedHash != nil)
            j.number("unwritten_at_end", Int64(v.unwrittenAtEnd))
            j.stringOrNull("difference", v.difference)
            j.endObject()
            print(j.output)
        } else if let difference = v.difference {
            print("session \(v.sessionId): NOT identical after \(v.compared) outputs\n\(difference)")
        } else {
            print(
                "session \(v.sessionId): identical: \(v.inputs) inputs, \(v.compared) outputs (decisions, orders, fills, "
                    + "cancels, timers) and the output hash \(v.outputHash)"
                    + (v.recordedHash == nil ? " (the session did not finish cleanly: no finished manifest)" : "")
                    + (v.unwrittenAtEnd > 0
                        ? "; its last input's \(v.unwrittenAtEnd) outputs were never written (it was stopped between "
                            + "the two): isotherm live --resume appends them" : ""))
        }
        if !v.identical { throw ExitCode(1) }
    }
}
