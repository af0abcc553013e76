import Foundation
import IsothermDigest
import IsothermEvents
import IsothermStore
import Testing

/// `log sort` killed anywhere: OUT is either absent or the whole sorted log, never a part of one; the
/// next sort of OUT removes what the killed one left and gives the same log as an uninterrupted sort.
@Suite("isotherm log sort under kill -9", .serialized)
struct LogSortCrashTests {
    @Test("killed at 20 seeded points: no partial OUT, and a rerun gives the uninterrupted sort's log")
    func killedSorts() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-05-01", "--days", "3", "--cities", "NY", "--seed",
                "5",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            // A second input out of time order, as an import writes one: the day's events in reverse blocks,
            // so the sort cuts it into runs on disk (--buffer-events below).
            var events: [EventRecord] = []
            try EventLogReader(directory: tmp + "/w/NY").forEach { _, r in
                events.append(r)
                return true
            }
            let writer = try EventLogWriter(directory: tmp + "/unsorted")
            for block in stride(from: 0, to: events.count, by: 10_000).reversed() {
                for e in events[block..<min(block + 10_000, events.count)] { try writer.append(e) }
            }
            try writer.close()

            let sort = ["log", "sort", tmp + "/w/NY", tmp + "/unsorted"]
            let options = ["--buffer-events", "7000"]
            let started = Date()
            let reference = try CLI.run(sort + [tmp + "/reference"] + options)
            try #require(reference.exitCode == 0 && reference.stdout.contains("run(s) on disk"), "\(reference)")
            let micros = UInt32(max(50_000, Date().timeIntervalSince(started) * 1_000_000))
            let expected = try LogContentHash.sha256(directory: tmp + "/reference", cached: false).hex

            var rng = SeededGenerator(seed: 31)
            var killedCount = 0
            for trial in 0..<20 {
                let out = tmp + "/out-\(trial)"
                let (killed, _) = try CLI.runKilled(
                    sort + [out] + options, afterMicros: UInt32.random(in: 1_000...micros, using: &rng))
                if killed {
                    killedCount += 1
                    // Killed: no OUT at all, or (killed after the rename) the complete log.
                    if FileManager.default.fileExists(atPath: out) {
                        #expect(
                            try LogContentHash.sha256(directory: out, cached: false).hex == expected,
                            "trial \(trial): a partial OUT")
                        continue
                    }
                }
                let again = try CLI.run(sort + [out] + options)
                if killed {
                    #expect(again.exitCode == 0, "trial \(trial): \(again)")
                } else {
                    #expect(again.exitCode == 2 && again.stderr.contains("already holds files"), "trial \(trial)")
                }
                #expect(try LogContentHash.sha256(directory: out, cached: false).hex == expected, "trial \(trial)")
                let left = try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.contains(".sort-") }
                #expect(left.isEmpty, "trial \(trial): \(left)")
            }
            #expect(killedCount >= 10, "most kills must land while the sort runs (\(killedCount) of 20)")
        }
    }
}
