import Foundation
import IsothermEvents
import Testing

@Suite("isotherm --help and version")
struct HelpAndVersionTests {
    @Test("--help teaches where to start, lists every subcommand, and exits 0")
    func help() throws {
        let r = try CLI.run(["--help"])
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdout.contains("isotherm backtest --world world"), "\(r)")
        #expect(r.stdout.contains("log inspect|cat|verify|sort"), "\(r)")
        #expect(r.stdout.contains("USAGE: isotherm"), "\(r)")
        // Every line of the start-here list fits an 80-column terminal without wrapping.
        #expect(r.stdoutLines.allSatisfy { $0.count <= 80 }, "\(r)")
        for sub in ["generate", "backtest", "audit", "import", "status", "project", "log", "demo", "version"] {
            #expect(r.stdout.contains("\n  \(sub) "), "subcommand \(sub) not listed: \(r.stdout)")
        }
    }

    @Test("log cat --help lists every event kind")
    func catHelpListsKinds() throws {
        let r = try CLI.run(["log", "cat", "--help"])
        #expect(r.exitCode == 0, "\(r)")
        // Help text is re-wrapped to the terminal width, so compare without line breaks.
        let flat = r.stdout.replacingOccurrences(of: "\n", with: " ")
        for kind in EventKind.allCases { #expect(flat.contains(kind.name), "\(kind.name)") }
    }

    @Test("version --json reports event schema version 1, matching the text form and --version")
    func version() throws {
        let json = try CLI.run(["version", "--json"])
        #expect(json.exitCode == 0, "\(json)")
        #expect(json.stdout.contains("\"event_schema_version\":1"), "\(json)")
        #expect(Int(eventSchemaVersion) == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let engine = try #require(object["engine_version"] as? String)
        #expect(object["log_format_version"] as? Int == 1)

        let text = try CLI.run(["version"])
        #expect(text.exitCode == 0)
        #expect(text.stdoutLines.first == "isotherm \(engine)", "\(text)")
        #expect(text.stdout.contains("event schema version  1"), "\(text)")

        let flag = try CLI.run(["--version"])
        #expect(flag.exitCode == 0)
        #expect(flag.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == engine, "\(flag)")
    }
}
