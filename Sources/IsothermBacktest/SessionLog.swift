import IsothermCore
import IsothermDigest
package import IsothermEvents
import IsothermPlatform
import IsothermStore

/// A paper session kept whole in one log: its manifest (the configuration, as a backtest's manifest
/// records one), then everything it saw — feed frames verbatim, the events they map to, REST answers,
/// clock ticks — each appended before the engine sees it, and after each, what the engine did
/// (decisions, intents, answers, fills, cancels, timers). Nothing else reaches the engine, so the log
/// alone recomputes the session: ``SessionLog/verify(_:)`` replays its inputs through a fresh
/// ``PaperSession`` and compares every output with the one recorded.
///
/// The engine is called the same way live and in a replay: an input that is a `raw_feed_message`
/// (a frame, a REST answer, a clock tick) moves the clock to its time; any other input is fed; after
/// each input, the outputs are drained and appended in the order drained. A wall-clock tick is kept as
/// a `raw_feed_message` from source `isotherm`, channel `clock`, with no payload.
package final class SessionLog {
    /// The kinds the engine produces; every other kind in a session log is an input.
    package static let outputKinds: Set<EventKind> = [
        .timerFired, .strategyDecision, .orderIntent, .orderAcknowledged, .orderRejected, .orderCanceled, .fill,
    ]
    package static let runKind = "paper"

    package let directory: String
    package let sessionId: String
    package let config: BacktestConfig
    private let writer: EventLogWriter
    private var session: PaperSession
    /// Outputs appended so far, and inputs.
    package private(set) var outputs = 0
    package private(set) var inputs = 0
    private var hasher = SHA256Hasher()

    /// What a session log holds, read back.
    package struct Contents {
        package var manifest: RunManifest
        package var inputs = 0
        package var outputs = 0
    }

    /// Opens a new session log at `directory` (which must not hold a session yet) and appends the
    /// `started` manifest at `startedAt`, synced.
    /// - Throws: ``SessionLogError``; the log's errors.
    package init(directory: String, sessionId: String, config: BacktestConfig, startedAt: Timestamp) throws {
        if Files.isDirectory(directory), try !Self.isEmpty(directory) {
            throw SessionLogError("\(directory) already holds a log: give a new --log for a new session")
        }
        self.directory = directory
        self.sessionId = sessionId
        self.config = config
        writer = try EventLogWriter(directory: directory)
        session = Self.paperSession(config, source: directory)
        _ = try writer.append(
            EventRecord(
                time: startedAt,
                event: .runManifest(
                    Self.manifest(sessionId: sessionId, config: config, phase: .started, outputHash: ""))))
        try writer.flush(sync: true)
    }

    static func isEmpty(_ directory: String) throws -> Bool {
        var any = false
        try EventLogReader(directory: directory).forEach { _, _ in
            any = true
            return false
        }
        return !any
    }

    static func paperSession(_ config: BacktestConfig, source: String) -> PaperSession {
        PaperSession(source: source, cities: config.cities, risk: config.risk) { city in
            CityRun(
                city: city, strategy: config.strategy.make(), exchange: config.exchange, dates: config.dates,
                risk: config.risk)
        }
    }

    static func manifest(sessionId: String, config: BacktestConfig, phase: RunManifest.Phase, outputHash: String)
        -> RunManifest
    {
        RunManifest(
            runId: sessionId, phase: phase, runKind: runKind, engineVersion: config.engineVersion,
            configHash: config.parameterHash, parameters: config.parameters, inputs: [], outputHash: outputHash)
    }

    /// The clock tick's record at `time`.
    package static func tick(at time: Timestamp) -> EventRecord {
        EventRecord(
            time: time, event: .rawFeedMessage(RawFeedMessage(source: "isotherm", channel: "clock", payload: [])))
    }

    /// Appends `records` (a frame and its events, a REST answer, a tick) one by one, each followed by
    /// what the engine did with it. Synced before returning when the engine placed an order (its intent
    /// is on disk before any request could leave), else left to ``flush(sync:)``.
    /// - Returns: the outputs appended.
    /// - Throws: the log's errors; ``UnroutableEvent`` for an event naming a city the catalog does not know.
    @discardableResult
    package func append(_ records: [EventRecord]) throws -> [EventRecord] {
        var out: [EventRecord] = []
        var placed = false
        for r in records {
            precondition(!Self.outputKinds.contains(r.event.kind), "an output kind fed as an input")
            let sequence = try writer.append(r)
            inputs += 1
            try Self.apply(r, sequence: sequence, to: &session)
            var drained: [EventRecord] = []
            session.drain { _, events in drained += events }
            for e in drained {
                _ = try writer.append(e)
                hasher.update(EventCodec.encode(e))
                placed = placed || e.event.kind == .orderIntent
            }
            out += drained
        }
        outputs += out.count
        if placed { try writer.flush(sync: true) }
        return out
    }

    /// Feeds one input to the engine as a session does, live or replayed.
    static func apply(_ r: EventRecord, sequence: UInt64, to session: inout PaperSession) throws {
        if case .rawFeedMessage = r.event {
            session.advance(to: r.time)
        } else {
            try session.feed(r, sequence: sequence)
        }
    }

    package func flush(sync: Bool) throws { try writer.flush(sync: sync) }

    /// Ends the session: appends the `finished` manifest with the hash of every output, synced, and closes
    /// the log. Resting orders are left as they are (a later session of the same log may go on).
    package func finish(at time: Timestamp) throws {
        _ = try writer.append(
            EventRecord(
                time: time,
                event: .runManifest(
                    Self.manifest(
                        sessionId: sessionId, config: config, phase: .finished, outputHash: hasher.finalize().hex))
            ))
        try writer.flush(sync: true)
        try writer.close()
    }

    // MARK: - Verification

    /// What a replay of a session log found.
    package struct Verification: Sendable {
        package var sessionId: String
        package var inputs = 0
        /// Outputs compared equal, byte for byte.
        package var compared = 0
        /// The first difference, or nil when every output was recomputed identically.
        package var difference: String?
        package var outputHash = ""
        /// The `finished` manifest's hash, when the session ended cleanly (nil: it was cut short).
        package var recordedHash: String?
        package var identical: Bool { difference == nil }
    }

    /// Recomputes every output of the session log at `directory` from its inputs and compares each with
    /// the recorded one, byte for byte (their encodings), in order.
    /// - Parameter engineVersion: this build's version (a session recorded by another is refused).
    /// - Throws: ``SessionLogError`` when the log holds no session or one this build cannot replay; the
    ///   log's errors.
    package static func verify(_ directory: String, engineVersion: String) throws -> Verification {
        var state: (session: PaperSession, v: Verification, pending: [EventRecord], hasher: SHA256Hasher)?
        var failure: (any Error)?
        var recordedIndex = 0
        try EventLogReader(directory: directory).forEach { sequence, record in
            do {
                if case .runManifest(let m) = record.event {
                    guard m.runKind == runKind else {
                        throw SessionLogError(
                            "\(directory): sequence \(sequence) is a \(m.runKind) manifest, not a session's")
                    }
                    if state == nil {
                        guard m.phase == .started else {
                            throw SessionLogError("\(directory): the log starts with a finished manifest")
                        }
                        guard m.engineVersion == engineVersion else {
                            throw SessionLogError(
                                "\(directory): session \(m.runId) was recorded by engine \(m.engineVersion); this is "
                                    + "\(engineVersion): replay it with that engine")
                        }
                        let config: BacktestConfig
                        do {
                            config = try ReplayConfig.from(
                                m, logs: [directory], threads: 1, engineVersion: engineVersion)
                        } catch {
                            throw SessionLogError("\(directory): session \(m.runId): \(error)")
                        }
                        state = (
                            paperSession(config, source: directory), Verification(sessionId: m.runId), [],
                            SHA256Hasher()
                        )
                    } else if m.phase == .finished {
                        state!.v.recordedHash = m.outputHash
                    }
                    return true
                }
                guard state != nil else {
                    throw SessionLogError("\(directory): sequence \(sequence) comes before the session's manifest")
                }
                if outputKinds.contains(record.event.kind) {
                    recordedIndex += 1
                    guard !state!.pending.isEmpty else {
                        state!.v.difference =
                            "output \(recordedIndex) (log sequence \(sequence)) was recorded, the replay makes none here: "
                            + EventJSON.render(record)
                        return false
                    }
                    let recomputed = state!.pending.removeFirst()
                    guard EventCodec.encode(recomputed) == EventCodec.encode(record) else {
                        state!.v.difference =
                            "output \(recordedIndex) (log sequence \(sequence)) differs:\n  recorded   "
                            + "\(EventJSON.render(record))\n  recomputed \(EventJSON.render(recomputed))"
                        return false
                    }
                    state!.hasher.update(EventCodec.encode(record))
                    state!.v.compared += 1
                    return true
                }
                // An input: every output of the one before must have been recorded.
                if let missing = state!.pending.first {
                    state!.v.difference =
                        "before log sequence \(sequence) the replay makes output \(recordedIndex + 1), which was not "
                        + "recorded: \(EventJSON.render(missing))"
                    return false
                }
                state!.v.inputs += 1
                try apply(record, sequence: sequence, to: &state!.session)
                var drained: [EventRecord] = []
                state!.session.drain { _, events in drained += events }
                state!.pending += drained
                return true
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        guard var s = state else { throw SessionLogError("\(directory) holds no session (no paper manifest)") }
        if s.v.difference == nil, let missing = s.pending.first {
            s.v.difference =
                "at the end of the log the replay makes output \(recordedIndex + 1), which was not recorded: "
                + EventJSON.render(missing)
        }
        s.v.outputHash = s.hasher.finalize().hex
        if s.v.difference == nil, let recorded = s.v.recordedHash, recorded != s.v.outputHash {
            s.v.difference = "the output hash differs: recorded \(recorded), recomputed \(s.v.outputHash)"
        }
        return s.v
    }
}

/// A session log that cannot be started or replayed, in one line.
package struct SessionLogError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
