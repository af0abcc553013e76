package import IsothermEvents

/// A value for a projected column, exact (no floating point anywhere).
package enum SQLValue: Hashable, Sendable {
    /// `smallint`, `integer` or `bigint`.
    case int(Int64)
    case bool(Bool)
    case text(String)
    case date(LocalDate)
    case time(Timestamp)
    /// `value / 10^scale` for a `numeric` column.
    case decimal(Int64, scale: Int)
    case json(String)

    /// Tenths of °F as a one-decimal number.
    static func tenths(_ t: Temperature) -> SQLValue { .decimal(Int64(t.tenths), scale: 1) }
    /// Micro-dollars as dollars.
    static func dollars(_ m: Money) -> SQLValue { .decimal(m.micros, scale: 6) }
    static func text(_ s: Symbol) -> SQLValue { .text(s.description) }
}

/// A problem with one event that the projection cannot represent exactly (a sub-cent price in a
/// cents column, a fractional count, a fractional official high), or a log it cannot use.
package struct ProjectionError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// Exact conversions into the old units; each throws rather than rounds.
enum LegacyUnits {
    /// Whole cents of a price.
    static func cents(_ p: Price, _ what: @autoclosure () -> String) throws -> Int64 {
        guard let c = p.exactCents else {
            throw ProjectionError("\(what()): price \(p.dollarString) is not a whole number of cents")
        }
        return c
    }

    /// Whole contracts of a count.
    static func contracts(_ c: Count, _ what: @autoclosure () -> String) throws -> Int64 {
        guard c.hundredths % 100 == 0 else {
            throw ProjectionError("\(what()): count \(c.fixedPointString) is not a whole number of contracts")
        }
        return c.hundredths / 100
    }

    /// Whole °F of a reported temperature.
    static func wholeDegrees(_ t: Temperature, _ what: @autoclosure () -> String) throws -> Int64 {
        guard t.tenths % 10 == 0 else { throw ProjectionError("\(what()): \(t) °F is not a whole degree") }
        return Int64(t.tenths / 10)
    }
}

extension BinaryCopyWriter {
    /// Writes `value` as a field of `column`'s type.
    func field(_ value: SQLValue?, _ column: Column) throws {
        guard let value else { return try null() }
        switch (column.type, value) {
        case (.smallint, .int(let v)):
            guard let n = Int16(exactly: v) else {
                throw ProjectionError("\(column.name): \(v) does not fit a smallint")
            }
            try int16(n)
        case (.integer, .int(let v)):
            guard let n = Int32(exactly: v) else {
                throw ProjectionError("\(column.name): \(v) does not fit an integer")
            }
            try int32(n)
        case (.bigint, .int(let v)): try int64(v)
        case (.boolean, .bool(let b)): try bool(b)
        case (.text, .text(let s)): try text(s)
        case (.date, .date(let d)): try date(d)
        case (.timestamptz, .time(let t)): try timestamp(t)
        case (.jsonb, .json(let j)): try jsonb(j)
        case (.fixed(_, let s), .decimal(let v, let scale)):
            guard scale <= s else {
                // Only exact rescaling: drop trailing zero decimals, or fail.
                let (reduced, reducedScale) = SQLValue.trim(v, scale: scale, downTo: s)
                guard reducedScale <= s else {
                    throw ProjectionError(
                        "\(column.name): \(SQLValue.text(v, scale: scale)) has more than \(s) decimals")
                }
                return try numeric(reduced * SQLValue.pow10(s - reducedScale), scale: s, displayScale: s)
            }
            try numeric(v * SQLValue.pow10(s - scale), scale: s, displayScale: s)
        case (.decimal(let minScale), .decimal(let v, let scale)):
            let (reduced, reducedScale) = SQLValue.trim(v, scale: scale, downTo: minScale)
            try numeric(reduced, scale: reducedScale, displayScale: max(minScale, reducedScale))
        default:
            preconditionFailure("column \(column.name) of type \(column.type.sql) given \(value)")
        }
    }
}

