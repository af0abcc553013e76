import FuzzSupport
import IsothermEvents
import IsothermImport

/// Kalshi REST JSON: every response reader (markets page, market, events page, event, series, the
/// three candlestick shapes, with and without a period, and the portfolio's orders, fills and
/// balance), and the markets' events.
@main
enum FuzzKalshiREST {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            var markets: [KalshiMarket] = []
            var series: [KalshiSeries] = []
            var events: [KalshiEvent] = []
            if let page = try? KalshiMarketParser.marketsPage(bytes, source: "fuzz") { markets += page.markets }
            if let market = try? KalshiMarketParser.market(bytes, source: "fuzz") { markets.append(market) }
            if let page = try? KalshiMarketParser.eventsPage(bytes, source: "fuzz") { events += page.events }
            if let event = try? KalshiMarketParser.event(bytes, source: "fuzz") { events.append(event) }
            if let list = try? KalshiMarketParser.series(bytes, source: "fuzz") { series += list }
            markets += events.flatMap(\.markets)
            for market in markets {
                _ = market.determinedTime
                FuzzCheck.storable(market.records(fees: .assumedDefault), "kalshi market")
            }
            let schedule = KalshiFeeSchedule(series: series, events: events)
            FuzzCheck.storable(schedule.records(markets), "kalshi fee schedule")
            for period in [nil, UInt16(1)] {
                if let candles = try? KalshiCandlestickParser.candlesticks(bytes, source: "fuzz", periodMinutes: period)
                {
                    FuzzCheck.storable(candles, "kalshi candlesticks")
                }
                if let candles = try? KalshiCandlestickParser.batch(bytes, source: "fuzz", periodMinutes: period) {
                    FuzzCheck.storable(candles, "kalshi candlesticks batch")
                }
                if let candles = try? KalshiCandlestickParser.eventCandlesticks(
                    bytes, source: "fuzz", periodMinutes: period)
                {
                    FuzzCheck.storable(candles, "kalshi event candlesticks")
                }
            }
            // The portfolio readers the live trader reconciles with.
            _ = try? KalshiPortfolioParser.ordersPage(bytes, source: "fuzz")
            _ = try? KalshiPortfolioParser.order(bytes, source: "fuzz")
            _ = try? KalshiPortfolioParser.fillsPage(bytes, source: "fuzz")
            _ = try? KalshiPortfolioParser.balance(bytes, source: "fuzz")
            return 0
        }
    }
}
