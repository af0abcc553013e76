import Foundation
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermPostgres
import IsothermStore
import IsothermWorld
import Testing

private let importConninfo = ProcessInfo.processInfo.environment["ISOTHERM_TEST_PG_CONNINFO"]

enum LegacyImportFixture {
    /// Two cities' worlds, each in its own log under `dir`.
    static func worldLogs(_ dir: String, cities: [String] = ["NY", "CHI"], days: Int32 = 3) throws -> [String] {
        var logs: [String] = []
        let start = Fixture.date("2025-06-01")
        for code in cities {
            let log = dir + "/" + code
            try Fixture.append(
                CityWorld(city: WorldCity.named(code)!, seed: 11, start: start, end: start.advanced(by: days - 1)),
                to: log)
            logs.append(log)
        }
        return logs
    }

    /// Imports the database into a new log at `log`; returns the report and how many events were written.
    @discardableResult
    static func importInto(
        _ db: ScratchDatabase, _ log: String, tables: [ProjectedTable] = LegacyImporter.tables
    ) throws -> (LegacyImportReport, Int) {
        var writer: EventLogWriter?
        var written = 0
        let report = try LegacyImporter(connection: try db.connect(), batchRows: 1_000).run(tables: tables) { r in
            if writer == nil { writer = try EventLogWriter(directory: log) }
            _ = try writer!.append(r)
            written += 1
        }
        try writer?.flush(sync: false)
        try writer?.close()
        return (report, written)
    }

    /// Rows of `a` not in `b` plus rows of `b` not in `a` (multisets).
    static func difference(_ c: PostgresConnection, _ a: String, _ b: String) throws -> Int {
        try Fixture.count(
            c,
            "SELECT (SELECT count(*) FROM (SELECT * FROM \(a) EXCEPT ALL SELECT * FROM \(b)) x) + (SELECT count(*) FROM (SELECT * FROM \(b) EXCEPT ALL SELECT * FROM \(a)) y)"
        )
    }

    static func files(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: dir) {
            let path = dir + "/" + name
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[name] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return out
    }
}

@Suite(
    "Import of the old tables", .serialized,
    .enabled(if: importConninfo != nil, "ISOTHERM_TEST_PG_CONNINFO is unset: run tools/test"))
struct LegacyImportTests {
    @Test("project → import → project gives the same six tables row by row, and the same log bytes twice")
    func roundTrip() throws {
        let db = try ScratchDatabase("import_rt")
        let dir = try ScratchDirectory()
        let logs = try LegacyImportFixture.worldLogs(dir.path)
        _ = try Fixture.project(db, logs, mode: .rebuild, tables: LegacyImporter.tables)

        let imported = dir.path + "/imported"
        let (report, written) = try LegacyImportFixture.importInto(db, imported)
        #expect(written > 80_000)
        #expect(Int64(written) == report.totalEvents)
        #expect(report.rows[.markets] == 36)
        // The same database gives the same bytes.
        let again = dir.path + "/again"
        try LegacyImportFixture.importInto(db, again)
        #expect(try LegacyImportFixture.files(imported) == LegacyImportFixture.files(again))
        // Events are in time order.
        var last = Timestamp(nanos: .min)
        var ordered = true
        try EventLogReader(directory: imported).forEach { _, r in
            if r.time < last { ordered = false }
            last = r.time
            return true
        }
        #expect(ordered)

        let c = try db.connect()
        _ = try c.query("ALTER SCHEMA kalshi RENAME TO orig_kalshi; ALTER SCHEMA wx RENAME TO orig_wx")
        _ = try Fixture.project(db, [imported], mode: .rebuild, tables: LegacyImporter.tables)
        for t in LegacyImporter.tables {
            let original = "orig_" + t.rawValue
            let rows = try Fixture.count(c, "SELECT count(*) FROM \(original)")
            #expect(rows > 0, "\(original) is empty")
            #expect(try Fixture.count(c, "SELECT count(*) FROM \(t.rawValue)") == rows, "\(t.rawValue)")
            #expect(try LegacyImportFixture.difference(c, original, t.rawValue) == 0, "\(t.rawValue) differs")
        }
    }

