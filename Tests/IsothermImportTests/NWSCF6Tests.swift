import IsothermEvents
import IsothermImport
import Testing

@Suite("NWS CF6 monthly reports")
struct NWSCF6Tests {
    @Test("Des Moines, February 2020 (month by name): every day's max and min as printed")
    func desMoines() throws {
        let file = "nws-cli/nws_CF6DSM_2020-02_partial_pyIEM.txt"
        let m = try NWSCF6Parser.parse(try SampleFiles.text(file), source: file)
        #expect(m.pil == "CF6DSM" && m.station == "DES MOINES IA" && m.year == 2020 && m.month == 2)
        #expect(
            m.days.map(\.maximum) == [
                42, 55, 36, 29, 28, 33, 26, 29, 42, 37, 35, 36, 4, 20, 42, 46, 43, 36, 21, 23, 44, 53,
            ])
        #expect(
            m.days.map(\.minimum) == [
                32, 33, 29, 20, 18, 12, 20, 13, 19, 14, 21, 2, -10, -5, 17, 23, 28, 21, 12, 3, 15, 27,
            ])
        #expect(m.days.first?.date == LocalDate(year: 2020, month: 2, day: 1))
        #expect(m.days.last?.date == LocalDate(year: 2020, month: 2, day: 22))
        let s = m.settlements(city: Symbol("DSM")!)
        #expect(s.count == 22 && s.allSatisfy { !$0.isFinal && $0.source == .nwsCF6 })
        #expect(s[12].high == Temperature(degrees: 4) && s[12].low == Temperature(degrees: -10))
    }

    @Test("Seattle, February 2020 (month as a number)")
    func seattle() throws {
        let file = "nws-cli/nws_CF6SEA_2020-02_partial_pyIEM.txt"
        let m = try NWSCF6Parser.parse(try SampleFiles.text(file), source: file)
        #expect(m.station == "SEATTLE-TACOMA WA AIRPORT" && m.month == 2 && m.year == 2020)
        #expect(m.days.count == 22)
        #expect(m.days.map(\.maximum).prefix(5) == [55, 44, 43, 41, 50])
        #expect(m.days[19] == .init(date: LocalDate(year: 2020, month: 2, day: 20)!, maximum: 58, minimum: 42))
    }

    @Test("a bad row names its line; M is missing, not zero")
    func errorsAndMissing() throws {
        let file = "nws-cli/nws_CF6DSM_2020-02_partial_pyIEM.txt"
        let text = try SampleFiles.text(file)
        let missing = text.replacingFirst(" 2  55  33", with: " 2   M  33")
        #expect(try NWSCF6Parser.parse(missing, source: file).days[1].maximum == nil)
        let bad = text.replacingFirst(" 2  55  33", with: " 2  5X  33")
        let error = #expect(throws: ImportError.self) { try NWSCF6Parser.parse(bad, source: "CF6DSM.txt") }
        #expect(error?.description == "CF6DSM.txt:20: MAX: \"5X\" is not whole °F or M")
        let badDay = text.replacingFirst("22  53  27", with: "30  53  27")
        let dayError = #expect(throws: ImportError.self) { try NWSCF6Parser.parse(badDay, source: "CF6DSM.txt") }
        #expect(dayError?.field == "DY")
    }
}
