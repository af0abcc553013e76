import Foundation
import IsothermEvents
import Testing

@testable import IsothermImport

/// Every parser checks the structure it relies on and refuses, with one error naming the file, line
/// and field, what it cannot read: a file cut short, a date that cannot be, a value out of range, a
/// report given twice with different values. None of them turns damage into a settlement.
@Suite("parsers refuse what they cannot read")
struct ParserHardeningTests {
    /// What a report settles: the values a cut or a repeat must never change.
    struct Settled: Equatable, CustomStringConvertible {
        var pil: String
        var station: String
        var date: LocalDate
        var high: Int?
        var low: Int?
        var isFinal: Bool
        var isCorrection: Bool

        init(_ r: NWSClimateReport) {
            pil = r.pil
            station = r.stationName
            date = r.climateDate
            high = r.maximum?.fahrenheit
            low = r.minimum?.fahrenheit
            isFinal = r.isFinal
            isCorrection = r.isCorrection
        }

        var description: String {
            "\(pil) \(station) \(date) \(high.map(String.init) ?? "MM")/\(low.map(String.init) ?? "MM")"
        }
    }

    static let nyc = "nws-cli/CLINYC.txt"

    // MARK: - NWS CLI

    @Test("a CLI report cut anywhere from its headline to past its temperature section is refused, never misread")
    func cliCutAnywhere() throws {
        for file in ["CLINYC.txt", "CLICVG_colon.txt", "CLIHOU.txt", "CLIPPG3.txt", "CLIFMY.txt", "CLIRDU_v2.txt"] {
            let bytes = Array(try SampleFiles.text("nws-cli/" + file).utf8)
            let whole = try NWSClimateReportParser.parse(String(decoding: bytes, as: UTF8.self), source: file).map(
                Settled.init)
            let text = String(decoding: bytes, as: UTF8.self)
            func offsets(_ word: String) -> [Int] {
                text.utf8.ranges(of: Array(word.utf8)).map {
                    text.utf8.distance(from: text.utf8.startIndex, to: $0.lowerBound)
                }
            }
            // Every byte of each headline and each temperature section (to 40 bytes into the section after
            // it), every 41st byte elsewhere.
            var every = Set<Int>()
            for h in offsets("...THE ") { every.formUnion(h..<min(bytes.count, h + 90)) }
            let sectionEnds = offsets("PRECIPITATION")
            for t in offsets("\nTEMPERATURE") {
                let end = sectionEnds.first { $0 > t } ?? bytes.count
                every.formUnion(t..<min(bytes.count, end + 40))
            }
            let cuts = every.union(stride(from: 0, to: bytes.count, by: 41)).sorted()
            var refused = 0
            var misread: [String] = []
            for cut in cuts {
                let prefix = String(decoding: bytes[..<cut], as: UTF8.self)
                guard let got = try? NWSClimateReportParser.parse(prefix, source: file) else {
                    refused += 1
                    continue
                }
                for r in got.map(Settled.init) where !whole.contains(r) { misread.append("cut at \(cut): \(r)") }
            }
            #expect(misread.isEmpty, "\(file): \(misread.prefix(5))")
            #expect(refused > 100, "\(file): the cuts inside the temperature section are refused (\(refused))")
        }
    }

    @Test("MAXIMUM 33 cut to MAXIMUM 3: refused, naming the temperature section")
    func cliCutMidNumber() throws {
        let text = try SampleFiles.text(Self.nyc)
        let cut = String(text[..<text.range(of: "  MAXIMUM         3")!.upperBound])
        let error = #expect(throws: ImportError.self) { try NWSClimateReportParser.parse(cut, source: "CLINYC.txt") }
        #expect(error?.field == "TEMPERATURE" && error?.line == 25, "\(String(describing: error))")
        #expect(error?.message.contains("cut short") == true)
        // The same cut with another product after it: the next product's heading shows the first is cut.
        let pasted = cut + "\n" + text
        let next = #expect(throws: ImportError.self) { try NWSClimateReportParser.parse(pasted, source: "x.txt") }
        #expect(next?.field == "$$" && next?.line == 27, "\(String(describing: next))")
    }