    @Test(
        "the migration path round-trips: generate → project postgres → import postgres → backtest gives the generated world's trades, P&L and output hash"
    )
    func migrationBacktests() throws {
        let db = try ScratchDatabase("import_bt")
        let dir = try ScratchDirectory()
        let logs = try LegacyImportFixture.worldLogs(dir.path, cities: ["NY", "CHI", "DEN"], days: 6)
        _ = try Fixture.project(db, logs, mode: .rebuild, tables: LegacyImporter.tables)
        // The old database becomes one log holding all three cities.
        let imported = dir.path + "/imported"
        try LegacyImportFixture.importInto(db, imported)
        for fill in [FillModel.assume, .touch, .queue] {
            for kind in [StrategyKind.openMaker, .exit, .nextOver] {
                func run(_ logs: [String]) throws -> BacktestResult {
                    try Backtest.run(
                        BacktestConfig(
                            logs: logs, strategy: try StrategyChoice.parse(kind) { _ in nil },
                            exchange: ExchangeOptions(fillModel: fill), threads: 2, engineVersion: "test"))
                }
                let world = try run(logs)
                let again = try run([imported])
                #expect(world.metrics.trades > 0, "\(kind) \(fill)")
                #expect(
                    again.trades.map { "\($0.city) \($0.ticker) \($0.contracts) \($0.netPnL)" }
                        == world.trades.map { "\($0.city) \($0.ticker) \($0.contracts) \($0.netPnL)" },
                    "\(kind) \(fill)")
                #expect(again.metrics.totalPnL == world.metrics.totalPnL, "\(kind) \(fill)")
                #expect(again.outputHash == world.outputHash, "\(kind) \(fill)")
            }
        }
    }

    @Test("a row that does not convert exactly stops the import before any event, naming table, key and column")
    func inexactValues() throws {
        let db = try ScratchDatabase("import_bad")
        let dir = try ScratchDirectory()
        let logs = try LegacyImportFixture.worldLogs(dir.path, cities: ["NY"], days: 1)
        _ = try Fixture.project(db, logs, mode: .rebuild, tables: LegacyImporter.tables)
        let c = try db.connect()
        // Last in time order: a validation pass must catch it before the first event.
        let cases: [(setup: String, undo: String, expected: String)] = [
            (
                "UPDATE kalshi.markets SET fee_multiplier = fee_multiplier + 0.0000005 WHERE ticker = (SELECT max(ticker) FROM kalshi.markets)",
                "UPDATE kalshi.markets SET fee_multiplier = fee_multiplier - 0.0000005 WHERE ticker = (SELECT max(ticker) FROM kalshi.markets)",
                "kalshi.markets row (ticker=KXHIGHNY-"
            ),
            (
                "UPDATE kalshi.candles_1m SET yes_bid_c = 150 WHERE end_period_ts = (SELECT max(end_period_ts) FROM kalshi.candles_1m)",
                "", "column yes_bid_c: 150 cents is not 0…100"
            ),
        ]
        for (i, x) in cases.enumerated() {
            _ = try c.query(x.setup)
            var emitted = 0
            let log = dir.path + "/bad\(i)"
            #expect {
                _ = try LegacyImporter(connection: try db.connect()).run { _ in emitted += 1 }
            } throws: { e in
                "\(e)".contains(x.expected)
            }
            #expect(emitted == 0)
            #expect(!FileManager.default.fileExists(atPath: log))
            if !x.undo.isEmpty { _ = try c.query(x.undo) }
        }
        let message = try #require(
            {
                do {
                    _ = try LegacyImporter(connection: try db.connect()).run { _ in }
                    return nil
                } catch { return "\(error)" }
            }() as String?)
        #expect(message.contains("kalshi.candles_1m row (ticker=KXHIGHNY-"), "\(message)")
        #expect(message.contains("end_period_ts=2025-"), "\(message)")
    }

    @Test("a missing schema, table or column, a column of another type: one clear error, no log")
    func badShapes() throws {
        let db = try ScratchDatabase("import_shape")
        let dir = try ScratchDirectory()
        let logs = try LegacyImportFixture.worldLogs(dir.path, cities: ["NY"], days: 1)
        _ = try Fixture.project(db, logs, mode: .rebuild, tables: LegacyImporter.tables)
        let c = try db.connect()
        func failure() -> String {
            do {
                _ = try LegacyImporter(connection: try db.connect()).run { _ in }
                return "no error"
            } catch { return "\(error)" }
        }
        _ = try c.query("ALTER TABLE wx.minute_obs DROP COLUMN dewpoint_f")
        #expect(failure() == "wx.minute_obs has no column dewpoint_f (expected numeric(5,1))")
        _ = try c.query("ALTER TABLE wx.minute_obs ALTER COLUMN temp_f TYPE text")
        #expect(failure() == "wx.minute_obs.temp_f is text, expected numeric(5,1)")
        _ = try c.query("DROP TABLE wx.minute_obs")
        #expect(failure() == "table wx.minute_obs does not exist")
        _ = try c.query("SET client_min_messages TO warning; DROP SCHEMA wx CASCADE")
        #expect(failure() == "schema wx does not exist in this database (needed for wx.settlement)")

        // Through the CLI: exit 2, one error line, no log written.
        let log = dir.path + "/cli"
        let r = try IsothermBinary.run(["import", "postgres", "--dsn", db.conninfo, "--log", log])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: schema wx does not exist"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: log))
        // Only kalshi: works.
        let ok = try IsothermBinary.run([
            "import", "postgres", "--dsn", db.conninfo, "--log", log, "--tables", "markets,candles_1m",
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("kalshi.markets"), "\(ok.stdout)")
        // The log is not new any more.
        let again = try IsothermBinary.run(["import", "postgres", "--dsn", db.conninfo, "--log", log])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already holds events"), "\(again.stderr)")
    }

    @Test("an unreachable server is one line, and nothing is created")
    func unreachable() throws {
        let dir = try ScratchDirectory()
        let log = dir.path + "/none"
        let r = try IsothermBinary.run([
            "import", "postgres", "--dsn", "host=\(dir.path)/no-such-socket-dir port=1 connect_timeout=2", "--log", log,
        ])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("error: cannot connect to PostgreSQL:"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: log))
    }
}
