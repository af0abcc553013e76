import IsothermEvents
import Testing

@testable import IsothermCore

@Suite struct FeesTests {
    func price(_ s: String) -> Price { Price(dollars: s)! }

    @Test(arguments: [
        // (price, contracts, taker fee): ceil_to_cent(0.07 × C × P × (1 − P))
        ("0.10", 100, "0.63"),  // 0.63 exactly, not 0.64
        ("0.50", 100, "1.75"),
        ("0.50", 400, "7.00"),
        ("0.30", 400, "5.88"),
        ("0.01", 1, "0.01"),  // 0.000693 rounds up to a cent
        ("0.99", 10, "0.01"),  // 0.00693
        ("0.45", 37, "0.65"),  // 0.640...
        ("0.4550", 100, "1.74"),  // 1.7357...
    ])
    func takerFeeIsCeiledToTheCent(p: String, contracts: Int64, fee: String) {
        #expect(Fees.taker(count: Count(contracts: contracts), price: price(p)) == Money(dollars: fee)!)
    }

    @Test func makerFeesDependOnTheSeriesFeeType() {
        let c = Count(contracts: 100)
        #expect(Fees.maker(count: c, price: price("0.50"), feeType: .quadratic) == .zero)
        // 0.0175 × 100 × 0.25 = 0.4375 → 0.44
        #expect(Fees.maker(count: c, price: price("0.50"), feeType: .quadraticWithMakerFees) == Money(dollars: "0.44")!)
        // The series multiplier scales before the rounding: ×2 → 0.875 → 0.88.
        #expect(
            Fees.maker(
                count: c, price: price("0.50"), feeType: .quadraticWithMakerFees, multiplierMillionths: 2_000_000)
                == Money(dollars: "0.88")!)
        #expect(Fees.taker(count: .zero, price: price("0.50")) == .zero)
        #expect(Fees.taker(count: c, price: .one) == .zero, "no fee at $1")
    }

    @Test func theSeedsArithmetic() {
        // 400 contracts at 50¢: cost $200; a win returns $400 (+$200), a loss nothing (−$200).
        let count = Count(contracts: 400)
        let cost = Money.cost(count, price("0.50"))
        #expect(cost == Money(dollars: "200")!)
        #expect(Money.cost(count, .one) - cost == Money(dollars: "200")!)
        #expect(Money.cost(count, .zero) - cost == Money(dollars: "-200")!)
        // floor(bet / price): $200 at 35¢ buys 571 contracts for $199.85.
        let contracts = Money(dollars: "200")!.micros / price("0.35").micros
        #expect(contracts == 571)
        #expect(Money.cost(Count(contracts: contracts), price("0.35")) == Money(dollars: "199.85")!)
    }
}

@Suite struct BracketTests {
    func market(_ suffix: String, _ type: StrikeType, floor: Int32?, cap: Int32?) -> MarketListed {
        MarketListed(
            ticker: Symbol("KXHIGHNY-26OCT02-" + suffix)!, eventTicker: Symbol("KXHIGHNY-26OCT02")!,
            seriesTicker: Symbol("KXHIGHNY")!, eventDate: LocalDate(iso8601: "2026-10-02")!, strikeType: type,
            floorStrike: floor.map { Temperature(degrees: $0) }, capStrike: cap.map { Temperature(degrees: $0) },
            openTime: Timestamp(seconds: 0), closeTime: Timestamp(seconds: 1), feeType: .quadratic,
            feeMultiplierMillionths: 1_000_000, title: "")
    }

