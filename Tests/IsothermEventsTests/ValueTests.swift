import IsothermEvents
import Testing

@Suite struct FixedPointTests {
    @Test func kalshiDollarStringsParseExactly() {
        #expect(Price(dollars: "0.4500")?.micros == 450_000)
        #expect(Price(dollars: "0.45")?.micros == 450_000)
        #expect(Price(dollars: "0.123456")?.micros == 123_456)
        #expect(Price(dollars: "1.0000") == .one)
        #expect(Price(dollars: "0.450000000")?.micros == 450_000)  // trailing zeros beyond 6 places are exact
        #expect(Price(dollars: "0.1234567") == nil)  // a seventh significant decimal is not representable
        #expect(Price(dollars: "") == nil)
        #expect(Price(dollars: ".") == nil)
        #expect(Price(dollars: "1e-2") == nil)
        #expect(Price(dollars: "0.45 ") == nil)
        #expect(Price(dollars: "0.4.5") == nil)
        #expect(Money(dollars: "-12.34")?.micros == -12_340_000)
        #expect(Money(dollars: "99999999999999.999999") == nil)  // overflows Int64 micro-dollars
    }

    @Test func countsAndCents() {
        #expect(Count(fixedPoint: "10.00")?.hundredths == 1000)
        #expect(Count(fixedPoint: "-54.00")?.hundredths == -5400)
        #expect(Count(fixedPoint: "0.01")?.hundredths == 1)
        #expect(Count(fixedPoint: "0.001") == nil)
        #expect(Count(contracts: 33896).fixedPointString == "33896.00")
        // Old integer cents convert exactly, both ways.
        for cents: Int64 in 0...100 {
            let p = Price(cents: cents)
            #expect(p.exactCents == cents)
            #expect(Price(dollars: p.dollarString) == p)
        }
        #expect(Price(micros: 450_000).dollarString == "0.4500")
        #expect(Price(micros: 123_456).dollarString == "0.123456")
        #expect(Price(micros: 305_000).dollarString == "0.3050")
        #expect(Price(micros: 305_000).exactCents == nil)
        #expect(Money(micros: -6_300).dollarString == "-0.0063")
        #expect(Money(cents: 63).dollarString == "0.63")
    }

    @Test func temperatures() {
        #expect(Temperature(fahrenheit: "45.5")?.tenths == 455)
        #expect(Temperature(fahrenheit: "84.00")?.tenths == 840)
        #expect(Temperature(fahrenheit: "-3")?.tenths == -30)
        #expect(Temperature(fahrenheit: "45.55") == nil)
        #expect(Temperature(tenths: 455).roundedDegrees == 46)
        #expect(Temperature(tenths: 454).roundedDegrees == 45)
        #expect(Temperature(tenths: -5).roundedDegrees == 0)
        #expect(Temperature(tenths: -6).roundedDegrees == -1)
        #expect(Temperature(tenths: -15).roundedDegrees == -1)
        #expect(Temperature(tenths: 457).description == "45.7")
        #expect(Temperature(degrees: 46).description == "46")
    }

    @Test func timesAndDates() {
        let t = Timestamp(rfc3339: "2025-11-28T14:00:00Z")!
        #expect(t.nanos == 1_764_338_400 * 1_000_000_000)
        #expect(t.rfc3339 == "2025-11-28T14:00:00Z")
        #expect(Timestamp(rfc3339: "2025-11-28T09:00:00-05:00") == t)
        #expect(Timestamp(rfc3339: "2025-11-28T14:00:00.5Z")?.nanos == t.nanos + 500_000_000)
        #expect(Timestamp(nanos: t.nanos + 1).rfc3339 == "2025-11-28T14:00:00.000000001Z")
        #expect(Timestamp(nanos: -1).rfc3339 == "1969-12-31T23:59:59.999999999Z")
        #expect(Timestamp(rfc3339: "2025-11-31T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "2025-11-28 14:00") == nil)
        #expect(LocalDate(iso8601: "2024-02-29")?.iso8601 == "2024-02-29")
        #expect(LocalDate(iso8601: "2025-02-29") == nil)
        #expect(LocalDate(iso8601: "1970-01-01")?.daysSinceEpoch == 0)
        #expect(t.utcDate.iso8601 == "2025-11-28")
        // Every day of four centuries round-trips through components.
        for d in Int32(-146_097)...Int32(146_097) where d % 7 == 0 {
            let date = LocalDate(daysSinceEpoch: d)
            let c = date.components
            #expect(LocalDate(year: c.year, month: c.month, day: c.day) == date)
        }
    }

    @Test func symbols() {
        let s = Symbol("KXHIGHCHI-25NOV28-B45.5")!
        #expect(s.string == "KXHIGHCHI-25NOV28-B45.5")
        #expect(s.count == 23)
        #expect(Symbol("") == nil)
        #expect(Symbol("has space") == nil)
        #expect(Symbol(String(repeating: "X", count: 48)) != nil)
        #expect(Symbol(String(repeating: "X", count: 49)) == nil)
        #expect(Symbol("a")!.marketKey == 0xE40C_292C)  // FNV-1a 32 reference vector
        #expect(Symbol("A")! < Symbol("B")!)
        #expect(Symbol("KXHIGHCHI")! < Symbol("KXHIGHCHI-25")!)
    }
}

@Suite struct JSONTests {
    @Test func candleRendersAsKalshiStrings() {
        let json = EventJSON.render(EventSamples.all[3], sequence: 42)
        #expect(
            json
                == #"{"seq":42,"time":"2025-11-27T14:02:00Z","kind":"candle","ticker":"KXHIGHCHI-25NOV28-B45.5","period_minutes":1,"yes_bid":{"open":"0.2700","high":"0.2700","low":"0.2700","close":"0.2700"},"yes_ask":{"open":"0.3050","high":"0.3050","low":"0.3050","close":"0.3050"},"price":null,"mean_price":null,"previous_price":"0.3000","volume":"0.00","open_interest":"2214.50"}"#
        )
    }

    @Test func decisionKeepsFieldOrderAndEscapes() {
        let json = EventJSON.render(EventSamples.all[13])
        #expect(json.contains(#""input_seqs":[17,4021,4022]"#))
        #expect(json.contains(#""parameters":{"entry_price":"0.50","temp_bias_deg":"0.0","basis_offset_days":"1"}"#))
        var escaped = ""
        JSONWriter.appendQuoted("a\"b\\c\n\u{1}", to: &escaped)
        #expect(escaped == #""a\"b\\c\n\u0001""#)
    }

    @Test func everySampleRendersOneLine() {
        for record in EventSamples.all {
            let json = EventJSON.render(record)
            #expect(!json.contains("\n"))
            #expect(json.hasPrefix("{\"time\":"))
            #expect(json.contains("\"kind\":\"\(record.event.kind.name)\""))
        }
    }
}
