/// The JSON rendering of events for humans and scripts: one object per event, keys in a fixed order,
/// prices and money as Kalshi-style dollar strings (`"0.4500"`), counts as `"10.00"`, temperatures as
/// numbers in °F (`45.5`), times as RFC 3339 UTC, dates as `YYYY-MM-DD`.
package enum EventJSON {
    /// Renders one event as a single-line JSON object.
    /// - Parameters:
    ///   - record: the event and its time.
    ///   - sequence: the log sequence number, if known (written as `"seq"`).
    /// - Returns: the JSON text, with no trailing newline.
    package static func render(_ record: EventRecord, sequence: UInt64? = nil) -> String {
        var j = JSONWriter()
        j.beginObject()
        if let sequence { j.number("seq", sequence) }
        j.string("time", record.time.rfc3339)
        j.string("kind", record.event.kind.name)
        switch record.event {
        case .marketListed(let m):
            j.string("ticker", m.ticker.string)
            j.string("event_ticker", m.eventTicker.string)
            j.string("series_ticker", m.seriesTicker.string)
            j.string("event_date", m.eventDate.iso8601)
            j.string("strike_type", m.strikeType.name)
            temperature(&j, "floor_strike", m.floorStrike)
            temperature(&j, "cap_strike", m.capStrike)
            j.string("open_time", m.openTime.rfc3339)
            j.string("close_time", m.closeTime.rfc3339)
            j.string("fee_type", m.feeType.name)
            j.rawNumber("fee_multiplier", FixedPoint.format(m.feeMultiplierMillionths, scale: 6, minDecimals: 0))
            j.string("title", m.title)
        case .marketLifecycle(let l):
            j.string("ticker", l.ticker.string)
            j.string("transition", l.transition.name)
            j.stringOrNull("open_time", l.openTime?.rfc3339)
            j.stringOrNull("close_time", l.closeTime?.rfc3339)
            j.stringOrNull("result", l.result?.name)
            j.stringOrNull("settlement_value", l.settlementValue?.dollarString)
        case .candle(let c):
            j.string("ticker", c.ticker.string)
            j.number("period_minutes", Int64(c.periodMinutes))
            ohlc(&j, "yes_bid", c.yesBid)
            ohlc(&j, "yes_ask", c.yesAsk)
            ohlc(&j, "price", c.price)
            j.stringOrNull("mean_price", c.meanPrice?.dollarString)
            j.stringOrNull("previous_price", c.previousPrice?.dollarString)
            j.string("volume", c.volume.fixedPointString)
            j.string("open_interest", c.openInterest.fixedPointString)
        case .ticker(let t):
            j.string("ticker", t.ticker.string)
            j.stringOrNull("exchange_time", t.exchangeTime?.rfc3339)
            j.stringOrNull("last_price", t.lastPrice?.dollarString)
            j.stringOrNull("yes_bid", t.yesBid?.dollarString)
            j.stringOrNull("yes_ask", t.yesAsk?.dollarString)
            j.stringOrNull("yes_bid_size", t.yesBidSize?.fixedPointString)
            j.stringOrNull("yes_ask_size", t.yesAskSize?.fixedPointString)
            j.stringOrNull("volume", t.volume?.fixedPointString)
            j.stringOrNull("open_interest", t.openInterest?.fixedPointString)
        case .trade(let t):
            j.string("trade_id", t.tradeId)
            j.string("ticker", t.ticker.string)
            j.string("yes_price", t.yesPrice.dollarString)
            j.string("count", t.count.fixedPointString)
            j.string("taker_side", t.takerSide.name)
            if let block = t.isBlockTrade { j.bool("is_block_trade", block) } else { j.null("is_block_trade") }
        case .bookSnapshot(let b):
            j.string("ticker", b.ticker.string)
            levels(&j, "yes_bids", b.yesBids)
            levels(&j, "no_bids", b.noBids)
        case .bookDelta(let d):
            j.string("ticker", d.ticker.string)
            j.string("side", d.side.name)
            j.string("price", d.price.dollarString)
            j.string("delta", d.delta.fixedPointString)
            j.stringOrNull("client_order_id", d.clientOrderId)
        case .dailyForecast(let f):
            j.string("city", f.city.string)
            j.string("source", f.source.name)
            j.string("basis_date", f.basisDate.iso8601)
            j.string("target_date", f.targetDate.iso8601)
            j.number("lead_days", Int64(f.leadDays))
            temperature(&j, "high", f.high)
            temperature(&j, "low", f.low)
        case .hourlyForecast(let f):
            j.string("city", f.city.string)
            j.string("source", f.source.name)
            j.string("basis_date", f.basisDate.iso8601)
            j.string("target_date", f.targetDate.iso8601)
            j.beginArray("points")
            for p in f.points {
                j.beginObject()
                j.string("time", p.time.rfc3339)
                temperature(&j, "temperature", p.temperature)
                j.endObject()
            }
            j.endArray()
        case .observation(let o):
            j.string("station", o.station.string)
            j.string("source", o.source.name)
            j.string("observed_at", o.observedAt.rfc3339)
            temperature(&j, "temperature", o.temperature)
            temperature(&j, "dewpoint", o.dewpoint)
        case .settlement(let s):
            j.string("city", s.city.string)
            j.stringOrNull("station", s.station?.string)
            j.string("source", s.source.name)
            j.string("climate_date", s.climateDate.iso8601)
            temperature(&j, "high", s.high)
            temperature(&j, "low", s.low)
            j.bool("is_final", s.isFinal)
            j.bool("is_correction", s.isCorrection)
            j.stringOrNull("issued_at", s.issuedAt?.rfc3339)
        case .timerFired(let t):
            j.string("owner", t.owner)
            j.string("key", t.key)
            j.string("due_time", t.dueTime.rfc3339)
        case .strategyDecision(let d):
            j.string("strategy", d.strategy)
            j.string("subject", d.subject)
            j.string("action", d.action.rawValue)
            j.beginArray("input_seqs")
            for s in d.inputSequences { j.number(nil, s) }
            j.endArray()
            fields(&j, "parameters", d.parameters)
            fields(&j, "values", d.values)
            j.string("reason", d.reason)
        case .orderIntent(let o):
            j.string("client_order_id", o.clientOrderId)
            j.string("ticker", o.ticker.string)
            j.string("side", o.side.name)
            j.string("action", o.action.name)
            j.string("type", o.type.name)
            j.string("price", o.price.dollarString)
            j.string("count", o.count.fixedPointString)
            j.bool("post_only", o.postOnly)
            j.number("decision_seq", o.decisionSequence)
        case .orderAcknowledged(let a):
            j.string("client_order_id", a.clientOrderId)
            j.string("order_id", a.orderId)
        case .orderRejected(let r):
            j.string("client_order_id", r.clientOrderId)
            j.string("code", r.code)
            j.string("message", r.message)
        case .orderCanceled(let c):
            j.string("client_order_id", c.clientOrderId)
            j.string("reason", c.reason)
            j.string("canceled_count", c.canceledCount.fixedPointString)
        case .fill(let f):
            j.string("client_order_id", f.clientOrderId)
            j.string("order_id", f.orderId)
            j.string("trade_id", f.tradeId)
            j.string("ticker", f.ticker.string)
            j.string("side", f.side.name)
            j.string("action", f.action.name)
            j.string("price", f.price.dollarString)
            j.string("count", f.count.fixedPointString)
            j.string("fee", f.fee.dollarString)
            j.bool("is_taker", f.isTaker)
        case .runManifest(let m):
            j.string("run_id", m.runId)
            j.string("phase", m.phase.name)
            j.string("run_kind", m.runKind)
            j.string("engine_version", m.engineVersion)
            j.string("config_hash", m.configHash)
            fields(&j, "parameters", m.parameters)
            j.beginArray("inputs")
            for i in m.inputs {
                j.beginObject()
                j.string("log", i.log)
                j.number("first_seq", i.firstSequence)
                j.number("last_seq", i.lastSequence)
                j.string("content_hash", i.contentHash)
                j.endObject()
            }
            j.endArray()
            j.string("output_hash", m.outputHash)
        case .rawFeedMessage(let r):
            j.string("source", r.source)
            j.string("channel", r.channel)
            // Verbatim text when it is UTF-8 (JSON frames are), else hex.
            if let text = String(validating: r.payload, as: UTF8.self) {
                j.string("payload", text)
            } else {
                j.string("payload_hex", r.payload.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined())
            }
        }
        j.endObject()
        return j.output
    }

    private static func temperature(_ j: inout JSONWriter, _ key: String, _ t: Temperature?) {
        if let t { j.rawNumber(key, t.description) } else { j.null(key) }
    }

    private static func ohlc(_ j: inout JSONWriter, _ key: String, _ o: OHLC?) {
        guard let o else { return j.null(key) }
        j.beginObject(key)
        j.string("open", o.open.dollarString)
        j.string("high", o.high.dollarString)
        j.string("low", o.low.dollarString)
        j.string("close", o.close.dollarString)
        j.endObject()
    }

    private static func levels(_ j: inout JSONWriter, _ key: String, _ levels: [BookLevel]) {
        j.beginArray(key)
        for l in levels {
            j.beginArray()
            j.string(nil, l.price.dollarString)
            j.string(nil, l.count.fixedPointString)
            j.endArray()
        }
        j.endArray()
    }

    /// Named values as an object, in their recorded order.
    private static func fields(_ j: inout JSONWriter, _ key: String, _ fields: [Field]) {
        j.beginObject(key)
        for f in fields { j.string(f.name, f.value) }
        j.endObject()
    }
}
