import IsothermEvents
import IsothermWorld
import Testing

@testable import IsothermStore

/// What `isotherm status` reports, as a library: data coverage by city and kind, candle gaps, ages
/// and the `--max-age` rule (moved out of the CLI, issue 13 point 7).
@Suite struct CoverageTests {
    @Test func agesAreWrittenCompactlyAndDurationsReadStrictly() throws {
        #expect(StatusAge.text(seconds: 45) == "45s")
        #expect(StatusAge.text(seconds: 3 * 3_600 + 5 * 60) == "3h05m")
        #expect(StatusAge.text(seconds: 2 * 86_400 + 4 * 3_600) == "2d04h")
        #expect(StatusAge.text(seconds: -1) == "future")
        #expect(StatusAge.parseSeconds("1h30m") == 5_400)
        for bad in ["", "0s", "30m1h", "1x", "h", "1000000000s", "36526d"] {
            #expect(StatusAge.parseSeconds(bad) == nil, "\(bad)")
        }
        let limit = try MaxAge.parse("Candles=15M")
        #expect(limit.kind == .candles && limit.seconds == 900 && limit.text == "15m")
        #expect(throws: StatusAgeError.self) { try MaxAge.parse("candles") }
        #expect {
            try MaxAge.parse("weather=1h")
        } throws: { "\($0)".contains("'weather' is not one of markets, candles, ticks") }
        #expect { try MaxAge.parse("candles=soon") } throws: { "\($0)".contains("'soon' is not a duration") }
    }

    @Test func aGeneratedWeekIsCoveredDayByDayWithoutGapsAndAHoleIsFound() throws {
        let start = LocalDate(iso8601: "2025-06-01")!
        let city = WorldCity.kxhigh.first { $0.code == "CHI" }!
        let events = Array(CityWorld(city: city, seed: 3, start: start, end: start.advanced(by: 6)))
        let end = events.last!.time
        // Every candle of 2025-06-03 between 15:00 and 16:00 UTC taken out: an hour-long hole.
        let holeFrom = Timestamp(rfc3339: "2025-06-03T15:00:00Z")!
        let holeTo = Timestamp(rfc3339: "2025-06-03T16:00:00Z")!
        var coverage = StatusCoverage(gapMinutes: 15, now: end)
        coverage.beginLog()
        for e in events {
            if case .candle = e.event, e.time > holeFrom, e.time <= holeTo { continue }
            coverage.add(e)
        }
        coverage.finish()
        #expect(coverage.unknown == 0)
        let chicago = try #require(coverage.orderedCities.first)
        #expect(chicago.code == "CHI" && coverage.cities.count == 1)
        // Forecasts, observations and candles on every day of the week, nothing missing between.
        for kind in [StatusKind.markets, .candles, .forecasts, .observations] {
            #expect(chicago.span(kind) != nil, "\(kind)")
            #expect(chicago.missing(kind).isEmpty, "\(kind): \(chicago.missing(kind))")
        }
        // The hour without candles is a gap in every market trading then, and the longest.
        let gaps = chicago.candleGaps
        #expect(gaps.gaps >= 1)
        let longest = try #require(gaps.longest.first)
        #expect(longest.minutes == 60 && longest.from == Timestamp(rfc3339: "2025-06-03T15:00:00Z")!)
        #expect(gaps.duplicateCandles == 0 && gaps.candlesAfterSummary == 0)
        // A limit the data meets, and one it does not.
        let verdicts = MaxAgeVerdict.check(
            [try MaxAge.parse("candles=2d"), try MaxAge.parse("settlements=1s")], coverage.orderedCities, now: end)
        #expect(verdicts.map(\.breached) == [false, true])
    }
}
