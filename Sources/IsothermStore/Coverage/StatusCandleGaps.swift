package import IsothermEvents

/// One stretch of a market's trading hours without a 1-minute candle.
package struct CandleGap: Equatable {
    package var ticker: Symbol
    /// The first minute without a candle (minutes since 1970-01-01 UTC).
    package var fromMinute: Int64
    package var minutes: Int64

    package var from: Timestamp { Timestamp(nanos: fromMinute * Timestamp.nanosPerMinute) }
    package var to: Timestamp { Timestamp(nanos: (fromMinute + minutes) * Timestamp.nanosPerMinute) }

    /// Longer first, then earlier, then by ticker: a total order, so the result does not depend on
    /// the order markets were summarised in.
    package func ranksBefore(_ other: CandleGap) -> Bool {
        (-minutes, fromMinute) != (-other.minutes, other.fromMinute)
            ? (-minutes, fromMinute) < (-other.minutes, other.fromMinute) : ticker < other.ticker
    }
}

/// One city's 1-minute candles against its markets' trading hours.
package struct CandleGapSummary {
    /// How many of the longest gaps are kept.
    package static let longestKept = 5

    /// Markets with at least one 1-minute candle.
    package var markets: Int64 = 0
    /// Markets listed and open before the reference time that have no 1-minute candle.
    package var marketsWithoutCandles: Int64 = 0
    /// Markets with 1-minute candles whose open or close is unknown (no listing): only the gaps
    /// between their first and last candle count.
    package var marketsWithoutHours: Int64 = 0
    /// Minutes the markets traded (up to the reference time), each of which should have a candle.
    package var minutesExpected: Int64 = 0
    package var minutesMissing: Int64 = 0
    /// Gaps at least as long as the threshold.
    package var gaps: Int64 = 0
    /// The longest gaps, longest first.
    package private(set) var longest: [CandleGap] = []
    /// Candles of minutes outside their market's trading hours (or after the reference time).
    package var candlesOutsideHours: Int64 = 0
    /// Candles that came after their market had been summarised (logs not in time order).
    package var candlesAfterSummary: Int64 = 0
    /// Second and later candles for the same market and minute.
    package var duplicateCandles: Int64 = 0

    package var isEmpty: Bool { markets == 0 && marketsWithoutCandles == 0 && candlesAfterSummary == 0 }

    package mutating func offer(_ gap: CandleGap) {
        guard longest.count < Self.longestKept || gap.ranksBefore(longest[longest.count - 1]) else { return }
        let at = longest.firstIndex { gap.ranksBefore($0) } ?? longest.count
        longest.insert(gap, at: at)
        if longest.count > Self.longestKept { longest.removeLast() }
    }
}

/// The minutes of one market that have a 1-minute candle: a bitmap over the market's hours, kept
/// while the market trades and summarised when it is done.
package struct MinuteMap {
    /// The longest span a map covers (about 45 days); candles beyond it count as outside hours.
    package static let wordsMax = 1_024

    package enum Mark { case new, duplicate, tooFar }

    /// The number of its market in ``CandleGapTracker``.
    package private(set) var market: Int32 = -1
    /// The minute of bit 0 of `words[0]`, a multiple of 64.
    package private(set) var base: Int64 = 0
    package private(set) var words: [UInt64] = []
    package private(set) var firstMinute = Int64.max
    package private(set) var lastMinute = Int64.min
    package private(set) var candles: Int64 = 0
    /// Sweeps done when it last got a candle.
    package var lastTouch: Int64 = 0
    package var inUse = false

    /// Reuses this map (and its storage) for market number `market`, anchored at minute `anchor`.
    package mutating func reset(_ market: Int32, anchor: Int64, touch: Int64) {
        self.market = market
        base = (anchor >> 6) << 6
        words.removeAll(keepingCapacity: true)
        firstMinute = .max
        lastMinute = .min
        candles = 0
        lastTouch = touch
        inUse = true
    }

    package mutating func mark(_ minute: Int64) -> Mark {
        var w = (minute >> 6) - (base >> 6)
        if w < 0 {
            guard words.count - Int(w) <= Self.wordsMax else { return .tooFar }
            words.insert(contentsOf: repeatElement(0, count: Int(-w)), at: 0)
            base += w * 64
            w = 0
        }
        if w >= words.count {
            guard w < Self.wordsMax else { return .tooFar }
            words.append(contentsOf: repeatElement(0, count: Int(w) + 1 - words.count))
        }
        let bit = UInt64(1) << UInt64(minute & 63)
        if words[Int(w)] & bit != 0 { return .duplicate }
        words[Int(w)] |= bit
        candles += 1
        firstMinute = min(firstMinute, minute)
        lastMinute = max(lastMinute, minute)
        return .new
    }

    package func has(_ minute: Int64) -> Bool {
        let i = minute - base
        guard i >= 0, i < Int64(words.count) * 64 else { return false }
        return words[Int(i >> 6)] >> UInt64(i & 63) & 1 != 0
    }

    /// Calls `gap` with each maximal run of minutes in `lo..<hi` without a candle (start, length).
    package func forEachGap(_ lo: Int64, _ hi: Int64, _ gap: (Int64, Int64) -> Void) {
        var m = lo
        while m < hi {
            let i = m - base
            if i >= 0, i & 63 == 0, i >> 6 < Int64(words.count), words[Int(i >> 6)] == ~0, m + 64 <= hi {
                m += 64
            } else if has(m) {
                m += 1
            } else {
                let start = m
                while m < hi && !has(m) { m += 1 }
                gap(start, m - start)
            }
        }
    }
}

