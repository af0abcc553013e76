import IsothermEvents
import Testing

@testable import IsothermWorld

/// The generated weather against the climatology and forecast skill it was drawn from.
@Suite struct WorldStatisticsTests {
    static let thirtyYears = WorldCity.kxhigh.map {
        WorldPlan(city: $0, seed: 11, start: LocalDate(iso8601: "1991-01-01")!, end: LocalDate(iso8601: "2020-12-31")!)
    }

    static func eachDay(_ plan: WorldPlan, _ body: (DayPlan) -> Void) {
        var date = plan.start
        while date <= plan.end {
            body(plan.day(date))
            date = date.advanced(by: 1)
        }
    }

    @Test func monthlyMeanHighsMatchTheClimatology() {
        for plan in Self.thirtyYears {
            var sum = [Double](repeating: 0, count: 12)
            var squares = [Double](repeating: 0, count: 12)
            var n = [Double](repeating: 0, count: 12)
            Self.eachDay(plan) { d in
                let m = d.date.components.month - 1
                sum[m] += Double(d.high)
                squares[m] += Double(d.high) * Double(d.high)
                n[m] += 1
            }
            for m in 0..<12 {
                let mean = sum[m] / n[m]
                let spread = (squares[m] / n[m] - mean * mean).squareRoot()
                // Thirty years of one month are about 930 days, but highs persist (lag-one correlation
                // 0.65), so only about 930 × 0.35 / 1.65 ≈ 200 are independent: the mean's standard error
                // is spread / √200. Within three standard errors plus 0.3 °F for rounding.
                let tolerance = 0.3 + 3 * plan.city.highSpread[m] / (n[m] * 0.35 / 1.65).squareRoot()
                #expect(
                    abs(mean - plan.city.meanHigh[m]) < tolerance,
                    "\(plan.city.code) month \(m + 1): mean \(mean), normal \(plan.city.meanHigh[m]) ± \(tolerance)")
                #expect(
                    abs(spread / plan.city.highSpread[m] - 1) < 0.25,
                    "\(plan.city.code) month \(m + 1): spread \(spread) vs \(plan.city.highSpread[m])")
            }
        }
    }

    @Test func forecastErrorGrowsWithLeadAndDayOneMAEIsTwoToThreeDegrees() {
        var absolute = [Double](repeating: 0, count: 8)
        var n = 0.0
        var spring = (0.0, 0.0)
        var summer = (0.0, 0.0)
        for plan in Self.thirtyYears {
            Self.eachDay(plan) { d in
                for lead in 0...7 {
                    absolute[lead] += abs(Double(d.forecastHighTenths(lead: lead)) / 10 - Double(d.high))
                }
                n += 1
                let month = d.date.components.month
                let e = abs(Double(d.forecastHighTenths(lead: 1)) / 10 - Double(d.high))
                if (3...5).contains(month) { spring = (spring.0 + e, spring.1 + 1) }
                if (6...8).contains(month) { summer = (summer.0 + e, summer.1 + 1) }
            }
        }
        let mae = absolute.map { $0 / n }
        print("forecast MAE by lead (°F):", mae.map { (($0 * 100).rounded() / 100) })
        #expect(mae[1] >= 1.8 && mae[1] <= 3.0, "day-1 MAE \(mae[1])")
        #expect(mae[0] < mae[1])
        for lead in 2...7 { #expect(mae[lead] > mae[lead - 1], "lead \(lead)") }
        #expect(mae[7] > 2 * mae[1])
        #expect(spring.0 / spring.1 > 1.2 * summer.0 / summer.1, "spring error above summer")
    }

    @Test func reportsAndCalendarFollowKalshiAndTheNWS() {
        let plan = Self.thirtyYears[0]
        var days = 0
        var preliminaries = 0
        var corrections = 0
        Self.eachDay(plan) { d in
            days += 1
            let zone = plan.city.zone
            let nextDay = zone.standardTime(d.date.advanced(by: 1), minuteOfDay: 0)
            if let p = d.preliminary {
                preliminaries += 1
                #expect(p.high <= d.high && p.time < nextDay)
            }
            #expect(d.final.time >= nextDay, "final after the climate day ends")
            if let c = d.correction {
                corrections += 1
                #expect(abs(d.final.high - c.high) == 1 && c.high == d.high && c.time > d.final.time)
            } else {
                #expect(d.final.high == d.high)
            }
            #expect(d.determinedAt > (d.correction?.time ?? d.final.time) && d.settledAt > d.determinedAt)
            // Listed at 10:00 Eastern (14:00Z in daylight time, 15:00Z in standard), the day before.
            let listed = d.listedAt.nanos - d.date.advanced(by: -1).startUTC.nanos
            let hour: Int64 = USTimeZone.eastern.isDaylight(d.listedAt) ? 14 : 15
            #expect(listed == hour * 3_600 * Timestamp.nanosPerSecond)
            #expect(zone.climateDate(of: d.closesAt) == d.date || zone.isDaylight(d.closesAt))
        }
        let preliminaryShare = Double(preliminaries) / Double(days)
        let correctionShare = Double(corrections) / Double(days)
        #expect(preliminaryShare > 0.96 && preliminaryShare < 0.995, "\(preliminaryShare)")
        #expect(correctionShare > 0.005 && correctionShare < 0.03, "\(correctionShare)")
    }
}

@Suite struct USTimeZoneTests {
    @Test func daylightSavingStartsAndEndsOnTheRightSundays() {
        #expect(USTimeZone.nthSunday(2, month: 3, year: 2025) == LocalDate(iso8601: "2025-03-09"))
        #expect(USTimeZone.nthSunday(1, month: 11, year: 2025) == LocalDate(iso8601: "2025-11-02"))
        #expect(USTimeZone.nthSunday(2, month: 3, year: 2026) == LocalDate(iso8601: "2026-03-08"))
        let ny = USTimeZone.eastern
        // 2025-03-09 02:00 EST = 07:00Z: daylight from then on.
        #expect(!ny.isDaylight(Timestamp(rfc3339: "2025-03-09T06:59:00Z")!))
        #expect(ny.isDaylight(Timestamp(rfc3339: "2025-03-09T07:00:00Z")!))
        // 2025-11-02 02:00 EDT = 06:00Z: standard from then on.
        #expect(ny.isDaylight(Timestamp(rfc3339: "2025-11-02T05:59:00Z")!))
        #expect(!ny.isDaylight(Timestamp(rfc3339: "2025-11-02T06:00:00Z")!))
        #expect(
            ny.wallTime(LocalDate(iso8601: "2025-07-01")!, minuteOfDay: 600)
                == Timestamp(rfc3339: "2025-07-01T14:00:00Z"))
        #expect(
            ny.wallTime(LocalDate(iso8601: "2025-12-01")!, minuteOfDay: 600)
                == Timestamp(rfc3339: "2025-12-01T15:00:00Z"))
        // The climate day runs on standard time all year: 00:30 EDT belongs to the day before.
        #expect(ny.climateDate(of: Timestamp(rfc3339: "2025-07-02T04:30:00Z")!) == LocalDate(iso8601: "2025-07-01"))
        #expect(USTimeZone.pacific.standardMinuteOfDay(Timestamp(rfc3339: "2025-07-02T04:30:00Z")!) == 20 * 60 + 30)
        #expect(LocalDate(iso8601: "2025-11-28")!.kalshiCode == "25NOV28")
        #expect(LocalDate(iso8601: "2025-11-28")!.weekday == 5)
    }
}
