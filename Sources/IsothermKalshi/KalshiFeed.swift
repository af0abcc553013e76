package import IsothermEvents
package import IsothermImport

/// One WebSocket message from Kalshi, read: its envelope and the events it carries.
package struct KalshiFeedMessage: Sendable {
    /// `ticker`, `trade`, `market_lifecycle_v2`, `subscribed`, `error`, …
    package var type: String
    package var sid: Int64?
    /// Per-subscription sequence (on trade, lifecycle, orderbook messages; not on ticker).
    package var seq: Int64?
    /// The events it maps to (none for replies and channels not mapped yet).
    package var events: [EventRecord]
    /// For `error` replies: the code and message.
    package var error: (code: Int64, message: String)?
}

/// Kalshi's WebSocket messages (reference/kalshi-api.md §4) → events, exactly (dollar strings and
/// fixed-point counts, never a Double). `ticker` → ``TickerUpdate``, `trade` → ``Trade``,
/// `market_lifecycle_v2` → ``MarketLifecycle``; times from `ts_ms` (milliseconds), else the
/// lifecycle's own `*_ts` seconds, else the receive time.
package enum KalshiFeed {
    package static func parse(_ bytes: [UInt8], receivedAt: Timestamp, source: String = "kalshi_ws") throws(ImportError)
        -> KalshiFeedMessage
    {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        let type = try root.string("type")
        var out = KalshiFeedMessage(type: type, sid: try root.integer("sid"), seq: try root.integer("seq"), events: [])
        guard let msg = try root.child("msg") else { return out }
        func time() throws(ImportError) -> Timestamp {
            if let ms = try msg.integer("ts_ms") { return Timestamp(milliseconds: ms) }
            return receivedAt
        }
        func ticker(_ key: String = "market_ticker") throws(ImportError) -> Symbol {
            let text = try msg.string(key)
            guard let s = Symbol(text) else { throw msg.fail(key, "\"\(text)\" is not a ticker") }
            return s
        }
        switch type {
        case "ticker":
            out.events.append(
                EventRecord(
                    time: try time(),
                    event: .ticker(
                        TickerUpdate(
                            ticker: try ticker(), lastPrice: try msg.kalshiPrice("price"),
                            yesBid: try msg.kalshiPrice("yes_bid"),
                            yesAsk: try msg.kalshiPrice("yes_ask"),
                            yesBidSize: try msg.kalshiCount("yes_bid_size") ?? .zero,
                            yesAskSize: try msg.kalshiCount("yes_ask_size") ?? .zero,
                            volume: try msg.kalshiCount("volume") ?? .zero,
                            openInterest: try msg.kalshiCount("open_interest") ?? .zero))))
        case "trade":
            guard let price = try msg.kalshiPrice("yes_price") else { throw msg.fail("yes_price_dollars", "missing") }
            guard let count = try msg.kalshiCount("count") else { throw msg.fail("count_fp", "missing") }
            var sideText = try msg.optionalString("taker_outcome_side")
            if sideText == nil { sideText = try msg.optionalString("taker_side") }
            guard let side: Side = sideText == "yes" ? .yes : sideText == "no" ? .no : nil else {
                throw msg.fail("taker_outcome_side", "expected yes or no, found \"\(sideText ?? "nothing")\"")
            }
            let isBlock: Bool
            if case .bool(let b) = msg.optional("is_block_trade") ?? .bool(false) {
                isBlock = b
            } else {
                isBlock = false
            }
            out.events.append(
                EventRecord(
                    time: try time(),
                    event: .trade(
                        Trade(
                            tradeId: try msg.string("trade_id"), ticker: try ticker(), yesPrice: price, count: count,
                            takerSide: side, isBlockTrade: isBlock))))
        case "market_lifecycle_v2":
            let kind = try msg.string("event_type")
            let transitions: [String: MarketLifecycle.Transition] = [
                "created": .created, "activated": .activated, "deactivated": .deactivated,
                "close_date_updated": .closeDateUpdated, "determined": .determined, "settled": .settled,
            ]
            guard let transition = transitions[kind] else { return out }  // metadata updates and the like: raw only
            let resultText = try msg.optionalString("result")
            let result: MarketLifecycle.Result? =
                resultText == "yes" ? .yes : resultText == "no" ? .no : resultText == "scalar" ? .scalar : nil
            var when = receivedAt
            for key in ["determination_ts", "settled_ts"] {
                if let s = try msg.integer(key) { when = Timestamp(seconds: s) }
            }
            out.events.append(
                EventRecord(
                    time: when,
                    event: .marketLifecycle(
                        MarketLifecycle(
                            ticker: try ticker(), transition: transition,
                            openTime: try msg.integer("open_ts").map { Timestamp(seconds: $0) },
                            closeTime: try msg.integer("close_ts").map { Timestamp(seconds: $0) }, result: result,
                            settlementValue: try msg.kalshiPrice("settlement_value")))))
        case "error":
            out.error = (try msg.integer("code") ?? 0, try msg.optionalString("msg") ?? "")
        default:
            break
        }
        return out
    }
}
