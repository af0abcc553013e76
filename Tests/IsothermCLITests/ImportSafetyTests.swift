import Foundation
import IsothermEvents
import IsothermStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `import file` imports a content exactly once, reads only regular files of a stated size, never
/// records a file it got nothing from, and every import command refuses a bad option with one line
/// and exit 64, never a trap.
@Suite("isotherm import: exactly once per content, files and options checked")
struct ImportSafetyTests {
    static let samples = ImportCommandTests.samples

    func records(_ dir: String) throws -> [EventRecord] {
        var out: [EventRecord] = []
        try EventLogReader(directory: dir).forEach { _, r in
            out.append(r)
            return true
        }
        return out
    }

    @Test("the same file twice in one command, or a copy of it, is imported once and the others say so")
    func sameContentOnce() throws {
        try withTempDirectory { tmp in
            let log = tmp + "/log"
            let nyc = Self.samples + "/nws-cli/CLINYC.txt"
            let copy = tmp + "/copy-of-CLINYC.txt"
            try FileManager.default.copyItem(atPath: nyc, toPath: copy)
            let r = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", nyc, nyc, copy])
            try #require(r.exitCode == 0, "\(r)")
            #expect(
                r.stdoutLines == [
                    "\(nyc): 1 events, 1 appended", "\(nyc): 1 events, 0 appended (skipped: same content as \(nyc))",
                    "\(copy): 1 events, 0 appended (skipped: same content as \(nyc))",
                ], "\(r)")
            #expect(try records(log).count == 3, "one settlement between two manifests")
            let again = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", copy, "--json"])
            #expect(again.exitCode == 0 && again.stdout.contains(#""appended":0,"note":"already imported"#), "\(again)")
            #expect(try records(log).count == 3)
        }
    }

    @Test("a FIFO, a directory and a file over the limit are refused before anything is read or written")
    func onlyRegularFiles() throws {
        try withTempDirectory { tmp in
            let log = tmp + "/log"
            let fifo = tmp + "/fifo.txt"
            try #require(mkfifo(fifo, 0o600) == 0)
            let r = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", fifo])
            #expect(r.exitCode == 2 && r.stderr.contains("\(fifo): a FIFO (named pipe), not a regular file"), "\(r)")
            let dir = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", tmp])
            #expect(dir.exitCode == 2 && dir.stderr.contains("a directory, not a regular file"), "\(dir)")
            let big = tmp + "/big.csv"
            try #require(FileManager.default.createFile(atPath: big, contents: nil))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
            try handle.truncate(atOffset: 129 << 20)  // sparse: nothing is written
            try handle.close()
            let large = try CLI.run(["import", "file", "--log", log, "--format", "iem-asos", big])
            #expect(
                large.exitCode == 2 && large.stderr.contains("more than the 128 MiB a file may hold"), "\(large)")
            #expect(!FileManager.default.fileExists(atPath: log), "nothing written")
        }
    }

    @Test("an IEM CSV with CRLF line ends imports its rows; a file with no events is not recorded as imported")
    func crlfAndEmpty() throws {
        try withTempDirectory { tmp in
            let log = tmp + "/log"
            let sample = try String(
                contentsOfFile: Self.samples + "/iem/iem_asos1min_MIA_2021-06-15T12Z_10min.csv", encoding: .utf8)
            let crlf = tmp + "/crlf.csv"
            try sample.replacingOccurrences(of: "\n", with: "\r\n").write(
                toFile: crlf, atomically: true, encoding: .utf8)
            let r = try CLI.run(["import", "file", "--log", log, "--format", "iem-asos", crlf])
            #expect(r.exitCode == 0 && r.stdout == "\(crlf): 10 events, 10 appended\n", "\(r)")

            // A morning report without its maximum settles nothing: reported, not recorded.
            let nyc = try String(contentsOfFile: Self.samples + "/nws-cli/CLINYC.txt", encoding: .utf8)
            let morning = tmp + "/morning.txt"
            try nyc.replacingOccurrences(of: "  MAXIMUM         33    301 PM", with: "  MAXIMUM         MM")
                .write(toFile: morning, atomically: true, encoding: .utf8)
            let before = try records(log).count
            for _ in 0..<2 {
                let e = try CLI.run(["import", "file", "--log", log, "--format", "nws-cli", morning])
                #expect(
                    e.exitCode == 0 && e.stdout.contains("0 events, 0 appended (no events in it; not recorded)"), "\(e)"
                )
            }
            #expect(try records(log).count == before, "no manifest: a later reader may still import it")

            // Rows, none with a temperature: an error, not an empty import.
            let blank = tmp + "/blank.csv"
            try "station,valid,tmpf\nNYC,2026-09-01 00:51,M\n".write(toFile: blank, atomically: true, encoding: .utf8)
            let b = try CLI.run(["import", "file", "--log", log, "--format", "iem-asos", blank])
            #expect(b.exitCode == 2 && b.stderr.contains("none of the 1 rows has a temperature"), "\(b)")
        }
    }

    static let backfill = ["--from", "2024-01-01", "--to", "2024-01-02", "--base-url", "http://127.0.0.1:9"]

    @Test(
        "bad options: one line, exit 64, no request and no trap",
        arguments: [
            ["weather", "--source", "iem-cli", "--city", "NY", "--rate", "0"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--rate", "-1"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--rate", "nan"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--rate", "inf"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--rate", "1e-400"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--attempts", "0"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--attempts", "99999999999999999999"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--backoff", "-1"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--backoff", "1e308"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--base-url", "ftp://x"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--base-url", "http://h/p?key=1"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--from", "9999-01-01", "--to", "9999-01-02"],
            ["weather", "--source", "iem-cli", "--city", "NY", "--from", "0001-01-01"],
            ["weather", "--source", "vc", "--city", "NY", "--lead", "-1"],
            ["weather", "--source", "vc", "--city", "NY", "--lead", "99999999999999999999"],
            ["weather", "--source", "iem-cli", "--city", "XX"],
            ["kalshi", "--series", "KXHIGHNY", "--rate", "0"],
            ["kalshi", "--series", "KXHIGHNY", "--max-candles", "0"],
            ["kalshi", "--series", "KXHIGHNY", "--period", "-1"],
            ["kalshi", "--series", "KXHIGHNY", "--period", "70000"],
            ["kalshi", "--series", "", "--attempts", "1"],
        ])
    func badBackfillOptions(_ args: [String]) throws {
        try withTempDirectory { tmp in
            var a = ["import"] + args + ["--log", tmp + "/x"]
            for (k, option) in Self.backfill.enumerated() where k % 2 == 0 && !a.contains(option) {
                a += [option, Self.backfill[k + 1]]
            }
            let r = try CLI.run(a)
            #expect(r.exitCode == 64, "\(r)")
            #expect(r.stderr.contains("Error:") && !r.stderr.contains("Fatal"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: tmp + "/x"), "nothing written")
        }
    }

    @Test(
        "bad options of import file, import postgres and project postgres: one line, exit 64",
        arguments: [
            ["import", "file", "--log", "", "--format", "nws-cli", "f"],
            ["import", "file", "--log", "L", "--format", "nws-cli", ""],
            ["import", "file", "--log", "L", "--format", "nws-cli", "--city", "Atlantis", "f"],
            ["import", "file", "--log", "L", "--format", "vc-timeline", "--city", "NY", "--units", "kelvin", "f"],
            ["import", "file", "--log", "L", "--format", "nws-cli", "--units", "metric", "f"],
            [
                "import", "file", "--log", "L", "--format", "vc-timeline", "--city", "NY", "--basis-date", "9999-01-01",
                "f",
            ],
            ["import", "file", "--log", "L", "--format", "vc-timeline", "--city", "NY", "--station", "", "f"],
            ["import", "postgres", "--log", ""], ["import", "postgres", "--log", "L", "--tables", "nope"],
            ["project", "postgres", "--log", ""], ["project", "postgres", "--world", ""],
            ["project", "postgres", "--log", "L", "--tables", ","],
        ])
    func badOtherOptions(_ args: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.exitCode == 64, "\(r)")
        #expect(r.stderr.contains("Error:"), "\(r)")
    }
}
