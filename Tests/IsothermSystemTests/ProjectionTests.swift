import Foundation
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermPostgres
import IsothermStore
import IsothermWorld
import Testing

/// The conninfo of the throwaway cluster that `tools/test` starts; unset under a bare `swift test`.
let projectionConninfo = ProcessInfo.processInfo.environment["ISOTHERM_TEST_PG_CONNINFO"]

// MARK: - Fixtures

/// A database of its own for one test (tests run in parallel), dropped at the end.
final class ScratchDatabase {
    let name: String
    let conninfo: String
    private let admin: PostgresConnection

    init(_ label: String) throws {
        let base = try #require(projectionConninfo)
        admin = try PostgresConnection(conninfo: base)
        _ = try admin.query("SET client_min_messages TO warning")
        name = "isotherm_proj_\(label)_\(getpid())"
        _ = try admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        _ = try admin.query("CREATE DATABASE \(name)")
        // Later keywords override earlier ones in a libpq connection string.
        conninfo = base + " dbname=\(name)"
    }

    func connect() throws -> PostgresConnection { try PostgresConnection(conninfo: conninfo) }

    deinit { _ = try? admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
}

/// A temporary directory, removed at the end.
final class ScratchDirectory {
    let path: String
    init() throws {
        var template = Array((NSTemporaryDirectory() + "isotherm-proj.XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { throw ProjectionError("mkdtemp failed") }
        path = String(cString: p)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum Fixture {
    static func date(_ s: String) -> LocalDate { LocalDate(iso8601: s)! }

    static func world(_ start: String, _ end: String) -> [EventRecord] {
        Array(CityWorld(city: WorldCity.named("NY")!, seed: 1, start: date(start), end: date(end)))
    }

    static func append(_ records: some Sequence<EventRecord>, to directory: String) throws {
        let w = try EventLogWriter(directory: directory)
        for r in records { try w.append(r) }
        try w.flush(sync: false)
        try w.close()
    }

    static func project(
        _ db: ScratchDatabase, _ logs: [String], mode: ProjectionMode = .auto,
        tables: [ProjectedTable] = ProjectedTable.allCases
    ) throws -> ProjectionReport {
        let connection = try db.connect()
        return try PostgresProjector(connection: connection).run(
            ProjectionRequest(logs: logs, tables: tables, mode: mode))
    }

    /// A backtest over `logs`, as `isotherm backtest` runs it.
    static func backtest(_ logs: [String], _ strategy: StrategyChoice) throws -> BacktestResult {
        try Backtest.run(
            BacktestConfig(
                logs: logs, strategy: strategy, exchange: ExchangeOptions(fillModel: .assume), threads: 1,
                engineVersion: "test"))
    }

    /// The events `isotherm backtest --save` appends for a run.
    static func runEvents(_ r: BacktestResult) -> [EventRecord] { r.runsLogEvents }

    /// Every row of a table as text, in primary-key order.
    static func dump(_ connection: PostgresConnection, _ table: ProjectedTable) throws -> [[String?]] {
        try connection.query(
            "SELECT * FROM \(table.rawValue) ORDER BY \(table.spec.primaryKey.joined(separator: ", "))")
    }

    static func count(_ connection: PostgresConnection, _ sql: String) throws -> Int {
        guard let text = try connection.query(sql).first?.first ?? nil, let n = Int(text) else { return -1 }
        return n
    }

    static func utc(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }
}

// MARK: - Without a server

@Suite("Binary COPY encoding")
struct ProjectionEncodingTests {
    @Test("numeric digits are base 10000 with the weight of the first, zeros trimmed")
    func numericDigits() {
        #expect(BinaryCopyWriter.numericDigits(0, scale: 1).digits == [])
        #expect(BinaryCopyWriter.numericDigits(455, scale: 1) == ([45, 5000], 0))
        #expect(BinaryCopyWriter.numericDigits(-455, scale: 1) == ([45, 5000], 0))
        #expect(BinaryCopyWriter.numericDigits(200_000_000, scale: 6) == ([200], 0))
        #expect(BinaryCopyWriter.numericDigits(6_300, scale: 6) == ([63], -1))
        #expect(BinaryCopyWriter.numericDigits(123_456_789_012, scale: 6) == ([12, 3456, 7890, 1200], 1))
        #expect(BinaryCopyWriter.numericDigits(1, scale: 6) == ([100], -2))
    }

    @Test("timestamps are microseconds since 2000-01-01, cut toward the past")
    func timestamps() {
        #expect(BinaryCopyWriter.postgresMicros(Timestamp(rfc3339: "2000-01-01T00:00:00Z")!) == 0)
        #expect(BinaryCopyWriter.postgresMicros(Timestamp(rfc3339: "2000-01-01T00:00:01.0000019Z")!) == 1_000_001)
        #expect(BinaryCopyWriter.postgresMicros(Timestamp(nanos: -1)) == -946_684_800_000_001)
    }

    @Test("the DDL files in Schemas/postgres are the projector's")
    func ddlFilesMatch() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for schema in ProjectionSchema.schemas {
            let file = root.appendingPathComponent("Schemas/postgres/\(schema).sql").path
            if ProcessInfo.processInfo.environment["ISOTHERM_REGENERATE_DDL"] == "1" {
                try ProjectionSchema.ddlFile(schema: schema).write(toFile: file, atomically: true, encoding: .utf8)
            }
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text == ProjectionSchema.ddlFile(schema: schema), "\(file) differs: regenerate with --ddl")
        }
    }

    @Test("table names parse qualified or bare")
    func tableNames() {
        #expect(ProjectedTable(named: "kalshi.candles_1m") == .candles)
        #expect(ProjectedTable(named: "trade") == .simTrade)
        #expect(ProjectedTable(named: "kalshi.trade") == nil)
    }
}

// MARK: - Against PostgreSQL

@Suite(
    "Projection into PostgreSQL",
    .enabled(if: projectionConninfo != nil, "ISOTHERM_TEST_PG_CONNINFO is unset: run tools/test"))
struct ProjectionTests {
    @Test("a rebuild loads every table with exact values in the old units, and the seed's coverage query runs")
    func rebuild() throws {
        let db = try ScratchDatabase("rebuild")
        let dir = try ScratchDirectory()
        let log = dir.path + "/NY"
        let events = Fixture.world("2025-06-01", "2025-06-03")
        try Fixture.append(events, to: log)

        let report = try Fixture.project(db, [log])
        #expect(report.mode == .rebuild)
        let c = try db.connect()

        // Counts, from the events themselves.
        var candles: [(Timestamp, Candle)] = []
        var listed: [MarketListed] = []
        var observations = 0
        var forecasts = Set<String>()
        var finals: [LocalDate: Int32] = [:]
        var determinations = 0
        for e in events {
            switch e.event {
            case .candle(let x): candles.append((e.time, x))
            case .marketListed(let m): listed.append(m)
            case .observation: observations += 1
            case .dailyForecast(let f): forecasts.insert("\(f.targetDate) \(f.basisDate)")
            case .settlement(let s) where s.isFinal: finals[s.climateDate] = s.high.tenths / 10
            case .marketLifecycle(let l) where l.transition == .determined: determinations += 1
            default: break
            }
        }
        #expect(listed.count == 18)
        #expect(try Fixture.count(c, "SELECT count(*) FROM kalshi.markets") == 18)
        #expect(try Fixture.count(c, "SELECT count(*) FROM kalshi.candles_1m") == candles.count)
        #expect(try Fixture.count(c, "SELECT count(*) FROM wx.minute_obs") == observations)
        #expect(try Fixture.count(c, "SELECT count(*) FROM wx.forecast_snapshot") == forecasts.count)
        #expect(try Fixture.count(c, "SELECT count(*) FROM sim.market_open_log") == 18)
        #expect(try Fixture.count(c, "SELECT count(*) FROM kalshi.markets WHERE result IS NOT NULL") == determinations)
        #expect(report.tables.first { $0.table == .candles }?.rows == Int64(candles.count))

        // The seed's coverage query, unchanged.
        let coverage = try c.query(
            "SELECT city, COUNT(DISTINCT event_date) as days FROM kalshi.markets WHERE event_date >= '2024-01-01' GROUP BY city;"
        )
        #expect(coverage == [["new_york", "3"]])

        // One candle, every column, in cents.
        let (time, candle) = candles[candles.count / 2]
        func cents(_ p: Price?) -> String? { p.map { String($0.micros / 10_000) } }
        let row = try c.query(
            """
            SELECT yes_bid_open_c, yes_bid_high_c, yes_bid_low_c, yes_bid_c, yes_ask_open_c, yes_ask_high_c,
                   yes_ask_low_c, yes_ask_c, open_c, high_c, low_c, close_c, volume, open_interest
            FROM kalshi.candles_1m
            WHERE ticker = '\(candle.ticker)' AND \(Fixture.utc("end_period_ts")) = '\(time.rfc3339)'
            """)
        let b = candle.yesBid
        let a = candle.yesAsk
        let p = candle.price
        let expected: [String?] =
            [cents(b?.open), cents(b?.high), cents(b?.low), cents(b?.close)]
            + [cents(a?.open), cents(a?.high), cents(a?.low), cents(a?.close)]
            + [cents(p?.open), cents(p?.high), cents(p?.low), cents(p?.close)]
            + [String(candle.volume.hundredths / 100), String(candle.openInterest.hundredths / 100)]
        #expect(row == [expected])
        #expect(b != nil && a != nil)

        // One market, every listing column.
        let m = listed[1]
        let market = try c.query(
            """
            SELECT event_ticker, series_ticker, city, event_date::text, strike_type, floor_strike::text,
                   cap_strike::text, \(Fixture.utc("listed_at")), \(Fixture.utc("close_time")), fee_multiplier::text,
                   result, settlement_value_c
            FROM kalshi.markets WHERE ticker = '\(m.ticker)'
            """)
        func strike(_ t: Temperature?) -> String? {
            t.map { FixedPoint.format(Int64($0.tenths), scale: 1, minDecimals: 1) }
        }
        let won = WorldPlan.wins(m, high: finals[m.eventDate]!)
        #expect(
            market == [
                [
                    m.eventTicker.description, "KXHIGHNY", "new_york", m.eventDate.iso8601, m.strikeType.name,
                    strike(m.floorStrike), strike(m.capStrike), m.openTime.rfc3339, m.closeTime.rfc3339, "1",
                    won ? "yes" : "no", won ? "100" : "0",
                ]
            ])

        // Official highs, whole °F, final.
        let settlements = try c.query("SELECT date::text, tmax_final, is_final FROM wx.settlement ORDER BY date")
        let expectedFinals = finals.keys.sorted().map { [$0.iso8601, String(finals[$0]!), "t"] as [String?] }
        #expect(settlements == expectedFinals)

        // Checkpoints: every table read the whole log.
        let last = UInt64(events.count)
        let checkpoints = try c.query("SELECT table_name, last_sequence FROM isotherm.projection_checkpoint ORDER BY 1")
        #expect(checkpoints.count == ProjectedTable.allCases.count)
        #expect(checkpoints.allSatisfy { $0[1] == String(last) })
        #expect(try Fixture.count(c, "SELECT count(*) FROM pg_namespace WHERE nspname = 'isotherm_staging'") == 0)

        // A second rebuild gives the same rows.
        let before = try ProjectedTable.allCases.map { try Fixture.dump(c, $0) }
        _ = try Fixture.project(db, [log], mode: .rebuild)
        #expect(try ProjectedTable.allCases.map { try Fixture.dump(c, $0) } == before)
    }

    @Test("catch-ups after appends (a run half written, then finished) give a clean rebuild's rows, row by row")
    func incrementalMatchesRebuild() throws {
        let dbA = try ScratchDatabase("incr_a")
        let dbB = try ScratchDatabase("incr_b")
        let dir = try ScratchDirectory()
        let world = dir.path + "/NY"
        let runs = dir.path + "/runs"
        let events = Fixture.world("2025-06-01", "2025-06-04")
        // Cuts in the middle of days, so markets, reports and orders straddle them.
        let cut1 = events.count * 2 / 5 + 17
        let cut2 = events.count * 7 / 10 + 5

        try Fixture.append(events[..<cut1], to: world)
        let first = try Fixture.backtest([world], .openMaker(OpenMaker.Parameters()))
        try Fixture.append(Fixture.runEvents(first), to: runs)
        let r1 = try Fixture.project(dbA, [world, runs])
        #expect(r1.mode == .rebuild)

        try Fixture.append(events[cut1..<cut2], to: world)
        var exit = OpenMaker.Parameters()
        exit.exit = OpenMaker.ExitRule()
        exit.entryPrice = Price(cents: 40)
        let second = try Fixture.backtest([world], .openMaker(exit))
        let secondEvents = Fixture.runEvents(second)
        let half = secondEvents.count / 2
        try Fixture.append(secondEvents[..<half], to: runs)
        let r2 = try Fixture.project(dbA, [world, runs], mode: .incremental)
        #expect(r2.mode == .incremental)
        let a = try dbA.connect()
        // The run being written is not projected yet, and its start is where sim.* will resume.
        #expect(try Fixture.count(a, "SELECT count(*) FROM sim.run") == 1)
        let runsLog = URL(fileURLWithPath: runs).resolvingSymlinksInPath().path
        let simCheckpoint = try a.query(
            "SELECT last_sequence FROM isotherm.projection_checkpoint WHERE table_name = 'sim.trade' AND log LIKE '%/runs'"
        )
        #expect(simCheckpoint == [[String(Fixture.runEvents(first).count)]], "\(runsLog)")

        try Fixture.append(secondEvents[half...], to: runs)
        try Fixture.append(events[cut2...], to: world)
        let third = try Fixture.backtest([world], .openMaker(OpenMaker.Parameters()))
        try Fixture.append(Fixture.runEvents(third), to: runs)
        let r3 = try Fixture.project(dbA, [world, runs])
        #expect(r3.mode == .incremental)
        #expect(try Fixture.count(a, "SELECT count(*) FROM sim.run") == 3)

        _ = try Fixture.project(dbB, [world, runs], mode: .rebuild)
        let b = try dbB.connect()
        for t in ProjectedTable.allCases {
            let rowsA = try Fixture.dump(a, t)
            let rowsB = try Fixture.dump(b, t)
            #expect(
                rowsA.count == rowsB.count, "\(t.rawValue): \(rowsA.count) rows after catch-ups, \(rowsB.count) rebuilt"
            )
            for (x, y) in zip(rowsA, rowsB) where x != y {
                Issue.record("\(t.rawValue) differs:\n  catch-up \(x)\n  rebuild  \(y)")
                break
            }
        }
        let cp = "SELECT table_name, log, last_sequence FROM isotherm.projection_checkpoint ORDER BY 1, 2"
        #expect(try a.query(cp) == b.query(cp))

        // sim.trade and sim.run agree with the backtest itself, to the micro-dollar.
        for result in [first, second, third] {
            let trades = try a.query(
                """
                SELECT client_order_id, num_contracts, amount_usd::text, fees::text, pnl_net::text, bin_won,
                       tmax_final, d.action
                FROM sim.trade JOIN sim.decision d USING (run_id, input_log, decision_no)
                WHERE run_id = '\(result.manifest.runId)' ORDER BY client_order_id
                """)
            let filled = result.trades.filter { $0.contracts.hundredths > 0 }.sorted {
                $0.clientOrderId < $1.clientOrderId
            }
            #expect(trades.count == filled.count)
            #expect(!filled.isEmpty)
            for (row, t) in zip(trades, filled) {
                #expect(row[0] == t.clientOrderId)
                #expect(row[1] == String(t.contracts.hundredths / 100))
                #expect(row[2] == t.cost.dollarString)
                #expect(row[3] == t.fees.dollarString)
                #expect(row[4] == (t.settled ? t.netPnL.dollarString : nil))
                #expect(row[5] == t.bracketWon.map { $0 ? "t" : "f" })
                #expect(row[6] == t.settledHigh.map(String.init))
                #expect(row[7] == "post")
            }
            let run = try a.query(
                "SELECT total_pnl::text, num_trades, num_wins, output_hash FROM sim.run WHERE run_id = '\(result.manifest.runId)'"
            )
            #expect(
                run == [
                    [
                        result.metrics.totalPnL.dollarString, String(result.metrics.trades),
                        String(result.metrics.wins), result.outputHash,
                    ]
                ])
        }
    }

