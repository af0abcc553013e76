import Foundation
import IsothermEvents
import IsothermStore
import Testing

@Suite("isotherm replay --verify")
struct ReplayCommandTests {
    @Test("a saved run recomputes identically for every strategy; a changed record or input is caught")
    func verify() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-03-01", "--days", "3", "--cities", "NY,MIA",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            for strategy in ["open_maker", "exit", "curve_gap", "midnight_heuristic"] {
                let saved = try CLI.run([
                    "backtest", "--world", tmp + "/w", "--strategy", strategy, "--fill-model", "touch", "--save",
                    tmp + "/runs",
                ])
                try #require(saved.exitCode == 0, "\(saved)")
                let r = try CLI.run(["replay", "--runs", tmp + "/runs", "--verify"])
                #expect(r.exitCode == 0 && r.stdout.contains(": identical: "), "\(strategy): \(r)")
            }
            // Risk limits bound to the whole account (one merged stream) and to each city (in parallel):
            // each recomputes as it ran.
            for scope in ["account", "city"] {
                let saved = try CLI.run([
                    "backtest", "--world", tmp + "/w", "--fill-model", "touch", "--max-open-orders", "1",
                    "--risk-scope",
                    scope, "--save", tmp + "/runs-\(scope)",
                ])
                try #require(saved.exitCode == 0, "\(saved)")
                #expect(saved.stdout.contains("risk_scope: \(scope)"), "\(saved.stdout)")
                let r = try CLI.run(["replay", "--runs", tmp + "/runs-\(scope)", "--verify"])
                #expect(r.exitCode == 0 && r.stdout.contains(": identical: "), "\(scope): \(r)")
            }
            let wrong = try CLI.run([
                "backtest", "--world", tmp + "/w", "--max-open-orders", "1", "--risk-scope", "all",
            ])
            #expect(wrong.exitCode == 64 && wrong.stderr.contains("--risk-scope 'all' is not account or city"))

            // A copy of the runs log with one fill's price changed: the replay names it.
            var records: [EventRecord] = []
            try EventLogReader(directory: tmp + "/runs").forEach { _, r in
                records.append(r)
                return true
            }
            var changed = false
            for i in records.indices.reversed() where !changed {
                if case .fill(var f) = records[i].event {
                    f.price = Price(micros: f.price.micros + 10_000)
                    records[i].event = .fill(f)
                    changed = true
                }
            }
            try #require(changed)
            let writer = try EventLogWriter(directory: tmp + "/tampered")
            for r in records { _ = try writer.append(r) }
            try writer.close()
            let caught = try CLI.run(["replay", "--runs", tmp + "/tampered", "--verify", "--json"])
            #expect(caught.exitCode == 1, "\(caught)")
            #expect(caught.stdout.contains(#""identical":false"#) && caught.stdout.contains("differs"), "\(caught)")

            // An input log that changed since the run is refused before anything is recomputed.
            let imp = try CLI.run([
                "import", "file", "--log", tmp + "/w/NY", "--format", "nws-cli",
                CLITestPaths.samples + "/nws-cli/CLINYC.txt",
            ])
            try #require(imp.exitCode == 0, "\(imp)")
            let stale = try CLI.run(["replay", "--runs", tmp + "/runs", "--verify"])
            #expect(stale.exitCode == 2 && stale.stderr.contains("changed since run"), "\(stale)")
        }
    }
}

enum CLITestPaths {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IsothermImportTests/Samples").path
}
