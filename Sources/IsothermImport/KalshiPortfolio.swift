package import IsothermEvents

/// Which side of V2's one YES book: `bid` buys YES, `ask` sells YES (the same as buying NO).
package enum KalshiBookSide: String, Sendable {
    case bid, ask
}

/// An order as `GET /portfolio/orders` (and `/portfolio/orders/{id}`) reports it.
package struct KalshiOrder: Equatable, Sendable {
    package enum Status: String, Sendable {
        case resting, canceled, executed
    }

    package var orderId: String
    package var clientOrderId: String
    package var ticker: Symbol
    /// The exposure it gives: buy YES and sell NO are `yes`; buy NO and sell YES are `no`.
    package var outcomeSide: Side
    package var bookSide: KalshiBookSide
    package var status: Status
    /// The YES price (always; a NO order's price is 1 − this).
    package var yesPrice: Price
    package var fillCount: Count
    package var remainingCount: Count
    package var initialCount: Count
    package var fees: Money
    package var createdTime: Timestamp?
    package var lastUpdateTime: Timestamp?
}

/// A fill as `GET /portfolio/fills` reports it.
package struct KalshiFillRecord: Equatable, Sendable {
    package var fillId: String
    package var orderId: String
    package var ticker: Symbol
    package var outcomeSide: Side
    package var bookSide: KalshiBookSide
    package var count: Count
    package var yesPrice: Price
    package var isTaker: Bool
    package var fee: Money
    /// `created_time`, else the legacy `ts` (seconds); nil when neither is given.
    package var time: Timestamp?
}

/// The account's balance (`GET /portfolio/balance`).
package struct KalshiBalance: Equatable, Sendable {
    /// Available to trade.
    package var balance: Money
    package var portfolioValue: Money
    package var updated: Timestamp
}

