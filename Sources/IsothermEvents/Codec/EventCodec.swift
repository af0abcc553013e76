package import IsothermBinary

/// The binary codec for events (layouts in `Schemas/events.md`).
///
/// A record body is `u8 kind, u8 version, time, payload`. The log frames each body with its length;
/// the codec never sees the sequence number. Decoding checks every field and rejects trailing bytes,
/// so a damaged record is an error naming the offset, never a silently different event.
package enum EventCodec {
    /// Appends the encoded record to `w`.
    package static func encode(_ record: EventRecord, into w: inout ByteWriter) {
        if case .candle(let c) = record.event {
            // The hot path: the whole record through one reserved cursor.
            w.appendUnsafe(maxBytes: candleBytesMax) { cursor in
                cursor.writeUInt8(EventKind.candle.rawValue)
                cursor.writeUInt8(EventKind.candle.currentVersion)
                cursor.writeTime(record.time)
                encodeCandle(c, into: &cursor)
            }
            return
        }
        let kind = record.event.kind
        w.writeUInt8(kind.rawValue)
        w.writeUInt8(kind.currentVersion)
        w.writeTime(record.time)
        switch record.event {
        case .candle: preconditionFailure("encoded above")
        case .marketListed(let m):
            w.writeSymbol(m.ticker)
            w.writeSymbol(m.eventTicker)
            w.writeSymbol(m.seriesTicker)
            w.writeDate(m.eventDate)
            w.writeUInt8(m.strikeType.rawValue)
            w.writeUInt8((m.floorStrike != nil ? 1 : 0) | (m.capStrike != nil ? 2 : 0))
            if let f = m.floorStrike { w.writeTemperature(f) }
            if let c = m.capStrike { w.writeTemperature(c) }
            w.writeTime(m.openTime)
            w.writeTime(m.closeTime)
            w.writeUInt8(m.feeType.rawValue)
            w.writeVarInt(m.feeMultiplierMillionths)
            w.writeString(m.title)
        case .marketLifecycle(let l):
            w.writeSymbol(l.ticker)
            w.writeUInt8(l.transition.rawValue)
            let flags: UInt8 =
                (l.openTime != nil ? 1 : 0) | (l.closeTime != nil ? 2 : 0) | (l.result != nil ? 4 : 0)
                | (l.settlementValue != nil ? 8 : 0)
            w.writeUInt8(flags)
            if let t = l.openTime { w.writeTime(t) }
            if let t = l.closeTime { w.writeTime(t) }
            if let r = l.result { w.writeUInt8(r.rawValue) }
            if let v = l.settlementValue { w.writePrice(v) }
        case .ticker(let t):
            // Version 2.
            w.writeSymbol(t.ticker)
            let flags: UInt8 =
                (t.lastPrice != nil ? 1 : 0) | (t.yesBid != nil ? 2 : 0) | (t.yesAsk != nil ? 4 : 0)
                | (t.yesBidSize != nil ? 8 : 0) | (t.yesAskSize != nil ? 16 : 0) | (t.volume != nil ? 32 : 0)
                | (t.openInterest != nil ? 64 : 0) | (t.exchangeTime != nil ? 128 : 0)
            w.writeUInt8(flags)
            if let p = t.lastPrice { w.writePrice(p) }
            if let p = t.yesBid { w.writePrice(p) }
            if let p = t.yesAsk { w.writePrice(p) }
            if let c = t.yesBidSize { w.writeCount(c) }
            if let c = t.yesAskSize { w.writeCount(c) }
            if let c = t.volume { w.writeCount(c) }
            if let c = t.openInterest { w.writeCount(c) }
            if let time = t.exchangeTime { w.writeTime(time) }
        case .trade(let t):
            // Version 2.
            w.writeString(t.tradeId)
            w.writeSymbol(t.ticker)
            w.writePrice(t.yesPrice)
            w.writeCount(t.count)
            w.writeUInt8(t.takerSide.rawValue)
            w.writeUInt8(t.isBlockTrade.map { $0 ? 3 : 1 } ?? 0)
        case .bookSnapshot(let b):
            w.writeSymbol(b.ticker)
            for side in [b.yesBids, b.noBids] {
                w.writeVarUInt(UInt64(side.count))
                for level in side {
                    w.writePrice(level.price)
                    w.writeCount(level.count)
                }
            }
        case .bookDelta(let d):
            w.writeSymbol(d.ticker)
            w.writeUInt8(d.side.rawValue)
            w.writePrice(d.price)
            w.writeCount(d.delta)
            w.writeUInt8(d.clientOrderId != nil ? 1 : 0)
            if let id = d.clientOrderId { w.writeString(id) }
        case .dailyForecast(let f):
            w.writeSymbol(f.city)
            w.writeUInt8(f.source.rawValue)
            w.writeDate(f.basisDate)
            w.writeDate(f.targetDate)
            w.writeTemperature(f.high)
            w.writeUInt8(f.low != nil ? 1 : 0)
            if let low = f.low { w.writeTemperature(low) }
        case .hourlyForecast(let f):
            w.writeSymbol(f.city)
            w.writeUInt8(f.source.rawValue)
            w.writeDate(f.basisDate)
            w.writeDate(f.targetDate)
            w.writeVarUInt(UInt64(f.points.count))
            for p in f.points {
                w.writeTime(p.time)
                w.writeTemperature(p.temperature)
            }
        case .observation(let o):
            w.writeSymbol(o.station)
            w.writeUInt8(o.source.rawValue)
            w.writeTime(o.observedAt)
            w.writeTemperature(o.temperature)
            w.writeUInt8(o.dewpoint != nil ? 1 : 0)
            if let d = o.dewpoint { w.writeTemperature(d) }
        case .settlement(let s):
            // Version 2.
            w.writeSymbol(s.city)
            w.writeUInt8(s.source.rawValue)
            w.writeDate(s.climateDate)
            w.writeTemperature(s.high)
            let flags: UInt8 =
                (s.low != nil ? 1 : 0) | (s.isFinal ? 2 : 0) | (s.isCorrection ? 4 : 0) | (s.issuedAt != nil ? 8 : 0)
                | (s.station != nil ? 16 : 0)
            w.writeUInt8(flags)
            if let low = s.low { w.writeTemperature(low) }
            if let t = s.issuedAt { w.writeTime(t) }
            if let station = s.station { w.writeSymbol(station) }
        case .timerFired(let t):
            w.writeString(t.owner)
            w.writeString(t.key)
            w.writeTime(t.dueTime)
        case .strategyDecision(let d):
            w.writeString(d.strategy)
            w.writeString(d.subject)
            w.writeString(d.action.rawValue)
            w.writeVarUInt(UInt64(d.inputSequences.count))
            for s in d.inputSequences { w.writeVarUInt(s) }
            w.writeFields(d.parameters)
            w.writeFields(d.values)
            w.writeString(d.reason)
        case .orderIntent(let o):
            w.writeString(o.clientOrderId)
            w.writeSymbol(o.ticker)
            w.writeUInt8(o.side.rawValue)
            w.writeUInt8(o.action.rawValue)
            w.writeUInt8(o.type.rawValue)
            w.writePrice(o.price)
            w.writeCount(o.count)
            w.writeBool(o.postOnly)
            w.writeVarUInt(o.decisionSequence)
        case .orderAcknowledged(let a):
            w.writeString(a.clientOrderId)
            w.writeString(a.orderId)
        case .orderRejected(let r):
            w.writeString(r.clientOrderId)
            w.writeString(r.code)
            w.writeString(r.message)
        case .orderCanceled(let c):
            w.writeString(c.clientOrderId)
            w.writeString(c.reason)
            w.writeCount(c.canceledCount)
        case .fill(let f):
            w.writeString(f.clientOrderId)
            w.writeString(f.orderId)
            w.writeString(f.tradeId)
            w.writeSymbol(f.ticker)
            w.writeUInt8(f.side.rawValue)
            w.writeUInt8(f.action.rawValue)
            w.writePrice(f.price)
            w.writeCount(f.count)
            w.writeMoney(f.fee)
            w.writeBool(f.isTaker)
        case .runManifest(let m):
            w.writeString(m.runId)
            w.writeUInt8(m.phase.rawValue)
            w.writeString(m.runKind)
            w.writeString(m.engineVersion)
            w.writeString(m.configHash)
            w.writeFields(m.parameters)
            w.writeVarUInt(UInt64(m.inputs.count))
            for i in m.inputs {
                w.writeString(i.log)
                w.writeVarUInt(i.firstSequence)
                w.writeVarUInt(i.lastSequence)
                w.writeString(i.contentHash)
            }
            w.writeString(m.outputHash)
        case .rawFeedMessage(let r):
            w.writeString(r.source)
            w.writeString(r.channel)
            w.writeLengthPrefixed(r.payload)
        }
    }

    /// Encodes one record into a fresh byte array.
    package static func encode(_ record: EventRecord) -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        encode(record, into: &w)
        return w.bytes
    }

    /// An upper bound on an encoded candle record: envelope (2 + 10 for the time), market key 4,
    /// symbol 1 + 48, period 10, flags 1, three OHLCs of four varints, two prices and two counts.
    static let candleBytesMax = 12 + 4 + 49 + 10 + 1 + 3 * 4 * 10 + 4 * 10

    static func encodeCandle<S: ByteSink>(_ c: Candle, into w: inout S) {
        // The market key first: its four bytes are unique to the market, so LZ4's greedy matcher jumps
        // from here to the same market's previous candle and copies everything that did not change.
        w.writeUInt32LE(c.ticker.marketKey)
        w.writeSymbol(c.ticker)
        w.writeVarUInt(UInt64(c.periodMinutes))
        let flags: UInt8 =
            (c.yesBid != nil ? 1 : 0) | (c.yesAsk != nil ? 2 : 0) | (c.price != nil ? 4 : 0)
            | (c.meanPrice != nil ? 8 : 0) | (c.previousPrice != nil ? 16 : 0)
        w.writeUInt8(flags)
        // Slow-moving fields before fast-moving ones, for the same reason.
        if let o = c.yesBid { writeOHLC(o, into: &w) }
        if let o = c.yesAsk { writeOHLC(o, into: &w) }
        if let p = c.previousPrice { w.writePrice(p) }
        w.writeCount(c.openInterest)
        w.writeCount(c.volume)
        if let o = c.price { writeOHLC(o, into: &w) }
        if let p = c.meanPrice { w.writePrice(p) }
    }

    /// Open in full, then high, low and close as differences from the open (usually zero or a cent).
    static func writeOHLC<S: ByteSink>(_ o: OHLC, into w: inout S) {
        w.writePrice(o.open)
        w.writeTagged(o.high.micros - o.open.micros, unit: 10_000)
        w.writeTagged(o.low.micros - o.open.micros, unit: 10_000)
        w.writeTagged(o.close.micros - o.open.micros, unit: 10_000)
    }

    @inline(__always)
    static func readOHLC(_ r: inout ByteReader) throws(BinaryError) -> OHLC {
        let start = r.offset
        let open = try r.readTagged(unit: 10_000, "ohlc open")
        let high = open &+ (try r.readTagged(unit: 10_000, "ohlc high"))
        let low = open &+ (try r.readTagged(unit: 10_000, "ohlc low"))
        let close = open &+ (try r.readTagged(unit: 10_000, "ohlc close"))
        // One unsigned comparison per value checks 0…$2147.
        let limit = UInt64(OHLC.microsMax)
        guard UInt64(bitPattern: open) <= limit, UInt64(bitPattern: high) <= limit, UInt64(bitPattern: low) <= limit,
            UInt64(bitPattern: close) <= limit
        else { throw BinaryError(.invalidValue, "ohlc price outside $0…$2147", offset: start) }
        return OHLC(uncheckedMicros: open, high, low, close)
    }

    static func readCandlePrice(_ r: inout ByteReader, _ what: StaticString) throws(BinaryError) -> Int32 {
        let start = r.offset
        let p = try r.readPrice(what)
        guard p.micros >= 0 && p.micros <= OHLC.microsMax else {
            throw BinaryError(.invalidValue, "\(what) outside $0…$2147", offset: start)
        }
        return Int32(truncatingIfNeeded: p.micros)
    }

    /// The kind byte of an encoded record, without decoding the rest.
    package static func kind(of body: UnsafeRawBufferPointer) -> EventKind? {
        body.isEmpty ? nil : EventKind(rawValue: body[0])
    }

    /// The event time of an encoded record, read from its envelope without decoding the payload.
    package static func time(of body: UnsafeRawBufferPointer) throws(BinaryError) -> Timestamp {
        var r = ByteReader(body, offset: 2)
        guard body.count >= 2 else {
            throw BinaryError(.truncated, "record of \(body.count) bytes has no envelope", offset: 0)
        }
        return try r.readTime()
    }

    /// Decodes one record body.
    /// - Throws: ``BinaryError`` naming the field and byte offset for anything malformed, an unknown kind,
    ///   a version newer than this build, or trailing bytes.
    package static func decode(_ body: UnsafeRawBufferPointer) throws(BinaryError) -> EventRecord {
        var r = ByteReader(body)
        let kindByte = try r.readUInt8("kind")
        // Candles are nearly every event of a replay: one comparison, then straight to their decoder.
        if let (time, candle) = try decodeCandle(body) {
            return EventRecord(time: time, event: .candle(candle))
        }
        guard let kind = EventKind(rawValue: kindByte) else {
            throw BinaryError(.unknownKind, "unknown event kind \(kindByte)", offset: 0)
        }
        let version = try r.readUInt8("version")
        guard version >= 1 && version <= kind.currentVersion else {
            throw BinaryError(
                .unsupportedVersion, "\(kind.name) schema version \(version) is newer than this build reads",
                offset: 1)
        }
        let time = try r.readTime()
        let event: Event
        if kind == .candle {
            event = .candle(try decodeCandle(&r))
        } else {
            event = try decodeOther(kind, version: version, &r)
        }
        guard r.isAtEnd else {
            throw BinaryError(.trailingBytes, "\(r.remaining) bytes after a complete \(kind.name)", offset: r.offset)
        }
        return EventRecord(time: time, event: event)
    }

    /// Decodes a record if it is a current-version candle, the replay's hot path: no ``Event`` or
    /// ``EventRecord`` is built, and the candle is written in place.
    /// - Parameters:
    ///   - body: one record.
    ///   - candle: receives the candle; left unspecified when the result is nil or an error.
    /// - Returns: the event time, or nil when the record is another kind or version (decode it with
    ///   ``decode(_:)-(UnsafeRawBufferPointer)``).
    /// - Throws: ``BinaryError`` for a malformed candle, as ``decode(_:)-(UnsafeRawBufferPointer)`` would.
    @inline(__always)
    package static func decodeCandle(_ body: UnsafeRawBufferPointer, into candle: inout Candle) throws(BinaryError)
        -> Timestamp?
    {
        guard body.count >= 2, body[0] == EventKind.candle.rawValue, body[1] == EventKind.candle.currentVersion
        else { return nil }
        if let time = CandleFastPath.decode(body, into: &candle) { return time }
        // Unusual or bad: the checked decoder decodes it or names the problem.
        guard let (time, checked) = try decodeCandleChecked(body) else { return nil }
        candle = checked
        return time
    }

    /// Decodes a record if it is a current-version candle (see ``decodeCandle(_:into:)``).
    /// - Returns: the event time and the candle, or nil when the record is another kind or version.
    @inline(__always)
    package static func decodeCandle(_ body: UnsafeRawBufferPointer) throws(BinaryError) -> (Timestamp, Candle)? {
        var candle = Candle.placeholder
        guard let time = try decodeCandle(body, into: &candle) else { return nil }
        return (time, candle)
    }

    /// The checked decoder alone, without the fast path (its fallback, and tests compare the two).
    package static func decodeCandleChecked(_ body: UnsafeRawBufferPointer) throws(BinaryError) -> (Timestamp, Candle)?
    {
        guard body.count >= 2, body[0] == EventKind.candle.rawValue, body[1] == EventKind.candle.currentVersion
        else { return nil }
        var r = ByteReader(body, offset: 2)
        let time = try r.readTime()
        let candle = try decodeCandle(&r)
        guard r.isAtEnd else {
            throw BinaryError(.trailingBytes, "\(r.remaining) bytes after a complete candle", offset: r.offset)
        }
        return (time, candle)
    }

    /// The fast path alone (for tests): the candle, or nil where it hands over to the checked decoder.
    package static func decodeCandleFastPathOnly(_ body: UnsafeRawBufferPointer) -> (Timestamp, Candle)? {
        var candle = Candle.placeholder
        guard body.count >= 2, body[0] == EventKind.candle.rawValue, body[1] == EventKind.candle.currentVersion,
            let time = CandleFastPath.decode(body, into: &candle)
        else { return nil }
        return (time, candle)
    }

    /// Decodes one record from an array.
    package static func decode(_ bytes: [UInt8]) throws(BinaryError) -> EventRecord {
        do {
            return try bytes.withUnsafeBytes { raw throws(BinaryError) in try decode(raw) }
        } catch let e as BinaryError {
            throw e
        } catch {
            fatalError("unreachable: \(error)")
        }
    }

    @inline(__always)
    static func decodeCandle(_ r: inout ByteReader) throws(BinaryError) -> Candle {
        _ = try r.readUInt32LE("market key")  // derived from the ticker; the batch CRC protects both
        let ticker = try r.readSymbol("ticker")
        let periodStart = r.offset
        let period = try r.readVarUInt("period")
        guard period >= 1 && period <= 1440 * 31 else {
            throw BinaryError(.invalidValue, "candle period \(period) minutes", offset: periodStart)
        }
        let flags = try r.readFlags(allowed: 31)
        let bid = flags & 1 != 0 ? try readOHLC(&r) : OHLC.zero
        let ask = flags & 2 != 0 ? try readOHLC(&r) : OHLC.zero
        let previous = flags & 16 != 0 ? try readCandlePrice(&r, "previous") : 0
        let oi = try r.readCount("open interest")
        let volume = try r.readCount("volume")
        let trade = flags & 4 != 0 ? try readOHLC(&r) : OHLC.zero
        let mean = flags & 8 != 0 ? try readCandlePrice(&r, "mean") : 0
        return Candle(
            ticker: ticker, periodMinutes: UInt16(period), presence: flags, bid: bid, ask: ask, trade: trade,
            mean: mean, previous: previous, volume: volume, openInterest: oi)
    }

    // Every kind but candles, every version: an old layout is decoded here and upcast to the current
    // struct, in this one place (ticker, trade and settlement have a version 1 and a version 2).
    static func decodeOther(_ kind: EventKind, version: UInt8, _ r: inout ByteReader) throws(BinaryError) -> Event {
        switch kind {
        case .candle:
            return .candle(try decodeCandle(&r))
        case .marketListed:
            let ticker = try r.readSymbol("ticker")
            let eventTicker = try r.readSymbol("event ticker")
            let series = try r.readSymbol("series ticker")
            let date = try r.readDate("event date")
            let strike = try r.readEnum(StrikeType.self, "strike type")
            let flags = try r.readFlags(allowed: 3)
            let floor = flags & 1 != 0 ? try r.readTemperature("floor strike") : nil
            let cap = flags & 2 != 0 ? try r.readTemperature("cap strike") : nil
            let open = try r.readTime("open time")
            let close = try r.readTime("close time")
            let fee = try r.readEnum(FeeType.self, "fee type")
            let multiplier = try r.readVarInt("fee multiplier")
            let title = try r.readString("title")
            return .marketListed(
                MarketListed(
                    ticker: ticker, eventTicker: eventTicker, seriesTicker: series, eventDate: date, strikeType: strike,
                    floorStrike: floor, capStrike: cap, openTime: open, closeTime: close, feeType: fee,
                    feeMultiplierMillionths: multiplier, title: title))
        case .marketLifecycle:
            let ticker = try r.readSymbol("ticker")
            let transition = try r.readEnum(MarketLifecycle.Transition.self, "transition")
            let flags = try r.readFlags(allowed: 15)
            let open = flags & 1 != 0 ? try r.readTime("open time") : nil
            let close = flags & 2 != 0 ? try r.readTime("close time") : nil
            let result = flags & 4 != 0 ? try r.readEnum(MarketLifecycle.Result.self, "result") : nil
            let value = flags & 8 != 0 ? try r.readPrice("settlement value") : nil
            return .marketLifecycle(
                MarketLifecycle(
                    ticker: ticker, transition: transition, openTime: open, closeTime: close, result: result,
                    settlementValue: value))
        case .ticker:
            return .ticker(version == 1 ? try decodeTickerV1(&r) : try decodeTicker(&r))
        case .trade:
            let id = try r.readString("trade id")
            let ticker = try r.readSymbol("ticker")
            let price = try r.readPrice("yes price")
            let count = try r.readCount("count")
            let side = try r.readEnum(Side.self, "taker side")
            let block: Bool?
            if version == 1 {
                // Version 1 always said; upcast as stated.
                block = try r.readBool("block")
            } else {
                // Bit 0: stated; bit 1: a block trade (only when stated).
                let start = r.offset
                let flags = try r.readFlags(allowed: 3, "block flags")
                guard flags != 2 else {
                    throw BinaryError(
                        .invalidValue, "block flags: a block trade bit without its presence bit", offset: start)
                }
                block = flags & 1 != 0 ? flags & 2 != 0 : nil
            }
            return .trade(
                Trade(tradeId: id, ticker: ticker, yesPrice: price, count: count, takerSide: side, isBlockTrade: block))
        case .bookSnapshot:
            let ticker = try r.readSymbol("ticker")
            var sides: [[BookLevel]] = []
            for _ in 0..<2 {
                let n = try r.readCount("levels", limit: eventListCountMax)
                var levels: [BookLevel] = []
                levels.reserveCapacity(n)
                for _ in 0..<n { levels.append(BookLevel(price: try r.readPrice(), count: try r.readCount())) }
                sides.append(levels)
            }
            return .bookSnapshot(BookSnapshot(ticker: ticker, yesBids: sides[0], noBids: sides[1]))
        case .bookDelta:
            let ticker = try r.readSymbol("ticker")
            let side = try r.readEnum(Side.self, "side")
            let price = try r.readPrice()
            let delta = try r.readCount("delta")
            let flags = try r.readFlags(allowed: 1)
            let id = flags & 1 != 0 ? try r.readString("client order id") : nil
            return .bookDelta(BookDelta(ticker: ticker, side: side, price: price, delta: delta, clientOrderId: id))
        case .dailyForecast:
            let city = try r.readSymbol("city")
            let source = try r.readEnum(WeatherSource.self, "source")
            let basis = try r.readDate("basis date")
            let target = try r.readDate("target date")
            let high = try r.readTemperature("high")
            let flags = try r.readFlags(allowed: 1)
            let low = flags & 1 != 0 ? try r.readTemperature("low") : nil
            return .dailyForecast(
                DailyForecast(city: city, source: source, basisDate: basis, targetDate: target, high: high, low: low))
        case .hourlyForecast:
            let city = try r.readSymbol("city")
            let source = try r.readEnum(WeatherSource.self, "source")
            let basis = try r.readDate("basis date")
            let target = try r.readDate("target date")
            let n = try r.readCount("points", limit: eventListCountMax)
            var points: [HourlyPoint] = []
            points.reserveCapacity(n)
            for _ in 0..<n { points.append(HourlyPoint(time: try r.readTime(), temperature: try r.readTemperature())) }
            return .hourlyForecast(
                HourlyForecast(city: city, source: source, basisDate: basis, targetDate: target, points: points))
        case .observation:
            let station = try r.readSymbol("station")
            let source = try r.readEnum(WeatherSource.self, "source")
            let at = try r.readTime("observed at")
            let temp = try r.readTemperature()
            let flags = try r.readFlags(allowed: 1)
            let dew = flags & 1 != 0 ? try r.readTemperature("dewpoint") : nil
            return .observation(
                Observation(station: station, source: source, observedAt: at, temperature: temp, dewpoint: dew))
        case .settlement:
            let city = try r.readSymbol("city")
            let source = try r.readEnum(WeatherSource.self, "source")
            let date = try r.readDate("climate date")
            let high = try r.readTemperature("high")
            // Version 1 has no station (bit 4): it upcasts to a settlement whose station is unknown.
            let flags = try r.readFlags(allowed: version == 1 ? 15 : 31)
            let low = flags & 1 != 0 ? try r.readTemperature("low") : nil
            let issued = flags & 8 != 0 ? try r.readTime("issued at") : nil
            let station = flags & 16 != 0 ? try r.readSymbol("station") : nil
            return .settlement(
                Settlement(
                    city: city, station: station, source: source, climateDate: date, high: high, low: low,
                    isFinal: flags & 2 != 0, isCorrection: flags & 4 != 0, issuedAt: issued))
        case .timerFired:
            return .timerFired(
                TimerFired(
                    owner: try r.readString("owner"), key: try r.readString("key"), dueTime: try r.readTime("due")))
        case .strategyDecision:
            let strategy = try r.readString("strategy")
            let subject = try r.readString("subject")
            let actionAt = r.offset
            let name = try r.readString("action")
            guard let action = DecisionAction(rawValue: name) else {
                throw BinaryError(
                    .invalidValue,
                    "decision action '\(name.prefix(40))' is not one of \(DecisionAction.allCases.map(\.rawValue).joined(separator: ", "))",
                    offset: actionAt)
            }
            let n = try r.readCount("inputs", limit: eventListCountMax)
            var inputs: [UInt64] = []
            inputs.reserveCapacity(n)
            for _ in 0..<n { inputs.append(try r.readVarUInt("input sequence")) }
            return .strategyDecision(
                StrategyDecision(
                    strategy: strategy, subject: subject, action: action, inputSequences: inputs,
                    parameters: try r.readFields("parameters"), values: try r.readFields("values"),
                    reason: try r.readString("reason")))
        case .orderIntent:
            return .orderIntent(
                OrderIntent(
                    clientOrderId: try r.readString("client order id"), ticker: try r.readSymbol("ticker"),
                    side: try r.readEnum(Side.self, "side"), action: try r.readEnum(OrderAction.self, "action"),
                    type: try r.readEnum(OrderType.self, "type"), price: try r.readPrice(), count: try r.readCount(),
                    postOnly: try r.readBool("post only"), decisionSequence: try r.readVarUInt("decision sequence")))
        case .orderAcknowledged:
            return .orderAcknowledged(
                OrderAcknowledged(
                    clientOrderId: try r.readString("client order id"), orderId: try r.readString("order id")))
        case .orderRejected:
            return .orderRejected(
                OrderRejected(
                    clientOrderId: try r.readString("client order id"), code: try r.readString("code"),
                    message: try r.readString("message")))
        case .orderCanceled:
            return .orderCanceled(
                OrderCanceled(
                    clientOrderId: try r.readString("client order id"), reason: try r.readString("reason"),
                    canceledCount: try r.readCount("canceled count")))
        case .fill:
            return .fill(
                Fill(
                    clientOrderId: try r.readString("client order id"), orderId: try r.readString("order id"),
                    tradeId: try r.readString("trade id"), ticker: try r.readSymbol("ticker"),
                    side: try r.readEnum(Side.self, "side"), action: try r.readEnum(OrderAction.self, "action"),
                    price: try r.readPrice(), count: try r.readCount(), fee: try r.readMoney("fee"),
                    isTaker: try r.readBool("taker")))
        case .runManifest:
            let runId = try r.readString("run id")
            let phase = try r.readEnum(RunManifest.Phase.self, "phase")
            let runKind = try r.readString("run kind")
            let engine = try r.readString("engine version")
            let config = try r.readString("config hash")
            let parameters = try r.readFields("parameters")
            let n = try r.readCount("inputs", limit: eventListCountMax)
            var inputs: [RunInput] = []
            for _ in 0..<n {
                inputs.append(
                    RunInput(
                        log: try r.readString("input log"), firstSequence: try r.readVarUInt("first sequence"),
                        lastSequence: try r.readVarUInt("last sequence"), contentHash: try r.readString("content hash"))
                )
            }
            return .runManifest(
                RunManifest(
                    runId: runId, phase: phase, runKind: runKind, engineVersion: engine, configHash: config,
                    parameters: parameters, inputs: inputs, outputHash: try r.readString("output hash")))
        case .rawFeedMessage:
            return .rawFeedMessage(
                RawFeedMessage(
                    source: try r.readString("source"), channel: try r.readString("channel"),
                    payload: try r.readLengthPrefixed("payload")))
        }
    }

    /// Ticker version 2: a presence bit for every part, the exchange's time last.
    private static func decodeTicker(_ r: inout ByteReader) throws(BinaryError) -> TickerUpdate {
        let ticker = try r.readSymbol("ticker")
        let flags = try r.readFlags(allowed: 0xFF)
        return TickerUpdate(
            ticker: ticker, lastPrice: flags & 1 != 0 ? try r.readPrice("last price") : nil,
            yesBid: flags & 2 != 0 ? try r.readPrice("yes bid") : nil,
            yesAsk: flags & 4 != 0 ? try r.readPrice("yes ask") : nil,
            yesBidSize: flags & 8 != 0 ? try r.readCount("bid size") : nil,
            yesAskSize: flags & 16 != 0 ? try r.readCount("ask size") : nil,
            volume: flags & 32 != 0 ? try r.readCount("volume") : nil,
            openInterest: flags & 64 != 0 ? try r.readCount("open interest") : nil,
            exchangeTime: flags & 128 != 0 ? try r.readTime("exchange time") : nil)
    }

    /// Ticker version 1: prices optional, the four counts always written (an absent one as zero, which
    /// cannot be told apart now: they upcast as written), no exchange time.
    private static func decodeTickerV1(_ r: inout ByteReader) throws(BinaryError) -> TickerUpdate {
        let ticker = try r.readSymbol("ticker")
        let flags = try r.readFlags(allowed: 7)
        let last = flags & 1 != 0 ? try r.readPrice("last price") : nil
        let bid = flags & 2 != 0 ? try r.readPrice("yes bid") : nil
        let ask = flags & 4 != 0 ? try r.readPrice("yes ask") : nil
        return TickerUpdate(
            ticker: ticker, lastPrice: last, yesBid: bid, yesAsk: ask, yesBidSize: try r.readCount("bid size"),
            yesAskSize: try r.readCount("ask size"), volume: try r.readCount("volume"),
            openInterest: try r.readCount("open interest"))
    }
}
