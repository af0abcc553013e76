package import IsothermEvents

/// One position from entry to settlement (or exit), with what the decision read.
package struct TradeRecord: Equatable, Sendable {
    package var city: String
    package var eventDate: LocalDate
    package var ticker: Symbol
    package var bracket: String
    /// The whole-°F range the market pays on (from its exact strikes).
    package var range: Bracket?
    package var clientOrderId: String
    /// Values the entry decision recorded (forecast basis date, raw and adjusted high, …).
    package var decision: [Field]
    package var decisionSequence: UInt64
    package var entryPrice: Price
    package var contracts: Count
    package var cost: Money
    package var fees: Money
    /// Set when the position was sold before settlement (the last sale's price).
    package var exitPrice: Price?
    package var exitContracts = Count.zero
    /// The official high (whole °F) from the latest final report for the event date, if one was seen.
    package var settledHigh: Int32?
    /// Kalshi's determination: whether our bracket paid YES.
    package var bracketWon: Bool?
    package var grossPnL = Money.zero
    package var netPnL = Money.zero
    package var settled = false
    /// Entry orders that crossed the quote when placed (filled as a taker).
    package var crossed = false
    /// When the market was determined (the settlement), once it was.
    package var settledAt: Timestamp?

    package init(
        city: String, eventDate: LocalDate, ticker: Symbol, bracket: String, range: Bracket?, clientOrderId: String,
        decision: [Field], decisionSequence: UInt64, entryPrice: Price
    ) {
        self.city = city
        self.eventDate = eventDate
        self.ticker = ticker
        self.bracket = bracket
        self.range = range
        self.clientOrderId = clientOrderId
        self.decision = decision
        self.decisionSequence = decisionSequence
        self.entryPrice = entryPrice
        contracts = .zero
        cost = .zero
        fees = .zero
    }

    package func value(_ name: String) -> String? { decision.first { $0.name == name }?.value }

    /// A trade that made money: net P&L above zero (a winning bracket bought too dear is not a win).
    package var won: Bool { netPnL.micros > 0 }

    /// The official report's high and Kalshi's determination disagree about our bracket: the report's
    /// high lies inside the bracket but it did not pay, or outside it and it paid. Kalshi's result is
    /// what paid; the disagreement is reported, never hidden.
    package var settlementDisagrees: Bool {
        guard let high = settledHigh, let won = bracketWon, let range else { return false }
        return range.pays(high) != won
    }
}

