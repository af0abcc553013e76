import ArgumentParser
import IsothermEvents
import IsothermNet
import IsothermPostgres
import IsothermStore

struct ImportPostgresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Read the old system's tables (kalshi.*, wx.*) into a new log.",
        discussion: """
            Tables: \(LegacyImporter.tables.map(\.rawValue).joined(separator: ", ")) (the shapes in \
            Schemas/postgres/, which isotherm project postgres writes). Every table's columns are \
            checked first; rows are read in one read-only snapshot through cursors, and converted \
            exactly (cents to prices, °F to tenths) or the import stops naming table, row key and \
            column. Every row is converted once before the first event is written: a failed import \
            leaves no log behind. The log must be new (or empty).

            Events: market_listed and market_lifecycle (determined, settled, status), candle, \
            settlement (preliminary, final), daily_forecast, hourly_forecast (one per city, dates, \
            source and issue time), observation. Order: event time, then table (in the order above), \
            then primary key (byte order), so the same database always gives the same log. Projecting \
            the log gives the same rows back.

            Examples:
              isotherm import postgres --dsn "host=/tmp dbname=kalshi" --log imported
              isotherm import postgres --dsn postgresql://me@db/kalshi --log wx --tables minute_obs,settlement
            """)

    @Option(
        name: .long,
        help:
            "libpq connection string or URI (default: the PG* environment variables, as psql). Keep a password out of it (it shows in the process list): use PGPASSWORD or ~/.pgpass."
    )
    var dsn = ""

    @Option(name: .long, help: "Log directory to create.")
    var log: String

    @Option(name: .long, help: "Comma-separated tables (kalshi.markets or markets; default: all six).")
    var tables: String?

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    func validate() throws {
        guard !log.isEmpty else { throw ValidationError("--log is empty: give a log directory to create") }
        _ = try selectedTables()
    }

    func selectedTables() throws -> [ProjectedTable] {
        guard let tables else { return LegacyImporter.tables }
        var out: [ProjectedTable] = []
        for name in tables.split(separator: ",").map({ $0.filter { $0 != " " } }) {
            guard let t = ProjectedTable(named: String(name)), LegacyImporter.tables.contains(t) else {
                throw ValidationError(
                    "--tables: '\(name)' is not an importable table (\(LegacyImporter.tables.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            if !out.contains(t) { out.append(t) }
        }
        guard !out.isEmpty else { throw ValidationError("--tables: no table named") }
        return out
    }

    func run() throws {
        try reportingErrors {
            if LogDirectory.holdsEvents(log) {
                throw CLIError("\(log) already holds events: import into a new log")
            }
            Redaction.registerSecrets(in: dsn)
            let connection = try PostgresConnection(conninfo: dsn)
            var writer: EventLogWriter?
            defer { try? writer?.close() }
            let report = try LegacyImporter(connection: connection).run(tables: try selectedTables()) { record in
                if writer == nil { writer = try openLogWriter(log) }
                _ = try writer!.append(record)
            }
            if let writer {
                try writer.flush(sync: true)
                try writer.close()
            }
            writer = nil
            if json {
                var j = JSONWriter()
                j.beginObject()
                j.string("log", log)
                j.number("events", report.totalEvents)
                j.beginArray("tables")
                for t in LegacyImporter.tables {
                    guard let n = report.rows[t] else { continue }
                    j.beginObject()
                    j.string("table", t.rawValue)
                    j.number("rows", n)
                    j.endObject()
                }
                j.endArray()
                j.beginArray("events_by_kind")
                for (kind, n) in report.events.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    j.beginObject()
                    j.string("kind", kind.name)
                    j.number("events", n)
                    j.endObject()
                }
                j.endArray()
                j.endObject()
                print(j.output)
            } else {
                for t in LegacyImporter.tables {
                    guard let n = report.rows[t] else { continue }
                    print("\(t.rawValue.padding(30))\(grouped(n)) rows")
                }
                print("\(log): \(grouped(report.totalEvents)) events appended")
            }
        }
    }
}

enum LogDirectory {
    /// Whether `path` is a log with at least one event (a missing or empty directory holds none).
    static func holdsEvents(_ path: String) -> Bool {
        guard let reader = try? EventLogReader(directory: path) else { return false }
        var found = false
        // A log that cannot be read is not new either: the writer will say why.
        do {
            try reader.forEach { _, _ in
                found = true
                return false
            }
        } catch { return true }
        return found
    }
}
