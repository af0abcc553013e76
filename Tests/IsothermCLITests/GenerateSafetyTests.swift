import Foundation
import IsothermTestSupport
import Testing

/// `generate` lands a whole world or nothing: two at once never double a log, a killed one leaves
/// nothing that looks like a world, and bad arguments are one line, never a trap.
@Suite("isotherm generate: atomic worlds", .serialized)
struct GenerateSafetyTests {
    struct Summary: Decodable {
        struct City: Decodable {
            var city: String
            var events: Int
            var contentSha256: String
        }
        var cities: [City]
    }

    static let arguments = ["--start", "2025-07-01", "--days", "3", "--cities", "NY,DEN", "--seed", "8", "--json"]

    @Test("two generates of one --out at once: one lands, the other is refused, the logs hold the world once")
    func racingGenerates() throws {
        try withTempDirectory { tmp in
            let reference = try CLI.run(["generate", "--out", tmp + "/reference"] + Self.arguments)
            try #require(reference.exitCode == 0, "\(reference)")
            let expected = try decodeJSON(Summary.self, reference.stdout)
            for trial in 0..<5 {
                let out = tmp + "/race-\(trial)"
                let results = Locked2<[CLIResult]>([])
                DispatchQueue.concurrentPerform(iterations: 2) { _ in
                    if let r = try? CLI.run(["generate", "--out", out] + Self.arguments) {
                        results.append(r)
                    }
                }
                let all = results.value
                #expect(all.count == 2)
                #expect(all.filter { $0.exitCode == 0 }.count == 1, "trial \(trial): \(all)")
                let refused = try #require(all.first { $0.exitCode != 0 })
                #expect(refused.exitCode == 2 && refused.stderrLines.count == 1, "\(refused)")
                let landed = try decodeJSON(Summary.self, try #require(all.first { $0.exitCode == 0 }).stdout)
                #expect(landed.cities.map(\.contentSha256) == expected.cities.map(\.contentSha256))
                for city in ["NY", "DEN"] {
                    let verify = try CLI.run(["log", "verify", out + "/" + city, "--hashes", "--json"])
                    #expect(verify.exitCode == 0, "\(verify)")
                    let want = try #require(expected.cities.first { $0.city == city })
                    #expect(verify.stdout.contains(#""events":\#(want.events),"#), "\(city) holds the world once")
                }
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix(".") }
                #expect(leftovers.isEmpty, "\(leftovers)")
            }
        }
    }

    @Test("killed at 20 seeded points, generate leaves no world at --out; the rerun equals an uninterrupted run")
    func killedGenerates() throws {
        try withTempDirectory { tmp in
            let started = Date()
            let reference = try CLI.run(["generate", "--out", tmp + "/reference"] + Self.arguments)
            try #require(reference.exitCode == 0, "\(reference)")
            // Kill points spread over how long an uninterrupted run takes with this build.
            let micros = UInt32(max(50_000, Date().timeIntervalSince(started) * 1_000_000))
            let expected = try decodeJSON(Summary.self, reference.stdout).cities.map(\.contentSha256)
            var rng = SeededGenerator(seed: 20_251_205)
            var killedCount = 0
            for trial in 0..<20 {
                let out = tmp + "/killed-\(trial)"
                let delay = UInt32.random(in: 1_000...micros, using: &rng)
                let (killed, _) = try CLI.runKilled(["generate", "--out", out] + Self.arguments, afterMicros: delay)
                // A kill after the rename into place (between landing and exiting) leaves the whole
                // world; any earlier kill leaves nothing at --out. Never a part of one.
                let landed = FileManager.default.fileExists(atPath: out)
                if killed {
                    killedCount += 1
                    if landed {
                        #expect(FileManager.default.fileExists(atPath: out + "/world.json"), "trial \(trial)")
                        for (city, sha) in zip(["NY", "DEN"], expected) {
                            let hash = try CLI.run(["log", "verify", out + "/" + city, "--hashes", "--json"])
                            #expect(
                                hash.stdout.contains(sha), "trial \(trial): a killed generate landed a partial \(city)")
                        }
                    }
                }
                // Nothing landed: the rerun writes the world. A world landed: --force rewrites it.
                let rerun = try CLI.run(["generate", "--out", out] + Self.arguments + (landed ? ["--force"] : []))
                #expect(rerun.exitCode == 0, "trial \(trial): \(rerun)")
                #expect(try decodeJSON(Summary.self, rerun.stdout).cities.map(\.contentSha256) == expected)
                #expect(FileManager.default.fileExists(atPath: out + "/world.json"))
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix(".") }
                #expect(leftovers.isEmpty, "trial \(trial): \(leftovers)")
            }
            #expect(killedCount >= 10, "most kills must land while generate runs (\(killedCount) of 20)")
        }
    }

    @Test(
        "arguments outside the calendar, an empty --out and a non-empty --out are one line each; --force replaces",
        arguments: [
            ["--out", "", "--days", "1"], ["--out", "X", "--start", "0001-01-01"],
            ["--out", "X", "--start", "9999-12-31", "--days", "2"],
            ["--out", "X", "--start", "2199-12-31", "--days", "2"],
            ["--out", "X", "--days", "0"], ["--out", "X", "--threads", "0"], ["--out", "X", "--days", "-1"],
        ])
    func badArguments(_ args: [String]) throws {
        let r = try CLI.run(["generate"] + args)
        #expect(r.exitCode == 64, "\(r)")
        #expect(r.stderr.contains("Error:"), "\(r)")
    }

    @Test("a non-empty --out is refused without --force and replaced with it")
    func forceReplaces() throws {
        try withTempDirectory { tmp in
            try FileManager.default.createDirectory(atPath: tmp + "/w", withIntermediateDirectories: true)
            try Data("keep".utf8).write(to: URL(fileURLWithPath: tmp + "/w/notes.txt"))
            let refused = try CLI.run(["generate", "--out", tmp + "/w", "--days", "1", "--cities", "NY"])
            #expect(refused.exitCode == 2 && refused.stderr.contains("--force"), "\(refused)")
            #expect(FileManager.default.fileExists(atPath: tmp + "/w/notes.txt"))
            let forced = try CLI.run(["generate", "--out", tmp + "/w", "--days", "1", "--cities", "NY", "--force"])
            #expect(forced.exitCode == 0, "\(forced)")
            #expect(!FileManager.default.fileExists(atPath: tmp + "/w/notes.txt"))
            #expect(FileManager.default.fileExists(atPath: tmp + "/w/NY"))
        }
    }
}

/// SplitMix64 for seeded choices in tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A value shared between test threads.
final class Locked2<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
    func append<E>(_ element: E) where Value == [E] {
        lock.lock()
        defer { lock.unlock() }
        stored.append(element)
    }
}