    @Test func kalshisSixBracketsFromTheirStrikeTypes() throws {
        // The real KXHIGHNY-26OCT02 layout (reference/kalshi-weather-series.json).
        let brackets = [
            market("T81", .less, floor: nil, cap: 81), market("B81.5", .between, floor: 81, cap: 82),
            market("B83.5", .between, floor: 83, cap: 84), market("B85.5", .between, floor: 85, cap: 86),
            market("B87.5", .between, floor: 87, cap: 88), market("T88", .greater, floor: 88, cap: nil),
        ].compactMap(Bracket.init)
        #expect(brackets.map(\.label) == ["<81°", "81-82°", "83-84°", "85-86°", "87-88°", ">88°"])
        let winners = (78...91).map { high in brackets.filter { $0.pays(Int32(high)) }.map(\.label) }
        #expect(winners.allSatisfy { $0.count == 1 }, "every whole degree pays exactly one bracket")
        #expect(brackets[0].pays(80) && !brackets[0].pays(81))
        #expect(brackets[1].pays(81) && brackets[1].pays(82) && !brackets[1].pays(83))
        #expect(!brackets[5].pays(88) && brackets[5].pays(89))
        #expect(Bracket.containing(86, in: brackets)?.label == "85-86°")
        #expect(Bracket.containing(95, in: brackets)?.label == ">88°")
        #expect(Temperature(tenths: 845).roundedDegrees == 85)
        #expect(Temperature(tenths: 844).roundedDegrees == 84)
        #expect(Temperature(tenths: -15).roundedDegrees == -1)
        #expect(Bracket(market("X", .between, floor: nil, cap: 3)) == nil, "a between market needs both strikes")
    }

    func tenths(_ suffix: String, _ type: StrikeType, floor: Int32?, cap: Int32?) -> MarketListed {
        var m = market(suffix, type, floor: nil, cap: nil)
        m.floorStrike = floor.map { Temperature(tenths: $0) }
        m.capStrike = cap.map { Temperature(tenths: $0) }
        return m
    }

    /// Fractional strikes compared exactly (issue: `whole()` rounded every strike up, so 43 landed in
    /// 40.5–42.5 and 45 in 42.5–44.5 instead of the high tail).
    @Test func fractionalStrikesPayOnTheSeedsExactRules() throws {
        let brackets = [
            tenths("T38.5", .less, floor: nil, cap: 385), tenths("B39.5", .between, floor: 385, cap: 405),
            tenths("B41.5", .between, floor: 405, cap: 425), tenths("B43.5", .between, floor: 425, cap: 445),
            tenths("T44.5", .greater, floor: 445, cap: nil),
        ].compactMap(Bracket.init)
        #expect(brackets.count == 5)
        #expect(brackets.map(\.label) == ["<39°", "39-40°", "41-42°", "43-44°", ">44°"])
        #expect(Bracket.containing(43, in: brackets)?.label == "43-44°")
        #expect(Bracket.containing(45, in: brackets)?.label == ">44°")
        #expect(Bracket.containing(42, in: brackets)?.label == "41-42°")
        #expect(Bracket.containing(38, in: brackets)?.label == "<39°")
        // v < 38.5 pays 38, not 39; v > 44.5 pays 45, not 44.
        #expect(brackets[0].pays(38) && !brackets[0].pays(39))
        #expect(brackets[4].pays(45) && !brackets[4].pays(44))
        for v in Int32(30)...Int32(50) {
            #expect(brackets.filter { $0.pays(v) }.count == 1, "\(v)°F pays exactly one bracket")
        }
        // The inclusive forms and negative strikes.
        #expect(Bracket(tenths("X", .lessOrEqual, floor: nil, cap: 425))?.highest == 42)
        #expect(Bracket(tenths("X", .greaterOrEqual, floor: 425, cap: nil))?.lowest == 43)
        #expect(Bracket(tenths("X", .less, floor: nil, cap: -5))?.highest == -1)
        #expect(Bracket(tenths("X", .greater, floor: -15, cap: nil))?.lowest == -1)
        #expect(Bracket(tenths("X", .between, floor: -25, cap: -5))?.label == "-2--1°")
        #expect(Bracket(tenths("X", .between, floor: 412, cap: 418)) == nil, "no whole degree in 41.2–41.8")
    }
}