/// The one book of trades: holdings, trades, P&L and settlement, folded from buy intents, fills and
/// determinations in the order they happen. The backtest keeps its trades with it, and the Postgres
/// `sim.trade` projection rebuilds a saved run's trades with it from the runs log — so the report, the
/// audit and the old tables can never disagree about a trade.
///
/// Rules: a buy intent opens a trade (with no contracts until a fill); a buy fill adds contracts,
/// cost (count × price) and fees to the trade its client order id opened, and to the holding of its
/// market; a sell fill reduces the holding and records on the trade that opened it the sale's
/// contracts, price, fee and proceeds; a determination settles every open trade of its market —
/// what was held pays the settlement value ($1 for YES, else 0 unless Kalshi says otherwise), gross
/// P&L is proceeds plus payout minus cost, net is gross minus fees — and closes the holding.
package struct TradeBook: Sendable {
    package private(set) var trades: [TradeRecord] = []
    package private(set) var holdings: [Holding] = []
    /// Buy client order id → index in `trades`.
    private var openTrades: [String: Int] = [:]

    package init() {}

    /// A buy order was placed: its trade opens. `event` gives the market's date and bracket.
    package mutating func open(
        _ intent: OrderIntent, city: String, event: EventMarkets, decision: [Field], decisionSequence: UInt64
    ) {
        guard let i = event.index(of: intent.ticker) else { return }
        open(
            TradeRecord(
                city: city, eventDate: event.date, ticker: intent.ticker, bracket: event.brackets[i].label,
                range: event.brackets[i], clientOrderId: intent.clientOrderId, decision: decision,
                decisionSequence: decisionSequence, entryPrice: intent.price))
    }

    /// Opens a trade built by the caller (the projection, from a listing).
    package mutating func open(_ trade: TradeRecord) {
        openTrades[trade.clientOrderId] = trades.count
        trades.append(trade)
    }

    /// The trade a buy order opened.
    package func trade(opening clientOrderId: String) -> TradeRecord? { openTrades[clientOrderId].map { trades[$0] } }

    /// Marks the trade a buy order opened as having crossed the quote when placed.
    package mutating func markCrossed(_ clientOrderId: String) {
        if let i = openTrades[clientOrderId] { trades[i].crossed = true }
    }

    /// A fill from the exchange.
    package mutating func apply(_ f: Fill, at time: Timestamp) {
        if f.action == .buy {
            if let i = openTrades[f.clientOrderId] {
                trades[i].contracts = Count(hundredths: trades[i].contracts.hundredths + f.count.hundredths)
                trades[i].cost = trades[i].cost + Money.cost(f.count, f.price)
                trades[i].fees = trades[i].fees + f.fee
            }
            if let h = holdings.firstIndex(where: { $0.ticker == f.ticker }) {
                holdings[h].contracts = Count(hundredths: holdings[h].contracts.hundredths + f.count.hundredths)
            } else {
                holdings.append(
                    Holding(ticker: f.ticker, contracts: f.count, openedAt: time, openedBy: f.clientOrderId))
            }
        } else if let h = holdings.firstIndex(where: { $0.ticker == f.ticker }) {
            let sold = min(f.count.hundredths, holdings[h].contracts.hundredths)
            holdings[h].contracts = Count(hundredths: holdings[h].contracts.hundredths - sold)
            if let i = openTrades[holdings[h].openedBy] {
                trades[i].exitPrice = f.price
                trades[i].exitContracts = Count(hundredths: trades[i].exitContracts.hundredths + sold)
                trades[i].fees = trades[i].fees + f.fee
                trades[i].grossPnL = trades[i].grossPnL + Money.cost(Count(hundredths: sold), f.price)
            }
        }
    }

    /// A market was determined: every open trade in it is settled and its holding closed.
    /// - Parameters:
    ///   - value: the payout per YES contract Kalshi gave (nil: $1 for YES, 0 otherwise).
    ///   - officialHigh: the official report's high for the event date, when one is known.
    /// - Returns: the net P&L each settled trade realized, in book order (for risk limits).
    @discardableResult
    package mutating func settle(
        _ ticker: Symbol, result: MarketLifecycle.Result, value: Price?, officialHigh: Int32?, at time: Timestamp
    ) -> [Money] {
        let payout = value ?? (result == .yes ? .one : .zero)
        var realized: [Money] = []
        for i in trades.indices where trades[i].ticker == ticker && !trades[i].settled {
            var t = trades[i]
            let held = Count(hundredths: t.contracts.hundredths - t.exitContracts.hundredths)
            t.settled = true
            t.settledAt = time
            t.bracketWon = result == .yes
            t.settledHigh = officialHigh
            // Gross P&L: what the contracts returned (sold plus settled) minus what they cost.
            t.grossPnL = t.grossPnL + Money.cost(held, payout) - t.cost
            t.netPnL = t.grossPnL - t.fees
            trades[i] = t
            realized.append(t.netPnL)
        }
        holdings.removeAll { $0.ticker == ticker }
        return realized
    }

    /// A final (or corrected) report after a settlement: the settled trades of its day record it.
    package mutating func recordOfficialHigh(_ high: Int32, for date: LocalDate, city: String) {
        for i in trades.indices where trades[i].settled && trades[i].eventDate == date && trades[i].city == city {
            trades[i].settledHigh = high
        }
    }
}
