import Foundation
import IsothermEvents
import IsothermStore
import IsothermTestSupport
import Testing

@Suite("isotherm import weather (backfill against a local server)", .serialized)
struct BackfillTests {
    /// IEM's `/json/cli.py` shape: one row per station-day.
    static func iemYear(_ year: Int, days: Int) -> String {
        let rows = (1...days).map { d in
            let day = String(format: "%04d-01-%02d", year, d)
            let next = String(format: "%04d01%02d0633", year, d + 1)
            return
                #"{"station":"KNYC","valid":"\#(day)","name":"CENTRAL PARK","high":\#(30 + d),"low":\#(20 + d),"product":"\#(next)-KOKX-CDUS41-CLINYC","precip":"T"}"#
        }
        return #"{"generated_at":"2026-08-22T07:00:00Z","results":[\#(rows.joined(separator: ","))]}"#
    }

    func settlements(_ log: String) throws -> [Settlement] {
        var out: [Settlement] = []
        try EventLogReader(directory: log).forEach { _, r in
            if case .settlement(let s) = r.event { out.append(s) }
            return true
        }
        return out
    }

    @Test("429, 5xx and a dropped connection are retried; every settlement lands once")
    func retriesThenSucceeds() throws {
        let counter = RequestCounter()
        let server = try ScriptedHTTPServer { target in
            let n = counter.next(target)
            if target.hasSuffix("year=2024") {
                return n == 1
                    ? .respond(status: 429, headers: [("Retry-After", "1")], body: [])
                    : .json(Self.iemYear(2024, days: 5))
            }
            switch n {
            case 1: return .respond(status: 503, body: Array("maintenance".utf8))
            case 2: return .drop(status: 200, body: Array(Self.iemYear(2025, days: 3).utf8), afterBytes: 40)
            default: return .respond(status: 200, body: Array(Self.iemYear(2025, days: 3).utf8), chunked: true)
            }
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let log = tmp + "/ny"
            let args = [
                "import", "weather", "--source", "iem-cli", "--city", "NY", "--from", "2024-01-01", "--to",
                "2025-01-02",
                "--log", log, "--base-url", server.baseURL, "--backoff", "0.05", "--rate", "100",
            ]
            let r = try CLI.run(args)
            try #require(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("2 pages fetched, 0 already done, 7 events appended"), "\(r)")
            #expect(
                r.stdout.contains("5 requests, 3 retries: 1 rate-limited, 1 server errors, 1 connection errors"), "\(r)"
            )
            #expect(r.stderr.contains("429 Too Many Requests; retrying in 1.0 s"), "Retry-After honoured: \(r)")
            let s = try settlements(log)
            #expect(
                s.map(\.climateDate.iso8601) == [
                    "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2025-01-01", "2025-01-02",
                ])
            #expect(s[0].high == Temperature(degrees: 31) && s[0].low == Temperature(degrees: 21) && s[0].isFinal)
            #expect(s.allSatisfy { $0.source == .iem && $0.city == Symbol("NY") })

            // Again: nothing is fetched, nothing appended.
            let again = try CLI.run(args)
            #expect(
                again.exitCode == 0 && again.stdout.contains("0 pages fetched, 2 already done, 0 events appended"),
                "\(again)")
            #expect(server.requests.count == 5)
            #expect(try settlements(log).count == 7)
        }
    }

    @Test("a malformed page stops the backfill naming the URL; the next run resumes without duplicates")
    func malformedPageThenResume() throws {
        let broken = ManagedFlag(true)
        let server = try ScriptedHTTPServer { target in
            if target.hasSuffix("year=2025") && broken.value {
                return .json(#"{"results":[{"station":"KNYC","valid":"2025-01-01","high":"8O"}]}"#)
            }
            return .json(Self.iemYear(target.hasSuffix("year=2024") ? 2024 : 2025, days: 4))
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let log = tmp + "/ny"
            let args = [
                "import", "weather", "--source", "iem-cli", "--city", "NY", "--from", "2024-01-01", "--to",
                "2025-12-31",
                "--log", log, "--base-url", server.baseURL, "--rate", "100",
            ]
            let first = try CLI.run(args)
            #expect(first.exitCode == 2, "\(first)")
            #expect(first.stderr.contains("year=2025: the response cannot be read"), "\(first)")
            #expect(first.stderr.contains(#"results[0].high: expected whole °F or "M""#), "\(first)")
            #expect(try settlements(log).count == 4, "the 2024 page is kept")

            broken.value = false
            let second = try CLI.run(args)
            #expect(
                second.exitCode == 0 && second.stdout.contains("1 pages fetched, 1 already done, 4 events appended"),
                "\(second)")
            #expect(try settlements(log).map(\.climateDate.iso8601).count == 8)
            #expect(
                server.requests.filter { $0.hasSuffix("year=2024") }.count == 1,
                "the finished page is not fetched again")
        }
    }

    @Test("Visual Crossing needs a key from the environment and never logs it")
    func visualCrossingKey() throws {
        try withTempDirectory { tmp in
            let r = try CLI.run([
                "import", "weather", "--source", "vc", "--city", "CHI", "--from", "2025-07-01", "--to", "2025-07-01",
                "--log", tmp + "/chi", "--base-url", "http://127.0.0.1:9",
            ])
            #expect(r.exitCode == 2 && r.stderr.contains("set VISUAL_CROSSING_API_KEY"), "\(r)")
        }
    }
}

/// A flag a test flips while the server thread reads it.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag: Bool
    init(_ value: Bool) { flag = value }
    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}
