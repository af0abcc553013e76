import Foundation
import IsothermEvents
import IsothermStore
import IsothermWorld
import Testing

@testable import IsothermBacktest
@testable import IsothermCore

/// A log holding several cities gives each city its own events: the same trades, P&L and output
/// hash as the same data split into one log per city (issue: one trade a day, labelled NY, buying
/// KXHIGHDEN on Philadelphia's forecast).
@Suite struct RoutingTests {
    static func temporary() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("routing-\(UUID().uuidString)").path
    }

    /// Writes `streams` (one per city, each in time order) as one log per city and as one log merged in
    /// time order (then city order, then each city's order), as `isotherm log sort` merges them.
    static func writeBoth(_ streams: [(String, [EventRecord])], into dir: String) throws -> (
        split: [String], mixed: String
    ) {
        var split: [String] = []
        for (name, events) in streams {
            let w = try EventLogWriter(directory: dir + "/split/" + name)
            for e in events { _ = try w.append(e) }
            try w.close()
            split.append(dir + "/split/" + name)
        }
        let w = try EventLogWriter(directory: dir + "/mixed")
        var heads = [Int](repeating: 0, count: streams.count)
        while true {
            var best: Int? = nil
            for (i, s) in streams.enumerated() where heads[i] < s.1.count {
                if best == nil || s.1[heads[i]].time < streams[best!].1[heads[best!]].time { best = i }
            }
            guard let b = best else { break }
            _ = try w.append(streams[b].1[heads[b]])
            heads[b] += 1
        }
        try w.close()
        return (split, dir + "/mixed")
    }

    static func config(_ logs: [String], _ kind: StrategyKind, fill: FillModel = .touch) throws -> BacktestConfig {
        BacktestConfig(
            logs: logs, strategy: try StrategyChoice.parse(kind) { _ in nil },
            exchange: ExchangeOptions(fillModel: fill),
            threads: 2, engineVersion: "test")
    }

    func lines(_ r: BacktestResult) -> [String] {
        r.trades.map {
            "\($0.city) \($0.ticker) \($0.contracts.hundredths) \($0.cost.micros) \($0.fees.micros) \($0.netPnL.micros)"
        }
    }

    @Test func theSevenCitiesInOneLogTradeAsInSevenLogs() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = LocalDate(iso8601: "2025-06-01")!
        let streams = WorldCity.kxhigh.map { city in
            (city.code, Array(CityWorld(city: city, seed: 11, start: start, end: start.advanced(by: 7))))
        }
        let (split, mixed) = try Self.writeBoth(streams, into: dir)
        for kind in StrategyKind.allCases {
            let a = try Backtest.run(Self.config(split, kind))
            let b = try Backtest.run(Self.config([mixed], kind))
            #expect(!a.trades.isEmpty, "\(kind)")
            #expect(lines(a) == lines(b), "\(kind)")
            #expect(a.outputHash == b.outputHash, "\(kind)")
            #expect(a.metrics == b.metrics, "\(kind)")
            #expect(b.runs.map(\.city) == ["NY", "CHI", "MIA", "AUS", "DEN", "LAX", "PHIL"])
            // Every trade is in its own city's market.
            for t in b.trades { #expect(City.code(ofSeries: City.series(ofTicker: t.ticker.description)) == t.city) }
        }
        // open_maker's decisions read their own city's forecast.
        let r = try Backtest.run(Self.config([mixed], .openMaker))
        for run in r.runs {
            for e in run.output {
                guard case .strategyDecision(let d) = e.event, d.action == .post else { continue }
                #expect(City.code(ofSeries: City.series(ofTicker: d.subject)) == run.city)
            }
        }
    }

    @Test func theHandWorldInOneLogTradesAsInTwo() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (split, mixed) = try Self.writeBoth(
            [("NY", HandWorldTests.newYork), ("CHI", HandWorldTests.chicago)], into: dir)
        for kind in [StrategyKind.openMaker, .exit, .nextOver, .curveGap] {
            for fill in FillModel.allCases {
                let a = try Backtest.run(Self.config(split, kind, fill: fill))
                let b = try Backtest.run(Self.config([mixed], kind, fill: fill))
                #expect(lines(a) == lines(b) && a.outputHash == b.outputHash, "\(kind) \(fill)")
            }
        }
    }

    @Test func anEventOfNoKnownCityStopsTheRunWithItsPlace() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = try EventLogWriter(directory: dir + "/log")
        for e in HandWorldTests.newYork.prefix(3) { _ = try w.append(e) }
        _ = try w.append(
            EventRecord(
                time: Timestamp(rfc3339: "2025-06-09T15:00:00Z")!,
                event: .observation(
                    Observation(
                        station: Symbol("KSEA")!, source: .nws, observedAt: Timestamp(rfc3339: "2025-06-09T15:00:00Z")!,
                        temperature: Temperature(tenths: 650), dewpoint: nil))))
        try w.close()
        #expect {
            try Backtest.run(Self.config([dir + "/log"], .openMaker))
        } throws: { error in
            let text = "\(error)"
            return text.contains("event 4 (observation)") && text.contains("station KSEA")
                && text.contains("never guesses")
        }
    }

    @Test func aCitySplitOverTwoLogsIsRefusedWithTheFix() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let events = HandWorldTests.newYork
        for (name, part) in [("a", Array(events.prefix(10))), ("b", Array(events.dropFirst(10)))] {
            let w = try EventLogWriter(directory: dir + "/" + name)
            for e in part { _ = try w.append(e) }
            try w.close()
        }
        #expect {
            try Backtest.run(Self.config([dir + "/a", dir + "/b"], .openMaker))
        } throws: { error in
            "\(error)".contains("city NY has events in") && "\(error)".contains("isotherm log sort")
        }
    }

    @Test func theMarketTableFindsInsertsAndRemoves() {
        var t = MarketRoutes(capacity: 4)
        var rng = SystemRandomNumberGenerator()
        var model: [Symbol: MarketRoute] = [:]
        for step in 0..<5_000 {
            let s = Symbol(
                "KXHIGHNY-25JUN\(Int.random(in: 10...30, using: &rng))-B\(Int.random(in: 30...99, using: &rng)).5")!
            if Bool.random(using: &rng) {
                let r = MarketRoute(city: Int32(step % 7), slot: Int32(step))
                t.insert(s, r)
                model[s] = r
            } else {
                t.remove(s)
                model[s] = nil
            }
            #expect(t.find(s) == model[s])
        }
        #expect(t.count == model.count)
        for (k, v) in model { #expect(t.find(k) == v) }
    }
}