/// Finds the stretches without a 1-minute candle in each market's trading hours, streaming.
///
/// Every market seen keeps a small entry (city, event date, hours); a market with 1-minute
/// candles also gets a ``MinuteMap`` until it is done. A market is done, summarised into its city's
/// ``CandleGapSummary`` and its map reused, once its close lies more than a day behind the latest
/// candle of the log being read and it got no candle for a whole sweep (4,096 candles): so a log
/// in time order holds only the markets of the last few days, and a log written market by market
/// (`import kalshi`) only the market being read. A candle for a market already summarised is counted,
/// not placed (`isotherm log sort` puts logs in time order). A market whose close is unknown (candles
/// without a listing) keeps its map to the end.
package struct CandleGapTracker {
    /// What the scan knows of a market.
    package struct Entry {
        package var ticker: Symbol
        /// Index of its city in the scan's list; -1 when the ticker names no known city.
        package var city: Int32
        package var day: Int32
        package var openMinute: Int64?
        /// The minute after its last (exclusive).
        package var closeMinute: Int64?
        package var listed = false
        /// Its map in `maps`; `none` before its first 1-minute candle, `summarised` after.
        package var slot: Int32 = Entry.none

        package static let none: Int32 = -1
        package static let summarised: Int32 = -2
    }

    package static let sweepCandles: Int64 = 4_096
    package static let graceMinutes: Int64 = 1_440
    /// Slots of the cache in front of the ticker index (a power of two).
    package static let recentSlots = 256

    package let gapMinutes: Int64
    package let nowMinute: Int64
    /// Every market seen, by number.
    package private(set) var entries: [Entry] = []
    private var numbers: [Symbol: Int32] = [:]
    /// A direct-mapped cache of `numbers`: most candles find their market here, without hashing
    /// 48 bytes through `Hasher` (a quarter of the scan's time before it).
    private var recentTickers = [Symbol](repeating: Symbol(), count: recentSlots)
    private var recentNumbers = [Int32](repeating: -1, count: recentSlots)
    private var maps: [MinuteMap] = []
    private var free: [Int32] = []
    private var candles: Int64 = 0
    private var sweeps: Int64 = 0
    /// The latest candle minute of the log being read.
    private var watermark = Int64.min
    /// The most minute maps held at once (the scan's memory, reported so that it can be checked).
    package private(set) var mapsPeak = 0

    package init(gapMinutes: Int64, now: Timestamp) {
        self.gapMinutes = gapMinutes
        nowMinute = Self.minute(floorOf: now.nanos)
    }

    package static func minute(floorOf nanos: Int64) -> Int64 {
        nanos >= 0 ? nanos / Timestamp.nanosPerMinute : (nanos + 1) / Timestamp.nanosPerMinute - 1
    }

    /// The cache slot of a ticker: its first 32 bytes mixed (the bytes after the series differ).
    private static func recentSlot(_ ticker: Symbol) -> Int {
        withUnsafeBytes(of: ticker) { raw in
            var h: UInt64 = 0
            for k in 0..<4 { h = (h ^ raw.load(fromByteOffset: 8 * k, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15 }
            return Int(truncatingIfNeeded: h >> 56) & (recentSlots - 1)
        }
    }

    /// The number of the market `ticker` names, if it has been seen.
    package mutating func number(_ ticker: Symbol) -> Int32? {
        let r = Self.recentSlot(ticker)
        if recentNumbers[r] >= 0 && recentTickers[r] == ticker { return recentNumbers[r] }
        guard let n = numbers[ticker] else { return nil }
        recentTickers[r] = ticker
        recentNumbers[r] = n
        return n
    }

    /// Adds a market seen for the first time. - Returns: its number.
    package mutating func register(_ ticker: Symbol, city: Int32, day: Int32) -> Int32 {
        let n = Int32(entries.count)
        entries.append(Entry(ticker: ticker, city: city, day: day))
        numbers[ticker] = n
        return n
    }

    package mutating func listed(_ m: MarketListed, city: Int32) {
        let n = number(m.ticker) ?? register(m.ticker, city: city, day: m.eventDate.daysSinceEpoch)
        entries[Int(n)].openMinute = Self.minute(floorOf: m.openTime.nanos)
        entries[Int(n)].closeMinute = -Self.minute(floorOf: -m.closeTime.nanos)
        entries[Int(n)].listed = true
    }

    /// Hours from a lifecycle event: a new close replaces the old; an open fills one not known.
    package mutating func lifecycle(_ l: MarketLifecycle) {
        guard let n = number(l.ticker).map(Int.init) else { return }
        if let close = l.closeTime, l.transition == .closeDateUpdated || entries[n].closeMinute == nil {
            entries[n].closeMinute = -Self.minute(floorOf: -close.nanos)
        }
        if let open = l.openTime, entries[n].openMinute == nil {
            entries[n].openMinute = Self.minute(floorOf: open.nanos)
        }
    }

    package mutating func beginLog() { watermark = .min }

    /// A 1-minute candle of market `n` ending at `time`: marks the minute it covers.
    package mutating func oneMinuteCandle(_ n: Int32, at time: Timestamp, cities: inout [CityStatus]) {
        let minute = Self.minute(floorOf: time.nanos - 1)
        watermark = max(watermark, minute)
        let e = entries[Int(n)]
        var slot = e.slot
        if slot == Entry.summarised { return cities[Int(e.city)].candleGaps.candlesAfterSummary += 1 }
        if slot == Entry.none {
            slot = free.popLast() ?? Int32(maps.count)
            if slot == maps.count { maps.append(MinuteMap()) }
            maps[Int(slot)].reset(n, anchor: e.openMinute ?? minute, touch: sweeps)
            entries[Int(n)].slot = slot
            mapsPeak = max(mapsPeak, maps.count - free.count)
        }
        maps[Int(slot)].lastTouch = sweeps
        switch maps[Int(slot)].mark(minute) {
        case .new: break
        case .duplicate: cities[Int(e.city)].candleGaps.duplicateCandles += 1
        case .tooFar: cities[Int(e.city)].candleGaps.candlesOutsideHours += 1
        }
        candles += 1
        if candles % Self.sweepCandles == 0 { sweep(cities: &cities) }
    }

    /// Summarises the markets that are done (see the type's description).
    private mutating func sweep(cities: inout [CityStatus]) {
        sweeps += 1
        for slot in maps.indices where maps[slot].inUse && maps[slot].lastTouch < sweeps - 1 {
            guard let close = entries[Int(maps[slot].market)].closeMinute, close + Self.graceMinutes < watermark
            else { continue }
            summarise(slot, cities: &cities)
        }
    }

    /// Summarises every market still in a map and counts the listed markets that never had a
    /// 1-minute candle. Call once, at the end.
    package mutating func finish(cities: inout [CityStatus]) {
        for slot in maps.indices where maps[slot].inUse { summarise(slot, cities: &cities) }
        for e in entries where e.listed && e.slot == Entry.none && e.city >= 0 {
            guard let open = e.openMinute, let close = e.closeMinute, min(close, nowMinute) > open else { continue }
            cities[Int(e.city)].candleGaps.marketsWithoutCandles += 1
        }
    }

    private mutating func summarise(_ slot: Int, cities: inout [CityStatus]) {
        let map = maps[slot]
        let e = entries[Int(map.market)]
        var s = cities[Int(e.city)].candleGaps
        s.markets += 1
        if e.openMinute == nil || e.closeMinute == nil { s.marketsWithoutHours += 1 }
        let lo = e.openMinute ?? map.firstMinute
        let hi = min(e.closeMinute ?? map.lastMinute + 1, nowMinute)
        var missing: Int64 = 0
        if hi > lo {
            s.minutesExpected += hi - lo
            let threshold = gapMinutes
            map.forEachGap(lo, hi) { start, length in
                missing += length
                if length >= threshold { s.gaps += 1 }
                s.offer(CandleGap(ticker: e.ticker, fromMinute: start, minutes: length))
            }
        }
        s.minutesMissing += missing
        s.candlesOutsideHours += map.candles - max(0, hi - lo - missing)
        cities[Int(e.city)].candleGaps = s
        entries[Int(map.market)].slot = Entry.summarised
        maps[slot].inUse = false
        free.append(Int32(slot))
    }
}