/// Readers of the portfolio endpoints the trader reconciles with: exact amounts (dollar strings to the
/// micro-dollar, counts to the hundredth), the current field names (`outcome_side`, `book_side`, the
/// `_dollars`/`_fp` spellings), errors naming the field's path. Shapes from SDK 3.34's models.
package enum KalshiPortfolioParser {
    /// `{"orders": [Order], "cursor": "…"}` (an empty cursor: the last page).
    package static func ordersPage(_ bytes: [UInt8], source: String) throws(ImportError) -> (
        orders: [KalshiOrder], cursor: String?
    ) {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var out: [KalshiOrder] = []
        for (i, v) in try root.array("orders").enumerated() {
            out.append(try order(JSONFields(v, source: source, path: "orders[\(i)]")))
        }
        return (out, try cursor(root))
    }

    /// `{"order": Order}`.
    package static func order(_ bytes: [UInt8], source: String) throws(ImportError) -> KalshiOrder {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        guard let o = try root.child("order") else { throw root.fail("order", "missing") }
        return try order(o)
    }

    /// `{"fills": [Fill], "cursor": "…"}`.
    package static func fillsPage(_ bytes: [UInt8], source: String) throws(ImportError) -> (
        fills: [KalshiFillRecord], cursor: String?
    ) {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var out: [KalshiFillRecord] = []
        for (i, v) in try root.array("fills").enumerated() {
            let f = try JSONFields(v, source: source, path: "fills[\(i)]")
            var time = try f.time("created_time")
            if time == nil, let ts = try f.integer("ts") {
                guard ts >= 0, ts < 7_258_118_400 else { throw f.fail("ts", "\(ts) is not a Unix time before 2200") }
                time = Timestamp(seconds: ts)
            }
            out.append(
                KalshiFillRecord(
                    fillId: try f.string("fill_id"), orderId: try f.string("order_id"),
                    ticker: try f.kalshiTicker("ticker"), outcomeSide: try side(f, "outcome_side"),
                    bookSide: try bookSide(f), count: try f.requiredKalshiCount("count"),
                    yesPrice: try f.requiredKalshiPrice("yes_price"), isTaker: try bool(f, "is_taker"),
                    fee: try money(f, "fee_cost"), time: time))
        }
        return (out, try cursor(root))
    }

    /// `{"balance": cents, "balance_dollars": "…", "portfolio_value": cents, "updated_ts": s}`: the
    /// dollar string is exact; the cents must agree with it.
    package static func balance(_ bytes: [UInt8], source: String) throws(ImportError) -> KalshiBalance {
        let f = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        let dollars = try money(f, "balance_dollars")
        if let cents = try f.integer("balance"), cents != dollars.micros / 10_000 {
            throw f.fail("balance", "\(cents) cents disagrees with balance_dollars \(dollars)")
        }
        guard let value = try f.integer("portfolio_value") else { throw f.fail("portfolio_value", "missing") }
        let (valueMicros, overflow) = value.multipliedReportingOverflow(by: 10_000)
        guard !overflow else { throw f.fail("portfolio_value", "\(value) cents is out of range") }
        guard let updated = try f.integer("updated_ts"), updated >= 0, updated < 7_258_118_400 else {
            throw f.fail("updated_ts", "missing or not a Unix time before 2200")
        }
        return KalshiBalance(
            balance: dollars, portfolioValue: Money(micros: valueMicros), updated: Timestamp(seconds: updated))
    }

    /// One `Order` object; also the WebSocket's `user_order` message, which has the same fields (its
    /// times are `created_ts_ms`/`last_updated_ts_ms`).
    package static func order(_ o: JSONFields) throws(ImportError) -> KalshiOrder {
        let statusText = try o.string("status")
        guard let status = KalshiOrder.Status(rawValue: statusText) else {
            throw o.fail("status", "\"\(statusText)\" is not resting, canceled or executed")
        }
        return KalshiOrder(
            orderId: try o.string("order_id"), clientOrderId: try o.optionalString("client_order_id") ?? "",
            ticker: try o.kalshiTicker("ticker"), outcomeSide: try side(o, "outcome_side"), bookSide: try bookSide(o),
            status: status, yesPrice: try o.requiredKalshiPrice("yes_price"),
            fillCount: try o.requiredKalshiCount("fill_count"),
            remainingCount: try o.requiredKalshiCount("remaining_count"),
            initialCount: try o.requiredKalshiCount("initial_count"),
            fees: Money(micros: try money(o, "taker_fees_dollars").micros + money(o, "maker_fees_dollars").micros),
            createdTime: try time(o, "created_time", orMilliseconds: "created_ts_ms"),
            lastUpdateTime: try time(o, "last_update_time", orMilliseconds: "last_updated_ts_ms"))
    }

    private static func time(_ f: JSONFields, _ key: String, orMilliseconds msKey: String) throws(ImportError)
        -> Timestamp?
    {
        if let t = try f.time(key) { return t }
        return try milliseconds(f, msKey)
    }

    /// The WebSocket's `fill` message: `trade_id` for the fill's id, `market_ticker`, `ts_ms`.
    package static func streamedFill(_ f: JSONFields) throws(ImportError) -> KalshiFillRecord {
        KalshiFillRecord(
            fillId: try f.string("trade_id"), orderId: try f.string("order_id"),
            ticker: try f.kalshiTicker("market_ticker"), outcomeSide: try side(f, "outcome_side"),
            bookSide: try bookSide(f), count: try f.requiredKalshiCount("count"),
            yesPrice: try f.requiredKalshiPrice("yes_price"), isTaker: try bool(f, "is_taker"),
            fee: try money(f, "fee_cost"), time: try milliseconds(f, "ts_ms"))
    }

    /// Unix milliseconds, or nil when absent.
    private static func milliseconds(_ f: JSONFields, _ key: String) throws(ImportError) -> Timestamp? {
        guard let ms = try f.integer(key) else { return nil }
        guard ms >= 0, ms < 7_258_118_400_000 else { throw f.fail(key, "\(ms) is not Unix milliseconds before 2200") }
        return Timestamp(milliseconds: ms)
    }

    private static func side(_ f: JSONFields, _ key: String) throws(ImportError) -> Side {
        switch try f.string(key) {
        case "yes": .yes
        case "no": .no
        case let other: throw f.fail(key, "\"\(other)\" is not yes or no")
        }
    }

    private static func bookSide(_ f: JSONFields) throws(ImportError) -> KalshiBookSide {
        let text = try f.string("book_side")
        guard let side = KalshiBookSide(rawValue: text) else {
            throw f.fail("book_side", "\"\(text)\" is not bid or ask")
        }
        return side
    }

    private static func bool(_ f: JSONFields, _ key: String) throws(ImportError) -> Bool {
        guard case .bool(let b) = f.optional(key) else { throw f.fail(key, "expected true or false") }
        return b
    }

    /// A non-negative dollar string to the micro-dollar.
    private static func money(_ f: JSONFields, _ key: String) throws(ImportError) -> Money {
        guard let v = f.optional(key) else { throw f.fail(key, "missing") }
        guard case .string(let text) = v else { throw f.fail(key, "expected a dollar string, found \(v.typeName)") }
        guard let micros = FixedPoint.parse(text, scale: 6), micros >= 0 else {
            throw f.fail(key, "\"\(text)\" is not a dollar amount with at most 6 decimals")
        }
        return Money(micros: micros)
    }

    private static func cursor(_ root: JSONFields) throws(ImportError) -> String? {
        guard let c = try root.optionalString("cursor"), !c.isEmpty else { return nil }
        return c
    }
}
