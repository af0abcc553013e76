import Foundation
import IsothermEvents
import IsothermStore
import IsothermWorld
import Testing

@testable import IsothermBacktest
@testable import IsothermCore

/// Risk limits bind the whole account, as on the exchange (issue 13, point 4): the cities run as one
/// stream merged in time order with one risk book. Without such limits the merged run and the
/// parallel one give the same output hash.
@Suite struct AccountRiskTests {
    /// A generated fortnight of the seven cities, one log per city and one log of all seven.
    static func world(_ dir: String, days: Int32 = 14) throws -> (split: [String], mixed: String) {
        let start = LocalDate(iso8601: "2025-06-01")!
        let streams = WorldCity.kxhigh.map { city in
            (city.code, Array(CityWorld(city: city, seed: 23, start: start, end: start.advanced(by: days))))
        }
        return try RoutingTests.writeBoth(streams, into: dir)
    }

    static func run(
        _ logs: [String], _ kind: StrategyKind, fill: FillModel = .touch, merged: Bool = false,
        risk: RiskLimits = RiskLimits()
    ) throws -> BacktestResult {
        var config = try RoutingTests.config(logs, kind, fill: fill)
        config.merged = merged
        config.risk = risk
        return try Backtest.run(config)
    }

    /// Buys that passed the limits (not refused by a `risk_` rejection): (time, cost in micro-dollars).
    static func passedBuys(_ output: [EventRecord]) -> [(time: Timestamp, cost: Int64)] {
        var refused: Set<String> = []
        for e in output {
            if case .orderRejected(let r) = e.event, r.code.hasPrefix("risk_") { refused.insert(r.clientOrderId) }
        }
        return output.compactMap { e in
            guard case .orderIntent(let o) = e.event, o.action == .buy, !refused.contains(o.clientOrderId) else {
                return nil
            }
            return (e.time, Money.cost(o.count, o.price).micros)
        }
    }

    @Test func aMergedRunWithoutAccountLimitsHashesAsTheParallelRun() throws {
        let dir = RoutingTests.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (split, mixed) = try Self.world(dir, days: 5)
        var cityRisk = RiskLimits()
        cityRisk.maxOpenOrders = 1
        cityRisk.scope = .city
        for kind in StrategyKind.allCases {
            for fill in kind == .openMaker ? FillModel.allCases : [.touch] {
                let parallel = try Self.run(split, kind, fill: fill)
                let merged = try Self.run(split, kind, fill: fill, merged: true)
                let mixedMerged = try Self.run([mixed], kind, fill: fill, merged: true)
                #expect(!parallel.trades.isEmpty, "\(kind) \(fill)")
                #expect(parallel.outputHash == merged.outputHash, "\(kind) \(fill)")
                #expect(parallel.outputHash == mixedMerged.outputHash, "\(kind) \(fill)")
                #expect(merged.runs.map(\.city) == ["NY", "CHI", "MIA", "AUS", "DEN", "LAX", "PHIL"])
                #expect(merged.logs.map(\.lastSequence) == parallel.logs.map(\.lastSequence))
            }
            // Limits that bind each city: the same either way too.
            let a = try Self.run(split, kind, risk: cityRisk)
            let b = try Self.run(split, kind, merged: true, risk: cityRisk)
            #expect(a.outputHash == b.outputHash, "\(kind) per-city limits")
        }
    }

    @Test func theDayExposureLimitBindsTheAccountNotEachCity() throws {
        let dir = RoutingTests.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (split, mixed) = try Self.world(dir)
        var risk = RiskLimits()
        risk.maxExposurePerDay = Money(micros: 400_000_000)  // $400: two or three cities' entries a day
        func byDay(_ r: BacktestResult) -> [LocalDate: Int64] {
            var out: [LocalDate: Int64] = [:]
            for run in r.runs { for b in Self.passedBuys(run.output) { out[b.time.utcDate, default: 0] += b.cost } }
            return out
        }
        let account = try Self.run(split, .openMaker, risk: risk)
        risk.scope = .city
        let perCity = try Self.run(split, .openMaker, risk: risk)
        // Each city alone stays under $400 a day, so per city nothing is refused and the account buys
        // well over $400 a day; bound together, no day's buys pass $400 and the rest are refused.
        #expect(byDay(perCity).values.contains { $0 > 400_000_000 })
        #expect(byDay(account).values.allSatisfy { $0 <= 400_000_000 }, "\(byDay(account))")
        #expect(account.metrics.rejections.contains { $0.code == "risk_max_day_exposure" && $0.count > 10 })
        #expect(account.manifest.parameters.contains(Field("risk_scope", "account")))
        #expect(perCity.manifest.parameters.contains(Field("risk_scope", "city")))
        // The same data in one log of seven cities: the same account-wide run.
        risk.scope = .account
        #expect(try Self.run([mixed], .openMaker, risk: risk).outputHash == account.outputHash)
    }

    @Test func theOpenOrdersLimitCountsEveryCitysRestingOrders() throws {
        let dir = RoutingTests.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (split, _) = try Self.world(dir, days: 8)
        var risk = RiskLimits()
        risk.maxOpenOrders = 2
        let account = try Self.run(split, .openMaker, risk: risk)
        risk.scope = .city
        let perCity = try Self.run(split, .openMaker, risk: risk)
        func refused(_ r: BacktestResult) -> Int {
            r.metrics.rejections.first { $0.code == "risk_max_open_orders" }?.count ?? 0
        }
        // Each city rests one order a day at most: alone, none is refused; seven cities opening within
        // the same hours share two places.
        #expect(refused(perCity) == 0)
        #expect(refused(account) > 0)
        // Walk every city's events in time order (answers before new orders at equal times): no order
        // passes while two rest, across the cities.
        var events: [(time: Timestamp, city: Int, index: Int, event: Event)] = []
        for (c, run) in account.runs.enumerated() {
            for (i, e) in run.output.enumerated() { events.append((e.time, c, i, e.event)) }
        }
        events.sort { ($0.time, $0.city, $0.index) < ($1.time, $1.city, $1.index) }
        var open: Set<String> = []
        var maxOpen = 0
        for e in events {
            switch e.event {
            case .orderAcknowledged(let a): open.insert(a.clientOrderId)
            case .orderCanceled(let c): open.remove(c.clientOrderId)
            case .fill(let f): open.remove(f.clientOrderId)
            default: break
            }
            maxOpen = max(maxOpen, open.count)
        }
        #expect(maxOpen <= 2)
    }

    @Test func aManifestWithoutARiskScopeReplaysWithLimitsPerCity() throws {
        var risk = RiskLimits()
        risk.maxOpenOrders = 3
        #expect(risk.fields.last == Field("risk_scope", "account"))
        #expect(try RiskLimits(fields: risk.fields) == risk)
        // Saved before account-wide limits: no risk_scope field, so each city had its own.
        let old = try RiskLimits(fields: [Field("max_open_orders", "3")])
        #expect(old.scope == .city && !old.isAccountWide)
        // No limits: nothing about scope is recorded, so parameter hashes of such runs are unchanged.
        #expect(RiskLimits().fields.isEmpty)
        #expect(throws: ParameterError.self) {
            try RiskLimits(
                maxContracts: nil, maxEventExposure: nil, maxDayExposure: nil, maxOpenOrders: "1",
                killAfterLoss: nil, scope: "cities")
        }
    }
}
