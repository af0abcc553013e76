import Foundation
import IsothermEvents
import IsothermStore
import Testing

@testable import IsothermBacktest
@testable import IsothermCore

/// Saved runs and the audit as a library (moved out of the CLI, issue 13 point 7): a run read back
/// from its runs log, its inputs found by content hash, and a trade explained from logs alone.
@Suite struct AuditTests {
    @Test func aTradeIsExplainedFromTheRunsLogAndItsInputs() throws {
        let dir = RoutingTests.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (split, _) = try RoutingTests.writeBoth(
            [("NY", HandWorldTests.newYork), ("CHI", HandWorldTests.chicago)], into: dir)
        let result = try Backtest.run(RoutingTests.config(split, .openMaker, fill: .assume))
        let runs = dir + "/runs"
        let w = try EventLogWriter(directory: runs)
        // A run cut short first (its sections, no final manifest), then the whole run.
        let events = result.runsLogEvents
        for e in events.prefix(3) { _ = try w.append(e) }
        for e in events { _ = try w.append(e) }
        try w.close()

        let (run, incomplete) = try SavedRun.load(runs: runs, runId: nil)
        #expect(incomplete.count == 1)
        #expect(run.manifest.runId == result.manifest.runId)
        #expect(run.sections.map(\.city) == ["NY", "CHI"])

        let trade = try #require(result.trades.first { $0.city == "NY" })
        var locator = InputLocator(inputs: nil)
        let audits = try Audit.explain(run, .order(trade.clientOrderId)) {
            try locator.locate($0, run: run.manifest.runId)
        }
        let a = try #require(audits.first)
        #expect(audits.count == 1 && a.decision.action == .post && a.city == "NY")
        #expect(a.log == split[0])
        // It read the forecast it names, and its order was acknowledged and filled.
        #expect(a.inputs.contains { if case .dailyForecast = $0.record.event { true } else { false } })
        #expect(a.inputs.map(\.sequence) == a.decision.inputSequences)
        #expect(a.orders.map { $0.event.kind } == [.orderIntent, .orderAcknowledged, .fill])
        // The outcome: its market's determination and New York's final report.
        #expect(a.outcome.contains { if case .marketLifecycle = $0.record.event { true } else { false } })
        #expect(a.outcome.contains { if case .settlement = $0.record.event { true } else { false } })
        #expect(a.disagreements.isEmpty)

        // A city-day selects the same decision; an unknown order is named.
        let day = try Audit.explain(run, .cityDay(city: "NY", date: trade.eventDate)) {
            try locator.locate($0, run: run.manifest.runId)
        }
        #expect(day.map(\.decision) == [a.decision])
        #expect(throws: AuditError.noDecision(runId: run.manifest.runId, query: "nope")) {
            try Audit.explain(run, .order("nope")) { try locator.locate($0, run: run.manifest.runId) }
        }
        #expect(throws: SavedRunError.noSuchRun(runs: runs, runId: "x", saved: [run.manifest.runId])) {
            try SavedRun.load(runs: runs, runId: "x")
        }
    }

    @Test func movedInputsAreFoundByTrailingPathAndAChangedOneIsRefused() throws {
        let dir = RoutingTests.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (split, _) = try RoutingTests.writeBoth([("NY", HandWorldTests.newYork)], into: dir)
        let input = RunInput(
            log: "/old/place/split/NY", firstSequence: 1, lastSequence: 1,
            contentHash: try Backtest.contentHashes(of: [split[0]])[split[0]]!)
        var moved = InputLocator(inputs: dir)
        #expect(try moved.locate(input, run: "r1") == split[0])
        var missing = InputLocator(inputs: nil)
        #expect {
            try missing.locate(input, run: "r1")
        } throws: {
            "\($0)" == "input log /old/place/split/NY of run r1 is not there: give --inputs DIR where the logs are now"
        }
        var changed = InputLocator(inputs: dir)
        var other = input
        other.contentHash = String(repeating: "0", count: 64)
        #expect { try changed.locate(other, run: "r1") } throws: {
            "\($0)".contains("is not the input /old/place/split/NY of run r1")
        }
    }
}
