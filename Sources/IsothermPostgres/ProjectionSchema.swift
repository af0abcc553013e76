/// A Postgres table the projector writes. The raw value is the qualified name users query.
package enum ProjectedTable: String, CaseIterable, Sendable, Comparable {
    case markets = "kalshi.markets"
    case candles = "kalshi.candles_1m"
    case settlement = "wx.settlement"
    case forecast = "wx.forecast_snapshot"
    case forecastHourly = "wx.forecast_snapshot_hourly"
    case minuteObs = "wx.minute_obs"
    case simRun = "sim.run"
    case simDecision = "sim.decision"
    case simTrade = "sim.trade"
    case marketOpenLog = "sim.market_open_log"
    case liveOrders = "sim.live_orders"

    package var schema: String { String(rawValue.prefix { $0 != "." }) }
    package var name: String { String(rawValue.drop { $0 != "." }.dropFirst()) }

    /// Parses `kalshi.markets` or, when unambiguous, `markets`.
    package init?(named text: String) {
        if let t = ProjectedTable(rawValue: text) {
            self = t
            return
        }
        let matches = ProjectedTable.allCases.filter { $0.name == text }
        guard matches.count == 1 else { return nil }
        self = matches[0]
    }

    package var spec: TableSpec { ProjectionSchema.spec(self) }

    package static func < (a: ProjectedTable, b: ProjectedTable) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A column's SQL type and how its values are sent in binary COPY.
package enum ColumnType: Equatable, Sendable {
    case smallint, integer, bigint, boolean, text, date, timestamptz, jsonb
    /// `numeric(precision, scale)`: every value is sent with exactly `scale` decimals.
    case fixed(precision: Int, scale: Int)
    /// Unconstrained `numeric`: values are sent with the decimals they need, at least `minScale`
    /// (money: `200.00`, `0.0063`).
    case decimal(minScale: Int)

    package var sql: String {
        switch self {
        case .smallint: "smallint"
        case .integer: "integer"
        case .bigint: "bigint"
        case .boolean: "boolean"
        case .text: "text"
        case .date: "date"
        case .timestamptz: "timestamp with time zone"
        case .jsonb: "jsonb"
        case .fixed(let p, let s): "numeric(\(p),\(s))"
        case .decimal: "numeric"
        }
    }
}

/// How a keyed table folds a new value for a column into the row it already holds (in memory
/// during a rebuild, in SQL during a catch-up — the same rule both ways, so both give one result).
package enum MergeRule: Sendable {
    /// Part of the primary key.
    case key
    /// The latest value given wins; an event that says nothing (NULL) keeps the old one.
    case latest
    /// The first value given wins (sim rows: a run saved twice is the same run).
    case first
    /// Values add up (fills on an order); absent counts as 0.
    case sum
}

package struct Column: Sendable {
    package var name: String
    package var type: ColumnType
    package var notNull: Bool
    package var merge: MergeRule
    /// `GENERATED ALWAYS AS (…) STORED`: computed by the server, never sent.
    package var generated: String?
    package var comment: String

    init(_ name: String, _ type: ColumnType, notNull: Bool = false, generated: String? = nil, _ comment: String) {
        self.init(name, type, notNull: notNull, .latest, generated: generated, comment)
    }

    init(
        _ name: String, _ type: ColumnType, notNull: Bool = false, _ merge: MergeRule, generated: String? = nil,
        _ comment: String
    ) {
        self.name = name
        self.type = type
        self.notNull = notNull
        self.merge = merge
        self.generated = generated
        self.comment = comment
    }
}

/// How a table is filled.
package enum TableKind: Sendable {
    /// One row per event, streamed with COPY; a repeated primary key is an error.
    case append
    /// Rows folded by primary key with each column's ``MergeRule``.
    case keyed
}

package struct TableSpec: Sendable {
    package var table: ProjectedTable
    package var kind: TableKind
    package var columns: [Column]
    package var primaryKey: [String]
    /// Secondary indexes: name and column list.
    package var indexes: [(name: String, columns: String)]
    package var comment: String

    /// The columns sent in COPY (all but generated ones), in table order.
    package var loaded: [Column] { columns.filter { $0.generated == nil } }
    package var loadedNames: String { loaded.map(\.name).joined(separator: ", ") }
    package var primaryKeyName: String { table.name + "_pkey" }

    /// The column list of `CREATE TABLE`, without keys or indexes.
    package var columnDefinitions: String {
        columns.map { c in
            var line = "    \(c.name) \(c.type.sql)"
            if let g = c.generated { line += " GENERATED ALWAYS AS (\(g)) STORED" }
            if c.notNull { line += " NOT NULL" }
            if c.merge == .sum { line += " DEFAULT 0" }
            return line
        }.joined(separator: ",\n")
    }

    /// `CREATE TABLE schema.name (…)` (no keys) for a table named `qualifiedName`.
    package func createTable(_ qualifiedName: String) -> String {
        "CREATE TABLE \(qualifiedName) (\n\(columnDefinitions)\n)"
    }

    /// The primary key and indexes, for a table named `qualifiedName`.
    package func constraints(_ qualifiedName: String) -> [String] {
        [
            "ALTER TABLE \(qualifiedName) ADD CONSTRAINT \(primaryKeyName) PRIMARY KEY (\(primaryKey.joined(separator: ", ")))"
        ]
            + indexes.map { "CREATE INDEX \($0.name) ON \(qualifiedName) (\($0.columns))" }
    }

    /// `COMMENT ON` statements for a table named `qualifiedName`.
    package func comments(_ qualifiedName: String) -> [String] {
        ["COMMENT ON TABLE \(qualifiedName) IS \(ProjectionSchema.quote(comment))"]
            + columns.map { "COMMENT ON COLUMN \(qualifiedName).\($0.name) IS \(ProjectionSchema.quote($0.comment))" }
    }

    /// The DDL a user can run by hand (`Schemas/postgres/<schema>.sql`): idempotent.
    package var ddl: String {
        let q = table.rawValue
        var out = "CREATE TABLE IF NOT EXISTS \(q) (\n\(columnDefinitions),\n"
        out += "    CONSTRAINT \(primaryKeyName) PRIMARY KEY (\(primaryKey.joined(separator: ", ")))\n);\n"
        for i in indexes { out += "CREATE INDEX IF NOT EXISTS \(i.name) ON \(q) (\(i.columns));\n" }
        for c in comments(q) { out += c + ";\n" }
        return out
    }
}

/// The tables of the old system's database, as the projector writes them (`Schemas/postgres/`).
///
/// Units follow the old tables: prices in integer cents (an exact conversion: a price that is not a
/// whole number of cents is an error, not a rounding), money in dollars as exact `numeric`,
/// temperatures in °F (`numeric(5,1)`, whole °F as `smallint` for official highs), counts in whole
/// contracts, times as `timestamptz`, dates as `date`. Cities use the old lowercase names.
package enum ProjectionSchema {
    package static let stagingSchema = "isotherm_staging"
    package static let checkpointTable = "isotherm.projection_checkpoint"

    package static func quote(_ s: String) -> String { "'" + s.replacing("'", with: "''") + "'" }

    package static let checkpointDDL = """
        CREATE TABLE IF NOT EXISTS isotherm.projection_checkpoint (
            table_name text NOT NULL,
            log text NOT NULL,
            last_sequence bigint NOT NULL,
            projected_at timestamp with time zone NOT NULL DEFAULT now(),
            CONSTRAINT projection_checkpoint_pkey PRIMARY KEY (table_name, log)
        );
        COMMENT ON TABLE isotherm.projection_checkpoint IS 'How far each projected table has read each log: a catch-up (isotherm project postgres --incremental) applies only later events, in the transaction that moves this row.';
        COMMENT ON COLUMN isotherm.projection_checkpoint.table_name IS 'Qualified table name (kalshi.candles_1m).';
        COMMENT ON COLUMN isotherm.projection_checkpoint.log IS 'The log directory (absolute path).';
        COMMENT ON COLUMN isotherm.projection_checkpoint.last_sequence IS 'The last sequence number of the log the table reflects.';
        COMMENT ON COLUMN isotherm.projection_checkpoint.projected_at IS 'When the projector moved the checkpoint (wall clock; informational).';

        """

    /// The DDL file for one schema (`kalshi`, `wx`, `sim`, `isotherm`).
    package static func ddlFile(schema: String) -> String {
        var out = """
            -- Isotherm's projection of its event logs into the old system's \(schema) schema.
            -- Generated from Sources/IsothermPostgres/ProjectionSchema.swift: `isotherm project postgres --ddl`
            -- prints it; `ISOTHERM_REGENERATE_DDL=1 swift test --filter ProjectionEncodingTests` rewrites
            -- this file, and without the variable that test checks it matches. `isotherm project postgres`
            -- creates the tables itself; this file is for reading, and for creating them by hand.

            CREATE SCHEMA IF NOT EXISTS \(schema);

            """
        if schema == "isotherm" { return out + "\n" + checkpointDDL }
        for t in ProjectedTable.allCases where t.schema == schema { out += "\n" + t.spec.ddl }
        return out
    }

    package static let schemas = ["kalshi", "wx", "sim", "isotherm"]

    // swift-format-ignore
    package static func spec(_ table: ProjectedTable) -> TableSpec {
        switch table {
        case .markets:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("ticker", .text, notNull: true, .key, "Market ticker (KXHIGHNY-25JUN10-B80.5)."),
                    Column("event_ticker", .text, notNull: true, "Event ticker (KXHIGHNY-25JUN10)."),
                    Column("series_ticker", .text, notNull: true, "Series ticker (KXHIGHNY)."),
                    Column("city", .text, notNull: true, "Old city name: new_york, chicago, miami, austin, denver, los_angeles, philadelphia (other series: the series suffix, lowercased)."),
                    Column("event_date", .date, notNull: true, "The local climate day the market measures."),
                    Column("strike_type", .text, notNull: true, "less, less_or_equal, between, greater, greater_or_equal, other."),
                    Column("floor_strike", .fixed(precision: 6, scale: 1), "Lower strike, °F (NULL when open below)."),
                    Column("cap_strike", .fixed(precision: 6, scale: 1), "Upper strike, °F (NULL when open above)."),
                    Column("title", .text, notNull: true, "Kalshi's title."),
                    Column("fee_type", .text, notNull: true, "Series fee schedule (quadratic, …)."),
                    Column("fee_multiplier", .decimal(minScale: 0), notNull: true, "Series fee multiplier (1 = the standard fee)."),
                    Column("listed_at", .timestamptz, notNull: true, "Open time as listed: the authoritative market-open timestamp of the old system."),
                    Column("open_time", .timestamptz, notNull: true, "Open time, as last updated by a lifecycle event."),
                    Column("close_time", .timestamptz, notNull: true, "Close time, as last updated by a lifecycle event."),
                    Column("status", .text, "Latest lifecycle transition: created, activated, deactivated, determined, settled (NULL before any)."),
                    Column("result", .text, "yes, no or scalar, once determined."),
                    Column("settlement_value_c", .smallint, "Payout per YES contract, cents, once determined."),
                    Column("determined_at", .timestamptz, "Time of the determination event."),
                    Column("settled_at", .timestamptz, "Time of the settlement event."),
                    Column("updated_at", .timestamptz, notNull: true, "Time of the latest event about the market."),
                ],
                primaryKey: ["ticker"],
                indexes: [
                    ("markets_city_event_date_idx", "city, event_date"), ("markets_event_ticker_idx", "event_ticker"),
                ],
                comment: "One row per market: listing, strikes, schedule and outcome (from market_listed and market_lifecycle events).")
        case .candles:
            let ohlc: [Column] = [("yes_bid", "YES bid"), ("yes_ask", "YES ask")].flatMap { prefix, what in
                [
                    Column("\(prefix)_open_c", .smallint, "\(what) at the start of the minute, cents."),
                    Column("\(prefix)_high_c", .smallint, "Highest \(what), cents."),
                    Column("\(prefix)_low_c", .smallint, "Lowest \(what), cents."),
                    Column("\(prefix)_c", .smallint, "\(what) at the end of the minute (close), cents."),
                ]
            }
            return TableSpec(
                table: table, kind: .append,
                columns: [
                    Column("ticker", .text, notNull: true, .key, "Market ticker."),
                    Column("end_period_ts", .timestamptz, notNull: true, .key, "End of the minute (the candle's event time)."),
                ] + ohlc + [
                    Column("open_c", .smallint, "First trade price of the minute, cents (NULL: no trade)."),
                    Column("high_c", .smallint, "Highest trade price, cents."),
                    Column("low_c", .smallint, "Lowest trade price, cents."),
                    Column("close_c", .smallint, "Last trade price, cents."),
                    Column("volume", .bigint, notNull: true, "Contracts traded in the minute."),
                    Column("open_interest", .bigint, notNull: true, "Open interest at the end of the minute, contracts."),
                ],
                primaryKey: ["ticker", "end_period_ts"], indexes: [],
                comment: "One-minute candles: YES bid, YES ask and trade OHLC in cents (period_minutes = 1 candles only).")
        case .settlement:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("city", .text, notNull: true, .key, "Old city name."),
                    Column("date", .date, notNull: true, .key, "Local-standard-time climate day."),
                    Column("tmax_final", .smallint, "Official high, whole °F, from the latest final report (corrections included)."),
                    Column("tmin_final", .smallint, "Official low, whole °F, from the latest final report."),
                    Column("source", .text, "Source of the latest final report (nws_cli, nws_cf6, …)."),
                    Column("is_final", .boolean, generated: "tmax_final IS NOT NULL", "A final report has been seen."),
                    Column("is_corrected", .boolean, "The latest final report is a correction."),
                    Column("final_issued_at", .timestamptz, "When the latest final report was issued."),
                    Column("tmax_prelim", .smallint, "High from the latest preliminary report, whole °F."),
                    Column("tmin_prelim", .smallint, "Low from the latest preliminary report, whole °F."),
                    Column("prelim_issued_at", .timestamptz, "When the latest preliminary report was issued."),
                    Column("updated_at", .timestamptz, notNull: true, "Time of the latest report event."),
                ],
                primaryKey: ["city", "date"], indexes: [],
                comment: "Official daily highs and lows per city and climate day (from settlement events).")
        case .forecast:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("city", .text, notNull: true, .key, "Old city name."),
                    Column("target_date", .date, notNull: true, .key, "The day forecast."),
                    Column("basis_date", .date, notNull: true, .key, "The day the forecast was made."),
                    Column("lead_days", .integer, notNull: true, "target_date − basis_date."),
                    Column("source", .text, notNull: true, "visual_crossing, generated, …"),
                    Column("tempmax_fcst_f", .fixed(precision: 5, scale: 1), notNull: true, "Forecast high, °F."),
                    Column("tempmin_fcst_f", .fixed(precision: 5, scale: 1), "Forecast low, °F."),
                    Column("issued_at", .timestamptz, notNull: true, "Event time of the (latest) forecast for this key."),
                ],
                primaryKey: ["city", "target_date", "basis_date"], indexes: [],
                comment: "Daily forecast snapshots per basis date (from daily_forecast events).")
        case .forecastHourly:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("city", .text, notNull: true, .key, "Old city name."),
                    Column("target_date", .date, notNull: true, .key, "The day forecast."),
                    Column("basis_date", .date, notNull: true, .key, "The day the forecast was made."),
                    Column("forecast_time", .timestamptz, notNull: true, .key, "The hour the point is for."),
                    Column("source", .text, notNull: true, "visual_crossing, generated, …"),
                    Column("temp_fcst_f", .fixed(precision: 5, scale: 1), notNull: true, "Forecast temperature, °F."),
                    Column("issued_at", .timestamptz, notNull: true, "Event time of the (latest) curve for this key."),
                ],
                primaryKey: ["city", "target_date", "basis_date", "forecast_time"], indexes: [],
                comment: "Hourly forecast curves per basis date (from hourly_forecast events).")
        case .minuteObs:
            return TableSpec(
                table: table, kind: .append,
                columns: [
                    Column("station", .text, notNull: true, .key, "ICAO station (KNYC)."),
                    Column("city", .text, "Old city name of the station (NULL: a station of no known city)."),
                    Column("ts", .timestamptz, notNull: true, .key, "When the observation was taken."),
                    Column("temp_f", .fixed(precision: 5, scale: 1), notNull: true, "Temperature, °F."),
                    Column("dewpoint_f", .fixed(precision: 5, scale: 1), "Dew point, °F."),
                    Column("source", .text, notNull: true, "nws, visual_crossing, iem, …"),
                    Column("published_at", .timestamptz, notNull: true, "When it became known (the event time)."),
                ],
                primaryKey: ["station", "ts"], indexes: [("minute_obs_city_ts_idx", "city, ts")],
                comment: "Surface observations (from observation events).")
        case .simRun:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("run_id", .text, notNull: true, .key, "Run id: a hash of the parameters and the inputs' content, so equal ids are equal runs."),
                    Column("run_kind", .text, notNull: true, .first, "backtest, tune, …"),
                    Column("strategy_id", .text, .first, "open_maker, exit, next_over, curve_gap, midnight_heuristic."),
                    Column("engine_version", .text, notNull: true, .first, "Engine version that ran it."),
                    Column("config_hash", .text, notNull: true, .first, "SHA-256 of strategy, parameters, fill model and dates."),
                    Column("output_hash", .text, notNull: true, .first, "SHA-256 of every decision, order, answer and trade P&L."),
                    Column("params", .jsonb, notNull: true, .first, "The manifest's parameters (name: value)."),
                    Column("inputs", .jsonb, notNull: true, .first, "Input logs: path, sequence range, content hash."),
                    Column("start_date", .date, .first, "First event date traded."),
                    Column("end_date", .date, .first, "Last event date traded."),
                    Column("cities", .text, .first, "Cities traded, comma-separated old names."),
                    Column("num_orders", .integer, notNull: true, .first, "Entry orders placed."),
                    Column("num_trades", .integer, notNull: true, .first, "Entry orders filled (trades)."),
                    Column("num_wins", .integer, notNull: true, .first, "Trades that made money (net P&L > 0), as the report counts wins; bin_won in sim.trade has each bracket's result."),
                    Column("total_pnl", .decimal(minScale: 2), notNull: true, .first, "Net P&L of the trades, dollars."),
                    Column("wagered", .decimal(minScale: 2), notNull: true, .first, "Cost of the trades, dollars."),
                    Column("fees", .decimal(minScale: 2), notNull: true, .first, "Fees of the trades, dollars."),
                    Column("created_at", .timestamptz, notNull: true, .first, "Time of the run's final manifest event."),
                    Column("runs_log", .text, notNull: true, .first, "The runs log it was read from."),
                    Column("runs_sequence", .bigint, notNull: true, .first, "Sequence of the final manifest in that log."),
                ],
                primaryKey: ["run_id"], indexes: [],
                comment: "Backtest runs (from the run manifests of a runs log, isotherm backtest --save).")
        case .simDecision:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("run_id", .text, notNull: true, .key, "The run."),
                    Column("input_log", .text, notNull: true, .key, "The input log the decision read (as the manifest names it)."),
                    Column("decision_no", .integer, notNull: true, .key, "Place of the decision among the run's events for that input log (1 = first): what an order's decision_sequence names."),
                    Column("strategy", .text, notNull: true, .first, "Strategy that decided."),
                    Column("subject", .text, notNull: true, .first, "Event ticker the decision is about."),
                    Column("city", .text, .first, "Old city name of the subject."),
                    Column("event_date", .date, .first, "Event date of the subject."),
                    Column("action", .text, notNull: true, .first, "post, skip, exit, hold, shift, …"),
                    Column("reason", .text, notNull: true, .first, "The rule that fired, in words."),
                    Column("decided_at", .timestamptz, notNull: true, .first, "Event time of the decision."),
                    Column("parameters", .jsonb, notNull: true, .first, "Strategy parameters (name: value)."),
                    Column("computed", .jsonb, notNull: true, .first, "Values the decision computed (name: value)."),
                    Column("input_sequences", .jsonb, notNull: true, .first, "Sequence numbers (in input_log) of the events it read."),
                    Column("runs_sequence", .bigint, notNull: true, .first, "Sequence of the decision in the runs log."),
                ],
                primaryKey: ["run_id", "input_log", "decision_no"], indexes: [("decision_city_event_date_idx", "city, event_date")],
                comment: "Strategy decisions of backtest runs: join sim.trade USING (run_id, input_log, decision_no).")
        case .simTrade:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("run_id", .text, notNull: true, .key, "The run."),
                    Column("client_order_id", .text, notNull: true, .key, "The entry order's client order id."),
                    Column("strategy_id", .text, notNull: true, .first, "Strategy."),
                    Column("input_log", .text, notNull: true, .first, "The input log (with decision_no: the decision in sim.decision)."),
                    Column("decision_no", .integer, notNull: true, .first, "The decision that placed the entry order."),
                    Column("city", .text, notNull: true, .first, "Old city name."),
                    Column("event_date", .date, notNull: true, .first, "Event date."),
                    Column("ticker", .text, notNull: true, .first, "Market bought."),
                    Column("bracket", .text, .first, "Bracket label (80-81°, <80°, >85°)."),
                    Column("forecast_basis_date", .date, .first, "Basis date of the forecast used."),
                    Column("temp_fcst_open", .fixed(precision: 5, scale: 1), .first, "Raw forecast high at the decision, °F."),
                    Column("temp_adjusted", .fixed(precision: 5, scale: 1), .first, "Forecast after the bias, °F."),
                    Column("floor_strike", .fixed(precision: 6, scale: 1), .first, "Market's lower strike, °F."),
                    Column("cap_strike", .fixed(precision: 6, scale: 1), .first, "Market's upper strike, °F."),
                    Column("entry_price", .integer, notNull: true, .first, "Entry limit price, cents."),
                    Column("num_contracts", .bigint, notNull: true, .first, "Contracts bought."),
                    Column("amount_usd", .decimal(minScale: 2), notNull: true, .first, "Cost of the contracts, dollars."),
                    Column("exit_price", .integer, .first, "Price of the last exit sale, cents (NULL: held to settlement)."),
                    Column("exit_contracts", .bigint, notNull: true, .first, "Contracts sold before settlement."),
                    Column("tmax_final", .smallint, .first, "Official high, whole °F: the city's latest final report for the event date in the input the run read."),
                    Column("bin_won", .boolean, .first, "The bracket won (NULL: not determined in the input)."),
                    Column(
                        "settlement_disagrees", .boolean, .first,
                        "The official high lies inside the bracket but Kalshi determined NO, or outside it and YES (NULL: no report or no determination); Kalshi's result paid."
                    ),
                    Column("pnl_gross", .decimal(minScale: 2), .first, "Sales plus payout minus cost, dollars (NULL until determined)."),
                    Column("fees", .decimal(minScale: 2), notNull: true, .first, "Fees paid, dollars."),
                    Column("pnl_net", .decimal(minScale: 2), .first, "pnl_gross − fees, dollars (NULL until determined)."),
                    Column("settled_at", .timestamptz, .first, "Time of the market's determination."),
                ],
                primaryKey: ["run_id", "client_order_id"], indexes: [("trade_city_event_date_idx", "city, event_date")],
                comment: "Filled entries of backtest runs with their settlement and P&L, as the old sim.trade.")
        case .marketOpenLog:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("series_ticker", .text, notNull: true, "Series ticker."),
                    Column("event_ticker", .text, notNull: true, "Event ticker."),
                    Column("market_ticker", .text, notNull: true, .key, "Market ticker."),
                    Column("opened_at", .timestamptz, notNull: true, .key, "Time of the activation (open) event."),
                    Column("raw_data", .jsonb, notNull: true, "The lifecycle event as JSON."),
                    Column("created_at", .timestamptz, notNull: true, "When it was recorded (the event time)."),
                ],
                primaryKey: ["market_ticker", "opened_at"], indexes: [("market_open_log_event_idx", "event_ticker")],
                comment: "Market opens (activated lifecycle events), as the old market-open listener logged them.")
        case .liveOrders:
            return TableSpec(
                table: table, kind: .keyed,
                columns: [
                    Column("client_order_id", .text, notNull: true, .key, "Deterministic client order id."),
                    Column("order_id", .text, "Exchange order id, once acknowledged."),
                    Column("ticker", .text, notNull: true, "Market."),
                    Column("city", .text, notNull: true, "Old city name."),
                    Column("event_date", .date, "Event date (from the ticker)."),
                    Column("side", .text, notNull: true, "yes or no."),
                    Column("action", .text, notNull: true, "buy or sell."),
                    Column("order_type", .text, notNull: true, "limit or market."),
                    Column("price_c", .integer, notNull: true, "Limit price of the side, cents."),
                    Column("num_contracts", .bigint, notNull: true, "Contracts ordered."),
                    Column("post_only", .boolean, notNull: true, "Maker only."),
                    Column("decision_sequence", .bigint, "Sequence (in log) of the decision that asked for it."),
                    Column(
                        "status", .text,
                        generated: "CASE WHEN reject_code IS NOT NULL THEN 'rejected' WHEN filled_contracts >= num_contracts THEN 'filled' WHEN canceled_at IS NOT NULL THEN 'canceled' WHEN filled_contracts > 0 THEN 'partially_filled' WHEN order_id IS NOT NULL THEN 'resting' ELSE 'pending' END",
                        "pending, resting, partially_filled, filled, canceled, rejected."),
                    Column("filled_contracts", .bigint, notNull: true, .sum, "Contracts filled so far."),
                    Column("fill_cost", .decimal(minScale: 2), notNull: true, .sum, "Price × contracts of the fills, dollars."),
                    Column("fees", .decimal(minScale: 2), notNull: true, .sum, "Fees of the fills, dollars."),
                    Column("canceled_contracts", .bigint, "Contracts canceled."),
                    Column("cancel_reason", .text, "Why it was canceled."),
                    Column("canceled_at", .timestamptz, "Time of the cancel."),
                    Column("reject_code", .text, "Rejection code."),
                    Column("reject_message", .text, "Rejection message."),
                    Column("placed_at", .timestamptz, "Time of the order intent (logged before the request left)."),
                    Column("updated_at", .timestamptz, notNull: true, "Time of the latest event about the order."),
                    Column("log", .text, notNull: true, "The log it was read from."),
                ],
                primaryKey: ["client_order_id"], indexes: [("live_orders_city_event_date_idx", "city, event_date")],
                comment: "Orders of live and paper sessions (order events outside backtest runs), as the old sim.live_orders.")
        }
    }
}
