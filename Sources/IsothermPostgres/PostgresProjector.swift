import Glibc
import IsothermCore
import IsothermEvents
import IsothermLog
import IsothermPlatform
import IsothermStore

/// How a projection writes its tables.
package enum ProjectionMode: String, Sendable, CaseIterable {
    /// Fresh tables loaded in a staging schema, indexed, then swapped in by one transaction.
    case rebuild
    /// Only events after each table's checkpoint, applied with the checkpoint in one transaction.
    case incremental
    /// `incremental` when every table exists, else `rebuild`.
    case auto
}

/// What to project: logs (in this order), tables, mode.
package struct ProjectionRequest: Sendable {
    package var logs: [String]
    package var tables: [ProjectedTable]
    package var mode: ProjectionMode

    package init(logs: [String], tables: [ProjectedTable] = ProjectedTable.allCases, mode: ProjectionMode = .auto) {
        self.logs = logs
        self.tables = tables
        self.mode = mode
    }
}

/// What a projection did.
package struct ProjectionReport: Sendable {
    package struct Table: Sendable {
        package var table: ProjectedTable
        /// Rows written: loaded (rebuild), or inserted plus updated (catch-up).
        package var rows: Int64
        /// Time spent sending and merging this table's rows (reading the logs is shared).
        package var seconds: Double
    }

    package var mode: ProjectionMode
    /// Why this mode (for `auto`).
    package var reason: String
    package var tables: [Table]
    /// Events read from the logs, all passes together.
    package var events: UInt64
    package var seconds: Double
    package var warnings: [String]
}

/// A stage of the projection and the events read so far (for progress lines).
package struct ProjectionProgress: Sendable {
    /// `candles`, `observations`, `markets, weather and runs`, `writing wx.settlement`, …
    package var stage: String
    /// The log being read, during the reading stages.
    package var log: String?
    package var events: UInt64

    package init(stage: String, log: String? = nil, events: UInt64) {
        self.stage = stage
        self.log = log
        self.events = events
    }
}

