import Foundation
import IsothermEvents
import IsothermKalshi
import IsothermStore
import IsothermWorld
import Testing

@testable import IsothermBacktest
@testable import IsothermCore

/// A paper session over a recorded feed decides what a backtest over the same events decides: the
/// same decisions, intents, acknowledgements, fills, cancels and timers, event for event, city by city
/// (issue 13: one engine for backtest, paper, live and replay).
///
/// The feed is what `isotherm record` and the weather pollers write for a few cities: Kalshi's
/// `ticker` and `trade` WebSocket messages (rendered from a generated world's candles, read back by
/// the recorder's own mapper ``KalshiFeed``, each kept verbatim as a raw frame beside its events),
/// with the listings, lifecycle, forecasts, observations and reports of the same world, the cities
/// interleaved in time order in one log. No candle is in it: quotes come from ticker updates, fills
/// from ticker asks and trade prints.
@Suite struct PaperSessionTests {
    static let cities = ["NY", "CHI", "MIA"]

    static func temporary() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("paper-\(UUID().uuidString)").path
    }

    static func dollars(_ p: Price) -> String { FixedPoint.format(p.micros, scale: 6, minDecimals: 2) }
    static func contracts(_ c: Count) -> String { FixedPoint.format(c.hundredths, scale: 2, minDecimals: 2) }

    /// The WebSocket messages a candle's minute would have brought, as the recorder keeps them: each
    /// frame verbatim, then the events ``KalshiFeed`` maps it to.
    static func feedRecords(
        of candle: Candle, at time: Timestamp, volumeSoFar: inout Int64, lastQuote: inout [Price?],
        tradeNumber: inout Int
    ) throws -> [EventRecord] {
        let ms = time.nanos / 1_000_000
        var frames: [String] = []
        let closes = candle.closes
        if let price = candle.price, candle.volume.hundredths > 0 {
            // One print per minute of volume, at the minute's low: what a resting bid would have met.
            tradeNumber += 1
            frames.append(
                #"{"type":"trade","sid":2,"seq":\#(tradeNumber),"msg":{"trade_id":"t\#(tradeNumber)","#
                    + #""market_ticker":"\#(candle.ticker)","yes_price_dollars":"\#(dollars(price.low))","#
                    + #""no_price_dollars":"\#(dollars(Price(micros: 1_000_000 - price.low.micros)))","#
                    + #""count_fp":"\#(contracts(candle.volume))","taker_side":"no","ts_ms":\#(ms)}}"#)
        }
        volumeSoFar += candle.volume.hundredths
        // Kalshi sends a ticker message when the quote or the last price moves, not every minute.
        let quote = [closes.bid, closes.ask, closes.last]
        let moved = quote != lastQuote
        lastQuote = quote
        var fields = [#""market_ticker":"\#(candle.ticker)""#]
        if let last = closes.last { fields.append(#""price_dollars":"\#(dollars(last))""#) }
        if let bid = closes.bid { fields.append(#""yes_bid_dollars":"\#(dollars(bid))""#) }
        if let ask = closes.ask { fields.append(#""yes_ask_dollars":"\#(dollars(ask))""#) }
        fields.append(#""volume_fp":"\#(contracts(Count(hundredths: volumeSoFar)))""#)
        fields.append(#""open_interest_fp":"\#(contracts(candle.openInterest))""#)
        fields.append(#""ts_ms":\#(ms)"#)
        if moved { frames.append(#"{"type":"ticker","sid":1,"msg":{"# + fields.joined(separator: ",") + "}}") }
        var out: [EventRecord] = []
        for frame in frames {
            let bytes = Array(frame.utf8)
            let message = try KalshiFeed.parse(bytes, receivedAt: time)
            #expect(message.unreadable == nil && message.events.count == 1, "\(frame)")
            out.append(
                EventRecord(
                    time: time,
                    event: .rawFeedMessage(RawFeedMessage(source: "kalshi_ws", channel: message.type, payload: bytes))))
            out += message.events
        }
        return out
    }

    /// Writes a recorded feed of `days` days of the three cities: one log, cities interleaved by time
    /// (ties in city order), each city's records in their own order.
    static func recordFeed(into log: String, days: Int, seed: UInt64 = 5) throws {
        let start = LocalDate(iso8601: "2025-04-10")!
        var streams: [[EventRecord]] = []
        for code in cities {
            let city = WorldCity.kxhigh.first { $0.code == code }!
            var volumes: [Symbol: Int64] = [:]
            var quotes: [Symbol: [Price?]] = [:]
            var trades = 0
            var records: [EventRecord] = []
            for record in CityWorld(city: city, seed: seed, start: start, end: start.advanced(by: Int32(days))) {
                guard case .candle(let c) = record.event else {
                    records.append(record)
                    continue
                }
                records += try feedRecords(
                    of: c, at: record.time, volumeSoFar: &volumes[c.ticker, default: 0],
                    lastQuote: &quotes[c.ticker, default: []], tradeNumber: &trades)
            }
            streams.append(records)
        }
        let w = try EventLogWriter(directory: log)
        var heads = [Int](repeating: 0, count: streams.count)
        while true {
            var best: Int? = nil
            for (i, s) in streams.enumerated() where heads[i] < s.count {
                if best == nil || s[heads[i]].time < streams[best!][heads[best!]].time { best = i }
            }
            guard let b = best else { break }
            _ = try w.append(streams[b][heads[b]])
            heads[b] += 1
        }
        try w.close()
    }

    static func config(_ log: String, _ kind: StrategyKind, fill: FillModel) throws -> BacktestConfig {
        BacktestConfig(
            logs: [log], strategy: try StrategyChoice.parse(kind) { _ in nil },
            exchange: ExchangeOptions(fillModel: fill), threads: 1, engineVersion: "test")
    }

    /// A paper session over the log, event by event as a feed delivers them; with `tick`, the clock is
    /// also moved every `tick` nanoseconds between events, as a live driver's wall clock moves it.
    static func paper(_ log: String, _ kind: StrategyKind, fill: FillModel, tick: Int64? = nil) throws
        -> [String: [EventRecord]]
    {
        let choice = try StrategyChoice.parse(kind) { _ in nil }
        var session = PaperSession { city in
            CityRun(city: city, strategy: choice.make(), exchange: ExchangeOptions(fillModel: fill))
        }
        var out: [String: [EventRecord]] = [:]
        func drain() { session.drain { city, events in out[city, default: []] += events } }
        try EventLogReader(directory: log).forEach { sequence, record in
            if let tick, session.clock.nanos != Int64.min {
                var t = (session.clock.nanos / tick + 1) * tick
                while t < record.time.nanos {
                    session.advance(to: Timestamp(nanos: t))
                    drain()
                    t += tick
                }
            }
            try session.feed(record, sequence: sequence)
            drain()
            return true
        }
        session.finish()
        drain()
        return out
    }

    static func decisionsAndIntents(_ events: [EventRecord]) -> (decisions: Int, intents: Int, fills: Int) {
        var d = 0
        var i = 0
        var f = 0
        for e in events {
            switch e.event {
            case .strategyDecision: d += 1
            case .orderIntent: i += 1
            case .fill: f += 1
            default: break
            }
        }
        return (d, i, f)
    }

    @Test func aPaperSessionOverARecordedFeedDecidesAsTheBacktestOfItsEvents() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/feed"
        try Self.recordFeed(into: log, days: 6)
        var kinds: Set<EventKind> = []
        try EventLogReader(directory: log).forEach { _, r in
            kinds.insert(r.event.kind)
            return true
        }
        #expect(kinds.contains(.ticker) && kinds.contains(.trade) && kinds.contains(.rawFeedMessage))
        #expect(!kinds.contains(.candle), "a recorded feed has no candles")

        var totals = (decisions: 0, intents: 0, fills: 0)
        for kind in StrategyKind.allCases {
            for fill in kind == .openMaker || kind == .exit ? [FillModel.touch, .queue] : [.touch] {
                let backtest = try Backtest.run(Self.config(log, kind, fill: fill))
                let paper = try Self.paper(log, kind, fill: fill)
                #expect(backtest.runs.map(\.city).sorted() == paper.keys.sorted(), "\(kind) \(fill)")
                for run in backtest.runs {
                    let theirs = paper[run.city] ?? []
                    if let i = zip(run.output, theirs).enumerated().first(where: { $0.element.0 != $0.element.1 })?
                        .offset
                    {
                        Issue.record(
                            "\(kind) \(fill) \(run.city): event \(i + 1) differs: backtest \(run.output[i]), paper \(theirs[i])"
                        )
                    }
                    #expect(run.output.count == theirs.count, "\(kind) \(fill) \(run.city)")
                    let c = Self.decisionsAndIntents(run.output)
                    totals.decisions += c.decisions
                    totals.intents += c.intents
                    totals.fills += c.fills
                }
            }
        }
        // The comparison is about something: the strategies decided, ordered and were filled on ticks.
        print("paper vs backtest:", totals)
        #expect(totals.decisions > 50 && totals.intents > 20 && totals.fills > 10, "\(totals)")
    }

    @Test func aClockThatTicksBetweenEventsChangesNoDecision() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/feed"
        try Self.recordFeed(into: log, days: 4, seed: 9)
        for kind in [StrategyKind.openMaker, .midnightHeuristic] {
            let pushed = try Self.paper(log, kind, fill: .touch)
            let ticked = try Self.paper(log, kind, fill: .touch, tick: 7 * Timestamp.nanosPerMinute)
            #expect(pushed == ticked, "\(kind)")
            #expect(pushed.values.contains { !$0.isEmpty }, "\(kind)")
        }
    }
}
