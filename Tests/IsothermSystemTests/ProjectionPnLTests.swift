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
}