/// Projects event logs into the old system's Postgres tables (`Schemas/postgres/`).
///
/// Logs are read in passes, each asking the reader for only the kinds it needs (the reader skips
/// other records without decoding them): one for candles, streamed straight into a binary COPY;
/// one for observations, likewise; one for everything else, folded by primary key in memory (small
/// tables: markets, reports, forecasts, runs) and sent with one COPY per table at the end.
///
/// **Rebuild**: every table is created and loaded in the schema `isotherm_staging` (no keys while
/// loading), then keys, indexes, comments and statistics are added, and one transaction drops each
/// live table, moves the staging one into its place and replaces its checkpoints. Readers see the
/// old table or the new one, never a half-built one; a failure anywhere before the commit leaves
/// the old tables as they were. A live table whose columns differ from the projection's is never
/// dropped: the projection stops with an error naming the first difference.
///
/// **Catch-up** (`incremental`): one transaction reads each table's checkpoint per log, applies only
/// later events (appended tables by COPY into the live table; keyed tables by COPY into a temporary
/// table, then an `UPDATE` and an `INSERT` using each column's ``MergeRule``), and moves the
/// checkpoints. The merge rules are the ones the rebuild folds with, so a catch-up and a rebuild of
/// the same log give the same rows (the one exception: a keyed row whose NOT NULL columns arrive
/// only after other events about it, across two catch-ups — an order's fill before its intent).
///
/// One projector at a time per database (a session advisory lock).
package final class PostgresProjector {
    private let db: PostgresConnection
    private let onProgress: (ProjectionProgress) -> Void
    private var eventsRead: UInt64 = 0
    private var warnings: [String] = []
    private var rows: [ProjectedTable: Int64] = [:]
    private var seconds: [ProjectedTable: Double] = [:]
    private var factsCache: [String: InputFacts?] = [:]

    /// An arbitrary constant naming the projector's advisory lock.
    static let advisoryLock: Int64 = 0x1507_4E52_0001

    package init(connection: PostgresConnection, progress: @escaping (ProjectionProgress) -> Void = { _ in }) {
        db = connection
        onProgress = progress
    }

    /// One log of the projection.
    struct Source {
        var path: String
        /// The absolute path: the log's name in checkpoints.
        var id: String
        var reader: EventLogReader
        /// The last sequence this projection reads (fixed at the start: a writer may append meanwhile).
        var end: UInt64
        var isRunsLog: Bool
    }

    // MARK: - Entry point

    package func run(_ request: ProjectionRequest) throws -> ProjectionReport {
        let started = SystemClock.monotonicSeconds()
        var tables: [ProjectedTable] = []
        for t in request.tables.sorted() where !tables.contains(t) { tables.append(t) }
        guard !tables.isEmpty else { throw ProjectionError("no tables to project") }
        guard !request.logs.isEmpty else { throw ProjectionError("no logs to project") }

        try db.execute("SET client_encoding TO 'UTF8'")
        // "schema already exists, skipping" and the like are not news.
        try db.execute("SET client_min_messages TO warning")
        let locked = try db.query("SELECT pg_try_advisory_lock(\(Self.advisoryLock))")
        guard locked.first?.first == "t" else {
            throw ProjectionError("another isotherm projection is running on this database; try again when it ends")
        }
        defer { _ = try? db.query("SELECT pg_advisory_unlock(\(Self.advisoryLock))") }

        var sources: [Source] = []
        for path in request.logs {
            let source = try Self.open(path)
            if let other = sources.first(where: { $0.id == source.id }) {
                throw ProjectionError("log \(path) is given twice (also as \(other.path))")
            }
            sources.append(source)
        }

        var schemas = Set(tables.map(\.schema))
        schemas.insert("isotherm")
        for s in ProjectionSchema.schemas where schemas.contains(s) {
            try db.execute("CREATE SCHEMA IF NOT EXISTS \(s)")
        }
        if try relationKind(ProjectionSchema.checkpointTable) == nil { try db.execute(ProjectionSchema.checkpointDDL) }

        var mode = request.mode
        var reason = "asked for"
        if mode == .auto {
            mode = .incremental
            reason = "every table exists: catching up"
            for t in tables where try relationKind(t.rawValue) == nil {
                mode = .rebuild
                reason = "\(t.rawValue) does not exist yet"
                break
            }
        }
        switch mode {
        case .rebuild: try rebuild(tables, sources)
        default: try catchUp(tables, sources)
        }
        return ProjectionReport(
            mode: mode, reason: reason,
            tables: tables.map { .init(table: $0, rows: rows[$0] ?? 0, seconds: seconds[$0] ?? 0) },
            events: eventsRead, seconds: SystemClock.monotonicSeconds() - started, warnings: warnings)
    }

    static func open(_ path: String) throws -> Source {
        let reader: EventLogReader
        do {
            reader = try EventLogReader(directory: path)
        } catch {
            throw ProjectionError("cannot open log \(path): \(error)")
        }
        let id = Files.absolute(path)
        let end = try reader.log.lastSequence() ?? 0
        return Source(path: path, id: id, reader: reader, end: end, isRunsLog: try RunProjection.isRunsLog(reader))
    }

    // MARK: - Rebuild

    private func rebuild(_ tables: [ProjectedTable], _ sources: [Source]) throws {
        let staging = ProjectionSchema.stagingSchema
        try db.execute("DROP SCHEMA IF EXISTS \(staging) CASCADE")
        try db.execute("CREATE SCHEMA \(staging)")
        do {
            // Create and compare before reading a single event: a conflicting table fails fast.
            for t in tables {
                try db.execute(t.spec.createTable("\(staging).\(t.name)"))
                try checkShape(live: t.rawValue, expected: "\(staging).\(t.name)")
            }
            let checkpoints = try load(
                tables, sources, start: { _, _ in 1 }, target: { "\(ProjectionSchema.stagingSchema).\($0.name)" },
                catchUp: false)
            for t in tables {
                let clock = SystemClock.monotonicSeconds()
                onProgress(ProjectionProgress(stage: "indexing \(t.rawValue)", events: eventsRead))
                let q = "\(staging).\(t.name)"
                for s in t.spec.constraints(q) + t.spec.comments(q) { try db.execute(s) }
                try db.execute("ANALYZE \(q)")
                seconds[t, default: 0] += SystemClock.monotonicSeconds() - clock
            }
            onProgress(ProjectionProgress(stage: "swapping tables in", events: eventsRead))
            try db.execute("BEGIN")
            do {
                try db.execute("SET LOCAL lock_timeout = '60s'")
                for t in tables {
                    // Compared again inside the transaction: the table may have changed meanwhile.
                    try checkShape(live: t.rawValue, expected: "\(staging).\(t.name)")
                    try db.execute("DROP TABLE IF EXISTS \(t.rawValue)")
                    try db.execute("ALTER TABLE \(staging).\(t.name) SET SCHEMA \(t.schema)")
                    try db.execute(
                        "DELETE FROM \(ProjectionSchema.checkpointTable) WHERE table_name = \(try db.literal(t.rawValue))"
                    )
                }
                try saveCheckpoints(checkpoints)
                try db.execute("COMMIT")
            } catch {
                _ = try? db.execute("ROLLBACK")
                throw error
            }
        } catch {
            _ = try? db.execute("DROP SCHEMA IF EXISTS \(staging) CASCADE")
            throw error
        }
        try db.execute("DROP SCHEMA IF EXISTS \(staging) CASCADE")
    }

    // MARK: - Catch-up

    private func catchUp(_ tables: [ProjectedTable], _ sources: [Source]) throws {
        for t in tables {
            guard try relationKind(t.rawValue) != nil else {
                throw ProjectionError("\(t.rawValue) does not exist: project it with --rebuild first")
            }
            try db.execute("DROP TABLE IF EXISTS pg_temp.isotherm_expected")
            try db.execute(t.spec.createTable("pg_temp.isotherm_expected"))
            defer { _ = try? db.execute("DROP TABLE IF EXISTS pg_temp.isotherm_expected") }
            try checkShape(live: t.rawValue, expected: "pg_temp.isotherm_expected")
        }
        try db.execute("BEGIN")
        do {
            try db.execute("SET LOCAL lock_timeout = '60s'")
            var saved: [String: [String: UInt64]] = [:]
            let names = try tables.map { try db.literal($0.rawValue) }.joined(separator: ", ")
            for row in try db.query(
                "SELECT table_name, log, last_sequence FROM \(ProjectionSchema.checkpointTable) WHERE table_name IN (\(names)) FOR UPDATE"
            ) {
                guard let t = row[0], let log = row[1], let text = row[2], let s = UInt64(text) else { continue }
                saved[t, default: [:]][log] = s
            }
            for t in tables {
                for s in sources {
                    if let done = saved[t.rawValue]?[s.id], done > s.end {
                        throw ProjectionError(
                            "\(t.rawValue) has read \(s.path) up to event \(done), but the log now ends at \(s.end): "
                                + "it was replaced or cut; project with --rebuild")
                    }
                }
            }
            let checkpoints = try load(
                tables, sources, start: { t, s in (saved[t.rawValue]?[s.id] ?? 0) + 1 }, target: { $0.rawValue },
                catchUp: true)
            try saveCheckpoints(checkpoints)
            try db.execute("COMMIT")
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
    }

    // MARK: - Loading

    /// Reads the logs and writes every table's rows to `target(table)`.
    /// - Returns: the new checkpoints: table → log id → last sequence.
    private func load(
        _ tables: [ProjectedTable], _ sources: [Source], start: (ProjectedTable, Source) -> UInt64,
        target: (ProjectedTable) -> String, catchUp: Bool
    ) throws -> [(ProjectedTable, String, UInt64)] {
        var checkpoints: [(ProjectedTable, String, UInt64)] = []
        for t in tables {
            for s in sources { checkpoints.append((t, s.id, s.end)) }
        }

        if tables.contains(.candles) {
            let spec = ProjectedTable.candles.spec
            let clock = SystemClock.monotonicSeconds()
            let n = try db.copyIn("COPY \(target(.candles)) (\(spec.loadedNames)) FROM STDIN (FORMAT binary)") { w in
                var skipped: Int64 = 0
                try pass(sources, kinds: [.candle], stage: "candles", from: { start(.candles, $0) }) {
                    source, sequence, time, candle in
                    if try !CandleRows.write(candle, at: time, to: w) { skipped += 1 }
                } other: { source, sequence, record in
                    if case .candle(let c) = record.event, try !CandleRows.write(c, at: record.time, to: w) {
                        skipped += 1
                    }
                }
                if skipped > 0 { warnings.append("\(skipped) candles of periods other than 1 minute left out") }
            }
            rows[.candles, default: 0] += n
            seconds[.candles, default: 0] += SystemClock.monotonicSeconds() - clock
        }

        if tables.contains(.minuteObs) {
            let spec = ProjectedTable.minuteObs.spec
            let clock = SystemClock.monotonicSeconds()
            let n = try db.copyIn("COPY \(target(.minuteObs)) (\(spec.loadedNames)) FROM STDIN (FORMAT binary)") { w in
                try pass(sources, kinds: [.observation], stage: "observations", from: { start(.minuteObs, $0) }) {
                    _, _, _, _ in
                } other: { _, _, record in
                    guard case .observation(let o) = record.event else { return }
                    try w.beginRow(fields: 7)
                    try w.text(o.station)
                    if let city = LegacyCity.name(station: o.station.description) {
                        try w.text(city)
                    } else {
                        try w.null()
                    }
                    try w.timestamp(o.observedAt)
                    try w.numeric(Int64(o.temperature.tenths), scale: 1, displayScale: 1)
                    if let d = o.dewpoint {
                        try w.numeric(Int64(d.tenths), scale: 1, displayScale: 1)
                    } else {
                        try w.null()
                    }
                    try w.text(o.source.name)
                    try w.timestamp(record.time)
                }
            }
            rows[.minuteObs, default: 0] += n
            seconds[.minuteObs, default: 0] += SystemClock.monotonicSeconds() - clock
        }

        let keyed = tables.filter { $0.spec.kind == .keyed }
        guard !keyed.isEmpty else { return checkpoints }
        var state = KeyedState()
        var kinds: Set<EventKind> = []
        for t in keyed { kinds.formUnion(KeyedState.kinds(for: t)) }
        let simTables = keyed.filter { [.simRun, .simDecision, .simTrade].contains($0) }
        var runs: [String: RunProjection] = [:]
        for s in sources where s.isRunsLog && !simTables.isEmpty {
            runs[s.id] = RunProjection(log: s.path, knownLogs: sources.map(\.path))
        }
        var starts: [String: [ProjectedTable: UInt64]] = [:]
        for s in sources {
            for t in keyed { starts[s.id, default: [:]][t] = start(t, s) }
        }
        try pass(
            sources, kinds: kinds, stage: "markets, weather and runs",
            from: { s in
                keyed.map { start($0, s) }.min() ?? 1
            }
        ) { _, _, _, _ in
        } other: { source, sequence, record in
            let from = starts[source.id]!
            if source.isRunsLog {
                let simFrom = simTables.compactMap { from[$0] }.min() ?? .max
                if sequence >= simFrom, let run = runs[source.id] {
                    try run.add(record, sequence: sequence, into: &state.sim, facts: &factsCache)
                }
                return
            }
            try state.add(
                record, sequence: sequence, log: source.path,
                wants: { t in
                    if let s = from[t] { return sequence >= s }
                    return false
                })
        }
        for s in sources {
            guard let run = runs[s.id] else { continue }
            let id = s.id
            warnings += run.warnings
            if let open = run.openRunStart {
                for i in checkpoints.indices where checkpoints[i].1 == id && simTables.contains(checkpoints[i].0) {
                    checkpoints[i].2 = open - 1
                }
            }
        }

        for t in keyed {
            let clock = SystemClock.monotonicSeconds()
            onProgress(ProjectionProgress(stage: "writing \(t.rawValue)", events: eventsRead))
            let table = state.rows(t)
            let spec = t.spec
            if catchUp {
                let temp = "pg_temp.isotherm_delta_\(t.name)"
                try db.execute(
                    "CREATE TEMP TABLE isotherm_delta_\(t.name) ON COMMIT DROP AS SELECT \(spec.loadedNames) FROM \(t.rawValue) WITH NO DATA"
                )
                _ = try db.copyIn("COPY \(temp) (\(spec.loadedNames)) FROM STDIN (FORMAT binary)") { w in
                    try table.write(to: w, completeOnly: false)
                }
                var n: Int64 = 0
                for statement in Self.mergeStatements(spec, temp: temp) { n += try db.execute(statement) }
                rows[t, default: 0] += n
            } else {
                let n = try db.copyIn("COPY \(target(t)) (\(spec.loadedNames)) FROM STDIN (FORMAT binary)") { w in
                    try table.write(to: w, completeOnly: true)
                }
                rows[t, default: 0] += n
            }
            seconds[t, default: 0] += SystemClock.monotonicSeconds() - clock
        }
        return checkpoints
    }

    /// Reads every log from `from(log)` to its end, asking only for `kinds`.
    private func pass(
        _ sources: [Source], kinds: Set<EventKind>, stage: String, from: (Source) -> UInt64,
        candle: (Source, UInt64, Timestamp, Candle) throws -> Void,
        other: (Source, UInt64, EventRecord) throws -> Void
    ) throws {
        for s in sources {
            let first = from(s)
            guard first <= s.end else { continue }
            onProgress(ProjectionProgress(stage: stage, log: s.path, events: eventsRead))
            var read: UInt64 = 0
            let end = s.end
            func located(_ sequence: UInt64, _ body: () throws -> Void) throws {
                do {
                    try body()
                } catch let e as ProjectionError {
                    throw ProjectionError("\(s.path), event \(sequence): \(e.message)")
                }
            }
            defer { eventsRead += read }
            try s.reader.forEach(from: .sequence(first), kinds: kinds) { sequence, time, c in
                guard sequence <= end else { return false }
                read += 1
                if read & 0xFFFF == 0 {
                    onProgress(ProjectionProgress(stage: stage, log: s.path, events: eventsRead + read))
                }
                try located(sequence) { try candle(s, sequence, time, c) }
                return true
            } others: { sequence, record in
                guard sequence <= end else { return false }
                read += 1
                if read & 0xFFFF == 0 {
                    onProgress(ProjectionProgress(stage: stage, log: s.path, events: eventsRead + read))
                }
                try located(sequence) { try other(s, sequence, record) }
                return true
            }
        }
    }

    /// The `UPDATE` and `INSERT` that fold a keyed table's delta rows (in `temp`) into the live table.
    static func mergeStatements(_ spec: TableSpec, temp: String) -> [String] {
        let columns = spec.loaded
        let keys = columns.filter { $0.merge == .key }
        let match = keys.map { "m.\($0.name) = t.\($0.name)" }.joined(separator: " AND ")
        func summed(_ c: Column, _ expression: String) -> String {
            if case .decimal(let minScale) = c.type {
                // The same display scale the rebuild sends: the decimals needed, at least minScale.
                return "round(\(expression), greatest(\(minScale), scale(trim_scale(\(expression)))))"
            }
            return expression
        }
        let sets = columns.filter { $0.merge != .key }.map { c -> String in
            switch c.merge {
            case .key, .latest: return "\(c.name) = COALESCE(t.\(c.name), m.\(c.name))"
            case .first: return "\(c.name) = COALESCE(m.\(c.name), t.\(c.name))"
            case .sum: return "\(c.name) = " + summed(c, "m.\(c.name) + COALESCE(t.\(c.name), 0)")
            }
        }
        let required = columns.filter { $0.notNull && $0.merge != .sum }.map { "t.\($0.name) IS NOT NULL" }
        let values = columns.map { c in c.merge == .sum ? "COALESCE(t.\(c.name), 0)" : "t.\(c.name)" }
        var out: [String] = []
        if !sets.isEmpty {
            out.append(
                "UPDATE \(spec.table.rawValue) AS m SET \(sets.joined(separator: ", ")) FROM \(temp) AS t WHERE \(match)"
            )
        }
        out.append(
            "INSERT INTO \(spec.table.rawValue) (\(spec.loadedNames)) SELECT \(values.joined(separator: ", ")) FROM \(temp) AS t WHERE "
                + (required + ["NOT EXISTS (SELECT 1 FROM \(spec.table.rawValue) AS m WHERE \(match))"]).joined(
                    separator: " AND "))
        return out
    }

    // MARK: - Catalog

    /// `r` (table), `v` (view), … for a relation, or nil when there is none.
    private func relationKind(_ qualified: String) throws -> String? {
        let rows = try db.query(
            "SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(\(try db.literal(qualified)))")
        return rows.first?.first ?? nil
    }

    /// Columns as `name type [NOT NULL] [GENERATED]`, in order.
    private func columns(_ qualified: String) throws -> [String] {
        try db.query(
            """
            SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                || CASE WHEN a.attgenerated <> '' THEN ' GENERATED' ELSE '' END
            FROM pg_attribute a
            WHERE a.attrelid = to_regclass(\(try db.literal(qualified))) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """
        ).map { $0[0] ?? "" }
    }

    /// Fails unless `live` is absent or a table with exactly `expected`'s columns.
    private func checkShape(live: String, expected: String) throws {
        guard let kind = try relationKind(live) else { return }
        guard kind == "r" else {
            let what = ["v": "a view", "m": "a materialized view", "p": "a partitioned table", "f": "a foreign table"]
            throw ProjectionError(
                "\(live) exists but is \(what[kind] ?? "not a plain table"): the projection will not replace it; "
                    + "rename or drop it, or project into another database")
        }
        let have = try columns(live)
        let want = try columns(expected)
        guard have != want else { return }
        var detail = ""
        for i in 0..<max(have.count, want.count) {
            let h = i < have.count ? have[i] : nil
            let w = i < want.count ? want[i] : nil
            if h != w {
                detail =
                    "column \(i + 1) is \(h.map { "\"\($0)\"" } ?? "missing"), the projection writes \(w.map { "\"\($0)\"" } ?? "no such column")"
                break
            }
        }
        throw ProjectionError(
            "\(live) exists with another shape (\(detail)): the projection replaces only tables of its own shape; "
                + "rename or drop it, or project into another database. Nothing was changed")
    }

    private func saveCheckpoints(_ checkpoints: [(ProjectedTable, String, UInt64)]) throws {
        guard !checkpoints.isEmpty else { return }
        var values: [String] = []
        for (t, log, s) in checkpoints {
            values.append("(\(try db.literal(t.rawValue)), \(try db.literal(log)), \(s))")
        }
        try db.execute(
            "INSERT INTO \(ProjectionSchema.checkpointTable) (table_name, log, last_sequence) VALUES "
                + values.joined(separator: ", ")
                + " ON CONFLICT (table_name, log) DO UPDATE SET last_sequence = EXCLUDED.last_sequence, projected_at = now()"
        )
    }
}

