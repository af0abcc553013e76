package import IsothermEvents

/// Reads Kalshi's market, event and series REST responses into ``KalshiMarket``, ``KalshiEvent`` and
/// ``KalshiSeries`` values; ``KalshiFeeSchedule/records(_:)`` turns markets into events.
///
/// The live and `/historical/` tiers share these shapes. Prices and counts are read in both the current
/// dollar-string and the older integer-cent spellings (see ``JSONFields/kalshiPrice(_:)``). A field the
/// events need is required even where the OpenAPI schema marks it optional (`strike_type`, and the
/// strikes that type implies); fields they do not need are read only to check them, and may be absent.
/// Errors name the file and the field's path (`markets[3].yes_bid_dollars`).
package enum KalshiMarketParser {
    /// `GET /markets` or `GET /historical/markets`: `{"markets": [Market], "cursor": "…"}`.
    package static func marketsPage(_ bytes: [UInt8], source: String) throws(ImportError) -> KalshiMarketsPage {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        let markets = try markets(root, "markets", event: nil)
        return KalshiMarketsPage(markets: markets, cursor: try cursor(root))
    }

    /// `GET /markets/{ticker}` or `GET /historical/markets/{ticker}`: `{"market": Market}`.
    package static func market(_ bytes: [UInt8], source: String) throws(ImportError) -> KalshiMarket {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        guard let m = try root.child("market") else { throw root.fail("market", "missing") }
        return try market(m, event: nil)
    }

    /// `GET /events` (with or without `with_nested_markets=true`): `{"events": [EventData], "cursor": "…"}`.
    package static func eventsPage(_ bytes: [UInt8], source: String) throws(ImportError) -> KalshiEventsPage {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        var events: [KalshiEvent] = []
        for (i, value) in try root.array("events").enumerated() {
            events.append(try event(JSONFields(value, source: source, path: "events[\(i)]"), outer: nil))
        }
        return KalshiEventsPage(events: events, cursor: try cursor(root))
    }

    /// `GET /events/{event_ticker}`: `{"event": EventData, "markets": [Market]}`. The markets come from
    /// `event.markets` when the request nested them, else from the top-level `markets`.
    package static func event(_ bytes: [UInt8], source: String) throws(ImportError) -> KalshiEvent {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        guard let e = try root.child("event") else { throw root.fail("event", "missing") }
        return try event(e, outer: root)
    }

    /// `GET /series/{series_ticker}` (`{"series": Series}`) or `GET /series` (`{"series": [Series]}`).
    package static func series(_ bytes: [UInt8], source: String) throws(ImportError) -> [KalshiSeries] {
        let root = try JSONFields(JSONParser.parse(bytes, source: source), source: source, path: "")
        guard let value = root.optional("series") else { throw root.fail("series", "missing") }
        if let list = value.arrayValue {
            var out: [KalshiSeries] = []
            for (i, s) in list.enumerated() {
                out.append(try series(JSONFields(s, source: source, path: "series[\(i)]")))
            }
            return out
        }
        return [try series(JSONFields(value, source: source, path: "series"))]
    }

    // MARK: - Objects

    /// One `Market` object.
    /// - Parameter event: the enclosing event's ticker and series when the market is nested in one.
    static func market(_ m: JSONFields, event: (ticker: Symbol, series: Symbol)?) throws(ImportError) -> KalshiMarket {
        let ticker = try m.kalshiTicker("ticker")
        let eventTicker = try m.kalshiTicker("event_ticker")
        if let event, event.ticker != eventTicker {
            throw m.fail("event_ticker", "\"\(eventTicker)\" is not the enclosing event \"\(event.ticker)\"")
        }
        guard let eventDate = KalshiTicker.eventDate(eventTicker.string) else {
            throw m.fail(
                "event_ticker",
                "\"\(eventTicker)\" has no <YY><MON><DD> date code after the series (as in KXHIGHNY-26OCT02)")
        }
        let seriesTicker: Symbol
        if m.has("series_ticker") {
            seriesTicker = try m.kalshiTicker("series_ticker")
        } else if let event {
            seriesTicker = event.series
        } else {
            guard let s = KalshiTicker.series(ofEvent: eventTicker.string).flatMap(Symbol.init) else {
                throw m.fail("event_ticker", "\"\(eventTicker)\" has no series part before a '-'")
            }
            seriesTicker = s
        }

        let statusText = try m.string("status")
        guard let status = KalshiMarket.Status(rawValue: statusText) else {
            let known = KalshiMarket.Status.allCases.map(\.rawValue).joined(separator: ", ")
            throw m.fail("status", "unknown status \"\(statusText)\" (known: \(known))")
        }
        let (strikeType, floorStrike, capStrike) = try strikes(m)

        let outcome = try self.outcome(m, status: status)
        let expiration = try m.optionalString("expiration_value")

        return KalshiMarket(
            ticker: ticker, eventTicker: eventTicker, seriesTicker: seriesTicker, eventDate: eventDate,
            title: try m.optionalString("title") ?? "", status: status, strikeType: strikeType,
            floorStrike: floorStrike, capStrike: capStrike, createdTime: try m.kalshiRequiredTime("created_time"),
            openTime: try m.kalshiRequiredTime("open_time"), closeTime: try m.kalshiRequiredTime("close_time"),
            updatedTime: outcome.updatedTime, result: outcome.result,
            settlementValue: try m.kalshiPrice("settlement_value"),
            settlementTime: outcome.settlementTime, settlementTimerSeconds: outcome.settlementTimerSeconds,
            expirationValue: expiration?.isEmpty == false ? expiration : nil, yesBid: try m.kalshiPrice("yes_bid"),
            yesAsk: try m.kalshiPrice("yes_ask"), lastPrice: try m.kalshiPrice("last_price"),
            volume: try m.kalshiCount("volume"), openInterest: try m.kalshiCount("open_interest"))
    }

    /// `result` and the times that date the outcome, checked against `status`: a determined market needs a
    /// result, and one determined but not yet settled `updated_time` (see ``KalshiMarket/determinedTime``).
    /// A settled market may lack `settlement_ts` and `settlement_timer_seconds` (the current SDK makes
    /// them optional; older responses have neither): it is read with what it has.
    private static func outcome(_ m: JSONFields, status: KalshiMarket.Status) throws(ImportError) -> (
        result: MarketLifecycle.Result?, updatedTime: Timestamp?, settlementTime: Timestamp?,
        settlementTimerSeconds: Int64?
    ) {
        let resultText = try m.optionalString("result") ?? ""
        let result: MarketLifecycle.Result?
        switch resultText {
        case "": result = nil
        case "yes": result = .yes
        case "no": result = .no
        case "scalar": result = .scalar
        default: throw m.fail("result", "unknown result \"\(resultText)\" (known: yes, no, scalar, or empty)")
        }
        let updatedTime = try m.time("updated_time")
        let settlementTime = try m.time("settlement_ts")
        let settlementTimerSeconds = try m.integer("settlement_timer_seconds")
        if let s = settlementTimerSeconds, s < 0 || s > 365 * 86_400 {
            throw m.fail("settlement_timer_seconds", "\(s) is not a number of seconds up to a year")
        }
        if status.isDetermined {
            guard result != nil else { throw m.fail("result", "empty, but the status is \"\(status.rawValue)\"") }
            if !status.isSettled && updatedTime == nil {
                throw m.fail("updated_time", "missing; it dates the determination of a \"\(status.rawValue)\" market")
            }
        }
        return (result, updatedTime, settlementTime, settlementTimerSeconds)
    }

    /// `strike_type` with the strikes it needs: `less`/`less_or_equal` a `cap_strike`,
    /// `greater`/`greater_or_equal` a `floor_strike`, `between` both. `functional`, `custom` and
    /// `structured` become ``StrikeType/other`` with whatever strikes are given. (The WebSocket's
    /// `market_lifecycle_v2` `created` message spells them the same way in its `additional_metadata`.)
    package static func strikes(_ m: JSONFields) throws(ImportError) -> (StrikeType, Temperature?, Temperature?) {
        let text = try m.string("strike_type")
        let type: StrikeType
        if let named = StrikeType(name: text), named != .other {
            type = named
        } else if ["functional", "custom", "structured"].contains(text) {
            type = .other
        } else {
            throw m.fail(
                "strike_type",
                "unknown strike type \"\(text)\" (known: less, less_or_equal, between, greater, greater_or_equal, functional, custom, structured)"
            )
        }
        let floor = try temperature(m, "floor_strike")
        let cap = try temperature(m, "cap_strike")
        let needsFloor = type == .greater || type == .greaterOrEqual || type == .between
        let needsCap = type == .less || type == .lessOrEqual || type == .between
        if needsFloor && floor == nil { throw m.fail("floor_strike", "missing; strike_type \"\(text)\" needs it") }
        if needsCap && cap == nil { throw m.fail("cap_strike", "missing; strike_type \"\(text)\" needs it") }
        if type == .between, let floor, let cap, floor > cap {
            throw m.fail("floor_strike", "\(floor) is above cap_strike \(cap)")
        }
        return (type, floor, cap)
    }

    /// A strike in °F: a JSON number with at most one significant decimal (`81`, `81.5`, `81.0`).
    private static func temperature(_ m: JSONFields, _ key: String) throws(ImportError) -> Temperature? {
        guard let v = m.optional(key) else { return nil }
        guard case .number(let text) = v else { throw m.fail(key, "expected a number, found \(v.typeName)") }
        guard let tenths = FixedPoint.parse(text, scale: 1), tenths > -10_000, tenths < 10_000 else {
            throw m.fail(key, "\(text) is not a temperature in whole or tenths of a degree")
        }
        return Temperature(tenths: Int32(tenths))
    }

    /// One `EventData` object, with its markets.
    /// - Parameter outer: the `GET /events/{t}` response, whose top-level `markets` are the event's when
    ///   the event object has none nested.
    private static func event(_ e: JSONFields, outer: JSONFields?) throws(ImportError) -> KalshiEvent {
        let eventTicker = try e.kalshiTicker("event_ticker")
        let seriesTicker = try e.kalshiTicker("series_ticker")
        let feeOverride: KalshiFees?
        switch (e.has("fee_type_override"), e.has("fee_multiplier_override")) {
        case (false, false):
            feeOverride = nil
        case (true, true):
            feeOverride = KalshiFees(
                feeType: try feeType(e, "fee_type_override"),
                multiplierMillionths: try multiplier(e, "fee_multiplier_override"))
        case (true, false):
            throw e.fail("fee_multiplier_override", "missing, but fee_type_override is set (they come as a pair)")
        case (false, true):
            throw e.fail("fee_type_override", "missing, but fee_multiplier_override is set (they come as a pair)")
        }
        let owner = (ticker: eventTicker, series: seriesTicker)
        var markets = e.has("markets") ? try self.markets(e, "markets", event: owner) : []
        if markets.isEmpty, let outer, outer.has("markets") {
            markets = try self.markets(outer, "markets", event: owner)
        }
        return KalshiEvent(
            eventTicker: eventTicker, seriesTicker: seriesTicker, title: try e.optionalString("title") ?? "",
            subTitle: try e.optionalString("sub_title") ?? "", feeOverride: feeOverride, markets: markets)
    }

    /// One `Series` object.
    private static func series(_ s: JSONFields) throws(ImportError) -> KalshiSeries {
        KalshiSeries(
            ticker: try s.kalshiTicker("ticker"), title: try s.optionalString("title") ?? "",
            frequency: try s.optionalString("frequency") ?? "",
            fees: KalshiFees(
                feeType: try feeType(s, "fee_type"), multiplierMillionths: try multiplier(s, "fee_multiplier")))
    }

    // MARK: - Fields

    private static func markets(_ parent: JSONFields, _ key: String, event: (ticker: Symbol, series: Symbol)?)
        throws(ImportError) -> [KalshiMarket]
    {
        var out: [KalshiMarket] = []
        let prefix = parent.path.isEmpty ? key : parent.path + "." + key
        for (i, value) in try parent.array(key).enumerated() {
            out.append(try market(JSONFields(value, source: parent.source, path: "\(prefix)[\(i)]"), event: event))
        }
        return out
    }

    /// The next page's cursor; `""` or absent means this is the last page.
    private static func cursor(_ root: JSONFields) throws(ImportError) -> String? {
        guard let c = try root.optionalString("cursor"), !c.isEmpty else { return nil }
        return c
    }

    private static func feeType(_ o: JSONFields, _ key: String) throws(ImportError) -> FeeType {
        let text = try o.string(key)
        guard let t = FeeType(name: text) else {
            let known = FeeType.allCases.map(\.name).joined(separator: ", ")
            throw o.fail(key, "unknown fee type \"\(text)\" (known: \(known))")
        }
        return t
    }

    /// A fee multiplier (`1`, `0.5`) in millionths.
    private static func multiplier(_ o: JSONFields, _ key: String) throws(ImportError) -> Int64 {
        guard let m = try o.decimal(key, scale: 6) else { throw o.fail(key, "missing") }
        guard m >= 0 else { throw o.fail(key, "a fee multiplier cannot be negative") }
        return m
    }
}
