import IsothermEvents
import Testing

@testable import IsothermWorld

/// The generated market: consistent with its own weather, priced like Kalshi's brackets.
@Suite struct CityWorldTests {
    struct DayStats {
        var markets: [MarketListed] = []
        var lastBidCents: [Int64] = Array(repeating: 0, count: 6)
        var firstBidCents: [Int64] = Array(repeating: -1, count: 6)
        var winners: [Symbol] = []
        var finalHigh: Int32?
    }

    /// Streams a city over a date range and checks the structure event by event; returns per-day stats.
    static func walk(_ code: String, seed: UInt64, start: String, days: Int32) -> (
        days: [LocalDate: DayStats], minutes: Int, sumsInRange: Int, events: Int
    ) {
        let first = LocalDate(iso8601: start)!
        var world = CityWorld(city: WorldCity.named(code)!, seed: seed, start: first, end: first.advanced(by: days - 1))
        var stats: [LocalDate: DayStats] = [:]
        var dateOfTicker: [Symbol: (LocalDate, Int)] = [:]
        var previous = Timestamp(nanos: Int64.min)
        var minuteAsks: [LocalDate: Int64] = [:]
        var minuteCount: [LocalDate: Int] = [:]
        var minuteTime = Timestamp(nanos: 0)
        var minutes = 0
        var sumsInRange = 0
        var events = 0
        func closeMinute() {
            for (date, asks) in minuteAsks where minuteCount[date] == 6 {
                minutes += 1
                if asks >= 99 && asks <= 115 { sumsInRange += 1 }
            }
            minuteAsks.removeAll()
            minuteCount.removeAll()
        }
        while let record = world.next() {
            events += 1
            #expect(record.time >= previous, "time order at \(record.time)")
            previous = record.time
            switch record.event {
            case .marketListed(let m):
                dateOfTicker[m.ticker] = (m.eventDate, stats[m.eventDate, default: DayStats()].markets.count)
                stats[m.eventDate, default: DayStats()].markets.append(m)
            case .candle(let c):
                guard let (date, k) = dateOfTicker[c.ticker] else {
                    Issue.record("candle for unlisted \(c.ticker)")
                    continue
                }
                let m = stats[date]!.markets[k]
                #expect(record.time > m.openTime && record.time <= m.closeTime)
                if record.time != minuteTime {
                    closeMinute()
                    minuteTime = record.time
                }
                let bid = c.yesBid!.close.micros / 10_000
                let ask = c.yesAsk!.close.micros / 10_000
                #expect(bid >= 1 && ask <= 99 && bid < ask)
                minuteAsks[date, default: 0] += ask
                minuteCount[date, default: 0] += 1
                stats[date]!.lastBidCents[k] = bid
                if stats[date]!.firstBidCents[k] < 0 { stats[date]!.firstBidCents[k] = bid }
            case .marketLifecycle(let l) where l.transition == .determined:
                let (date, _) = dateOfTicker[l.ticker]!
                if l.result == .yes { stats[date]!.winners.append(l.ticker) }
            case .settlement(let s) where s.isFinal:
                stats[s.climateDate, default: DayStats()].finalHigh = s.high.tenths / 10
            default:
                break
            }
        }
        closeMinute()
        return (stats, minutes, sumsInRange, events)
    }

    /// A generated year for New York; 40 spring days for Denver and Miami.
    @Test(arguments: [("NY", "2025-01-01", Int32(365)), ("DEN", "2025-03-01", 40), ("MIA", "2025-03-01", 40)])
    func marketsSettleOnTheReportAndPricesConverge(city: String, start: String, length: Int32) {
        let (days, minutes, sumsInRange, _) = Self.walk(city, seed: 5, start: start, days: length)
        #expect(days.count == Int(length))
        var confident = 0
        var firstBids: Int64 = 0
        for (date, d) in days {
            #expect(d.markets.count == 6, "\(date)")
            #expect(d.winners.count == 1, "\(date): one bracket wins")
            guard let winner = d.winners.first, let k = d.markets.firstIndex(where: { $0.ticker == winner }) else {
                continue
            }
            // The winner is the bracket holding the last final report's high (the correction, if any).
            #expect(d.finalHigh.map { WorldPlan.wins(d.markets[k], high: $0) } == true, "\(date)")
            if d.lastBidCents[k] >= 90 { confident += 1 }
            firstBids += d.firstBidCents[k]
        }
        // At the close the winning bracket is bid at 90¢ or more on most days (not all: a late warm-up
        // after 11:59 PM, or a high right at a bracket edge, keeps some doubt).
        print(
            "\(city): winner bid ≥ 90¢ at close on \(confident)/\(days.count) days; ask sums in range \(sumsInRange)/\(minutes); winner opened at \(firstBids / Int64(days.count))¢ bid on average"
        )
        #expect(Double(confident) / Double(days.count) >= 0.75)
        // A day and a half earlier, at listing, the forecast alone gives the winner far less.
        #expect(firstBids / Int64(days.count) < 45, "mean opening bid of the winner \(firstBids / Int64(days.count))¢")
        // The six asks add up to a dollar plus the spread.
        #expect(Double(sumsInRange) / Double(minutes) >= 0.97)
    }

    @Test func theSameSeedGivesTheSameStreamAndAnotherSeedDoesNot() {
        let first = LocalDate(iso8601: "2025-06-01")!
        let city = WorldCity.named("CHI")!
        var a = CityWorld(city: city, seed: 9, start: first, end: first.advanced(by: 2))
        var b = CityWorld(city: city, seed: 9, start: first, end: first.advanced(by: 2))
        var c = CityWorld(city: city, seed: 10, start: first, end: first.advanced(by: 2))
        var same = true
        var differs = false
        var n = 0
        while let x = a.next() {
            n += 1
            if x != b.next() { same = false }
            if x != c.next() { differs = true }
        }
        #expect(b.next() == nil)
        #expect(same && differs && n > 30_000)
    }
}
