import ArgumentParser
import IsothermEvents
import IsothermNet
import IsothermPostgres

struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Regenerate the old system's tables from the logs.",
        subcommands: [ProjectPostgresCommand.self])
}

struct ProjectPostgresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Project logs into the old Postgres tables (kalshi.*, wx.*, sim.*) with binary COPY.",
        discussion: """
            Tables: kalshi.markets, kalshi.candles_1m, wx.settlement, wx.forecast_snapshot, \
            wx.forecast_snapshot_hourly, wx.minute_obs, sim.run, sim.decision, sim.trade, \
            sim.market_open_log, sim.live_orders (DDL: Schemas/postgres/, or --ddl). Units are the old \
            ones: prices in cents, money in dollars, temperatures in °F, old city names (new_york, chicago, …).

            --rebuild loads fresh tables in the schema isotherm_staging, indexes them, then swaps them in \
            with one transaction: readers never see a half-built table, and a failed rebuild leaves the \
            old tables as they were. --incremental applies only the events after each table's checkpoint \
            (isotherm.projection_checkpoint), in one transaction with the checkpoint. Without either, a \
            catch-up when every table exists, else a rebuild.

            sim.* come from runs logs (isotherm backtest --save): runs are projected when finished, with \
            trades settled from the input logs their manifests name (found by path, or among --log/--world \
            by directory name).

            The connection string is libpq's (host=… dbname=… or postgresql://…); libpq also reads the PG* \
            environment variables and ~/.pgpass, as psql does.

            Examples:
              isotherm project postgres --dsn "host=/tmp dbname=kalshi" --world world --log runs
              isotherm project postgres --dsn postgresql://me@db/kalshi --world world --tables candles_1m --incremental
              isotherm project postgres --ddl > schema.sql
            """)

    @Option(
        name: .long,
        help:
            "libpq connection string or URI (default: the PG* environment variables, as psql). Keep a password out of it (it shows in the process list): use PGPASSWORD or ~/.pgpass."
    )
    var dsn = ""

    @Option(name: .customLong("log"), help: "A log directory (repeatable; read in the order given).")
    var logs: [String] = []

    @Option(name: .long, help: "A directory of logs, as isotherm generate writes (world/NY, world/CHI, …).")
    var world: String?

    @Option(name: .long, help: "Comma-separated tables (kalshi.markets or markets; default: all).")
    var tables: String?

    @Flag(name: .long, help: "Rebuild the tables from scratch and swap them in.")
    var rebuild = false

    @Flag(name: .long, help: "Apply only the events after each table's checkpoint.")
    var incremental = false

    @Flag(name: .long, help: "Print the DDL of the tables and exit.")
    var ddl = false

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if rebuild && incremental { throw ValidationError("give --rebuild or --incremental, not both") }
        _ = try selectedTables()
        if !ddl && logs.isEmpty && world == nil { throw ValidationError("give --log DIR or --world DIR") }
        if logs.contains(where: \.isEmpty) { throw ValidationError("--log is empty: give a log directory") }
        if world?.isEmpty == true { throw ValidationError("--world is empty: give a directory of logs") }
    }

    func selectedTables() throws -> [ProjectedTable] {
        guard let tables else { return ProjectedTable.allCases }
        var out: [ProjectedTable] = []
        for name in tables.split(separator: ",").map({ $0.filter { $0 != " " } }) {
            guard let t = ProjectedTable(named: String(name)) else {
                throw ValidationError(
                    "--tables: unknown table '\(name)' (known: \(ProjectedTable.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            if !out.contains(t) { out.append(t) }
        }
        guard !out.isEmpty else { throw ValidationError("--tables: no table named") }
        return out
    }

    func run() throws {
        try reportingErrors {
            if ddl {
                for s in ["kalshi", "wx", "sim", "isotherm"] { print(ProjectionSchema.ddlFile(schema: s)) }
                return
            }
            var paths = logs
            if let world { paths = try StatusCommand.logsIn(world) + paths }
            let request = ProjectionRequest(
                logs: paths, tables: try selectedTables(),
                mode: rebuild ? .rebuild : incremental ? .incremental : .auto)
            Redaction.registerSecrets(in: dsn)
            let connection = try PostgresConnection(conninfo: dsn)
            let version = connection.serverVersion
            printError(
                "project: \(paths.count) log(s) into PostgreSQL \(version / 10000).\(version % 10000), "
                    + "\(request.tables.count) table(s)")
            var lastStage = ""
            let watch = Stopwatch()
            var lastPrint = 0.0
            let projector = PostgresProjector(connection: connection) { p in
                let t = watch.elapsedSeconds
                guard p.stage != lastStage || t - lastPrint >= 2 else { return }
                let log = p.log.map { " (\($0))" } ?? ""
                printError("  \(p.stage)\(log): \(grouped(Int64(p.events))) events read, \(fixed(t, 1)) s")
                lastStage = p.stage
                lastPrint = t
            }
            let report = try projector.run(request)
            for w in report.warnings { printError("warning: \(w)") }
            print(json ? Self.json(report) : Self.text(report))
        }
    }

    static func rate(_ rows: Int64, _ seconds: Double) -> Double { seconds > 0 ? Double(rows) / seconds : 0 }

    static func text(_ r: ProjectionReport) -> String {
        var lines = [
            "\(r.mode.rawValue) (\(r.reason)): \(grouped(Int64(r.events))) events read in \(fixed(r.seconds, 2)) s"
        ]
        lines.append(rightPad("table", 30) + leftPad("rows", 14) + leftPad("seconds", 10) + leftPad("rows/s", 14))
        var total: Int64 = 0
        for t in r.tables {
            total += t.rows
            lines.append(
                rightPad(t.table.rawValue, 30) + leftPad(grouped(t.rows), 14) + leftPad(fixed(t.seconds, 2), 10)
                    + leftPad(grouped(Int64(rate(t.rows, t.seconds))), 14))
        }
        lines.append(
            rightPad("total", 30) + leftPad(grouped(total), 14) + leftPad(fixed(r.seconds, 2), 10)
                + leftPad(grouped(Int64(rate(total, r.seconds))), 14))
        return lines.joined(separator: "\n")
    }

    static func json(_ r: ProjectionReport) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("mode", r.mode.rawValue)
        j.string("reason", r.reason)
        j.number("events", r.events)
        j.rawNumber("seconds", fixed(r.seconds, 3))
        var total: Int64 = 0
        j.beginArray("tables")
        for t in r.tables {
            total += t.rows
            j.beginObject()
            j.string("table", t.table.rawValue)
            j.number("rows", t.rows)
            j.rawNumber("seconds", fixed(t.seconds, 3))
            j.rawNumber("rows_per_second", fixed(rate(t.rows, t.seconds), 0))
            j.endObject()
        }
        j.endArray()
        j.number("rows", total)
        j.rawNumber("rows_per_second", fixed(rate(total, r.seconds), 0))
        j.beginArray("warnings")
        for w in r.warnings { j.string(nil, w) }
        j.endArray()
        j.endObject()
        return j.output
    }
}
