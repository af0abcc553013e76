import Foundation
import Testing

@Suite("isotherm status")
struct StatusCommandTests {
    struct Report: Decodable {
        struct Cell: Decodable {
            var events: Int64
            var firstDay: String?
            var lastDay: String?
            var days: Int
            var daysMissing: Int
            var missingSample: [String]
            var latestEvent: String?
            var ageSeconds: Int64?
        }
        struct City: Decodable {
            var city: String
            var markets: Cell
            var candles: Cell
            var forecasts: Cell
            var observations: Cell
            var settlements: Cell
        }
        var cities: [City]
    }

    @Test("a generated world is covered day by day; a gap in settlements is counted and named")
    func coverageAndGaps() throws {
        try withTempDirectory { tmp in
            let gen = try CLI.run([
                "generate", "--out", tmp + "/world", "--start", "2025-11-20", "--days", "3", "--cities", "NY,DEN",
            ])
            try #require(gen.exitCode == 0, "\(gen)")
            let r = try CLI.run(["status", tmp + "/world", "--json", "--now", "2025-11-24T00:00:00Z"])
            try #require(r.exitCode == 0, "\(r)")
            let report = try decodeJSON(Report.self, r.stdout)
            #expect(report.cities.map(\.city) == ["NY", "DEN"])
            let ny = report.cities[0]
            #expect(ny.markets.events == 18 && ny.markets.days == 3 && ny.markets.daysMissing == 0)
            #expect(ny.markets.firstDay == "2025-11-20" && ny.markets.lastDay == "2025-11-22")
            #expect(ny.candles.days == 3 && ny.candles.daysMissing == 0 && ny.candles.events > 40_000)
            // NY's last market closes at 11:59 PM EST on the 22nd: 04:59Z on the 23rd, 19 hours before --now.
            #expect(ny.candles.latestEvent == "2025-11-23T04:59:00Z" && ny.candles.ageSeconds == 19 * 3600 + 60)
            #expect(ny.forecasts.firstDay == "2025-11-20" && ny.forecasts.lastDay == "2025-11-22")
            #expect(ny.settlements.days == 3 && ny.settlements.daysMissing == 0)
            #expect(ny.observations.daysMissing == 0)

            // Settlements for the 1st, 2nd and 5th: two days missing.
            let file = tmp + "/ncei.json"
            try #"""
            [{"DATE":"2023-07-01","STATION":"USW00094728","TMAX":"311","TMIN":"217"},
             {"DATE":"2023-07-02","STATION":"USW00094728","TMAX":"300","TMIN":"210"},
             {"DATE":"2023-07-05","STATION":"USW00094728","TMAX":"290","TMIN":"200"}]
            """#.write(toFile: file, atomically: true, encoding: .utf8)
            let imp = try CLI.run(["import", "file", "--log", tmp + "/ny", "--format", "ncei-daily", file])
            try #require(imp.exitCode == 0, "\(imp)")
            let gap = try decodeJSON(Report.self, try CLI.run(["status", tmp + "/ny", "--json"]).stdout)
            let s = try #require(gap.cities.first).settlements
            #expect(s.events == 3 && s.days == 3 && s.daysMissing == 2)
            #expect(s.missingSample == ["2023-07-03", "2023-07-04"])

            let table = try CLI.run(["status", tmp + "/ny"])
            #expect(
                table.stdoutLines.contains {
                    $0.hasPrefix("NY    settlements") && $0.contains("2023-07-01 2023-07-05        2")
                }, "\(table)")
            let none = try CLI.run(["status", tmp])
            #expect(none.exitCode == 0, "a directory of logs: \(none)")
            let empty = try CLI.run(["status", tmp + "/nothing"])
            #expect(empty.exitCode == 2 && empty.stderr.contains("nothing"), "\(empty)")
        }
    }
}