/// Candles as `kalshi.candles_1m` rows.
enum CandleRows {
    /// Writes a one-minute candle; returns false (writing nothing) for other periods.
    @inline(__always)
    static func write(_ c: Candle, at time: Timestamp, to w: BinaryCopyWriter) throws -> Bool {
        guard c.periodMinutes == 1 else { return false }
        try w.beginRow(fields: 16)
        try w.text(c.ticker)
        try w.timestamp(time)
        try ohlc(c.yesBid, w)
        try ohlc(c.yesAsk, w)
        try ohlc(c.price, w)
        try w.int64(try LegacyUnits.contracts(c.volume, "candle \(c.ticker) volume"))
        try w.int64(try LegacyUnits.contracts(c.openInterest, "candle \(c.ticker) open interest"))
        return true
    }

    @inline(__always)
    private static func ohlc(_ o: OHLC?, _ w: BinaryCopyWriter) throws {
        guard let o else {
            for _ in 0..<4 { try w.null() }
            return
        }
        try w.int16(try cents(o.open))
        try w.int16(try cents(o.high))
        try w.int16(try cents(o.low))
        try w.int16(try cents(o.close))
    }

    @inline(__always)
    private static func cents(_ p: Price) throws -> Int16 {
        let m = p.micros
        guard m % 10_000 == 0, let c = Int16(exactly: m / 10_000) else {
            throw ProjectionError("candle price \(p.dollarString) is not a whole number of cents")
        }
        return c
    }
}
