// Compiled once isotherm-bench depends on IsothermPostgres (which brings CLibPQ): see ARCHITECTURE.md.
#if canImport(CLibPQ)
    import Glibc
    import IsothermEvents
    import IsothermPostgres
    import IsothermStore
    import IsothermWorld

    /// The projection benchmark (`isotherm-bench --project [--days N]`, PostgreSQL from
    /// `ISOTHERM_BENCH_PG_CONNINFO` or libpq's PG* variables): candles per second of
    /// `isotherm project postgres` rebuilding `kalshi.candles_1m` from the seven cities' logs, against
    /// `psql`'s `\copy … (FORMAT binary)` of the same rows from a file, on the same server in the same run.
    ///
    /// Both sides do the same database work: load an unindexed table, then build the primary key. The
    /// projector also reads and decodes the logs and encodes the rows; psql reads a ready-made file
    /// (written from the same logs beforehand, untimed apart from its own line).
    enum ProjectBench {
        static func run(days: Int, dir: String, conninfo: String) throws {
            removeTree(dir)
            mkdir(dir, 0o755)
            let start = LocalDate(iso8601: "2025-01-01")!
            let end = start.advanced(by: Int32(days - 1))
            var logs: [String] = []
            var watch = Stopwatch()
            for city in WorldCity.kxhigh {
                let path = dir + "/" + city.code
                let writer = try EventLogWriter(directory: path)
                for r in CityWorld(city: city, seed: 1, start: start, end: end) { try writer.append(r) }
                try writer.close()
                logs.append(path)
            }
            note("generated \(days) days of 7 cities in \(fmt(watch.lap(), 1)) s")

            // 1. The projector: read logs, encode, COPY into staging, primary key, swap in. Best of
            //    two (this is a shared VM; the second run also replaces the first one's table).
            let connection = try PostgresConnection(conninfo: conninfo)
            var projector = Double.infinity
            var rows: Int64 = 0
            for _ in 0..<2 {
                _ = watch.lap()
                let report = try PostgresProjector(connection: connection).run(
                    ProjectionRequest(logs: logs, tables: [.candles], mode: .rebuild))
                projector = min(projector, watch.lap())
                rows = report.tables[0].rows
            }

            // 2. The same rows as a binary COPY file (the baseline's input).
            let file = dir + "/candles.pgcopy"
            let written = try CandleCopyFile.write(logs: logs, to: file)
            let fileSeconds = watch.lap()
            guard written == rows else {
                throw BenchError(description: "the file holds \(written) rows, the projector loaded \(rows)")
            }

            // 3. psql: \copy the file into a fresh unindexed table of the same shape, then the key.
            //    Best of two as well.
            let psql = psqlPath()
            let table = "kalshi.bench_candles_copy"
            var copySeconds = Double.infinity
            var keySeconds = Double.infinity
            for _ in 0..<2 {
                _ = try connection.query("DROP TABLE IF EXISTS \(table)")
                _ = try connection.query("CREATE TABLE \(table) (LIKE kalshi.candles_1m INCLUDING DEFAULTS)")
                _ = watch.lap()
                try shell(
                    "\(psql) -X -q -v ON_ERROR_STOP=1 -d '\(conninfo)' -c \"\\copy \(table) FROM '\(file)' (FORMAT binary)\""
                )
                let copy = watch.lap()
                _ = try connection.query("ALTER TABLE \(table) ADD PRIMARY KEY (ticker, end_period_ts)")
                let key = watch.lap()
                if copy + key < copySeconds + keySeconds { (copySeconds, keySeconds) = (copy, key) }
                let loaded = try connection.query("SELECT count(*) FROM \(table)").first?.first ?? nil
                _ = try connection.query("DROP TABLE \(table)")
                guard loaded == String(rows) else {
                    throw BenchError(description: "psql loaded \(loaded ?? "?") rows, expected \(rows)")
                }
            }

            let psqlTotal = copySeconds + keySeconds
            print("projection of kalshi.candles_1m: \(rows) candles, \(days) days × 7 cities")
            print(
                pad("  isotherm project postgres --rebuild (best of 2)", 52) + lpad(fmt(projector, 2) + " s", 10) + "  "
                    + rate(Int(rows), projector))
            print(
                pad("  psql \\copy (FORMAT binary) + key (best of 2)", 52) + lpad(fmt(psqlTotal, 2) + " s", 10)
                    + "  " + rate(Int(rows), psqlTotal))
            print(
                pad("    of which \\copy", 52) + lpad(fmt(copySeconds, 2) + " s", 10) + "  "
                    + rate(Int(rows), copySeconds))
            print(pad("    of which primary key", 52) + lpad(fmt(keySeconds, 2) + " s", 10))
            print(
                pad("  (writing the file for psql)", 52) + lpad(fmt(fileSeconds, 2) + " s", 10) + "  "
                    + "\(fileSize(file) / Int64(max(rows, 1))) bytes per row")
            print("  projector / psql: \(fmt(psqlTotal / projector, 2))× the rate")
            removeTree(dir)
        }

        /// psql next to PostgreSQL 15's binaries, else in /usr/bin, else from PATH.
        static func psqlPath() -> String {
            for dir in ["/usr/lib/postgresql/15/bin", "/usr/bin"] where access(dir + "/psql", X_OK) == 0 {
                return dir + "/psql"
            }
            return "psql"
        }
    }
#endif