    @Test("live orders fold intents, acknowledgements, fills and cancels, across catch-ups as in a rebuild")
    func liveOrders() throws {
        let dbA = try ScratchDatabase("live_a")
        let dbB = try ScratchDatabase("live_b")
        let dir = try ScratchDirectory()
        let log = dir.path + "/live"
        let t0 = Timestamp(rfc3339: "2025-06-09T14:00:00Z")!
        func at(_ minutes: Int64) -> Timestamp { t0.adding(nanos: minutes * Timestamp.nanosPerMinute) }
        let ticker = Symbol("KXHIGHCHI-25JUN10-B80.5")!
        func intent(_ id: String, _ cents: Int64, _ count: Int64) -> Event {
            .orderIntent(
                OrderIntent(
                    clientOrderId: id, ticker: ticker, side: .yes, action: .buy, type: .limit,
                    price: Price(cents: cents), count: Count(contracts: count), postOnly: true, decisionSequence: 7))
        }
        func fill(_ id: String, _ cents: Int64, _ count: Int64, fee micros: Int64) -> Event {
            .fill(
                Fill(
                    clientOrderId: id, orderId: "ord-\(id)", tradeId: "tr-\(id)-\(count)", ticker: ticker, side: .yes,
                    action: .buy, price: Price(cents: cents), count: Count(contracts: count),
                    fee: Money(micros: micros), isTaker: false))
        }
        let manifest = Event.runManifest(
            RunManifest(
                runId: "live-1", phase: .started, runKind: "live", engineVersion: "test", configHash: "",
                parameters: [],
                inputs: [], outputHash: ""))
        let part1: [EventRecord] = [
            EventRecord(time: at(0), event: manifest),
            EventRecord(time: at(1), event: intent("a", 45, 10)),
            EventRecord(
                time: at(1), event: .orderAcknowledged(OrderAcknowledged(clientOrderId: "a", orderId: "ord-a"))),
            EventRecord(time: at(2), event: intent("b", 30, 4)),
            EventRecord(time: at(3), event: fill("a", 45, 3, fee: 6_300)),
            EventRecord(
                time: at(4),
                event: .orderRejected(
                    OrderRejected(clientOrderId: "b", code: "risk_max_contracts", message: "too many"))),
        ]
        let part2: [EventRecord] = [
            EventRecord(time: at(5), event: fill("a", 45, 5, fee: 3_700)),
            EventRecord(time: at(6), event: intent("c", 50, 2)),
            EventRecord(
                time: at(7),
                event: .orderCanceled(
                    OrderCanceled(clientOrderId: "a", reason: "expired", canceledCount: Count(contracts: 2)))),
            EventRecord(time: at(8), event: fill("c", 50, 2, fee: 0)),
        ]
        try Fixture.append(part1, to: log)
        _ = try Fixture.project(dbA, [log], tables: [.liveOrders])
        try Fixture.append(part2, to: log)
        _ = try Fixture.project(dbA, [log], tables: [.liveOrders])
        _ = try Fixture.project(dbB, [log], mode: .rebuild, tables: [.liveOrders])
        let a = try dbA.connect()
        let b = try dbB.connect()
        #expect(try Fixture.dump(a, .liveOrders) == Fixture.dump(b, .liveOrders))
        let rows = try a.query(
            """
            SELECT client_order_id, status, filled_contracts, fill_cost::text, fees::text, price_c, city,
                   event_date::text, canceled_contracts, reject_code
            FROM sim.live_orders ORDER BY client_order_id
            """)
        #expect(
            rows == [
                ["a", "canceled", "8", "3.60", "0.01", "45", "chicago", "2025-06-10", "2", nil],
                ["b", "rejected", "0", "0.00", "0.00", "30", "chicago", "2025-06-10", nil, "risk_max_contracts"],
                ["c", "filled", "2", "1.00", "0.00", "50", "chicago", "2025-06-10", nil, nil],
            ])
    }

    @Test("a table of another shape stops the projection with a clear error and is left as it was")
    func conflictingShape() throws {
        let db = try ScratchDatabase("shape")
        let dir = try ScratchDirectory()
        let log = dir.path + "/NY"
        try Fixture.append(Fixture.world("2025-06-01", "2025-06-01"), to: log)
        let c = try db.connect()
        _ = try c.query("SET client_min_messages TO warning")
        _ = try c.query("CREATE SCHEMA kalshi")
        _ = try c.query("CREATE TABLE kalshi.markets (ticker text PRIMARY KEY, city text, event_date date)")
        _ = try c.query("INSERT INTO kalshi.markets VALUES ('OLD-1', 'chicago', '2024-03-01')")
        for mode in [ProjectionMode.rebuild, .incremental, .auto] {
            #expect {
                _ = try Fixture.project(db, [log], mode: mode)
            } throws: { error in
                let text = "\(error)"
                return text.contains("kalshi.markets exists with another shape")
                    && text.contains("column 2 is \"city text\", the projection writes \"event_ticker text NOT NULL\"")
            }
        }
        #expect(try c.query("SELECT * FROM kalshi.markets") == [["OLD-1", "chicago", "2024-03-01"]])
        #expect(try Fixture.count(c, "SELECT count(*) FROM pg_namespace WHERE nspname = 'isotherm_staging'") == 0)
        #expect(try Fixture.count(c, "SELECT count(*) FROM pg_tables WHERE schemaname IN ('kalshi', 'wx', 'sim')") == 1)

        // A view in a table's place is not replaced either.
        _ = try c.query("CREATE SCHEMA IF NOT EXISTS wx")
        _ = try c.query("CREATE VIEW wx.settlement AS SELECT 1 AS x")
        #expect {
            _ = try Fixture.project(db, [log], tables: [.settlement])
        } throws: { "\($0)".contains("wx.settlement exists but is a view") }
    }

    @Test("a failed rebuild leaves the old tables; a replaced log stops a catch-up")
    func failedRebuildKeepsOldTables() throws {
        let db = try ScratchDatabase("failed")
        let dir = try ScratchDirectory()
        let good = dir.path + "/NY"
        let events = Fixture.world("2025-06-01", "2025-06-01")
        try Fixture.append(events, to: good)
        _ = try Fixture.project(db, [good])
        let c = try db.connect()
        let before = try ProjectedTable.allCases.map { try Fixture.dump(c, $0) }
        let checkpoints = try c.query("SELECT * FROM isotherm.projection_checkpoint ORDER BY 1, 2")

        // A candle at a sub-cent price cannot go into a cents column: the rebuild fails, naming it.
        let bad = dir.path + "/bad"
        let odd = Candle(
            ticker: Symbol("KXHIGHNY-25JUN01-B80.5")!, yesBid: OHLC(flat: Price(micros: 455_000)),
            yesAsk: OHLC(flat: Price(cents: 47)), price: nil, volume: Count(contracts: 1), openInterest: .zero)
        try Fixture.append(
            [
                EventRecord(time: Timestamp(rfc3339: "2025-06-01T12:00:00Z")!, event: .candle(odd))
            ], to: bad)
        #expect {
            _ = try Fixture.project(db, [good, bad], mode: .rebuild)
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(bad), event 1") && text.contains("0.455") && text.contains("whole number of cents")
        }
        #expect(try ProjectedTable.allCases.map { try Fixture.dump(c, $0) } == before)
        #expect(try c.query("SELECT * FROM isotherm.projection_checkpoint ORDER BY 1, 2") == checkpoints)
        #expect(try Fixture.count(c, "SELECT count(*) FROM pg_namespace WHERE nspname = 'isotherm_staging'") == 0)

        // The same failure in a catch-up rolls the whole transaction back.
        #expect(throws: ProjectionError.self) { _ = try Fixture.project(db, [good, bad], mode: .incremental) }
        #expect(try ProjectedTable.allCases.map { try Fixture.dump(c, $0) } == before)

        // A log shorter than its checkpoint was replaced: a catch-up refuses it.
        try FileManager.default.removeItem(atPath: good)
        try Fixture.append(events.prefix(100), to: good)
        #expect {
            _ = try Fixture.project(db, [good], mode: .incremental)
        } throws: { "\($0)".contains("now ends at 100") && "\($0)".contains("--rebuild") }
        #expect(try ProjectedTable.allCases.map { try Fixture.dump(c, $0) } == before)
    }

    @Test("the DDL files create tables the projector accepts and catches up into")
    func ddlFilesCreateTheTables() throws {
        let db = try ScratchDatabase("ddl")
        let dir = try ScratchDirectory()
        let log = dir.path + "/NY"
        try Fixture.append(Fixture.world("2025-06-01", "2025-06-01"), to: log)
        let c = try db.connect()
        _ = try c.query("SET client_min_messages TO warning")
        for schema in ProjectionSchema.schemas { try c.execute(ProjectionSchema.ddlFile(schema: schema)) }
        let report = try Fixture.project(db, [log])
        #expect(report.mode == .incremental)
        #expect(try Fixture.count(c, "SELECT count(*) FROM kalshi.markets") == 6)
        let rebuilt = try ScratchDatabase("ddl_b")
        _ = try Fixture.project(rebuilt, [log], mode: .rebuild)
        let r = try rebuilt.connect()
        for t in ProjectedTable.allCases { #expect(try Fixture.dump(c, t) == Fixture.dump(r, t), "\(t.rawValue)") }
    }

    @Test("an unreachable server and a wrong password give one clear line without the password")
    func badConnections() throws {
        #expect {
            _ = try PostgresConnection(conninfo: "host=/nonexistent/isotherm-proj port=1 connect_timeout=2")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .connectionFailed && error.message.hasPrefix("cannot connect to PostgreSQL:")
        }

        // The test cluster trusts local users; this role alone needs a password (a rule placed first).
        let base = try #require(projectionConninfo)
        let admin = try PostgresConnection(conninfo: base)
        _ = try admin.query("SET client_min_messages TO warning")
        let role = "isotherm_pw_test_\(getpid())"
        _ = try admin.query("DROP ROLE IF EXISTS \(role)")
        _ = try admin.query("CREATE ROLE \(role) LOGIN PASSWORD 'right-s3cret'")
        let hba = try #require(try admin.query("SELECT current_setting('hba_file')").first?.first ?? nil)
        let original = try #require(
            try admin.query("SELECT pg_read_file(current_setting('hba_file'))").first?.first ?? nil)
        func write(_ text: String) throws {
            let oid = try #require(
                try admin.query("SELECT lo_from_bytea(0, convert_to(\(try admin.literal(text)), 'UTF8'))").first?.first
                    ?? nil)
            _ = try admin.query("SELECT lo_export(\(oid), \(try admin.literal(hba)))")
            _ = try admin.query("SELECT lo_unlink(\(oid))")
            _ = try admin.query("SELECT pg_reload_conf()")
        }
        try write("local all \(role) scram-sha-256\n" + original)
        defer {
            try? write(original)
            _ = try? admin.query("DROP ROLE IF EXISTS \(role)")
        }
        let wrong = base + " user=\(role) password=wrong-hunter2"
        var failure: PostgresError?
        for _ in 0..<50 {
            do {
                _ = try PostgresConnection(conninfo: wrong)
                usleep(100_000)  // the reload is asynchronous
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure)
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("password authentication failed"), "\(error.message)")
        #expect(!error.message.contains("wrong-hunter2") && !error.message.contains("\n"))
        // The right password works, so the failure above was the password's.
        _ = try PostgresConnection(conninfo: base + " user=\(role) password=right-s3cret")
    }
}