extension SQLValue {
    static func pow10(_ n: Int) -> Int64 {
        var p: Int64 = 1
        for _ in 0..<max(0, n) { p *= 10 }
        return p
    }

    /// Drops trailing zero decimals while the scale is above `downTo`.
    static func trim(_ v: Int64, scale: Int, downTo: Int) -> (Int64, Int) {
        var v = v
        var s = scale
        while s > downTo && v % 10 == 0 {
            v /= 10
            s -= 1
        }
        return (v, s)
    }

    static func text(_ v: Int64, scale: Int) -> String { FixedPoint.format(v, scale: scale, minDecimals: 0) }

    /// Adds two values of a `sum` column (integers, or decimals at the finer scale).
    static func add(_ a: SQLValue?, _ b: SQLValue?) -> SQLValue? {
        switch (a, b) {
        case (nil, let x), (let x, nil): return x
        case (.int(let x)?, .int(let y)?): return .int(x + y)
        case (.decimal(let x, let sx)?, .decimal(let y, let sy)?):
            let s = max(sx, sy)
            return .decimal(x * pow10(s - sx) + y * pow10(s - sy), scale: s)
        default: preconditionFailure("cannot add \(String(describing: a)) and \(String(describing: b))")
        }
    }

    /// The zero of a `sum` column's type.
    static func zero(for type: ColumnType) -> SQLValue {
        if case .decimal = type { return .decimal(0, scale: 0) }
        return .int(0)
    }
}

/// A keyed table's rows in memory, folded by primary key with each column's ``MergeRule``, kept in
/// the order keys were first seen (so COPY order, too, is a function of the logs).
package struct KeyedRows {
    package let spec: TableSpec
    private let columns: [Column]
    private let keyIndexes: [Int]
    private var index: [[SQLValue]: Int] = [:]
    package private(set) var rows: [[SQLValue?]] = []

    package init(_ spec: TableSpec) {
        self.spec = spec
        let columns = spec.loaded
        self.columns = columns
        keyIndexes = columns.indices.filter { columns[$0].merge == .key }
    }

    /// Position of a loaded column by name (a programming error when absent).
    package func column(_ name: String) -> Int {
        guard let i = columns.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("\(spec.table.rawValue) has no column \(name)")
        }
        return i
    }

    /// An empty row to fill by column position.
    package func blank() -> [SQLValue?] { Array(repeating: nil, count: columns.count) }

    /// Folds a row (every key column set) into the table.
    package mutating func merge(_ row: [SQLValue?]) {
        let key = keyIndexes.map { row[$0]! }
        guard let at = index[key] else {
            index[key] = rows.count
            rows.append(row)
            return
        }
        for (i, c) in columns.enumerated() {
            switch c.merge {
            case .key: break
            case .latest: if let v = row[i] { rows[at][i] = v }
            case .first: if rows[at][i] == nil { rows[at][i] = row[i] }
            case .sum: rows[at][i] = SQLValue.add(rows[at][i], row[i])
            }
        }
    }

    /// Whether a row has every NOT NULL column (sums count as 0); rows without are left out of a
    /// rebuild (a lifecycle event for a market never listed) and only update rows in a catch-up.
    package func isComplete(_ row: [SQLValue?]) -> Bool {
        for (i, c) in columns.enumerated() where c.notNull && c.merge != .sum && row[i] == nil { return false }
        return true
    }

    /// Writes rows as binary COPY tuples (sum columns absent → 0).
    /// - Parameter completeOnly: leave out rows missing a NOT NULL column (rebuild).
    /// - Returns: rows written.
    @discardableResult
    package func write(to w: BinaryCopyWriter, completeOnly: Bool) throws -> Int64 {
        var n: Int64 = 0
        for row in rows where !completeOnly || isComplete(row) {
            try w.beginRow(fields: Int16(columns.count))
            for (i, c) in columns.enumerated() {
                try w.field(row[i] ?? (c.merge == .sum ? SQLValue.zero(for: c.type) : nil), c)
            }
            n += 1
        }
        return n
    }
}
