package import IsothermEvents
package import IsothermImport

/// The V2 order endpoints' other bodies, read exactly (the client reads answers, the local exchange
/// reads requests), with errors naming the field. Shapes from SDK 3.34's models
/// (`CreateOrderV2Request`, `CreateOrderV2Response`, `CancelOrderV2Response`, `AmendOrderV2Request`,
/// `DecreaseOrderV2Request`, the batched forms, `MarketPosition`, `ErrorResponse`).
extension KalshiOrderV2 {
    /// A `CreateOrderV2Request` body.
    package static func parse(_ bytes: [UInt8], source: String) throws(ImportError) -> KalshiOrderV2 {
        try parse(JSONFields(JSONParser.parse(bytes, source: source), source: source, path: ""))
    }

    /// One `CreateOrderV2Request` object (alone, or an item of a batch).
    package static func parse(_ f: JSONFields) throws(ImportError) -> KalshiOrderV2 {
        let sideText = try f.string("side")
        guard let side = BookSide(rawValue: sideText) else { throw f.fail("side", "\"\(sideText)\" is not bid or ask") }
        let tifText = try f.string("time_in_force")
        guard let tif = TimeInForce(rawValue: tifText) else {
            throw f.fail(
                "time_in_force", "\"\(tifText)\" is not fill_or_kill, good_till_canceled or immediate_or_cancel")
        }
        let stpText = try f.string("self_trade_prevention_type")
        guard let stp = SelfTradePrevention(rawValue: stpText) else {
            throw f.fail("self_trade_prevention_type", "\"\(stpText)\" is not taker_at_cross or maker")
        }
        return KalshiOrderV2(
            ticker: try f.kalshiTicker("ticker"), side: side, count: try KalshiAnswers.count(f, "count"),
            yesPrice: try KalshiAnswers.price(f, "price"), timeInForce: tif, selfTradePrevention: stp,
            clientOrderId: try f.optionalString("client_order_id") ?? "",
            postOnly: try KalshiAnswers.flag(f, "post_only"),
            reduceOnly: try KalshiAnswers.flag(f, "reduce_only"))
    }

    package init(
        ticker: Symbol, side: BookSide, count: Count, yesPrice: Price, timeInForce: TimeInForce,
        selfTradePrevention: SelfTradePrevention, clientOrderId: String, postOnly: Bool, reduceOnly: Bool
    ) {
        self.ticker = ticker
        self.side = side
        self.count = count
        self.yesPrice = yesPrice
        self.timeInForce = timeInForce
        self.selfTradePrevention = selfTradePrevention
        self.clientOrderId = clientOrderId
        self.postOnly = postOnly
        self.reduceOnly = reduceOnly
    }
}

/// What the exchange answered to a create or an amend (`CreateOrderV2Response`, `AmendOrderV2Response`).
package struct KalshiOrderAnswer: Equatable, Sendable {
    package var orderId: String
    package var clientOrderId: String
    package var fillCount: Count
    package var remainingCount: Count

    package init(orderId: String, clientOrderId: String, fillCount: Count, remainingCount: Count) {
        self.orderId = orderId
        self.clientOrderId = clientOrderId
        self.fillCount = fillCount
        self.remainingCount = remainingCount
    }

    package var json: String {
        var j = JSONWriter()
        j.beginObject()
        j.string("order_id", orderId)
        if !clientOrderId.isEmpty { j.string("client_order_id", clientOrderId) }
        j.string("fill_count", KalshiAnswers.count(fillCount))
        j.string("remaining_count", KalshiAnswers.count(remainingCount))
        j.endObject()
        return j.output
    }
}

/// A market position (`GET /portfolio/positions`' `market_positions[]`).
package struct KalshiPosition: Equatable, Sendable {
    package var ticker: Symbol
    /// Contracts in hundredths: + YES, − NO.
    package var position: Int64
    package var exposure: Money
    package var realizedPnl: Int64
    package var feesPaid: Money
}

/// An `ErrorResponse`, plain (`{code, message}`) or wrapped (`{"error": {…}}`).
package struct KalshiErrorBody: Error, Equatable, Sendable {
    package var code: String
    package var message: String
}

