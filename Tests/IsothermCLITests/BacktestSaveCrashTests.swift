import Foundation
import IsothermEvents
import IsothermStore
import Testing

/// `backtest --save` killed anywhere: the runs log verifies, the cut-short run is ignored and named,
/// and the same run saved again replays identically with each decision once.
@Suite("isotherm backtest --save under kill -9", .serialized)
struct BacktestSaveCrashTests {
    struct Audit: Decodable {
        struct D: Decodable { var action: String }
        var decisions: [D]
    }

    @Test(
        "killed at 20 seeded points, then saved again: the log verifies, replay is identical, audit shows one decision")
    func killedSaves() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-05-01", "--days", "6", "--cities", "NY,CHI",
                "--seed", "4",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            let run = ["backtest", "--world", tmp + "/w", "--strategy", "exit", "--fill-model", "touch"]
            let started = Date()
            let reference = try CLI.run(run + ["--save", tmp + "/reference", "--json"])
            try #require(reference.exitCode == 0, "\(reference)")
            let micros = UInt32(max(50_000, Date().timeIntervalSince(started) * 1_000_000))
            var rng = SeededGenerator(seed: 77)
            var killedCount = 0
            for trial in 0..<20 {
                let runs = tmp + "/runs-\(trial)"
                let (killed, _) = try CLI.runKilled(
                    run + ["--save", runs], afterMicros: UInt32.random(in: 1_000...micros, using: &rng))
                if killed { killedCount += 1 }
                let again = try CLI.run(run + ["--save", runs])
                #expect(again.exitCode == 0, "trial \(trial): \(again)")
                let verify = try CLI.run(["log", "verify", runs])
                #expect(verify.exitCode == 0, "trial \(trial): \(verify)")
                let replay = try CLI.run(["replay", "--runs", runs, "--verify"])
                #expect(replay.exitCode == 0 && replay.stdout.contains("identical"), "trial \(trial): \(replay)")
                let audit = try CLI.run([
                    "audit", "--runs", runs, "--order", "exit-KXHIGHNY-25MAY03-buy", "--json",
                ])
                #expect(audit.exitCode == 0, "trial \(trial): \(audit)")
                if audit.exitCode == 0 {
                    #expect(try decodeJSON(Audit.self, audit.stdout).decisions.count == 1, "trial \(trial): \(audit)")
                }
            }
            #expect(killedCount >= 10, "most kills must land while the backtest runs (\(killedCount) of 20)")
        }
    }

    @Test(
        "a runs log cut after any of 20 seeded events, then the run saved again: replay is identical, audit shows one decision"
    )
    func cutRunsLogs() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-05-01", "--days", "6", "--cities", "NY,CHI",
                "--seed", "4",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            let run = ["backtest", "--world", tmp + "/w", "--strategy", "exit", "--fill-model", "touch"]
            let reference = try CLI.run(run + ["--save", tmp + "/reference"])
            try #require(reference.exitCode == 0, "\(reference)")
            var events: [EventRecord] = []
            try EventLogReader(directory: tmp + "/reference").forEach { _, r in
                events.append(r)
                return true
            }
            try #require(events.count > 20)
            var rng = SeededGenerator(seed: 2_025)
            for trial in 0..<20 {
                // What a process killed after `cut` durable events leaves (the final manifest is last).
                let cut = Int.random(in: 1..<events.count, using: &rng)
                let runs = tmp + "/cut-\(trial)"
                let w = try EventLogWriter(directory: runs)
                for e in events.prefix(cut) { try w.append(e) }
                try w.close()
                let again = try CLI.run(run + ["--save", runs])
                #expect(again.exitCode == 0, "cut \(cut): \(again)")
                let replay = try CLI.run(["replay", "--runs", runs, "--verify"])
                #expect(replay.exitCode == 0 && replay.stdout.contains("identical"), "cut \(cut): \(replay)")
                #expect(replay.stderr.contains("holds an incomplete run"), "cut \(cut): the cut run is named")
                let audit = try CLI.run(["audit", "--runs", runs, "--order", "exit-KXHIGHNY-25MAY03-buy", "--json"])
                #expect(audit.exitCode == 0, "cut \(cut): \(audit)")
                if audit.exitCode == 0 {
                    #expect(try decodeJSON(Audit.self, audit.stdout).decisions.count == 1, "cut \(cut): \(audit)")
                }
            }
        }
    }
}
