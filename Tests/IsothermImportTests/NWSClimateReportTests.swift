import Foundation
import IsothermEvents
import IsothermImport
import Testing

@Suite("NWS CLI reports")
struct NWSClimateReportTests {
    /// What a person reading each sample writes down: the climate day from the headline, the
    /// observed maximum and minimum with their times as printed (nil = not reported or `MM`),
    /// final (`YESTERDAY`, no `VALID … AS OF` line) or preliminary, and correction.
    struct Row: Sendable {
        var file: String
        var date: String
        var max: Int?
        var maxTime: String
        var min: Int?
        var minTime: String
        var final: Bool
        var correction: Bool

        init(
            _ file: String, _ date: String, _ max: Int?, _ maxTime: String, _ min: Int?, _ minTime: String,
            final: Bool, correction: Bool
        ) {
            self.file = file
            self.date = date
            self.max = max
            self.maxTime = maxTime
            self.min = min
            self.minTime = minTime
            self.final = final
            self.correction = correction
        }
    }

    static let rows: [Row] = [
        Row("CLIABY.txt", "2014-09-29", 79, "418 PM", 72, "1041 AM", final: true, correction: false),
        Row("CLIACT.txt", "2014-12-15", 69, "328 PM", 52, "804 AM", final: false, correction: false),
        Row("CLIALO.txt", "2014-01-03", 19, "456 PM", -21, "355 AM", final: false, correction: false),
        Row("CLIANC.txt", "2017-03-14", 23, "330 PM", 12, "1159 PM", final: true, correction: false),
        Row("CLIANN.txt", "2015-03-02", 53, "0151 PM", 33, "1149 PM", final: true, correction: false),
        Row("CLIBET.txt", "2014-01-01", 17, "1159 PM", 11, "0922 AM", final: true, correction: false),
        Row("CLIBGR.txt", "2014-11-02", 35, "324 AM", 31, "815 PM", final: true, correction: false),
        Row("CLIBNA.txt", "2015-10-19", 47, "", 34, "", final: false, correction: false),
        Row("CLIBOI.txt", "2014-12-29", 28, "148 AM", 23, "701 AM", final: false, correction: false),
        Row("CLICKV.txt", "2014-12-29", 39, "344 PM", 33, "1159 PM", final: true, correction: false),
        Row("CLICVG.txt", "2020-04-22", 69, "357 PM", 35, "511 AM", final: true, correction: false),
        Row("CLICVG_2007.txt", "2007-06-30", 82, "403 PM", 67, "727 AM", final: true, correction: false),
        Row("CLICVG_colon.txt", "2021-02-04", 39, "11:29 PM", 22, "12:43 AM", final: true, correction: false),
        Row("CLICVG_newer.txt", "2020-04-22", 70, "357 PM", 35, "511 AM", final: true, correction: false),
        Row("CLICVG_older.txt", "2020-04-22", 68, "357 PM", 35, "511 AM", final: true, correction: false),
        Row("CLICVG_tab.txt", "2013-05-09", 81, "202 PM", 57, "523 AM", final: true, correction: false),
        Row("CLIDCA.txt", "2026-06-28", 76, "6:27 PM", 72, "8:46 AM", final: true, correction: false),
        Row("CLIDMH.txt", "2019-05-09", 74, "326 PM", 61, "540 AM", final: true, correction: false),
        Row("CLIDRT.txt", "2014-12-29", 42, "1232 AM", 37, "648 AM", final: false, correction: false),
        Row("CLIDSM.txt", "2013-08-01", 89, "309 PM", 63, "545 AM", final: true, correction: false),
        Row("CLIDSM2.txt", "2014-10-12", 56, "1204 PM", 43, "322 AM", final: false, correction: false),
        Row("CLIEAR.txt", "2014-11-13", 25, "255 PM", 5, "555 PM", final: false, correction: false),
        Row("CLIECP.txt", "2014-12-29", 70, "151 AM", 62, "857 AM", final: false, correction: false),
        Row("CLIEKA.txt", "2014-12-28", 55, "", 42, "", final: true, correction: false),
        Row("CLIEST.txt", "2014-10-12", 62, "246 PM", 33, "221 AM", final: true, correction: false),
        Row("CLIEWN.txt", "2014-09-28", 83, "213 PM", 62, "617 AM", final: true, correction: true),
        Row("CLIFFC.txt", "2014-10-03", 79, "226 PM", 67, "106 AM", final: false, correction: false),
        Row("CLIFMY.txt", "2014-12-29", nil, "", 63, "454 AM", final: false, correction: false),
        Row("CLIHOU.txt", "2014-11-30", 80, "233 PM", 61, "1158 PM", final: true, correction: false),
        Row("CLIICT.txt", "2014-12-29", nil, "", 22, "", final: false, correction: false),
        Row("CLIJNU.txt", "2013-06-30", 75, "259 PM", 52, "431 AM", final: false, correction: false),
        Row("CLILWD.txt", "2017-05-29", 76, "356 PM", 55, "1159 PM", final: true, correction: false),
        Row("CLIMAI.txt", "2014-12-29", 69, "", 61, "", final: false, correction: false),
        Row("CLIMBS.txt", "2014-12-29", 29, "423 PM", 18, "1126 PM", final: true, correction: false),
        Row("CLIMSO.txt", "2014-12-29", nil, "", 12, "", final: false, correction: false),
        Row("CLIMSO_2.txt", "2015-01-09", nil, "", 16, "", final: false, correction: false),
        Row("CLIMUO.txt", "2021-06-23", 92, "", 58, "", final: true, correction: false),
        Row("CLIMYV.txt", "2022-11-12", 60, "", 41, "", final: true, correction: false),
        Row("CLINYC.txt", "2013-01-02", 33, "301 PM", 22, "743 AM", final: true, correction: false),
        Row("CLIOLF.txt", "2014-12-29", 1, "", -6, "", final: false, correction: false),
        Row("CLIOME.txt", "2014-10-23", 33, "0714 PM", 19, "1149 PM", final: true, correction: false),
        Row("CLIOME_2.txt", "2006-11-08", 29, "0432 PM", 19, "0420 AM", final: true, correction: false),
        Row("CLIPPG.txt", "2020-12-28", 89, "150 PM", 77, "550 AM", final: false, correction: false),
        Row("CLIPPG2.txt", "2021-06-23", 86, "1150 AM", 78, "250 AM", final: false, correction: false),
        Row("CLIPPG3.txt", "2022-02-06", 89, "0150 PM", 82, "1250 AM", final: false, correction: false),
        Row("CLIPPG4.txt", "2023-03-30", 86, "1150 AM", 77, "0650 AM", final: true, correction: false),
        Row("CLIRDU.txt", "2021-03-19", 57, "221 AM", 37, "1100 PM", final: true, correction: false),
        Row("CLIRDU_v2.txt", "2021-03-20", 57, "300 PM", 31, "651 AM", final: true, correction: true),
        Row("CLISAD.txt", "2021-08-06", nil, "", 76, "615 AM", final: false, correction: false),
        Row("CLISEW.txt", "2014-12-29", 44, "", 34, "", final: true, correction: false),
        Row("CLITCS.txt", "2014-12-29", 60, "424 PM", 22, "450 AM", final: true, correction: false),
    ]

