package import IsothermEvents

/// A row of the old tables that cannot be turned into events exactly, a table that is missing or
/// of another shape, or a database that cannot be read. One line, naming table, row key and column.
package struct LegacyImportError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// What an import read and produced.
package struct LegacyImportReport: Sendable {
    /// Rows read per table (the last pass).
    package var rows: [ProjectedTable: Int64] = [:]
    /// Events produced per kind.
    package var events: [EventKind: Int64] = [:]
    package var totalEvents: Int64 { events.values.reduce(0, +) }
}

/// Reads the old system's tables (`kalshi.markets`, `kalshi.candles_1m`, `wx.settlement`,
/// `wx.forecast_snapshot`, `wx.forecast_snapshot_hourly`, `wx.minute_obs`: the shapes the projector
/// writes, `Schemas/postgres/`) back into events whose projection gives the same rows.
///
/// - Every table's columns are checked against the projection's (name and type) before any row is
///   read: a missing schema, table or column, or a column of another type, is an error naming it.
/// - Rows are read in one `REPEATABLE READ` read-only transaction (one snapshot for every table)
///   through server-side cursors, `batchRows` at a time: candles, observations, forecasts and hourly
///   curves stream; markets and settlement reports are read whole (one to a few events per row at
///   different times, sorted in memory; they are the small tables, which the projector folds in
///   memory too).
/// - Values convert exactly (cents → `Price(cents:)`, `numeric` °F → tenths, fee multiplier →
///   millionths) or the import fails with the table, the row's primary key and the column.
/// - With `validateFirst` (the default) every row is converted once without emitting anything,
///   then again to emit: a bad row anywhere means nothing is emitted.
///
/// **Order** (the same database gives the same events in the same order): by event time, then
/// table (markets, candles, settlement, forecasts, hourly forecasts, observations), then the
/// table's key in byte order (`COLLATE "C"`), then the event's place within its row.
///
/// **Events per row**: a market is a `market_listed` at `listed_at` (the open time as listed: a
/// strategy acting at the open must see the market then) followed by `market_lifecycle` events: `determined` at `determined_at` and `settled` at `settled_at` (with
/// `result` and `settlement_value_c`), and one more at `updated_at` carrying `status`,
/// `open_time` and `close_time` when those are not already the last event's or `updated_at` is later
/// than every other time (a `close_date_updated` when the status is NULL). A settlement row is a preliminary report (at
/// `prelim_issued_at`, or `updated_at`) and/or a final one (at `updated_at`); a preliminary report's
/// source, which the table does not keep, is the final's or `nws_cli`. A candle is a one-minute
/// `candle` at `end_period_ts`; an observation an `observation` at `published_at`; a forecast row
/// a `daily_forecast` at `issued_at`; hourly rows with the same city, dates, source and
/// `issued_at` one `hourly_forecast` at `issued_at`.
package final class LegacyImporter {
    /// The tables an import reads, in order of rank for equal times.
    package static let tables: [ProjectedTable] = [
        .markets, .candles, .settlement, .forecast, .forecastHourly, .minuteObs,
    ]

    private let db: PostgresConnection
    private let batchRows: Int
    private var cursorCount = 0

    package init(connection: PostgresConnection, batchRows: Int = 5_000) {
        db = connection
        self.batchRows = max(1, batchRows)
    }

    /// Reads `tables` and calls `emit` with every event in order.
    /// - Throws: `LegacyImportError`, `PostgresError`, or what `emit` throws.
    package func run(
        tables requested: [ProjectedTable] = LegacyImporter.tables, validateFirst: Bool = true,
        emit: (EventRecord) throws -> Void
    ) throws -> LegacyImportReport {
        var tables: [ProjectedTable] = []
        for t in Self.tables where requested.contains(t) { tables.append(t) }
        for t in requested where !Self.tables.contains(t) {
            throw LegacyImportError(
                "\(t.rawValue) cannot be imported (importable: \(Self.tables.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !tables.isEmpty else { throw LegacyImportError("no tables to import") }
        try db.execute("SET client_encoding TO 'UTF8'")
        try db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { _ = try? db.execute("ROLLBACK") }
        for t in tables { try checkShape(t) }
        if validateFirst { _ = try pass(tables) { _ in } }
        return try pass(tables, emit)
    }

    // MARK: - Shape

    private func checkShape(_ t: ProjectedTable) throws {
        let exists = try db.query("SELECT 1 FROM pg_namespace WHERE nspname = \(try db.literal(t.schema))")
        guard !exists.isEmpty else {
            throw LegacyImportError("schema \(t.schema) does not exist in this database (needed for \(t.rawValue))")
        }
        let have = try db.query(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a
            WHERE a.attrelid = to_regclass(\(try db.literal(t.rawValue))) AND a.attnum > 0 AND NOT a.attisdropped
            """)
        guard !have.isEmpty else { throw LegacyImportError("table \(t.rawValue) does not exist") }
        var types: [String: String] = [:]
        for row in have {
            if let name = row[0], let type = row[1] { types[name] = type }
        }
        for c in t.spec.loaded {
            guard let type = types[c.name] else {
                throw LegacyImportError("\(t.rawValue) has no column \(c.name) (expected \(c.type.sql))")
            }
            guard type == c.type.sql else {
                throw LegacyImportError("\(t.rawValue).\(c.name) is \(type), expected \(c.type.sql)")
            }
        }
    }

    // MARK: - One pass

    private func pass(_ tables: [ProjectedTable], _ emit: (EventRecord) throws -> Void) throws
        -> LegacyImportReport
    {
        var report = LegacyImportReport()
        var sources: [any LegacySource] = []
        for (rank, t) in Self.tables.enumerated() where tables.contains(t) {
            let reader = try openCursor(t)
            switch t {
            case .markets:
                sources.append(try SortedSource(rank: rank, events: Self.collect(reader, report: &report, Self.market)))
            case .settlement:
                sources.append(
                    try SortedSource(rank: rank, events: Self.collect(reader, report: &report, Self.settlement)))
            case .forecastHourly:
                sources.append(HourlySource(rank: rank, reader: reader))
            case .candles:
                sources.append(RowSource(rank: rank, reader: reader, convert: Self.candle))
            case .forecast:
                sources.append(RowSource(rank: rank, reader: reader, convert: Self.forecast))
            case .minuteObs:
                sources.append(RowSource(rank: rank, reader: reader, convert: Self.observation))
            default:
                preconditionFailure("\(t.rawValue) is not importable")
            }
        }
        for i in sources.indices { try sources[i].advance() }
        while true {
            var best: Int?
            for i in sources.indices {
                guard let h = sources[i].head else { continue }
                if let b = best, let bh = sources[b].head, (bh.time, sources[b].rank) <= (h.time, sources[i].rank) {
                    continue
                }
                best = i
            }
            guard let b = best, let record = sources[b].head else { break }
            report.events[record.event.kind, default: 0] += 1
            try emit(record)
            try sources[b].advance()
        }
        for s in sources {
            if let r = s.reader {
                report.rows[r.table, default: 0] += r.rowsRead
                try r.close()
            }
        }
        return report
    }

    private static func collect(
        _ reader: LegacyCursor, report: inout LegacyImportReport,
        _ convert: (LegacyRow) throws -> [(Timestamp, EventRecord)]
    ) throws -> [EventRecord] {
        var all: [(time: Timestamp, key: [UInt8], sub: Int, record: EventRecord)] = []
        while let row = try reader.next() {
            let key = Array(row.keyText.utf8)
            for (sub, (time, record)) in try convert(row).enumerated() { all.append((time, key, sub, record)) }
        }
        report.rows[reader.table, default: 0] += reader.rowsRead
        try reader.close()
        all.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.key != b.key { return a.key.lexicographicallyPrecedes(b.key) }
            return a.sub < b.sub
        }
        return all.map(\.record)
    }

    // MARK: - Reading

    /// The SELECT list: every loaded column as text the row accessors parse exactly (timestamps as
    /// µs since 1970, dates as days since 1970).
    private static func selectList(_ t: ProjectedTable) -> String {
        t.spec.loaded.map { c in
            switch c.type {
            case .timestamptz: "(extract(epoch FROM \(c.name)) * 1000000)::int8"
            case .date: "(\(c.name) - DATE '1970-01-01')"
            default: "\(c.name)::text"
            }
        }.joined(separator: ", ")
    }

    private static func orderBy(_ t: ProjectedTable) -> String {
        let keys = t.spec.primaryKey.map { k -> String in
            let c = t.spec.loaded.first { $0.name == k }!
            return c.type == .text ? "\(k) COLLATE \"C\"" : k
        }
        let time: [String]
        switch t {
        case .candles: time = ["end_period_ts"]
        case .minuteObs: time = ["published_at"]
        case .forecast: time = ["issued_at"]
        // One event per (city, dates, source, issued_at): consecutive rows.
        case .forecastHourly:
            return "issued_at, city COLLATE \"C\", target_date, basis_date, source COLLATE \"C\", forecast_time"
        default: time = []
        }
        return (time + keys).joined(separator: ", ")
    }

    private func openCursor(_ t: ProjectedTable) throws -> LegacyCursor {
        cursorCount += 1
        let name = "isotherm_import_\(cursorCount)"
        try db.execute(
            "DECLARE \(name) NO SCROLL CURSOR FOR SELECT \(Self.selectList(t)) FROM \(t.rawValue) ORDER BY \(Self.orderBy(t))"
        )
        return LegacyCursor(db: db, name: name, table: t, batch: batchRows)
    }

    // MARK: - Rows → events

    static func market(_ r: LegacyRow) throws -> [(Timestamp, EventRecord)] {
        let ticker = try r.symbol("ticker")
        let series = try r.symbol("series_ticker")
        let city = try r.text("city")
        guard city == LegacyCity.name(series: series.description) else {
            throw r.error(
                "city",
                "'\(city)' is not the old name of series \(series) ('\(LegacyCity.name(series: series.description))')")
        }
        let listedAt = try r.time("listed_at")
        let openTime = try r.time("open_time")
        let closeTime = try r.time("close_time")
        let updatedAt = try r.time("updated_at")
        let status = try r.optionalText("status").map { name -> MarketLifecycle.Transition in
            guard let t = MarketLifecycle.Transition(name: name), t != .closeDateUpdated else {
                throw r.error("status", "'\(name)' is not a lifecycle status")
            }
            return t
        }
        let result = try r.optionalText("result").map { name -> MarketLifecycle.Result in
            guard let v = [MarketLifecycle.Result.yes, .no, .scalar].first(where: { $0.name == name }) else {
                throw r.error("result", "'\(name)' is not yes, no or scalar")
            }
            return v
        }
        let value = try r.optionalInt("settlement_value_c").map { c -> Price in
            guard (0...100).contains(c) else { throw r.error("settlement_value_c", "\(c) cents is not 0…100") }
            return Price(cents: c)
        }
        let listed = MarketListed(
            ticker: ticker, eventTicker: try r.symbol("event_ticker"), seriesTicker: series,
            eventDate: try r.date("event_date"), strikeType: try r.named("strike_type", StrikeType.self),
            floorStrike: try r.optionalTenths("floor_strike"), capStrike: try r.optionalTenths("cap_strike"),
            openTime: listedAt, closeTime: closeTime, feeType: try r.named("fee_type", FeeType.self),
            feeMultiplierMillionths: try r.scaled("fee_multiplier", scale: 6), title: try r.text("title"))

        var lifecycle: [(Timestamp, MarketLifecycle)] = []
        var last: (column: String, time: Timestamp)?
        func later(_ column: String, _ time: Timestamp) throws {
            if let last, time < last.time {
                throw r.error(column, "\(time) is before \(last.column) \(last.time): no event order gives this row")
            }
            last = (column, time)
        }
        // The listing is known from the market's open as listed (the old system's listed_at): a
        // strategy acting at the open sees it then, not at its determination.
        try later("listed_at", listedAt)
        if let at = try r.optionalTime("determined_at") {
            try later("determined_at", at)
            lifecycle.append(
                (at, MarketLifecycle(ticker: ticker, transition: .determined, result: result, settlementValue: value)))
        }
        if let at = try r.optionalTime("settled_at") {
            try later("settled_at", at)
            lifecycle.append(
                (at, MarketLifecycle(ticker: ticker, transition: .settled, result: result, settlementValue: value)))
        }
        try later("updated_at", updatedAt)
        let lastStatus = lifecycle.last?.1.transition
        if status == nil && lastStatus != nil {
            throw r.error("status", "is NULL although the market has a lifecycle time: no event order gives this row")
        }
        let needsFinal =
            lifecycle.isEmpty
            ? (status != nil || openTime != listedAt || result != nil || value != nil || updatedAt != listedAt)
            : (status != lastStatus || lifecycle.last!.0 != updatedAt || openTime != listedAt)
        if needsFinal {
            if status == .determined || status == .settled {
                throw r.error(
                    "status",
                    "'\(status!.name)' does not match determined_at/settled_at and updated_at: no event order gives this row"
                )
            }
            lifecycle.append(
                (
                    updatedAt,
                    MarketLifecycle(
                        ticker: ticker, transition: status ?? .closeDateUpdated, openTime: openTime,
                        closeTime: closeTime, result: lifecycle.isEmpty ? result : nil,
                        settlementValue: lifecycle.isEmpty ? value : nil)
                ))
        }
        return [(listedAt, EventRecord(time: listedAt, event: .marketListed(listed)))]
            + lifecycle.map { ($0.0, EventRecord(time: $0.0, event: .marketLifecycle($0.1))) }
    }

    static func settlement(_ r: LegacyRow) throws -> [(Timestamp, EventRecord)] {
        let city = try r.cityCode("city")
        let date = try r.date("date")
        let updatedAt = try r.time("updated_at")
        var out: [(Timestamp, EventRecord)] = []
        let finalHigh = try r.optionalWholeDegrees("tmax_final")
        let finalSource = try r.optionalText("source").map { s -> WeatherSource in
            guard let w = WeatherSource(name: s) else { throw r.error("source", "'\(s)' is not a known source") }
            return w
        }
        if let high = try r.optionalWholeDegrees("tmax_prelim") {
            let issued = try r.optionalTime("prelim_issued_at")
            let time = min(issued ?? updatedAt, updatedAt)
            let s = Settlement(
                city: city, source: finalSource ?? .nwsCLI, climateDate: date, high: high,
                low: try r.optionalWholeDegrees("tmin_prelim"), isFinal: false, isCorrection: false, issuedAt: issued)
            out.append((time, EventRecord(time: time, event: .settlement(s))))
        } else {
            for c in ["tmin_prelim", "prelim_issued_at"] where r.isPresent(c) {
                throw r.error(c, "is set but tmax_prelim is NULL: no report gives this row")
            }
        }
        if let high = finalHigh {
            guard let finalSource else { throw r.error("source", "is NULL although tmax_final is set") }
            guard let corrected = try r.optionalBool("is_corrected") else {
                throw r.error("is_corrected", "is NULL although tmax_final is set")
            }
            let s = Settlement(
                city: city, source: finalSource, climateDate: date, high: high,
                low: try r.optionalWholeDegrees("tmin_final"), isFinal: true, isCorrection: corrected,
                issuedAt: try r.optionalTime("final_issued_at"))
            out.append((updatedAt, EventRecord(time: updatedAt, event: .settlement(s))))
        } else {
            for c in ["tmin_final", "source", "is_corrected", "final_issued_at"] where r.isPresent(c) {
                throw r.error(c, "is set but tmax_final is NULL: no report gives this row")
            }
        }
        guard !out.isEmpty else {
            throw r.error("tmax_final", "and tmax_prelim are both NULL: no report gives this row")
        }
        return out
    }

    static func candle(_ r: LegacyRow) throws -> EventRecord {
        func ohlc(_ columns: [String]) throws -> OHLC? {
            let values = try columns.map { c in
                try r.optionalInt(c).map { v -> Price in
                    guard (0...100).contains(v) else { throw r.error(c, "\(v) cents is not 0…100") }
                    return Price(cents: v)
                }
            }
            if values.allSatisfy({ $0 == nil }) { return nil }
            guard let o = values[0], let h = values[1], let l = values[2], let c = values[3] else {
                let missing = zip(columns, values).first { $0.1 == nil }!.0
                throw r.error(missing, "is NULL while \(columns.joined(separator: ", ")) are not all NULL")
            }
            return OHLC(open: o, high: h, low: l, close: c)
        }
        func contracts(_ c: String) throws -> Count {
            let v = try r.int(c)
            guard v >= 0, v <= Int64.max / 100 else { throw r.error(c, "\(v) is not a count of contracts") }
            return Count(contracts: v)
        }
        let c = Candle(
            ticker: try r.symbol("ticker"), periodMinutes: 1,
            yesBid: try ohlc(["yes_bid_open_c", "yes_bid_high_c", "yes_bid_low_c", "yes_bid_c"]),
            yesAsk: try ohlc(["yes_ask_open_c", "yes_ask_high_c", "yes_ask_low_c", "yes_ask_c"]),
            price: try ohlc(["open_c", "high_c", "low_c", "close_c"]), volume: try contracts("volume"),
            openInterest: try contracts("open_interest"))
        return EventRecord(time: try r.time("end_period_ts"), event: .candle(c))
    }

    static func forecast(_ r: LegacyRow) throws -> EventRecord {
        let f = DailyForecast(
            city: try r.cityCode("city"), source: try r.named("source", WeatherSource.self),
            basisDate: try r.date("basis_date"), targetDate: try r.date("target_date"),
            high: try r.tenths("tempmax_fcst_f"),
            low: try r.optionalTenths("tempmin_fcst_f"))
        guard try r.int("lead_days") == Int64(f.leadDays) else {
            throw r.error("lead_days", "is not target_date − basis_date (\(f.leadDays))")
        }
        return EventRecord(time: try r.time("issued_at"), event: .dailyForecast(f))
    }

    static func observation(_ r: LegacyRow) throws -> EventRecord {
        let station = try r.symbol("station")
        let city = try r.optionalText("city")
        guard city == LegacyCity.name(station: station.description) else {
            throw r.error(
                "city",
                "\(city.map { "'\($0)'" } ?? "NULL") is not the old name of station \(station) (\(LegacyCity.name(station: station.description).map { "'\($0)'" } ?? "NULL"))"
            )
        }
        let o = Observation(
            station: station, source: try r.named("source", WeatherSource.self), observedAt: try r.time("ts"),
            temperature: try r.tenths("temp_f"), dewpoint: try r.optionalTenths("dewpoint_f"))
        return EventRecord(time: try r.time("published_at"), event: .observation(o))
    }
}

// MARK: - Sources of events, in time order

protocol LegacySource {
    var rank: Int { get }
    var head: EventRecord? { get }
    var reader: LegacyCursor? { get }
    mutating func advance() throws
}

/// Events sorted in memory.
struct SortedSource: LegacySource {
    let rank: Int
    private var events: [EventRecord]
    private var next = 0
    private(set) var head: EventRecord?
    var reader: LegacyCursor? { nil }

    init(rank: Int, events: [EventRecord]) throws {
        self.rank = rank
        self.events = events
    }

    mutating func advance() throws {
        head = next < events.count ? events[next] : nil
        next += 1
    }
}

/// One event per row, rows in time order.
struct RowSource: LegacySource {
    let rank: Int
    let cursor: LegacyCursor
    let convert: (LegacyRow) throws -> EventRecord
    private(set) var head: EventRecord?
    var reader: LegacyCursor? { cursor }

    init(rank: Int, reader: LegacyCursor, convert: @escaping (LegacyRow) throws -> EventRecord) {
        self.rank = rank
        cursor = reader
        self.convert = convert
    }

    mutating func advance() throws { head = try cursor.next().map(convert) }
}

/// Hourly rows grouped into curves (consecutive rows with the same city, dates, source, issue time).
struct HourlySource: LegacySource {
    let rank: Int
    let cursor: LegacyCursor
    private var pending: LegacyRow?
    private(set) var head: EventRecord?
    var reader: LegacyCursor? { cursor }

    init(rank: Int, reader: LegacyCursor) {
        self.rank = rank
        cursor = reader
    }

    mutating func advance() throws {
        if pending == nil { pending = try cursor.next() }
        guard let first = pending else {
            head = nil
            return
        }
        let group = ["city", "target_date", "basis_date", "source", "issued_at"]
        let key = group.map { first.raw($0) }
        var points: [HourlyPoint] = []
        var row: LegacyRow? = first
        while let r = row, group.map({ r.raw($0) }) == key {
            points.append(HourlyPoint(time: try r.time("forecast_time"), temperature: try r.tenths("temp_fcst_f")))
            row = try cursor.next()
        }
        pending = row
        let f = HourlyForecast(
            city: try first.cityCode("city"), source: try first.named("source", WeatherSource.self),
            basisDate: try first.date("basis_date"), targetDate: try first.date("target_date"), points: points)
        head = EventRecord(time: try first.time("issued_at"), event: .hourlyForecast(f))
    }
}

/// A server-side cursor read `batch` rows at a time.
final class LegacyCursor {
    let table: ProjectedTable
    private let db: PostgresConnection
    private let name: String
    private let batch: Int
    private let columns: [Column]
    private var rows: [[String?]] = []
    private var at = 0
    private var done = false
    private(set) var rowsRead: Int64 = 0

    init(db: PostgresConnection, name: String, table: ProjectedTable, batch: Int) {
        self.db = db
        self.name = name
        self.table = table
        self.batch = batch
        columns = table.spec.loaded
    }

    func next() throws -> LegacyRow? {
        if at == rows.count {
            guard !done else { return nil }
            rows = try db.query("FETCH \(batch) FROM \(name)")
            at = 0
            if rows.count < batch { done = true }
            if rows.isEmpty { return nil }
        }
        defer { at += 1 }
        rowsRead += 1
        return LegacyRow(table: table, columns: columns, values: rows[at])
    }

    func close() throws { try db.execute("CLOSE \(name)") }
}

/// One row as the SELECT list gives it, with exact accessors that throw errors naming the table,
/// the row's primary key and the column.
struct LegacyRow {
    let table: ProjectedTable
    let columns: [Column]
    let values: [String?]

    func raw(_ name: String) -> String? {
        guard let i = columns.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("\(table.rawValue) has no column \(name)")
        }
        return values[i]
    }

    func isPresent(_ name: String) -> Bool { raw(name) != nil }

    /// `(ticker=…, end_period_ts=…)`, timestamps and dates readable.
    var keyText: String {
        table.spec.primaryKey.map { k in "\(k)=\(display(k))" }.joined(separator: ", ")
    }

    private func display(_ name: String) -> String {
        guard let v = raw(name) else { return "NULL" }
        let type = columns.first { $0.name == name }!.type
        switch type {
        case .timestamptz:
            if let us = Int64(v) { return Timestamp(nanos: us &* 1000).description }
        case .date:
            if let d = Int32(v) { return LocalDate(daysSinceEpoch: d).description }
        default: break
        }
        return v
    }

    func error(_ column: String, _ problem: String) -> LegacyImportError {
        LegacyImportError("\(table.rawValue) row (\(keyText)), column \(column): \(problem)")
    }

    func optionalText(_ c: String) throws -> String? { raw(c) }

    func text(_ c: String) throws -> String {
        guard let v = raw(c) else { throw error(c, "is NULL") }
        return v
    }

    func symbol(_ c: String) throws -> Symbol {
        let v = try text(c)
        guard let s = Symbol(v) else { throw error(c, "'\(v)' is not a valid symbol") }
        return s
    }

    func named<T: NamedCase>(_ c: String, _: T.Type) throws -> T {
        let v = try text(c)
        guard let x = T(name: v) else {
            throw error(c, "'\(v)' is not one of \(T.allCases.map(\.name).joined(separator: ", "))")
        }
        return x
    }

    func optionalInt(_ c: String) throws -> Int64? {
        guard let v = raw(c) else { return nil }
        guard let n = Int64(v) else { throw error(c, "'\(v)' is not an integer") }
        return n
    }

    func int(_ c: String) throws -> Int64 {
        guard let n = try optionalInt(c) else { throw error(c, "is NULL") }
        return n
    }

    func optionalBool(_ c: String) throws -> Bool? {
        guard let v = raw(c) else { return nil }
        switch v {
        case "true", "t": return true
        case "false", "f": return false
        default: throw error(c, "'\(v)' is not a boolean")
        }
    }

    func optionalTime(_ c: String) throws -> Timestamp? {
        guard let v = raw(c) else { return nil }
        guard let us = Int64(v) else { throw error(c, "'\(v)' is not a representable time") }
        let (ns, overflow) = us.multipliedReportingOverflow(by: 1000)
        guard !overflow else { throw error(c, "\(v) µs since 1970 is out of range") }
        return Timestamp(nanos: ns)
    }

    func time(_ c: String) throws -> Timestamp {
        guard let t = try optionalTime(c) else { throw error(c, "is NULL") }
        return t
    }

    func date(_ c: String) throws -> LocalDate {
        let v = try text(c)
        guard let d = Int32(v) else { throw error(c, "'\(v)' is not a representable date") }
        return LocalDate(daysSinceEpoch: d)
    }

    /// A `numeric` as an exact integer count of `10^-scale`; more decimals (non-zero) are an error.
    func optionalScaled(_ c: String, scale: Int) throws -> Int64? {
        guard let v = raw(c) else { return nil }
        guard let n = Self.parseDecimal(v, scale: scale) else {
            throw error(c, "\(v) does not convert exactly to a multiple of 1e-\(scale)")
        }
        return n
    }

    func scaled(_ c: String, scale: Int) throws -> Int64 {
        guard let n = try optionalScaled(c, scale: scale) else { throw error(c, "is NULL") }
        return n
    }

    func optionalTenths(_ c: String) throws -> Temperature? {
        guard let n = try optionalScaled(c, scale: 1) else { return nil }
        guard let t = Int32(exactly: n) else { throw error(c, "\(raw(c)!) °F is out of range") }
        return Temperature(tenths: t)
    }

    func tenths(_ c: String) throws -> Temperature {
        guard let t = try optionalTenths(c) else { throw error(c, "is NULL") }
        return t
    }

    func optionalWholeDegrees(_ c: String) throws -> Temperature? {
        guard let n = try optionalInt(c) else { return nil }
        guard let d = Int32(exactly: n), abs(n) < 10_000 else { throw error(c, "\(n) °F is out of range") }
        return Temperature(degrees: d)
    }

    /// The city code of an old city name (`new_york` → `NY`), checked to map back to the same name.
    func cityCode(_ c: String) throws -> Symbol {
        let name = try text(c)
        let codes = ["NY", "CHI", "MIA", "AUS", "DEN", "LAX", "PHIL"]
        let code = codes.first { LegacyCity.name(code: $0) == name } ?? name.uppercased()
        guard LegacyCity.name(code: code) == name, let s = Symbol(code) else {
            throw error(c, "'\(name)' is not an old city name this import can map back to a city code")
        }
        return s
    }

    /// `-12.340` at scale 3 → -12340; nil when it has more non-zero decimals or overflows.
    static func parseDecimal(_ text: String, scale: Int) -> Int64? {
        var s = Substring(text)
        var negative = false
        if s.first == "-" {
            negative = true
            s = s.dropFirst()
        } else if s.first == "+" {
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        var fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        while fraction.count > scale, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= scale else { return nil }
        let digits = String(whole) + fraction + String(repeating: "0", count: scale - fraction.count)
        guard let magnitude = Int64(digits) else { return nil }
        return negative ? -magnitude : magnitude
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