/// Readers and writers of the answers' shared pieces.
package enum KalshiAnswers {
    /// `CreateOrderV2Response` / `AmendOrderV2Response` / `DecreaseOrderV2Response`.
    package static func order(_ bytes: [UInt8], source: String) throws(ImportError) -> KalshiOrderAnswer {
        try order(JSONFields(JSONParser.parse(bytes, source: source), source: source, path: ""))
    }

    package static func order(_ f: JSONFields) throws(ImportError) -> KalshiOrderAnswer {
        KalshiOrderAnswer(
            orderId: try f.string("order_id"), clientOrderId: try f.optionalString("client_order_id") ?? "",
            fillCount: try optionalCount(f, "fill_count") ?? .zero,
            remainingCount: try optionalCount(f, "remaining_count") ?? .zero)
    }

    /// `CancelOrderV2Response`: the order and how many contracts the cancel took off.
    package static func cancel(_ bytes: [UInt8], source: String) throws(ImportError) -> (
        orderId: String, reducedBy: Count
    ) {
        let f = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        return (try f.string("order_id"), try optionalCount(f, "reduced_by") ?? .zero)
    }

    /// `BatchCreateOrdersV2Response`: per item, an answer or an error, in the order sent.
    package static func batch(_ bytes: [UInt8], source: String) throws(ImportError) -> [Result<
        KalshiOrderAnswer, KalshiErrorBody
    >] {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var out: [Result<KalshiOrderAnswer, KalshiErrorBody>] = []
        for (i, v) in try root.array("orders").enumerated() {
            let item = try JSONFields(v, source: source, path: "orders[\(i)]")
            if let e = try item.child("error") {
                out.append(
                    .failure(
                        KalshiErrorBody(
                            code: try e.optionalString("code") ?? "", message: try e.optionalString("message") ?? "")))
            } else {
                out.append(.success(try order(item)))
            }
        }
        return out
    }

    /// `{"market_positions": [...], "cursor"}`.
    package static func positions(_ bytes: [UInt8], source: String) throws(ImportError) -> (
        positions: [KalshiPosition], cursor: String?
    ) {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var out: [KalshiPosition] = []
        for (i, v) in try root.array("market_positions").enumerated() {
            let f = try JSONFields(v, source: source, path: "market_positions[\(i)]")
            guard let position = try f.decimal("position_fp", scale: 2) else { throw f.fail("position_fp", "missing") }
            out.append(
                KalshiPosition(
                    ticker: try f.kalshiTicker("ticker"), position: position,
                    exposure: Money(micros: try dollars(f, "market_exposure_dollars")),
                    realizedPnl: try dollars(f, "realized_pnl_dollars"),
                    feesPaid: Money(micros: try dollars(f, "fees_paid_dollars"))))
        }
        let cursor = try root.optionalString("cursor")
        return (out, cursor?.isEmpty == false ? cursor : nil)
    }

    /// An error body in either form; nil when the bytes are not one.
    package static func error(_ bytes: [UInt8]) -> KalshiErrorBody? {
        guard let v = try? JSONParser.parse(bytes, source: "error"), let root = try? JSONFields(v, source: "", path: "")
        else { return nil }
        let f = (try? root.child("error")).flatMap { $0 } ?? root
        guard let code = try? f.optionalString("code") else { return nil }
        return KalshiErrorBody(code: code, message: (try? f.optionalString("message")).flatMap { $0 } ?? "")
    }

    // MARK: pieces

    /// A count string (`"10.00"`), or a whole JSON number of contracts.
    package static func count(_ f: JSONFields, _ key: String) throws(ImportError) -> Count {
        guard let c = try optionalCount(f, key) else { throw f.fail(key, "missing") }
        return c
    }

    package static func optionalCount(_ f: JSONFields, _ key: String) throws(ImportError) -> Count? {
        guard let v = f.optional(key) else { return nil }
        switch v {
        case .string(let text):
            guard let n = FixedPoint.parse(text, scale: 2), n >= 0 else {
                throw f.fail(key, "\"\(text)\" is not a count with at most 2 decimals")
            }
            return Count(hundredths: n)
        case .number(let text):
            guard let n = FixedPoint.parse(text, scale: 0), n >= 0, n < Int64.max / 100 else {
                throw f.fail(key, "\(text) is not a whole number of contracts")
            }
            return Count(hundredths: n * 100)
        default:
            throw f.fail(key, "expected a count string, found \(v.typeName)")
        }
    }

    /// A YES price string in $0…$1 with at most 6 decimals (`"0.4200"`).
    package static func price(_ f: JSONFields, _ key: String) throws(ImportError) -> Price {
        guard let v = f.optional(key) else { throw f.fail(key, "missing") }
        guard case .string(let text) = v else { throw f.fail(key, "expected a dollar string, found \(v.typeName)") }
        guard let micros = FixedPoint.parse(text, scale: 6), micros >= 0, micros <= 1_000_000 else {
            throw f.fail(key, "\"\(text)\" is not a price from 0 to 1 with at most 6 decimals")
        }
        return Price(micros: micros)
    }

    static func flag(_ f: JSONFields, _ key: String) throws(ImportError) -> Bool {
        guard let v = f.optional(key) else { return false }
        guard case .bool(let b) = v else { throw f.fail(key, "expected true or false, found \(v.typeName)") }
        return b
    }

    /// A signed dollar string to the micro-dollar.
    static func dollars(_ f: JSONFields, _ key: String) throws(ImportError) -> Int64 {
        guard let v = f.optional(key) else { throw f.fail(key, "missing") }
        guard case .string(let text) = v, let micros = FixedPoint.parse(text, scale: 6) else {
            throw f.fail(key, "expected a dollar string with at most 6 decimals")
        }
        return micros
    }

    package static func count(_ c: Count) -> String { FixedPoint.format(c.hundredths, scale: 2, minDecimals: 2) }
    package static func price(_ p: Price) -> String { FixedPoint.format(p.micros, scale: 6, minDecimals: 4) }
    package static func dollars(_ micros: Int64) -> String { FixedPoint.format(micros, scale: 6, minDecimals: 4) }
}