    @Test("every CLI sample reads as a person reads it", arguments: rows)
    func sample(_ row: Row) throws {
        let reports = try NWSClimateReportParser.parse(try SampleFiles.text("nws-cli/" + row.file), source: row.file)
        #expect(reports.count == (["CLIANC.txt": 6, "CLIHOU.txt": 2][row.file] ?? 1))
        let r = try #require(reports.first)
        #expect(r.pil == "CLI" + row.file.dropFirst(3).prefix(3))
        #expect(r.climateDate == LocalDate(iso8601: row.date))
        #expect(r.maximum?.fahrenheit == row.max)
        #expect((r.maximum?.time ?? "") == row.maxTime)
        #expect(r.minimum?.fahrenheit == row.min)
        #expect((r.minimum?.time ?? "") == row.minTime)
        #expect(r.isFinal == row.final)
        #expect(r.isCorrection == row.correction)
    }

    @Test("every sample is covered by the table")
    func tableCoversEverySample() throws {
        let files = try SampleFiles.names(in: "nws-cli").filter { $0.hasPrefix("CLI") }
        #expect(files == Self.rows.map(\.file))
    }

    @Test("Central Park: issuance instant, flags, and the settlement event")
    func centralPark() throws {
        let r = try #require(
            try NWSClimateReportParser.parse(try SampleFiles.text("nws-cli/CLINYC.txt"), source: "x").first)
        #expect(r.wmoHeading == "CDUS41 KOKX 030616")
        #expect(r.issuedText == "116 AM EST THU JAN 3 2013")
        #expect(r.issuedAt == Timestamp(seconds: 1_357_193_760))  // 2013-01-03T06:16:00Z
        #expect(r.stationName == "CENTRAL PARK NY")
        #expect(r.site == "NYC")
        #expect(r.maximum?.minuteOfDay == 15 * 60 + 1)
        let s = try #require(r.settlement(city: Symbol("NY")!))
        #expect(s.high == Temperature(degrees: 33))
        #expect(s.low == Temperature(degrees: 22))
        #expect(s.climateDate == LocalDate(year: 2013, month: 1, day: 2))
        #expect(s.isFinal && !s.isCorrection && s.source == .nwsCLI)
        #expect(s.issuedAt == r.issuedAt)
    }

    @Test("record and estimated flags, colon times, tabs")
    func flagsAndLayouts() throws {
        func first(_ file: String) throws -> NWSClimateReport {
            try #require(try NWSClimateReportParser.parse(try SampleFiles.text("nws-cli/" + file), source: file).first)
        }
        #expect(try first("CLIANN.txt").maximum == .init(fahrenheit: 53, isRecord: true, time: "0151 PM"))
        #expect(try first("CLIALO.txt").minimum?.isRecord == true)
        #expect(try first("CLIRDU.txt").maximum?.isEstimated == true)
        #expect(try first("CLICVG_colon.txt").minimum?.minuteOfDay == 43)
        #expect(try first("CLICVG_tab.txt").maximum?.fahrenheit == 81)
        #expect(try first("CLIFMY.txt").maximum == nil)  // a 7 AM report: only the minimum so far
        #expect(try first("CLIFMY.txt").settlement(city: Symbol("FMY")!) == nil)
    }

    @Test("several stations in one product: each its own report, sharing the heading")
    func severalStations() throws {
        let houston = try NWSClimateReportParser.parse(try SampleFiles.text("nws-cli/CLIHOU.txt"), source: "CLIHOU.txt")
        #expect(houston.map(\.stationName) == ["HOUSTON INTERCONTINENTAL", "HOUSTON/HOBBY AIRPORT"])
        #expect(houston.map { $0.maximum?.fahrenheit } == [80, 79])
        #expect(houston.map { $0.minimum?.fahrenheit } == [61, 62])
        #expect(houston[1].maximum?.time == "200 PM")
        #expect(houston[1].issuedAt == houston[0].issuedAt && houston[1].pil == "CLIHOU")
        let anchorage = try NWSClimateReportParser.parse(
            try SampleFiles.text("nws-cli/CLIANC.txt"), source: "CLIANC.txt")
        #expect(
            anchorage.map(\.stationName) == [
                "ANCHORAGE AK", "KING SALMON", "KODIAK", "BETHEL", "SAINT PAUL ISLAND", "COLD BAY",
            ])
        #expect(anchorage.map { $0.maximum?.fahrenheit } == [23, 22, 31, 10, 29, 33])
        #expect(anchorage.map { $0.minimum?.fahrenheit } == [12, 9, 22, -3, 21, 23])
        #expect(anchorage.allSatisfy { $0.climateDate == LocalDate(year: 2017, month: 3, day: 14) && $0.isFinal })
    }

    @Test("CRLF line ends read the same as LF")
    func crlf() throws {
        let text = try SampleFiles.text("nws-cli/CLINYC.txt")
        let crlf = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        #expect(
            try NWSClimateReportParser.parse(crlf, source: "crlf") == NWSClimateReportParser.parse(text, source: "lf"))
    }

    @Test("unreadable input: one error naming the file, line and field")
    func errors() throws {
        #expect(
            throws: ImportError(
                "notes.txt", field: "headline", "no \"...THE <STATION> CLIMATE SUMMARY FOR <DATE>...\" line")
        ) {
            try NWSClimateReportParser.parse("hello\nworld\n", source: "notes.txt")
        }
        let text = try SampleFiles.text("nws-cli/CLINYC.txt")
        let badValue = text.replacingFirst("  MAXIMUM         33", with: "  MAXIMUM         3X")
        let error = #expect(throws: ImportError.self) {
            try NWSClimateReportParser.parse(badValue, source: "CLINYC.txt")
        }
        #expect(error?.description == "CLINYC.txt:25: MAXIMUM: observed value \"3X\" is not whole °F")
        let badDate = text.replacingFirst("JANUARY 2 2013", with: "JANUARY 32 2013")
        let dateError = #expect(throws: ImportError.self) {
            try NWSClimateReportParser.parse(badDate, source: "CLINYC.txt")
        }
        #expect(dateError?.line == 13)
        #expect(dateError?.field == "headline")
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}
