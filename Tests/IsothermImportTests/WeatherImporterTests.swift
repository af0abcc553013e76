import Foundation
import IsothermEvents
import Testing

@testable import IsothermImport

/// The JSON and CSV weather formats, each on its real sample, with the values a person reading the
/// file would write down.
@Suite struct WeatherImporterTests {
    func bytes(_ path: String) throws -> [UInt8] { Array(try SampleFiles.text(path).utf8) }
    let ny = Symbol("NY")!

    @Test func visualCrossingTimelineGivesObservedHoursAndTheForecastDays() throws {
        let events = try VisualCrossingImporter.parse(
            bytes("visual-crossing/vc_timeline_london_2024-01-29_us.json"), source: "vc.json", city: ny,
            station: Symbol("EGLL")!, basisDate: LocalDate(iso8601: "2024-01-29")!)
        let observations = events.compactMap { e -> Observation? in
            if case .observation(let o) = e.event { return o }
            return nil
        }
        // 2024-01-29 is "comb": hours 00–07 observed, the rest forecast.
        #expect(observations.count == 8)
        #expect(observations[0].observedAt == Timestamp(rfc3339: "2024-01-29T00:00:00Z"))
        #expect(observations[0].temperature == Temperature(tenths: 478))
        #expect(observations[0].dewpoint == Temperature(tenths: 449))
        #expect(observations[6].observedAt == Timestamp(rfc3339: "2024-01-29T06:00:00Z"))
        #expect(observations[6].temperature == Temperature(tenths: 499))
        #expect(observations[6].dewpoint == Temperature(tenths: 481))
        #expect(observations.allSatisfy { $0.station == Symbol("EGLL") && $0.source == .visualCrossing })

        let daily = events.compactMap { e -> DailyForecast? in
            if case .dailyForecast(let f) = e.event { return f }
            return nil
        }
        #expect(daily.map(\.targetDate.iso8601) == ["2024-01-29", "2024-01-30"])
        #expect(daily[0].high == Temperature(degrees: 56) && daily[0].low == Temperature(tenths: 478))
        #expect(daily[1].high == Temperature(tenths: 513) && daily[1].low == Temperature(tenths: 443))
        #expect(daily.allSatisfy { $0.basisDate.iso8601 == "2024-01-29" && $0.city == ny })

        let hourly = events.compactMap { e -> HourlyForecast? in
            if case .hourlyForecast(let f) = e.event { return f }
            return nil
        }
        #expect(hourly.map(\.points.count) == [16, 24], "the comb day's 16 forecast hours, then 24")
        #expect(
            hourly[0].points[4]
                == HourlyPoint(time: Timestamp(rfc3339: "2024-01-29T12:00:00Z")!, temperature: Temperature(tenths: 553))
        )
        #expect(
            hourly[1].points[12]
                == HourlyPoint(time: Timestamp(rfc3339: "2024-01-30T12:00:00Z")!, temperature: Temperature(tenths: 483))
        )
    }

    @Test func visualCrossingForecastWithoutABasisDateIsAnErrorNotAGuess() throws {
        #expect(
            throws: ImportError(
                "vc.json", field: "days[0].source",
                "a comb day needs the forecast's basis date (the request's forecastBasisDate); the response does not say it"
            )
        ) {
            try VisualCrossingImporter.parse(
                bytes("visual-crossing/vc_timeline_london_2024-01-29_us.json"), source: "vc.json", city: ny,
                station: Symbol("EGLL")!, basisDate: nil)
        }
        let bad =
            #"{"days":[{"datetime":"2024-01-29","source":"obs","hours":[{"datetimeEpoch":1706486400,"temp":"47.8x"}]}]}"#
        #expect(throws: ImportError("bad.json", field: "days[0].hours[0].temp", "expected a number, found a string")) {
            try VisualCrossingImporter.parse(
                Array(bad.utf8), source: "bad.json", city: ny, station: Symbol("KNYC")!, basisDate: nil)
        }
    }

    @Test func metricUnitsConvertExactly() throws {
        let doc =
            #"{"days":[{"datetime":"2024-07-01","source":"obs","hours":[{"datetimeEpoch":1719792000,"temp":31.1,"dew":-0.5}]}]}"#
        let events = try VisualCrossingImporter.parse(
            Array(doc.utf8), source: "m.json", city: ny, station: Symbol("KNYC")!, basisDate: nil, units: .metric)
        guard case .observation(let o) = events.first?.event else {
            Issue.record("no observation")
            return
        }
        #expect(o.temperature == Temperature(tenths: 880), "31.1 °C = 87.98 °F")
        #expect(o.dewpoint == Temperature(tenths: 311), "−0.5 °C = 31.1 °F")
    }

    @Test func iemClimateServiceGivesTheFinalMidwayReport() throws {
        let days = try IEMClimateImporter.parse(
            bytes("iem/iem_json_cli_KMDW_2026-08-21_CONSTRUCTED.json"), source: "cli.json")
        #expect(days.count == 1)
        let d = try #require(days.first)
        #expect(d.station == "KMDW" && d.date.iso8601 == "2026-08-21" && d.high == 80 && d.low == 62)
        #expect(d.issuedAt == Timestamp(rfc3339: "2026-08-22T06:33:00Z"))
        #expect(d.isFinal, "issued the next morning")
        let s = try #require(d.settlement(city: Symbol("CHI")!))
        #expect(s.high == Temperature(degrees: 80) && s.low == Temperature(degrees: 62) && s.source == .iem)
        #expect(s.climateDate.iso8601 == "2026-08-21")

        let afternoon =
            #"{"results":[{"station":"KNYC","valid":"2026-08-21","high":"M","low":70,"product":"202608212108-KOKX-CDUS41-CLINYC"}]}"#
        let p = try IEMClimateImporter.parse(Array(afternoon.utf8), source: "a.json")[0]
        #expect(p.high == nil && p.low == 70 && !p.isFinal)
        #expect(p.settlement(city: ny) == nil, "no high, no settlement")

        let broken = #"{"results":[{"station":"KNYC","valid":"2026-08-21","high":"80F"}]}"#
        #expect(
            throws: ImportError("b.json", field: "results[0].high", #"expected whole °F or "M", found a string "80F""#)
        ) {
            try IEMClimateImporter.parse(Array(broken.utf8), source: "b.json")
        }
    }

    @Test func nceiDailySummariesInTenthsOfCelsius() throws {
        let days = try NCEIDailyImporter.parse(
            bytes("ncei/ncei_access_daily-summaries_USW00094728_2023-07-15_noUnits.json"), source: "ncei.json")
        #expect(days.map(\.date.iso8601) == ["2023-07-15", "2023-07-16", "2023-07-17"])
        #expect(days.allSatisfy { $0.station == "USW00094728" }, "each row keeps the station it names")
        let s = days.map { $0.settlement(city: ny, station: Symbol("KNYC")!) }
        // 31.1 °C = 88 °F, 21.7 °C = 71 °F; 25.6 °C = 78 °F, 23.3 °C = 74 °F.
        #expect(s.map(\.high) == [Temperature(degrees: 88), Temperature(degrees: 78), Temperature(degrees: 88)])
        #expect(s.map(\.low) == [Temperature(degrees: 71), Temperature(degrees: 74), Temperature(degrees: 74)])
        #expect(s.allSatisfy { $0.isFinal && $0.source == .ncei && $0.city == ny && $0.station == Symbol("KNYC") })

        let standard = #"[{"DATE":"2023-07-15","STATION":"USW00094728","TMAX":"88","TMIN":"71"}]"#
        let f = try NCEIDailyImporter.parse(Array(standard.utf8), source: "s.json", units: .standard)
        #expect(f[0].high == Temperature(degrees: 88) && f[0].low == Temperature(degrees: 71))

        #expect(throws: ImportError("x.json", field: "[0].TMAX", #""3l1" is not a temperature"#)) {
            try NCEIDailyImporter.parse(Array(#"[{"DATE":"2023-07-15","TMAX":"3l1"}]"#.utf8), source: "x.json")
        }
    }

    @Test func nwsObservationsInCelsiusBecomeTenthsOfFahrenheitInTimeOrder() throws {
        let events = try NWSObservationsImporter.parse(
            bytes("nws-api/nws_api_observations_KMDW_2026-09-04_excerpt.json"), source: "obs.json")
        let obs = events.compactMap { e -> Observation? in
            if case .observation(let o) = e.event { return o }
            return nil
        }
        #expect(
            obs.map(\.observedAt)
                == ["2026-09-04T01:53:00Z", "2026-09-04T01:55:00Z", "2026-09-04T02:00:00Z"].map {
                    Timestamp(rfc3339: $0)!
                })
        // 29.4 °C = 84.92 °F → 84.9; 29 °C = 84.2 °F; 30 °C = 86 °F. Dew points 22.8 → 73.0, 23 → 73.4.
        #expect(
            obs.map(\.temperature) == [Temperature(tenths: 849), Temperature(tenths: 842), Temperature(tenths: 860)])
        #expect(obs.map(\.dewpoint) == [Temperature(tenths: 730), Temperature(tenths: 734), Temperature(tenths: 734)])
        #expect(obs.allSatisfy { $0.station == Symbol("KMDW") && $0.source == .nws })
    }

    @Test func iemASOSDownloadsBothShapes() throws {
        let minute = try IEMASOSImporter.parse(
            bytes("iem/iem_asos1min_MIA_2021-06-15T12Z_10min.csv"), source: "1min.csv")
        #expect(minute.count == 10)
        guard case .observation(let first) = minute[0].event, case .observation(let ninth) = minute[8].event else {
            Issue.record("not observations")
            return
        }
        #expect(first.station == Symbol("KMIA") && first.observedAt == Timestamp(rfc3339: "2021-06-15T12:00:00Z"))
        #expect(first.temperature == Temperature(degrees: 79) && first.dewpoint == Temperature(degrees: 75))
        #expect(
            ninth.temperature == Temperature(degrees: 80)
                && ninth.observedAt == Timestamp(rfc3339: "2021-06-15T12:08:00Z"))

        let hourly = try IEMASOSImporter.parse(
            bytes("iem/iem_asos_hourly_NYC_2026-09-01_thirdparty_capture.csv"), source: "asos.csv")
        let temps = hourly.compactMap { e -> (String, Int32)? in
            if case .observation(let o) = e.event { return (o.observedAt.rfc3339, o.temperature.tenths) }
            return nil
        }
        #expect(
            temps.map(\.0) == [
                "2026-09-01T00:51:00Z", "2026-09-01T01:51:00Z", "2026-09-01T02:51:00Z", "2026-09-01T04:51:00Z",
            ],
            "the 03:51 row has no temperature (empty tmpf)")
        #expect(temps.map(\.1) == [710, 710, 700, 700])

        #expect(throws: ImportError("t.csv", line: 2, field: "tmpf", #""7l" is not a temperature in °F"#)) {
            try IEMASOSImporter.parse(Array("station,valid,tmpf\nNYC,2026-09-01 00:51,7l\n".utf8), source: "t.csv")
        }
        #expect(throws: ImportError("t.csv", line: 1, field: "valid(LST)", "times must be UTC (request tz=UTC)")) {
            try IEMASOSImporter.parse(Array("station,valid(LST),tmpf\n".utf8), source: "t.csv")
        }
    }
}

