import IsothermCore
import IsothermDigest
package import IsothermEvents
import IsothermImport
import IsothermKalshi
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
    /// Outputs appended so far, and inputs (over every run of the session).
    package private(set) var outputs = 0
    package private(set) var inputs = 0
    private var hasher = SHA256Hasher()
    /// The markets the session has listed (a resumed session knows those of its earlier runs).
    package private(set) var listed: Set<Symbol> = []

    /// Opens a new session log at `directory` (which must not hold a session yet) and appends the
    /// `started` manifest at `startedAt`, synced.
    /// - Throws: ``SessionLogError``; the log's errors.
    package init(directory: String, sessionId: String, config: BacktestConfig, startedAt: Timestamp) throws {
        if Files.isDirectory(directory), try !Self.isEmpty(directory) {
            throw SessionLogError(
                "\(directory) already holds a log: give a new --log for a new session, or --resume to go on with it")
        }
        self.directory = directory
        self.sessionId = sessionId
        self.config = config
        writer = try EventLogWriter(directory: directory)
        session = Self.paperSession(config, source: directory, sessionId: sessionId)
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

    static func paperSession(_ config: BacktestConfig, source: String, sessionId: String) -> PaperSession {
        PaperSession(source: source, cities: config.cities, risk: config.risk) { city in
            CityRun(
                city: city, strategy: config.strategy.make(), exchange: config.exchange, dates: config.dates,
                risk: config.risk,
                broker: config.exchange.atExchange
                    ? ExternalBroker(session: sessionId, windowMinutes: config.exchange.windowMinutes) : nil)
        }
    }

    /// Requests to the exchange the session must send, and whose answers it must append
    /// (``append(_:)``, a ``BrokerAnswer`` record each), before any other input. Empty on paper.
    package var requests: [ExternalBroker.Request] { session.requests }

    /// The latest time the session's clock reached (a resumed session: where its last run stopped).
    package var clock: Timestamp { session.clock }

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
    /// what the engine did with it; a listing of a market already listed is left out. Synced before returning when the engine placed an order (its intent
    /// is on disk before any request could leave), else left to ``flush(sync:)``.
    /// - Returns: the outputs appended.
    /// - Throws: the log's errors; ``UnroutableEvent`` for an event naming a city the catalog does not know.
    @discardableResult
    package func append(_ records: [EventRecord]) throws -> [EventRecord] {
        var out: [EventRecord] = []
        var placed = false
        for r in records {
            precondition(!Self.outputKinds.contains(r.event.kind), "an output kind fed as an input")
            if session.awaitsAnswers && !Self.isAnswer(r) {
                let waiting = session.requests.map { "\($0.kind.rawValue) \($0.engineId)" }.joined(separator: ", ")
                throw SessionLogError("an input arrived while requests wait for their answers (\(waiting))")
            }
            if case .marketListed(let m) = r.event {
                // A market is listed once: a `created` message that arrives after a REST listing of the same
                // market (or the reverse) would list it again, and re-plan its event.
                guard listed.insert(m.ticker).inserted else { continue }
            }
            let sequence = try writer.append(r)
            inputs += 1
            Self.apply(r, sequence: sequence, to: &session)
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

    /// Feeds one input to the engine as a session does, live or replayed. An event about no city the
    /// catalog knows (another series' market that reached the log) is kept and moves the clock, but
    /// trades nothing: one stray message must not stop a session, nor make its log unreadable.
    static func apply(_ r: EventRecord, sequence: UInt64, to session: inout PaperSession) {
        if case .rawFeedMessage(let m) = r.event {
            // An exchange's answer to a request, or a fill from the private feed, reaches the city whose
            // order it is; one that fits no order (a repeat, another account's) only moves the clock.
            if m.source == BrokerAnswer.source, let a = try? BrokerAnswer(m) {
                do {
                    if try session.answered(a, at: r.time) { return }
                } catch {
                    // The deferred event named no known city: kept, trading nothing, as any such event.
                    return
                }
            }
            if m.source == "kalshi_ws", m.channel == "fill",
                let fill = (try? KalshiFeed.parse(m.payload, receivedAt: r.time))?.fill,
                session.filled(fill, at: r.time)
            {
                return
            }
            if m.source == "kalshi_rest", m.channel == "/portfolio/fills",
                let page = try? KalshiPortfolioParser.fillsPage(m.payload, source: m.channel)
            {
                // Oldest first, as they happened (Kalshi lists the newest first, the local exchange the oldest).
                let ordered = page.fills.enumerated().sorted {
                    ($0.element.time?.nanos ?? 0, $0.offset) < ($1.element.time?.nanos ?? 0, $1.offset)
                }
                for (_, fill) in ordered { _ = session.filled(fill, at: r.time) }
            }
            session.advance(to: r.time)
            return
        }
        do {
            try session.feed(r, sequence: sequence)
        } catch {
            session.advance(to: r.time)
        }
    }

    /// Whether `r` is a logged answer to a request (what may come while requests wait).
    static func isAnswer(_ r: EventRecord) -> Bool {
        if case .rawFeedMessage(let m) = r.event { return m.source == BrokerAnswer.source }
        return false
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
        /// The `finished` manifest's hash, when the log ends with one (nil: the session was cut short, or
        /// goes on).
        package var recordedHash: String?
        /// Outputs the replay makes for the log's last input that the log does not hold: the session was
        /// stopped between the two (resuming appends them). Zero in a log that ends cleanly.
        package var unwrittenAtEnd = 0
        package var identical: Bool { difference == nil }
    }

    /// Recomputes every output of the session log at `directory` from its inputs and compares each with
    /// the recorded one, byte for byte (their encodings), in order; each `finished` manifest's hash is
    /// checked against the outputs up to it.
    /// - Parameter engineVersion: this build's version (a session recorded by another is refused).
    /// - Throws: ``SessionLogError`` when the log holds no session or one this build cannot replay; the
    ///   log's errors.
    package static func verify(_ directory: String, engineVersion: String) throws -> Verification {
        var replay = Replay(directory: directory, engineVersion: engineVersion)
        try replay.read()
        replay.v.outputHash = replay.hasher.finalize().hex
        // Outputs of the last input that were never written: the process stopped between the two (a
        // kill); every output recorded matched, and `--resume` appends these.
        replay.v.unwrittenAtEnd = replay.pending.count
        return replay.v
    }

    /// Opens the session log at `directory` to go on after its process stopped, however it stopped: the
    /// log is recovered (a torn final batch cut), its inputs are replayed through a fresh engine and every
    /// recorded output checked, the outputs of the last input that were never written (the process died
    /// between the two) are appended, and a `started` manifest marks the restart. The engine then holds
    /// exactly the state the session had, so the next input continues it.
    /// - Throws: ``SessionLogError`` when the log holds no session, one of another engine, or an output
    ///   that differs from its replay; the log's errors.
    package static func resume(directory: String, engineVersion: String, startedAt: Timestamp) throws -> SessionLog {
        guard Files.isDirectory(directory) else { throw SessionLogError("\(directory): no session log to resume") }
        let writer = try EventLogWriter(directory: directory)
        var replay = Replay(directory: directory, engineVersion: engineVersion)
        do {
            try replay.read()
        } catch {
            try? writer.close()
            throw error
        }
        guard let difference = replay.v.difference else {
            let log = SessionLog(writer: writer, replay: replay)
            do {
                for e in replay.pending {
                    _ = try writer.append(e)
                    log.hasher.update(EventCodec.encode(e))
                    log.outputs += 1
                }
                _ = try writer.append(
                    EventRecord(
                        time: startedAt,
                        event: .runManifest(
                            manifest(sessionId: log.sessionId, config: log.config, phase: .started, outputHash: ""))))
                try writer.flush(sync: true)
            } catch {
                try? writer.close()
                throw error
            }
            return log
        }
        try? writer.close()
        throw SessionLogError("\(directory): cannot resume session \(replay.v.sessionId): \(difference)")
    }

    private init(writer: EventLogWriter, replay: Replay) {
        directory = replay.directory
        sessionId = replay.v.sessionId
        config = replay.config!
        self.writer = writer
        session = replay.session!
        inputs = replay.v.inputs
        outputs = replay.v.compared
        hasher = replay.hasher
        listed = replay.listed
    }

    /// A session log read back through a fresh engine: its inputs applied as the session applied them,
    /// its recorded outputs compared with the recomputed ones.
    private struct Replay {
        let directory: String
        let engineVersion: String
        var config: BacktestConfig?
        var session: PaperSession?
        var v = Verification(sessionId: "")
        /// Outputs recomputed but not yet met in the log.
        var pending: [EventRecord] = []
        var hasher = SHA256Hasher()
        var recordedIndex = 0
        var listed: Set<Symbol> = []

        init(directory: String, engineVersion: String) {
            self.directory = directory
            self.engineVersion = engineVersion
        }

        /// Reads the whole log, or up to the first difference (``Verification/difference``).
        mutating func read() throws {
            var failure: (any Error)?
            var me = self
            try EventLogReader(directory: directory).forEach { sequence, record in
                do {
                    return try me.take(record, sequence: sequence)
                } catch {
                    failure = error
                    return false
                }
            }
            self = me
            if let failure { throw failure }
            guard session != nil else { throw SessionLogError("\(directory) holds no session (no paper manifest)") }
        }

        /// One record. - Returns: false at a difference.
        mutating func take(_ record: EventRecord, sequence: UInt64) throws -> Bool {
            if case .runManifest(let m) = record.event {
                try manifest(m, sequence: sequence)
                return v.difference == nil
            }
            if v.recordedHash != nil {
                v.difference =
                    "log sequence \(sequence) comes after the session's finished manifest without a restart (a "
                    + "started manifest)"
                return false
            }
            guard session != nil else {
                throw SessionLogError("\(directory): sequence \(sequence) comes before the session's manifest")
            }
            if SessionLog.outputKinds.contains(record.event.kind) {
                recordedIndex += 1
                guard !pending.isEmpty else {
                    v.difference =
                        "output \(recordedIndex) (log sequence \(sequence)) was recorded, the replay makes none here: "
                        + EventJSON.render(record)
                    return false
                }
                let recomputed = pending.removeFirst()
                let bytes = EventCodec.encode(record)
                guard EventCodec.encode(recomputed) == bytes else {
                    v.difference =
                        "output \(recordedIndex) (log sequence \(sequence)) differs:\n  recorded   "
                        + "\(EventJSON.render(record))\n  recomputed \(EventJSON.render(recomputed))"
                    return false
                }
                hasher.update(bytes)
                v.compared += 1
                return true
            }
            // An input: every output of the one before must have been recorded.
            if let missing = pending.first {
                v.difference =
                    "before log sequence \(sequence) the replay makes output \(recordedIndex + 1), which was not "
                    + "recorded: \(EventJSON.render(missing))"
                return false
            }
            v.inputs += 1
            if case .marketListed(let m) = record.event { listed.insert(m.ticker) }
            SessionLog.apply(record, sequence: sequence, to: &session!)
            var drained: [EventRecord] = []
            session!.drain { _, events in drained += events }
            pending += drained
            return true
        }

        /// The first manifest starts the session; a later `started` one (a restart) must be the same
        /// session's; a `finished` one's hash must be that of the outputs so far.
        mutating func manifest(_ m: RunManifest, sequence: UInt64) throws {
            guard m.runKind == SessionLog.runKind else {
                throw SessionLogError("\(directory): sequence \(sequence) is a \(m.runKind) manifest, not a session's")
            }
            guard let config else {
                guard m.phase == .started else {
                    throw SessionLogError("\(directory): the log starts with a finished manifest")
                }
                guard m.engineVersion == engineVersion else {
                    throw SessionLogError(
                        "\(directory): session \(m.runId) was recorded by engine \(m.engineVersion); this is "
                            + "\(engineVersion): replay it with that engine")
                }
                do {
                    config = try ReplayConfig.from(m, logs: [directory], threads: 1, engineVersion: engineVersion)
                } catch {
                    throw SessionLogError("\(directory): session \(m.runId): \(error)")
                }
                session = SessionLog.paperSession(config!, source: directory, sessionId: m.runId)
                v.sessionId = m.runId
                return
            }
            guard m.runId == v.sessionId, m.configHash == config.parameterHash, m.engineVersion == engineVersion else {
                throw SessionLogError(
                    "\(directory): sequence \(sequence) is the manifest of session \(m.runId) (engine \(m.engineVersion)), "
                        + "not a restart of session \(v.sessionId) with its parameters")
            }
            if m.phase == .started {
                // A restart: the session goes on, and is not finished until it says so again. It comes after
                // every output of the input before it (a resume appends those first).
                if !pending.isEmpty {
                    v.difference =
                        "the restart at log sequence \(sequence) comes before output \(recordedIndex + 1) of the input "
                        + "before it: \(EventJSON.render(pending[0]))"
                    return
                }
                v.recordedHash = nil
            }
            if m.phase == .finished {
                if !pending.isEmpty {
                    v.difference =
                        "before log sequence \(sequence) the replay makes output \(recordedIndex + 1), which was not "
                        + "recorded: \(EventJSON.render(pending[0]))"
                    return
                }
                let now = hasher.finalize().hex
                guard m.outputHash == now else {
                    v.difference =
                        "the finished manifest at log sequence \(sequence) records output hash \(m.outputHash), the "
                        + "replay's outputs up to it hash to \(now)"
                    return
                }
                v.recordedHash = m.outputHash
            }
            v.outputHash = hasher.finalize().hex
        }
    }
}

/// A session log that cannot be started or replayed, in one line.
package struct SessionLogError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