    @Test("a headline year 9999 (or any day the issue time cannot report on) is refused")
    func cliDateAgainstIssueTime() throws {
        let dsm = try SampleFiles.text("nws-cli/CLIDSM.txt")
        #expect(dsm.contains("AUGUST 1 2013"))
        for (from, to) in [
            ("AUGUST 1 2013", "AUGUST 1 9999"), ("AUGUST 1 2013", "AUGUST 3 2013"),
            ("AUGUST 1 2013", "JULY 20 2013"), ("AUGUST 1 2013", "AUGUST 1 99999999999999999999"),
        ] {
            let error = #expect(throws: ImportError.self, "\(to)") {
                try NWSClimateReportParser.parse(dsm.replacingFirst(from, with: to), source: "CLIDSM.txt")
            }
            #expect(error?.field == "headline", "\(to): \(String(describing: error))")
        }
        // The issue day itself and the days just before it are fine.
        let r = try NWSClimateReportParser.parse(dsm.replacingFirst("AUGUST 1 2013", with: "JULY 27 2013"), source: "x")
        #expect(r.first?.climateDate == LocalDate(iso8601: "2013-07-27"))
        // No issuance line: the product is not whole.
        let issued = try #require(
            dsm.split(separator: "\n").first { NWSClimateReportParser.looksLikeIssuance(String($0)) })
        let noIssue = #expect(throws: ImportError.self) {
            try NWSClimateReportParser.parse(dsm.replacingFirst(String(issued), with: ""), source: "CLIDSM.txt")
        }
        #expect(noIssue?.field == "issuance", "\(String(describing: noIssue))")
    }

    @Test("values outside −80…140 °F, a maximum below the minimum, a time that is no time: refused")
    func cliRanges() throws {
        let text = try SampleFiles.text(Self.nyc)
        for (from, to, field) in [
            ("  MAXIMUM         33", "  MAXIMUM        333", "MAXIMUM"),
            ("  MINIMUM         22", "  MINIMUM        -99", "MINIMUM"),
            ("  MAXIMUM         33", "  MAXIMUM          3", "MAXIMUM"),
            ("33    301 PM", "33    361 PM", "MAXIMUM"),
        ] {
            let error = #expect(throws: ImportError.self, "\(to)") {
                try NWSClimateReportParser.parse(text.replacingFirst(from, with: to), source: "CLINYC.txt")
            }
            #expect(error?.field == field && error?.line != nil, "\(to): \(String(describing: error))")
        }
    }

    @Test("the same report twice in one file settles once; two finals that disagree are an error")
    func cliRepeatedReport() throws {
        let text = try SampleFiles.text(Self.nyc)
        let twice = try NWSClimateReportParser.parse(text + text, source: "twice.txt")
        #expect(twice.count == 1)
        let settlements = try ImportFormat.nwsCLI.parse(Array((text + text).utf8), source: "t", options: .init())
        #expect(settlements.count == 1)
        let other = text.replacingFirst("  MAXIMUM         33", with: "  MAXIMUM         34")
        let error = #expect(throws: ImportError.self) {
            try NWSClimateReportParser.parse(text + other, source: "t.txt")
        }
        #expect(
            error?.field == "headline" && error?.message.contains("disagrees") == true, "\(String(describing: error))")
        // A final and its correction are two reports.
        let corrected = other.replacingFirst("CDUS41 KOKX 030616", with: "CDUS41 KOKX 030616 CCA")
        #expect(try NWSClimateReportParser.parse(text + corrected, source: "t").map(\.isCorrection) == [false, true])
    }

    // MARK: - CF6

    @Test("a CF6 form cut inside its table, days out of order, values out of range: refused")
    func cf6() throws {
        let file = "nws-cli/nws_CF6DSM_2020-02_partial_pyIEM.txt"
        let text = try SampleFiles.text(file)
        let cut = String(text[..<text.range(of: "22  53  2")!.upperBound])
        let error = #expect(throws: ImportError.self) { try NWSCF6Parser.parse(cut, source: "CF6DSM.txt") }
        #expect(error?.field == "daily table" && error?.message.contains("cut short") == true)
        for (from, to, field) in [
            (" 3  36  29", " 1  36  29", "DY"), (" 3  36  29", " 3 336  29", "MAX"),
            (" 3  36  29", " 3  26  29", "MAX"),
            ("YEAR:      2020", "YEAR:      99999999999999999999", "YEAR"),
        ] {
            let e = #expect(throws: ImportError.self, "\(to)") {
                try NWSCF6Parser.parse(text.replacingFirst(from, with: to), source: "CF6DSM.txt")
            }
            #expect(e?.field == field, "\(to): \(String(describing: e))")
        }
    }

    // MARK: - IEM ASOS CSV

    static let csv = "station,valid,tmpf,dwpf\nNYC,2026-09-01 00:51,71.00,60.10\nNYC,2026-09-01 01:51,70.00,60.00\n"

    @Test("CRLF line ends read the same as LF")
    func csvCRLF() throws {
        let lf = try IEMASOSImporter.parse(Array(Self.csv.utf8), source: "lf.csv")
        let crlf = try IEMASOSImporter.parse(
            Array(Self.csv.replacingOccurrences(of: "\n", with: "\r\n").utf8), source: "crlf.csv")
        #expect(lf.count == 2)
        #expect(crlf == lf)
        let sample = try SampleFiles.text("iem/iem_asos1min_MIA_2021-06-15T12Z_10min.csv")
        #expect(
            try IEMASOSImporter.parse(Array(sample.replacingOccurrences(of: "\n", with: "\r\n").utf8), source: "s")
                == IEMASOSImporter.parse(Array(sample.utf8), source: "s"))
    }

    @Test("times out of range, a last row cut mid-number, values out of range, rows without a temperature: refused")
    func csvRefusals() throws {
        for (text, line, field) in [
            (Self.csv.replacingFirst("00:51", with: "12:-459"), 2, "valid"),
            (Self.csv.replacingFirst("00:51", with: "24:00"), 2, "valid"),
            (Self.csv.replacingFirst("00:51", with: "0:5"), 2, "valid"),
            (Self.csv.replacingFirst("2026-09-01 00:51", with: "9999-09-01 00:51"), 2, "valid"),
            (Self.csv.replacingFirst("71.00", with: "171.00"), 2, "tmpf"),
            (Self.csv.replacingFirst("60.10", with: "-99"), 2, "dwpf"),
            (String(Self.csv.dropLast(11)), 3, "row"),  // "70.00,60.00\n" → "7"
            ("station,valid,tmpf\nNYC,2026-09-01 00:51,M\nNYC,2026-09-01 01:51,\n", nil, "tmpf"),
        ] as [(String, Int?, String)] {
            let error = #expect(throws: ImportError.self, "\(text)") {
                try IEMASOSImporter.parse(Array(text.utf8), source: "t.csv")
            }
            #expect(error?.line == line && error?.field == field, "\(text): \(String(describing: error))")
        }
        // Seconds are read, not dropped.
        let seconds = try IEMASOSImporter.parse(
            Array("station,valid,tmpf\nNYC,2026-09-01 00:51:30,71\n".utf8), source: "t.csv")
        #expect(seconds.first?.time == Timestamp(rfc3339: "2026-09-01T00:51:30Z"))
    }

    @Test("an IEM CSV cut anywhere is refused or gives the first rows unchanged")
    func csvCutAnywhere() throws {
        let bytes = Array(try SampleFiles.text("iem/iem_asos1min_MIA_2021-06-15T12Z_10min.csv").utf8)
        let whole = try IEMASOSImporter.parse(bytes, source: "t.csv")
        for cut in 0..<bytes.count {
            guard let got = try? IEMASOSImporter.parse(Array(bytes[..<cut]), source: "t.csv") else { continue }
            #expect(Array(whole.prefix(got.count)) == got, "cut at \(cut)")
            #expect(cut == 0 || bytes[cut - 1] == 0x0A, "only a cut at a line end reads (cut at \(cut))")
        }
    }

    // MARK: - JSON formats

    @Test("JSON formats: dates outside the years, epochs that would overflow, values out of range, repeats")
    func jsonRanges() throws {
        func iem(_ row: String) throws -> [IEMClimateDay] {
            try IEMClimateImporter.parse(Array(#"{"results":[\#(row)]}"#.utf8), source: "cli.json")
        }
        let good =
            #"{"station":"KNYC","valid":"2024-01-01","high":31,"low":21,"product":"202401020617-KOKX-CDUS41-CLINYC"}"#
        #expect(try iem(good).count == 1)
        #expect(try iem(good + "," + good).count == 1, "the same station-day twice is one day")
        for (row, field) in [
            (good.replacingFirst("\"high\":31", with: "\"high\":310"), "results[0].high"),
            (good.replacingFirst("\"high\":31", with: "\"high\":11"), "results[0].high"),
            (good.replacingFirst("2024-01-01", with: "9999-01-01"), "results[0].valid"),
            (good.replacingFirst("202401020617", with: "999901020617"), "results[0].product"),
            (good.replacingFirst("202401020617", with: "202312250617"), "results[0].product"),
            (good + "," + good.replacingFirst("\"high\":31", with: "\"high\":32"), "results[1].valid"),
        ] {
            let e = #expect(throws: ImportError.self, "\(row)") { try iem(row) }
            #expect(e?.field == field, "\(row): \(String(describing: e))")
        }

        let ncei = #"[{"DATE":"2023-07-15","STATION":"USW00094728","TMAX":"  311","TMIN":"  217"}]"#
        for (text, field) in [
            (ncei.replacingFirst("  311", with: " 9311"), "[0].TMAX"),
            (ncei.replacingFirst("2023-07-15", with: "0001-07-15"), "[0].DATE"),
            (ncei.replacingFirst("  217", with: "  411"), "[0].TMAX"),
        ] {
            let e = #expect(throws: ImportError.self, "\(text)") {
                try NCEIDailyImporter.parse(Array(text.utf8), source: "n.json")
            }
            #expect(e?.field == field, "\(text): \(String(describing: e))")
        }

        let vc =
            #"{"days":[{"datetime":"2024-01-29","source":"obs","hours":[{"datetimeEpoch":1706486400,"temp":47.8}]}]}"#
        let city = Symbol("NY")!
        let station = Symbol("KNYC")!
        #expect(
            try VisualCrossingImporter.parse(Array(vc.utf8), source: "v", city: city, station: station, basisDate: nil)
                .count == 1)
        for (text, field) in [
            (vc.replacingFirst("1706486400", with: "9223372036854775807"), "days[0].hours[0].datetimeEpoch"),
            (vc.replacingFirst("47.8", with: "470.8"), "days[0].hours[0].temp"),
            (vc.replacingFirst("2024-01-29", with: "3024-01-29"), "days[0].datetime"),
        ] {
            let e = #expect(throws: ImportError.self, "\(text)") {
                try VisualCrossingImporter.parse(
                    Array(text.utf8), source: "v", city: city, station: station, basisDate: nil)
            }
            #expect(e?.field == field, "\(text): \(String(describing: e))")
        }

        // An RFC 3339 time past 2262 would overflow the nanoseconds: refused as text.
        let obs =
            #"{"features":[{"properties":{"stationId":"KMDW","timestamp":"9999-09-04T12:00:00+00:00","temperature":{"unitCode":"wmoUnit:degC","value":20}}}]}"#
        let e = #expect(throws: ImportError.self) { try NWSObservationsImporter.parse(Array(obs.utf8), source: "o") }
        #expect(e?.field == "features[0].properties.timestamp", "\(String(describing: e))")
    }
}
