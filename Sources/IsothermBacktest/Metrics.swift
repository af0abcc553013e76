import IsothermCore
package import IsothermEvents

/// The seed's report figures and ours, over the filled trades of a run (or of one city).
package struct Metrics: Equatable, Sendable {
    package var trades = 0
    package var days = 0
    /// Trades that made money (net P&L > 0).
    package var wins = 0
    /// Settled trades whose bracket paid YES (the seed's `bin_won`).
    package var bracketHits = 0
    package var settledTrades = 0
    /// Trades whose official report and Kalshi's determination disagree, and their event dates.
    package var disagreements = 0
    package var disagreementDates: [LocalDate] = []
    /// Orders refused (by risk limits or the exchange), by code, most frequent first.
    package var rejections: [(code: String, count: Int)] = []
    /// Limit orders that met a quote at or through their price when placed (taken, or refused post-only).
    package var crossedOrders = 0
    package var totalPnL = Money.zero
    package var wagered = Money.zero
    package var fees = Money.zero
    package var ordersPlaced = 0
    package var ordersFilled = 0
    /// Sample standard deviation (n − 1) of per-trade net P&L, dollars.
    package var pnlStdPerTrade = 0.0
    package var sharpePerTrade = 0.0
    package var pnlStdDaily = 0.0
    package var sharpeDaily = 0.0
    /// Largest fall of cumulative daily P&L from a previous peak, dollars (≥ 0).
    package var maxDrawdown = Money.zero
    /// Net P&L by event date, across the cities in the run, in date order.
    package var daily: [(date: LocalDate, pnl: Money)] = []
    /// Net P&L and trades by bracket position (0 = lowest bracket of the event).
    package var byBracketPosition: [(position: Int, trades: Int, pnl: Money)] = []

    package var winRate: Double { trades > 0 ? Double(wins) / Double(trades) : 0 }
    /// The share of settled trades whose bracket paid.
    package var bracketHitRate: Double { settledTrades > 0 ? Double(bracketHits) / Double(settledTrades) : 0 }
    package var rejectedOrders: Int { rejections.reduce(0) { $0 + $1.count } }
    package var averagePnL: Double { trades > 0 ? Self.dollars(totalPnL) / Double(trades) : 0 }
    package var roi: Double { wagered.micros > 0 ? Double(totalPnL.micros) / Double(wagered.micros) : 0 }
    package var fillRate: Double { ordersPlaced > 0 ? Double(ordersFilled) / Double(ordersPlaced) : 0 }

    package static func dollars(_ m: Money) -> Double { Double(m.micros) / 1e6 }

    package static func == (a: Metrics, b: Metrics) -> Bool {
        a.trades == b.trades && a.totalPnL == b.totalPnL && a.wagered == b.wagered && a.fees == b.fees
            && a.wins == b.wins && a.ordersPlaced == b.ordersPlaced && a.ordersFilled == b.ordersFilled
            && a.bracketHits == b.bracketHits && a.disagreements == b.disagreements
            && a.rejectedOrders == b.rejectedOrders && a.crossedOrders == b.crossedOrders
    }

    /// Figures over `trades` (unfilled ones count only toward the fill rate), `ordersPlaced` buy
    /// orders (rejected ones included). `positions` gives each trade's bracket position.
    package init(trades all: [Trade], ordersPlaced: Int, position: (Trade) -> Int? = { _ in nil }) {
        self.ordersPlaced = ordersPlaced
        let filled = all.filter { $0.contracts.hundredths > 0 }
        ordersFilled = filled.count
        trades = filled.count
        var byDay: [LocalDate: Int64] = [:]
        var byPosition: [Int: (Int, Int64)] = [:]
        var values: [Double] = []
        for t in filled {
            if t.won { wins += 1 }
            if let hit = t.bracketWon {
                settledTrades += 1
                if hit { bracketHits += 1 }
            }
            if t.settlementDisagrees {
                disagreements += 1
                if !disagreementDates.contains(t.eventDate) { disagreementDates.append(t.eventDate) }
            }
            totalPnL = totalPnL + t.netPnL
            wagered = wagered + t.cost
            fees = fees + t.fees
            byDay[t.eventDate, default: 0] += t.netPnL.micros
            values.append(Self.dollars(t.netPnL))
            if let p = position(t) {
                let old = byPosition[p] ?? (0, 0)
                byPosition[p] = (old.0 + 1, old.1 + t.netPnL.micros)
            }
        }
        disagreementDates.sort()
        days = byDay.count
        daily = byDay.keys.sorted().map { ($0, Money(micros: byDay[$0]!)) }
        byBracketPosition = byPosition.keys.sorted().map { ($0, byPosition[$0]!.0, Money(micros: byPosition[$0]!.1)) }
        (pnlStdPerTrade, sharpePerTrade) = Self.stdAndSharpe(values)
        (pnlStdDaily, sharpeDaily) = Self.stdAndSharpe(daily.map { Self.dollars($0.pnl) })
        var peak: Int64 = 0
        var cumulative: Int64 = 0
        var worst: Int64 = 0
        for d in daily {
            cumulative += d.pnl.micros
            peak = max(peak, cumulative)
            worst = max(worst, peak - cumulative)
        }
        maxDrawdown = Money(micros: worst)
    }

    /// Counts the refused and crossing orders among a run's output events.
    package mutating func count(_ output: [EventRecord], crossed: Int) {
        var codes: [(String, Int)] = []
        for e in output {
            guard case .orderRejected(let r) = e.event else { continue }
            if let i = codes.firstIndex(where: { $0.0 == r.code }) {
                codes[i].1 += 1
            } else {
                codes.append((r.code, 1))
            }
        }
        rejections = codes.sorted { ($1.1, $0.0) < ($0.1, $1.0) }.map { (code: $0.0, count: $0.1) }
        crossedOrders = crossed
    }

    /// Sample standard deviation and mean / std (0 when fewer than two values or no spread).
    static func stdAndSharpe(_ v: [Double]) -> (Double, Double) {
        guard v.count >= 2 else { return (0, 0) }
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)
        let std = variance.squareRoot()
        return (std, std > 0 ? mean / std : 0)
    }
}
