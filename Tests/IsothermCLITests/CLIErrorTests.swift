import Foundation
import IsothermEvents
import Testing

@Suite("isotherm errors and exit codes")
struct CLIErrorTests {
    @Test("log inspect of a missing directory: exit 2 and one 'error:' line on stderr")
    func missingLog() throws {
        let missing = "/nonexistent"
        try #require(!FileManager.default.fileExists(atPath: missing))
        for command in [["log", "inspect", missing], ["log", "cat", missing], ["log", "verify", missing]] {
            let r = try CLI.run(command)
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderrLines.count == 1, "\(r)")
            #expect(r.stderrLines.first?.hasPrefix("error:") == true, "\(r)")
            #expect(r.stderr.contains(missing), "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
        }
    }

    @Test("log cat --kind bogus: exit 2 and the message lists every valid kind")
    func unknownKind() throws {
        try withTempDirectory { tmp in
            let dir = tmp + "/world"
            _ = try runDemo(dir)
            for kinds in ["bogus", "candle,bogus"] {
                let r = try CLI.run(["log", "cat", dir, "--kind", kinds])
                #expect(r.exitCode == 2, "\(r)")
                #expect(r.stdout.isEmpty, "nothing is printed before the kinds are checked: \(r)")
                #expect(r.stderrLines.count == 1 && r.stderr.hasPrefix("error:"), "\(r)")
                #expect(r.stderr.contains("'bogus'"), "\(r)")
                for kind in EventKind.allCases {
                    #expect(r.stderr.contains(kind.name), "\(kind.name) missing from: \(r.stderr)")
                }
            }
            let badTime = try CLI.run(["log", "cat", dir, "--from-time", "yesterday"])
            #expect(badTime.exitCode == 2, "\(badTime)")
            #expect(badTime.stderr.hasPrefix("error: --from-time 'yesterday'"), "\(badTime)")
        }
    }

    @Test(
        "usage errors exit 64",
        arguments: [
            ["log", "cat", "/tmp", "--from-seq", "1", "--from-time", "2025-01-01"],
            ["log", "cat", "/tmp", "--limit", "-1"],
            ["log", "cat"],
            ["log", "frobnicate", "/tmp"],
            ["demo", "--days", "0"],
            ["demo", "--start", "2025-13-01"],
            ["version", "--bogus-flag"],
        ])
    func usageErrors(arguments: [String]) throws {
        let r = try CLI.run(arguments)
        #expect(r.exitCode == 64, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        #expect(!r.stderr.isEmpty, "\(r)")
    }

    @Test("--from-seq with --from-time says which options conflict")
    func conflictingStarts() throws {
        let r = try CLI.run(["log", "cat", "/tmp/isotherm-no-such-log", "--from-seq", "1", "--from-time", "2025-01-01"])
        #expect(r.exitCode == 64, "\(r)")
        #expect(r.stderr.contains("--from-seq or --from-time"), "\(r)")
    }
}
