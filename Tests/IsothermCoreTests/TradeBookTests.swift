import IsothermEvents
import Testing

@testable import IsothermCore

/// The one book of trades, step by step: what each intent, fill and determination does to the
/// trades and holdings.
@Suite struct TradeBookTests {
    static func t(_ s: String) -> Timestamp { Timestamp(rfc3339: s)! }
    static let day = LocalDate(iso8601: "2025-06-10")!
    static let ticker = Symbol("KXHIGHNY-25JUN10-B81.5")!

    static func event() -> EventMarkets {
        var e = EventMarkets(eventTicker: Symbol("KXHIGHNY-25JUN10")!, date: day)
        e.add(
            MarketListed(
                ticker: ticker, eventTicker: Symbol("KXHIGHNY-25JUN10")!, seriesTicker: Symbol("KXHIGHNY")!,
                eventDate: day, strikeType: .between, floorStrike: Temperature(degrees: 81),
                capStrike: Temperature(degrees: 82), openTime: t("2025-06-09T14:00:00Z"),
                closeTime: t("2025-06-11T03:59:00Z"), feeType: .quadratic, feeMultiplierMillionths: 1_000_000,
                title: ""), sequence: 7)
        return e
    }

    static func fill(_ action: OrderAction, _ contracts: Int64, _ cents: Int64, fee: String, id: String) -> Fill {
        Fill(
            clientOrderId: id, orderId: "o", tradeId: "t", ticker: ticker, side: .yes, action: action,
            price: Price(cents: cents), count: Count(contracts: contracts), fee: Money(dollars: fee)!, isTaker: false)
    }

    @Test func aBuyPartlySoldThenSettled() {
        var book = TradeBook()
        let intent = OrderIntent(
            clientOrderId: "buy", ticker: Self.ticker, side: .yes, action: .buy, type: .limit, price: Price(cents: 50),
            count: Count(contracts: 400), postOnly: true, decisionSequence: 3)
        book.open(intent, city: "NY", event: Self.event(), decision: [Field("rounded_high", "81")], decisionSequence: 3)
        #expect(book.trades.count == 1 && book.trades[0].contracts == .zero && book.holdings.isEmpty)
        #expect(book.trades[0].bracket == "81-82°" && book.trades[0].value("rounded_high") == "81")

        book.apply(Self.fill(.buy, 300, 50, fee: "0", id: "buy"), at: Self.t("2025-06-09T15:00:00Z"))
        book.apply(Self.fill(.buy, 100, 50, fee: "0", id: "buy"), at: Self.t("2025-06-09T16:00:00Z"))
        #expect(book.trades[0].contracts == Count(contracts: 400) && book.trades[0].cost == Money(dollars: "200")!)
        #expect(
            book.holdings == [
                Holding(
                    ticker: Self.ticker, contracts: Count(contracts: 400), openedAt: Self.t("2025-06-09T15:00:00Z"),
                    openedBy: "buy")
            ])

        // Sell 150 at 60¢ with a $1.26 fee: the trade records the sale; the holding keeps 250.
        book.apply(Self.fill(.sell, 150, 60, fee: "1.26", id: "exit"), at: Self.t("2025-06-10T15:00:00Z"))
        #expect(book.trades[0].exitContracts == Count(contracts: 150) && book.trades[0].exitPrice == Price(cents: 60))
        #expect(book.trades[0].grossPnL == Money(dollars: "90")! && book.trades[0].fees == Money(dollars: "1.26")!)
        #expect(book.holdings.first?.contracts == Count(contracts: 250))

        // YES: 250 held pay $250; gross = 90 + 250 − 200 = 140; net = 138.74; the holding closes.
        let realized = book.settle(
            Self.ticker, result: .yes, value: nil, officialHigh: 82, at: Self.t("2025-06-11T12:00:00Z"))
        #expect(realized == [Money(dollars: "138.74")!])
        let trade = book.trades[0]
        #expect(trade.settled && trade.bracketWon == true && trade.settledHigh == 82 && !trade.settlementDisagrees)
        #expect(trade.grossPnL == Money(dollars: "140")! && trade.netPnL == Money(dollars: "138.74")! && trade.won)
        #expect(book.holdings.isEmpty)
        // Settling again changes nothing; a later report (a correction) is recorded.
        #expect(
            book.settle(Self.ticker, result: .no, value: nil, officialHigh: nil, at: Self.t("2025-06-11T13:00:00Z"))
                .isEmpty)
        book.recordOfficialHigh(80, for: Self.day, city: "NY")
        #expect(book.trades[0].settledHigh == 80 && book.trades[0].settlementDisagrees)
        book.recordOfficialHigh(79, for: Self.day, city: "CHI")
        #expect(book.trades[0].settledHigh == 80, "another city's report")
    }
}