@Suite struct JSONParserTests {
    @Test func numbersStayExactAndKeysKeepTheirOrder() throws {
        let v = try JSONParser.parse(
            #"{"b":0.4500,"a":[1,-2.5e3,"x\u00e9\ud83d\ude00"],"c":null,"d":true}"#, source: "t")
        guard case .object(let o) = v else {
            Issue.record("not an object")
            return
        }
        #expect(o.keys == ["b", "a", "c", "d"])
        #expect(v["b"] == .number("0.4500"))
        #expect(v["a"] == .array([.number("1"), .number("-2.5e3"), .string("xé😀")]))
        #expect(v["c"] == .null && v["d"] == .bool(true))
        #expect(v["zz"] == nil)
    }

    @Test(arguments: [
        ("{\"a\":1,}", "t:1: JSON column 8: unexpected '}', expected a member name in quotes"),
        ("[1 2]", "t:1: JSON column 4: unexpected '2', expected ',' or ']'"),
        ("{\"a\":01}", "t:1: JSON column 6: a number may not start with 0"),
        ("{\n \"a\": tru}", "t:2: JSON column 7: unexpected 't', expected true"),
        ("\"abc", "t:1: JSON column 5: unterminated string"),
        ("[1] x", "t:1: JSON column 5: unexpected 'x' after the document"),
        ("", "t:1: JSON column 1: unexpected end of input, expected a value"),
        ("{\"a\":\"\\q\"}", "t:1: JSON column 8: unknown escape \\q"),
    ])
    func malformedDocumentsNameLineAndColumn(text: String, message: String) {
        do {
            _ = try JSONParser.parse(text, source: "t")
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func everyTruncationOfARealResponseIsAnError() throws {
        let text = try SampleFiles.text("iem/iem_json_cli_KMDW_2026-08-21_CONSTRUCTED.json")
        let bytes = Array(text.utf8)
        _ = try JSONParser.parse(bytes, source: "full")
        var end = bytes.count - 1
        while end > 0, bytes[end] == 0x0A || bytes[end] == 0x20 { end -= 1 }
        for cut in 0...end {
            #expect(throws: ImportError.self) { try JSONParser.parse(Array(bytes[..<cut]), source: "cut") }
        }
    }
}
