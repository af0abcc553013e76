package import IsothermEvents
package import IsothermImport

/// One WebSocket message from Kalshi, read: its envelope, what it is about, and the events it maps to.
package struct KalshiFeedMessage: Sendable {
    /// `ticker`, `trade`, `market_lifecycle_v2`, `event_lifecycle`, `subscribed`, `error`, …
    package var type: String
    /// The command id, on replies.
    package var id: Int64?
    package var sid: Int64?
    /// The position in its subscription (on trade, lifecycle, orderbook and some reply messages; not on
    /// ticker).
    package var seq: Int64?
    /// The market the message is about, as it names it (`market_ticker`, or `ticker` on user orders).
    package var marketTicker: String?
    /// The event it is about (`event_ticker`), for event-level messages.
    package var eventTicker: String?
    /// The series it is about (`series_ticker`), for event-level messages.
    package var seriesTicker: String?
    /// The events it maps to (none for replies, errors and raw-only messages; see ``KalshiFeed``).
    package var events: [EventRecord] = []
    /// For `error` replies: Kalshi's code and message.
    package var error: KalshiFeedError?
    /// For `subscribed` replies: the channel and the id of its subscription.
    package var subscribed: (channel: String, sid: Int64)?
    /// Why the content could not be mapped (the envelope was read): a field missing or malformed.
    package var unreadable: ImportError?
    /// The private channels' payloads, read exactly (the live trader reconciles them with its intents
    /// and with REST): `user_order`, `fill`, `market_position`.
    package var order: KalshiOrder?
    package var fill: KalshiFillRecord?
    package var position: KalshiPosition?

    /// The tickers that say what the message is about, in the message's terms; empty for replies and
    /// errors, which are about the connection.
    package var subjects: [String] { [marketTicker, eventTicker, seriesTicker].compactMap { $0 } }

    /// Whether a recorder keeping the series (ticker prefixes) `prefixes` keeps this message: errors and
    /// messages about no market, event or series always; others when a ticker they name starts with one
    /// of the prefixes.
    package func isKept(byPrefixes prefixes: [String]) -> Bool {
        if type == "error" { return true }
        let subjects = self.subjects
        return subjects.isEmpty || subjects.contains { s in prefixes.contains { s.hasPrefix($0) } }
    }
}

/// An `error` reply: `{"id":…,"type":"error","msg":{"code":…,"msg":"…"}}`.
package struct KalshiFeedError: Sendable, Equatable {
    /// What a client does after the error.
    package enum Action: Sendable, Equatable {
        /// Nothing was lost (a duplicate subscription, an unknown sid or market): carry on.
        case carryOn
        /// The subscription ended or the command was not done (channel error, buffer overflow,
        /// internal error, timeout, too many requests): subscribe again.
        case resubscribe
        /// The command cannot succeed as given (authentication required, an unknown channel, a bad
        /// parameter, a limit): stop and say so.
        case stop
    }

    package var code: Int64
    package var message: String
    /// The market, when the error is about one.
    package var marketTicker: String?

    package init(code: Int64, message: String, marketTicker: String? = nil) {
        self.code = code
        self.message = message
        self.marketTicker = marketTicker
    }

    /// The code's name in Kalshi's AsyncAPI table (reference/kalshi-api.md §4).
    package var meaning: String {
        switch code {
        case 1: "unable to process message"
        case 2: "params required"
        case 3: "channels required"
        case 4: "subscription ids required"
        case 5: "unknown command"
        case 6: "already subscribed"
        case 7: "unknown subscription id"
        case 8: "unknown channel name"
        case 9: "authentication required"
        case 10: "channel error"
        case 11: "invalid parameter"
        case 12: "exactly one subscription id is required"
        case 13: "unsupported action"
        case 14: "market ticker required"
        case 15: "action required"
        case 16: "market not found"
        case 17: "internal error"
        case 18: "command timeout"
        case 19...22: "shard parameter error"
        case 23: "match ids required"
        case 24: "index ids required"
        case 25: "subscription buffer overflow"
        case 26: "subscription market limit exceeded"
        case 27: "too many requests"
        case 28: "underlying tickers required"
        default: "an error code this build does not know"
        }
    }

    package var action: Action {
        switch code {
        case 6, 7, 16: .carryOn
        // 10 and 25 end the subscription ("terminal, resubscribe"); 17, 18 and 27 mean the command
        // was not done.
        case 10, 17, 18, 25, 27: .resubscribe
        case 1...5, 8, 9, 11...15, 19...24, 26, 28: .stop
        // A code added after this build: recorded and reported, and the recording goes on.
        default: .carryOn
        }
    }
}

