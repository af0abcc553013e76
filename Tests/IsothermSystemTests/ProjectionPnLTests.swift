import Foundation
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermPostgres
import IsothermWorld
import Testing

@Suite(
    "The old per-city P&L query over sim.trade",
    .enabled(if: projectionConninfo != nil, "ISOTHERM_TEST_PG_CONNINFO is unset: run tools/test"))
struct ProjectionPnLTests {
    @Test("GROUP BY city over sim.trade agrees with isotherm backtest's by-city table, to the cent")
    func perCityPnL() throws {
        let db = try ScratchDatabase("pnl")
        let dir = try ScratchDirectory()
        var logs: [String] = []
        for code in ["NY", "CHI"] {
            let world = CityWorld(
                city: WorldCity.named(code)!, seed: 3, start: Fixture.date("2025-05-01"),
                end: Fixture.date("2025-05-06"))
            try Fixture.append(world, to: dir.path + "/" + code)
            logs.append(dir.path + "/" + code)
        }
        var p = OpenMaker.Parameters()
        p.entryPrice = Price(cents: 30)
        let result = try Fixture.backtest(logs, .openMaker(p))
        try Fixture.append(Fixture.runEvents(result), to: dir.path + "/runs")
        _ = try Fixture.project(db, logs + [dir.path + "/runs"])

        let rows = try db.connect().query(
            """
            SELECT city, COUNT(*) AS trades, SUM(CASE WHEN bin_won THEN 1 ELSE 0 END) AS wins, SUM(pnl_net) AS pnl
            FROM sim.trade WHERE run_id = '\(result.manifest.runId)' GROUP BY city ORDER BY city
            """)
        let names = ["NY": "new_york", "CHI": "chicago"]
        let expected = result.byCity.map { (names[$0.city]!, $0.metrics) }.sorted { $0.0 < $1.0 }
        #expect(rows.count == 2)
        for (row, (city, m)) in zip(rows, expected) {
            #expect(row[0] == city && row[1] == String(m.trades) && row[2] == String(m.wins), "\(row)")
            let pnl = try #require(row[3].flatMap { Money(dollars: $0) }, "\(row)")
            #expect(pnl == m.totalPnL, "\(row) vs \(m.totalPnL)")
        }
        #expect(result.metrics.trades == 12)
    }

    @Test("with no --dsn, the PG* environment variables reach libpq as they do for psql")
    func environmentVariables() throws {
        let db = try ScratchDatabase("env")
        let dir = try ScratchDirectory()
        let world = CityWorld(
            city: WorldCity.named("MIA")!, seed: 2, start: Fixture.date("2025-05-01"), end: Fixture.date("2025-05-01"))
        try Fixture.append(world, to: dir.path + "/MIA")
        // host=… port=… user=… dbname=… → PGHOST, PGPORT, PGUSER, PGDATABASE (the last of a key wins).
        var env = ProcessInfo.processInfo.environment
        let names = ["host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "dbname": "PGDATABASE"]
        for pair in db.conninfo.split(separator: " ") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2, let name = names[kv[0]] { env[name] = kv[1] }
        }
        let exe = try #require(IsothermBinary.path, "swift build first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["project", "postgres", "--world", dir.path, "--tables", "kalshi.markets"]
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let rows = try db.connect().query("SELECT COUNT(*) FROM kalshi.markets WHERE city = 'miami'")
        #expect(rows == [["6"]], "six markets for one day")
    }
}
