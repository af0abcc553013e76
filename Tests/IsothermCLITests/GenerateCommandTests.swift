import Foundation
import Testing

@Suite("isotherm generate")
struct GenerateCommandTests {
    struct Summary: Decodable {
        struct City: Decodable {
            var city: String
            var log: String
            var events: Int64
            var kinds: [String: Int64]
        }
        var events: Int64
        var cities: [City]
    }

    /// Every file of a log directory, by name, with its bytes.
    func files(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir)
        where !name.hasPrefix(".") && name != "LOCK" && name != "content.sha256" {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
        }
        return out
    }

    @Test("the same seed writes byte-identical logs in separate processes; another seed does not")
    func sameSeedSameBytes() throws {
        try withTempDirectory { tmp in
            var runs: [Summary] = []
            for (name, seed) in [("a", "3"), ("b", "3"), ("c", "4")] {
                let r = try CLI.run([
                    "generate", "--out", tmp + "/" + name, "--start", "2025-07-01", "--days", "2", "--cities",
                    "NY,AUS", "--seed", seed, "--json",
                ])
                try #require(r.exitCode == 0, "\(r)")
                runs.append(try decodeJSON(Summary.self, r.stdout))
            }
            #expect(runs[0].cities.map(\.city) == ["NY", "AUS"])
            #expect(runs[0].events > 50_000)
            for city in ["NY", "AUS"] {
                let a = try files(tmp + "/a/" + city)
                let b = try files(tmp + "/b/" + city)
                let c = try files(tmp + "/c/" + city)
                #expect(!a.isEmpty && a == b, "\(city): same seed, same files and bytes")
                #expect(a != c, "\(city): another seed changes the bytes")
            }
            let ny = runs[0].cities[0]
            #expect(ny.kinds["market_listed"] == 12, "two days × six brackets")
            #expect(
                ny.kinds["observation", default: 0] == 1_152,
                "a reading every five minutes over the four UTC days around them")
            #expect(ny.kinds["daily_forecast"] == 16, "leads 0–7 for each day")
            #expect(ny.kinds["run_manifest"] == 1)

            // log verify accepts what generate wrote.
            let verify = try CLI.run(["log", "verify", tmp + "/a/NY"])
            #expect(verify.exitCode == 0, "\(verify)")
        }
    }

    @Test("bad arguments get one clear line and write nothing")
    func badArguments() throws {
        try withTempDirectory { tmp in
            let unknown = try CLI.run(["generate", "--out", tmp + "/w", "--cities", "NY,BOS"])
            #expect(unknown.exitCode == 64, "\(unknown)")
            #expect(unknown.stderr.contains("unknown city 'BOS'"), "\(unknown)")
            #expect(!FileManager.default.fileExists(atPath: tmp + "/w"))

            let backwards = try CLI.run([
                "generate", "--out", tmp + "/w", "--start", "2025-02-01", "--end", "2025-01-01",
            ])
            #expect(backwards.exitCode == 64 && backwards.stderr.contains("before --start"), "\(backwards)")

            let first = try CLI.run(["generate", "--out", tmp + "/w", "--days", "1", "--cities", "MIA"])
            try #require(first.exitCode == 0, "\(first)")
            let again = try CLI.run(["generate", "--out", tmp + "/w", "--days", "1", "--cities", "MIA"])
            #expect(again.exitCode == 2, "\(again)")
            #expect(again.stderr.contains("/w already holds files; give a new --out, or --force"), "\(again)")
        }
    }
}
