import IsothermEvents
import IsothermImport
import IsothermKalshi

/// The local exchange's answers in Kalshi's current shapes (SDK 3.34: `_dollars` and `_fp` strings,
/// `book_side`/`outcome_side`), keys in a fixed order so that the same state gives the same bytes.
enum ExchangeJSON {
    static func quoted(_ s: String) -> String {
        var out = ""
        JSONWriter.appendQuoted(s, to: &out)
        return out
    }

    static func dollars(_ micros: Int64) -> String { KalshiAnswers.dollars(micros) }

    /// `CreateOrderV2Response` (also the amend and decrease answers).
    static func answer(_ o: ExchangeOrder) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("order_id", o.orderId)
        if !o.clientOrderId.isEmpty { j.string("client_order_id", o.clientOrderId) }
        j.string("fill_count", KalshiAnswers.count(o.fillCount))
        j.string("remaining_count", KalshiAnswers.count(o.remainingCount))
        if o.fillCount.hundredths > 0 {
            let cost = o.takerFillCost.micros + o.makerFillCost.micros
            j.string("average_fill_price", dollars(cost * 100 / o.fillCount.hundredths))
            j.string(
                "average_fee_paid", dollars((o.takerFees.micros + o.makerFees.micros) * 100 / o.fillCount.hundredths))
        }
        j.number("ts_ms", o.lastUpdate.nanos / 1_000_000)
        j.endObject()
        return j.output
    }

    /// `CancelOrderV2Response`.
    static func canceled(_ o: ExchangeOrder, reducedBy: Count) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("order_id", o.orderId)
        if !o.clientOrderId.isEmpty { j.string("client_order_id", o.clientOrderId) }
        j.string("reduced_by", KalshiAnswers.count(reducedBy))
        j.number("ts_ms", o.lastUpdate.nanos / 1_000_000)
        j.endObject()
        return j.output
    }

    /// `Order`.
    static func order(_ o: ExchangeOrder) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("order_id", o.orderId)
        j.string("user_id", "isotherm-local")
        j.string("client_order_id", o.clientOrderId)
        j.string("ticker", o.ticker.description)
        j.string("outcome_side", o.outcomeSide == .yes ? "yes" : "no")
        j.string("book_side", o.side.rawValue)
        j.string("type", "limit")
        j.string("status", o.status.rawValue)
        j.string("yes_price_dollars", dollars(o.yesPrice.micros))
        j.string("no_price_dollars", dollars(1_000_000 - o.yesPrice.micros))
        j.string("fill_count_fp", KalshiAnswers.count(o.fillCount))
        j.string("remaining_count_fp", KalshiAnswers.count(o.remainingCount))
        j.string("initial_count_fp", KalshiAnswers.count(o.initialCount))
        j.string("taker_fill_cost_dollars", dollars(o.takerFillCost.micros))
        j.string("maker_fill_cost_dollars", dollars(o.makerFillCost.micros))
        j.string("taker_fees_dollars", dollars(o.takerFees.micros))
        j.string("maker_fees_dollars", dollars(o.makerFees.micros))
        j.string("created_time", o.created.rfc3339)
        j.string("last_update_time", o.lastUpdate.rfc3339)
        j.endObject()
        return j.output
    }

    /// `Fill`.
    static func fill(_ f: ExchangeFill) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("fill_id", f.fillId)
        j.string("trade_id", f.fillId)
        j.string("order_id", f.orderId)
        j.string("client_order_id", f.clientOrderId)
        j.string("ticker", f.ticker.description)
        j.string("market_ticker", f.ticker.description)
        j.string("outcome_side", f.side == .bid ? "yes" : "no")
        j.string("book_side", f.side.rawValue)
        j.string("count_fp", KalshiAnswers.count(f.count))
        j.string("yes_price_dollars", dollars(f.yesPrice.micros))
        j.string("no_price_dollars", dollars(1_000_000 - f.yesPrice.micros))
        j.bool("is_taker", f.isTaker)
        j.string("fee_cost", dollars(f.fee.micros))
        j.string("created_time", f.time.rfc3339)
        j.number("ts", f.time.seconds)
        j.endObject()
        return j.output
    }

    /// `MarketPosition`.
    static func position(_ ticker: Symbol, _ p: ExchangePosition) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("ticker", ticker.description)
        j.string("total_traded_dollars", dollars(p.totalTraded))
        j.string("position_fp", FixedPoint.format(p.position, scale: 2, minDecimals: 2))
        j.string("market_exposure_dollars", dollars(p.exposure))
        j.string("realized_pnl_dollars", dollars(p.realizedPnl))
        j.string("fees_paid_dollars", dollars(p.feesPaid))
        j.endObject()
        return j.output
    }

    /// `GetBalanceResponse`: what is available (cash less resting orders' collateral), and that plus
    /// what the positions held cost.
    static func balance(_ book: ExchangeBook, now: Timestamp) -> String {
        let available = book.available
        let exposure = book.positions.values.map(\.exposure).reduce(0, +)
        var j = JSONWriter()
        j.beginObject()
        j.number("balance", available / 10_000)
        j.string("balance_dollars", dollars(available))
        j.number("portfolio_value", (available + exposure) / 10_000)
        j.number("updated_ts", now.seconds)
        j.endObject()
        return j.output
    }

    static func settlements(_ book: ExchangeBook) -> String {
        var items: [String] = []
        for t in book.tickers {
            guard let m = book.markets[t], m.settled, let result = m.result else { continue }
            var j = JSONWriter()
            j.beginObject()
            j.string("ticker", t.description)
            j.string("event_ticker", m.listing.eventTicker.description)
            j.string("market_result", result.name)
            j.endObject()
            items.append(j.output)
        }
        return list("settlements", items, cursor: nil)
    }

    /// `Market`: what the world log lists, with the latest candle's quote.
    /// A market's `status` and the `GET /markets?status=` filter value it answers to.
    static func status(_ m: ExchangeBook.Market, now: Timestamp) -> (status: String, filter: String) {
        let l = m.listing
        if m.settled { return ("finalized", "settled") }
        if now < l.openTime { return ("initialized", "unopened") }
        if now >= l.closeTime { return ("closed", "closed") }
        return ("active", "open")
    }

    static func market(_ m: ExchangeBook.Market, now: Timestamp) -> String {
        let l = m.listing
        let status = status(m, now: now).status
        var j = JSONWriter()
        j.beginObject()
        j.string("ticker", l.ticker.description)
        j.string("event_ticker", l.eventTicker.description)
        j.string("market_type", "binary")
        j.string("title", l.title)
        j.string("yes_sub_title", "")
        j.string("no_sub_title", "")
        j.string("created_time", l.openTime.rfc3339)
        j.string("updated_time", now.rfc3339)
        j.string("open_time", l.openTime.rfc3339)
        j.string("close_time", l.closeTime.rfc3339)
        j.string("latest_expiration_time", l.closeTime.rfc3339)
        j.number("settlement_timer_seconds", Int64(0))
        j.string("status", status)
        j.string("yes_bid_dollars", dollars(m.bid?.micros ?? 0))
        j.string("yes_ask_dollars", dollars(m.ask?.micros ?? 0))
        j.string("no_bid_dollars", dollars(m.ask.map { 1_000_000 - $0.micros } ?? 0))
        j.string("no_ask_dollars", dollars(m.bid.map { 1_000_000 - $0.micros } ?? 0))
        j.string("last_price_dollars", dollars(m.last?.micros ?? 0))
        j.string("volume_fp", KalshiAnswers.count(m.volume))
        j.string("open_interest_fp", KalshiAnswers.count(m.openInterest))
        j.string("result", m.result?.name ?? "")
        j.string("strike_type", l.strikeType.name)
        if let f = l.floorStrike { j.rawNumber("floor_strike", f.description) }
        if let c = l.capStrike { j.rawNumber("cap_strike", c.description) }
        j.endObject()
        return j.output
    }

    static func markets(_ book: ExchangeBook, query: [String: String], now: Timestamp) throws(ExchangeError)
        -> String
    {
        var items: [ExchangeBook.Market] = book.tickers.compactMap { book.markets[$0] }
        if let e = query["event_ticker"] { items = items.filter { $0.listing.eventTicker.description == e } }
        if let s = query["series_ticker"] { items = items.filter { $0.listing.seriesTicker.description == s } }
        if let wanted = query["status"] {
            guard ["unopened", "open", "paused", "closed", "settled"].contains(wanted) else {
                throw ExchangeError(
                    400, "invalid_parameters", "status \(wanted) is not unopened, open, paused, closed or settled")
            }
            items = items.filter { status($0, now: now).filter == wanted }
        }
        let (page, cursor) = try self.page(items, query)
        return list("markets", page.map { market($0, now: now) }, cursor: cursor)
    }

    /// `GET /events`: the world's events in listing order (`series_ticker`, `status` as for markets:
    /// an event matches when one of its markets does), `with_nested_markets`, `limit` up to 200.
    static func events(_ book: ExchangeBook, query: [String: String], now: Timestamp) throws(ExchangeError) -> String {
        var order: [Symbol] = []
        var markets: [Symbol: [ExchangeBook.Market]] = [:]
        for t in book.tickers {
            guard let m = book.markets[t] else { continue }
            if markets[m.listing.eventTicker] == nil { order.append(m.listing.eventTicker) }
            markets[m.listing.eventTicker, default: []].append(m)
        }
        if let s = query["series_ticker"] {
            order = order.filter { markets[$0]!.first!.listing.seriesTicker.description == s }
        }
        if let wanted = query["status"] {
            guard ["unopened", "open", "closed", "settled"].contains(wanted) else {
                throw ExchangeError(
                    400, "invalid_parameters", "status \(wanted) is not unopened, open, closed or settled")
            }
            order = order.filter { e in markets[e]!.contains { status($0, now: now).filter == wanted } }
        }
        if let limit = query["limit"], let n = Int(limit), n > 200 {
            throw ExchangeError(400, "invalid_parameters", "limit must be from 1 to 200")
        }
        let nested = query["with_nested_markets"] == "true"
        let (page, cursor) = try self.page(order, query)
        return list("events", page.map { event(markets[$0]!, nested: nested, now: now) }, cursor: cursor)
    }

    /// `EventData`, from its markets' listings.
    static func event(_ markets: [ExchangeBook.Market], nested: Bool, now: Timestamp) -> String {
        let l = markets[0].listing
        var j = JSONWriter()
        j.beginObject()
        j.string("event_ticker", l.eventTicker.description)
        j.string("series_ticker", l.seriesTicker.description)
        j.string("title", l.title)
        j.string("sub_title", l.eventDate.iso8601)
        j.string("collateral_return_type", "")
        j.bool("mutually_exclusive", true)
        j.string("category", "Climate and Weather")
        j.string("strike_date", l.closeTime.rfc3339)
        j.endObject()
        guard nested else { return j.output }
        // The markets array goes inside the object: reopen it.
        return String(j.output.dropLast()) + ",\"markets\":["
            + markets.map { market($0, now: now) }.joined(separator: ",")
            + "]}"
    }

    /// `GET /series/{ticker}`: the fee schedule the world's listings carry.
    static func series(_ m: ExchangeBook.Market) -> String {
        let l = m.listing
        var j = JSONWriter()
        j.beginObject()
        j.beginObject("series")
        j.string("ticker", l.seriesTicker.description)
        j.string("frequency", "daily")
        j.string("title", "Highest temperature (\(l.seriesTicker))")
        j.string("category", "Climate and Weather")
        j.string("fee_type", l.feeType.name)
        j.rawNumber("fee_multiplier", FixedPoint.format(l.feeMultiplierMillionths, scale: 6, minDecimals: 0))
        j.endObject()
        j.endObject()
        return j.output
    }

    /// A page of `items` by `limit` (1…1000, default 100) and `cursor` (the index to start at).
    static func page<T>(_ items: [T], _ query: [String: String]) throws(ExchangeError) -> ([T], String?) {
        let limit = query["limit"].map { Int($0) ?? -1 } ?? 100
        guard (1...1_000).contains(limit) else {
            throw ExchangeError(400, "invalid_parameters", "limit must be from 1 to 1000")
        }
        let start = query["cursor"].map { Int($0) ?? -1 } ?? 0
        guard start >= 0, start <= items.count else { throw ExchangeError(400, "invalid_parameters", "bad cursor") }
        let end = min(items.count, start + limit)
        return (Array(items[start..<end]), end < items.count ? String(end) : nil)
    }

    static func list(_ key: String, _ items: [String], cursor: String?, extra: String? = nil) -> String {
        var out = "{\"\(key)\":[" + items.joined(separator: ",") + "]"
        if let extra { out += "," + extra }
        out += ",\"cursor\":" + quoted(cursor ?? "") + "}"
        return out
    }
}