/// Kalshi's WebSocket messages (AsyncAPI spec 2026-03 and reference/kalshi-api.md §4) → events,
/// exactly: dollar strings and fixed-point counts, never a Double; a field the message leaves out is
/// left out of the event, never filled in.
///
/// - `ticker` → ``TickerUpdate`` at the receive time, with the exchange's time (`ts_ms`, else `ts`,
///   else `time`) beside it when the message has one.
/// - `trade` → ``Trade`` at the trade's time (`ts_ms`, else `ts`); a trade without one is unreadable.
/// - `market_lifecycle_v2` `created`, `activated`, `deactivated`, `close_date_updated`,
///   `determined`, `settled` → ``MarketLifecycle``; `created` with its strikes in
///   `additional_metadata` also → ``MarketListed``. `metadata_updated` and
///   `price_level_structure_updated` are raw only.
/// - Everything else (`event_lifecycle`, fee updates, replies, errors, private channels) is raw only:
///   the recorder keeps the frame verbatim.
package enum KalshiFeed {
    /// Channels whose data is public market data: Kalshi's quick start subscribes to them without a key.
    package static let publicChannels: Set<String> = ["ticker", "trade", "market_lifecycle_v2"]

    /// Reads one message.
    /// - Returns: the message; when its content cannot be mapped, ``KalshiFeedMessage/unreadable`` says why
    ///   and it carries no events.
    /// - Throws: ``ImportError`` when not even the envelope can be read (not JSON, no `type`, a ticker
    ///   field that is not a string).
    package static func parse(_ bytes: [UInt8], receivedAt: Timestamp, source: String = "kalshi_ws") throws(ImportError)
        -> KalshiFeedMessage
    {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var out = KalshiFeedMessage(
            type: try root.string("type"), id: try root.integer("id"), sid: try root.integer("sid"),
            seq: try root.integer("seq"))
        // `msg` is an object, except in the list_subscriptions reply (an array).
        guard let body = root.optional("msg"), case .object = body else { return out }
        let msg = try JSONFields(body, source: source, path: "msg")
        out.marketTicker = try msg.optionalString("market_ticker")
        if out.marketTicker == nil && out.type == "user_order" { out.marketTicker = try msg.optionalString("ticker") }
        out.eventTicker = try msg.optionalString("event_ticker")
        out.seriesTicker = try msg.optionalString("series_ticker")
        do throws(ImportError) {
            try map(&out, msg, receivedAt: receivedAt)
        } catch {
            out.events = []
            out.unreadable = error
        }
        return out
    }

    private static func map(_ out: inout KalshiFeedMessage, _ msg: JSONFields, receivedAt: Timestamp)
        throws(ImportError)
    {
        switch out.type {
        case "ticker":
            out.events = [EventRecord(time: receivedAt, event: .ticker(try tickerUpdate(msg)))]
        case "trade":
            out.events = [try trade(msg)]
        case "market_lifecycle_v2":
            out.events = try lifecycle(msg, receivedAt: receivedAt)
        case "orderbook_snapshot":
            out.events = [EventRecord(time: receivedAt, event: .bookSnapshot(try bookSnapshot(msg)))]
        case "orderbook_delta":
            out.events = [try bookDelta(msg, receivedAt: receivedAt)]
        case "user_order":
            out.order = try KalshiPortfolioParser.order(msg)
        case "fill":
            out.fill = try KalshiPortfolioParser.streamedFill(msg)
        case "market_position":
            guard let position = try msg.decimal("position_fp", scale: 2) else {
                throw msg.fail("position_fp", "missing")
            }
            out.position = KalshiPosition(
                ticker: try msg.kalshiTicker("market_ticker"), position: position,
                exposure: Money(micros: try KalshiAnswers.dollars(msg, "position_cost_dollars")),
                realizedPnl: try KalshiAnswers.dollars(msg, "realized_pnl_dollars"),
                feesPaid: Money(micros: try KalshiAnswers.dollars(msg, "fees_paid_dollars")))
        case "subscribed":
            out.subscribed = (try msg.string("channel"), try msg.integer("sid") ?? 0)
        case "error":
            out.error = KalshiFeedError(
                code: try msg.integer("code") ?? 0, message: try msg.optionalString("msg") ?? "",
                marketTicker: out.marketTicker)
        default:
            break  // raw only (see the type's documentation)
        }
    }

    /// `orderbook_snapshot`: `yes_dollars_fp` and `no_dollars_fp`, `[[price, count], …]` (a side absent
    /// when empty), each side best first as ``BookSnapshot`` keeps them. NO prices are the NO leg's.
    private static func bookSnapshot(_ msg: JSONFields) throws(ImportError) -> BookSnapshot {
        func levels(_ key: String) throws(ImportError) -> [BookLevel] {
            guard msg.has(key) else { return [] }
            var out: [BookLevel] = []
            for (i, v) in try msg.array(key).enumerated() {
                guard let pair = v.arrayValue, pair.count == 2, let p = pair[0].numberText, let c = pair[1].numberText,
                    let micros = FixedPoint.parse(p, scale: 6), (0...1_000_000).contains(micros),
                    let hundredths = FixedPoint.parse(c, scale: 2), hundredths >= 0
                else { throw msg.fail("\(key)[\(i)]", "expected [\"price\", \"count\"] dollar and count strings") }
                out.append(BookLevel(price: Price(micros: micros), count: Count(hundredths: hundredths)))
            }
            return out.sorted { $0.price > $1.price }
        }
        return BookSnapshot(
            ticker: try msg.kalshiTicker("market_ticker"), yesBids: try levels("yes_dollars_fp"),
            noBids: try levels("no_dollars_fp"))
    }

    /// `orderbook_delta`: a signed change of the resting count at one price of one side.
    private static func bookDelta(_ msg: JSONFields, receivedAt: Timestamp) throws(ImportError) -> EventRecord {
        let sideText = try msg.string("side")
        guard let side: Side = sideText == "yes" ? .yes : sideText == "no" ? .no : nil else {
            throw msg.fail("side", "\"\(sideText)\" is not yes or no")
        }
        guard let price = try msg.kalshiPrice("price") else { throw msg.fail("price_dollars", "missing") }
        guard let v = msg.optional("delta_fp"), let text = v.numberText, let delta = FixedPoint.parse(text, scale: 2)
        else { throw msg.fail("delta_fp", "expected a signed count string") }
        return EventRecord(
            time: try exchangeTime(msg) ?? receivedAt,
            event: .bookDelta(
                BookDelta(
                    ticker: try msg.kalshiTicker("market_ticker"), side: side, price: price,
                    delta: Count(hundredths: delta), clientOrderId: try msg.optionalString("client_order_id"))))
    }

    private static func tickerUpdate(_ msg: JSONFields) throws(ImportError) -> TickerUpdate {
        TickerUpdate(
            ticker: try msg.kalshiTicker("market_ticker"), lastPrice: try msg.kalshiPrice("price"),
            yesBid: try msg.kalshiPrice("yes_bid"), yesAsk: try msg.kalshiPrice("yes_ask"),
            yesBidSize: try msg.kalshiCount("yes_bid_size"), yesAskSize: try msg.kalshiCount("yes_ask_size"),
            volume: try msg.kalshiCount("volume"), openInterest: try msg.kalshiCount("open_interest"),
            exchangeTime: try exchangeTime(msg))
    }

    private static func trade(_ msg: JSONFields) throws(ImportError) -> EventRecord {
        guard let time = try exchangeTime(msg) else {
            throw msg.fail("ts_ms", "missing (and no ts): a trade is dated by the exchange's time")
        }
        guard let price = try msg.kalshiPrice("yes_price") else {
            throw msg.fail("yes_price_dollars", "missing (and no yes_price either)")
        }
        guard let count = try msg.kalshiCount("count") else {
            throw msg.fail("count_fp", "missing (and no count either)")
        }
        let sideKey = msg.has("taker_outcome_side") ? "taker_outcome_side" : "taker_side"
        let sideText = try msg.optionalString(sideKey)
        guard let side: Side = sideText == "yes" ? .yes : sideText == "no" ? .no : nil else {
            throw msg.fail(sideKey, "expected yes or no, found \(sideText.map { "\"\($0)\"" } ?? "nothing")")
        }
        var block: Bool?
        if let v = msg.optional("is_block_trade") {
            guard case .bool(let b) = v else { throw msg.fail("is_block_trade", "expected true or false") }
            block = b
        }
        return EventRecord(
            time: time,
            event: .trade(
                Trade(
                    tradeId: try msg.string("trade_id"), ticker: try msg.kalshiTicker("market_ticker"),
                    yesPrice: price, count: count, takerSide: side, isBlockTrade: block)))
    }

    /// The transitions `market_lifecycle_v2` names, as ``MarketLifecycle`` spells them.
    private static let transitions: [String: MarketLifecycle.Transition] = [
        "created": .created, "activated": .activated, "deactivated": .deactivated,
        "close_date_updated": .closeDateUpdated, "determined": .determined, "settled": .settled,
    ]

    /// A lifecycle message's events. The time is the transition's own when the message carries it
    /// (`determination_ts`, `settled_ts`), else the receive time: `created`, `activated`, `deactivated`
    /// and `close_date_updated` carry none.
    private static func lifecycle(_ msg: JSONFields, receivedAt: Timestamp) throws(ImportError) -> [EventRecord] {
        let kind = try msg.string("event_type")
        // metadata_updated, price_level_structure_updated and types added later: raw only.
        guard let transition = transitions[kind] else { return [] }
        let ticker = try msg.kalshiTicker("market_ticker")
        let resultText = try msg.optionalString("result") ?? ""
        let result: MarketLifecycle.Result?
        switch resultText {
        case "": result = nil
        case "yes": result = .yes
        case "no": result = .no
        case "scalar": result = .scalar
        default: throw msg.fail("result", "unknown result \"\(resultText)\" (known: yes, no, scalar)")
        }
        var when = receivedAt
        if transition == .determined, let s = try seconds(msg, "determination_ts") { when = s }
        if transition == .settled, let s = try seconds(msg, "settled_ts") { when = s }
        let open = try seconds(msg, "open_ts")
        let close = try seconds(msg, "close_ts")
        var out: [EventRecord] = []
        if transition == .created, let listed = try listing(msg, ticker: ticker, open: open, close: close) {
            out.append(EventRecord(time: receivedAt, event: .marketListed(listed)))
        }
        out.append(
            EventRecord(
                time: when,
                event: .marketLifecycle(
                    MarketLifecycle(
                        ticker: ticker, transition: transition, openTime: open, closeTime: close, result: result,
                        settlementValue: try msg.kalshiPrice("settlement_value")))))
        return out
    }

    /// The listing a `created` message gives, from `additional_metadata`: the event ticker (whose date
    /// code is the event date), the strike type with the strikes it needs, the title, and the open and
    /// close times. Nil when the message has no metadata, or it lacks the event ticker, a dated event,
    /// the strike type or the open and close times: the message then maps to its lifecycle event
    /// alone. The fee schedule is not in the message: the listing takes ``KalshiFees/assumedDefault``
    /// (quadratic × 1, every daily-high series' when checked), as the REST importer does without a
    /// series response.
    /// - Throws: for metadata that is there but wrong (an unknown strike type, a missing strike it
    ///   needs).
    private static func listing(_ msg: JSONFields, ticker: Symbol, open: Timestamp?, close: Timestamp?)
        throws(ImportError) -> MarketListed?
    {
        guard let meta = try msg.child("additional_metadata"), let open, let close,
            let eventText = try meta.optionalString("event_ticker"), meta.has("strike_type"),
            let eventDate = KalshiTicker.eventDate(eventText),
            let series = KalshiTicker.series(ofEvent: eventText).flatMap(Symbol.init)
        else { return nil }
        let eventTicker = try meta.kalshiTicker("event_ticker")
        let (strikeType, floor, cap) = try KalshiMarketParser.strikes(meta)
        let fees = KalshiFees.assumedDefault
        return MarketListed(
            ticker: ticker, eventTicker: eventTicker, seriesTicker: series, eventDate: eventDate,
            strikeType: strikeType, floorStrike: floor, capStrike: cap, openTime: open, closeTime: close,
            feeType: fees.feeType, feeMultiplierMillionths: fees.multiplierMillionths,
            title: try meta.optionalString("title") ?? "")
    }

    /// The exchange's time of a ticker or trade: `ts_ms` (milliseconds), else `ts` (Unix seconds, or an
    /// RFC 3339 string as some messages now send it), else `time` (RFC 3339); nil when it has none.
    static func exchangeTime(_ msg: JSONFields) throws(ImportError) -> Timestamp? {
        if let v = msg.optional("ts_ms") {
            guard case .number(let text) = v, let ms = FixedPoint.parse(text, scale: 0), ms >= 0,
                Plausible.instant(unixSeconds: ms / 1000) != nil
            else {
                throw msg.fail(
                    "ts_ms", "expected Unix milliseconds in \(Plausible.yearsText), found \(v.numberText ?? v.typeName)"
                )
            }
            return Timestamp(milliseconds: ms)
        }
        if let v = msg.optional("ts") {
            if case .string(let text) = v {
                guard let t = Timestamp(rfc3339: text), Plausible.contains(t) else {
                    throw msg.fail("ts", "\"\(text)\" is not an RFC 3339 time in \(Plausible.yearsText)")
                }
                return t
            }
            return try seconds(msg, "ts")
        }
        return try msg.time("time")
    }

    /// Unix seconds (`open_ts`, `determination_ts`, …), or nil when absent.
    private static func seconds(_ msg: JSONFields, _ key: String) throws(ImportError) -> Timestamp? {
        guard let v = msg.optional(key) else { return nil }
        guard case .number(let text) = v, let s = FixedPoint.parse(text, scale: 0), s >= 0,
            let t = Plausible.instant(unixSeconds: s)
        else {
            throw msg.fail(key, "expected Unix seconds in \(Plausible.yearsText), found \(v.numberText ?? v.typeName)")
        }
        return t
    }
}
