package import IsothermCore
package import IsothermEvents

/// How resting (maker) orders fill in a backtest. Reported with every result.
package enum FillModel: String, CaseIterable, Sendable {
    /// The seed's: every maker order fills in full at its price when posted.
    case assume
    /// Fills in full only if, within the window after posting, the market traded or was offered at or
    /// below our price (a candle's trade low or YES ask low, a trade print or a ticker's YES ask ≤ our
    /// bid); otherwise it is canceled.
    case touch
    /// Fills the part that volume traded at or through our price (a candle's volume when its trade low
    /// reached our bid, a trade print's count) could have reached behind the size resting ahead of us
    /// (`queueAhead`), within the window.
    case queue
}

package struct ExchangeOptions: Equatable, Sendable {
    package var fillModel: FillModel = .assume
    /// How long a maker order rests before it is canceled (touch, queue); nil: until the market closes.
    package var windowMinutes: Int64? = 120
    /// For `queue`: contracts resting at our price ahead of us when we post.
    package var queueAhead = Count(contracts: 250)
    /// Orders go to a real exchange (a live session's `--exchange` or `--trade`): the fill model is the
    /// exchange's own, and only the fill window is kept (``ExternalBroker``).
    package var atExchange = false

    package init(fillModel: FillModel = .assume) { self.fillModel = fillModel }
}

/// A simulated exchange: answers order intents with acknowledgements, fills and cancels, as events.
/// Pure: its answers depend only on the intents and the candles it is shown, in order.
package struct SimulatedExchange: Sendable {
    private struct Resting: Sendable {
        var intent: OrderIntent
        var orderId: String
        var remaining: Count
        var expiresAt: Timestamp
        var queueAhead: Int64
        var feeType: FeeType
        var feeMultiplier: Int64
        var fills = 0
    }

    package let options: ExchangeOptions
    private var resting: [Resting] = []
    private var orderNumber = 0

    package init(options: ExchangeOptions) { self.options = options }

    /// Orders resting now.
    package var restingCount: Int { resting.count }
    package var hasResting: Bool { !resting.isEmpty }

    /// Whether the order `clientOrderId` still rests.
    package func isResting(_ clientOrderId: String) -> Bool {
        resting.contains { $0.intent.clientOrderId == clientOrderId }
    }

    /// Whether an order rests on `ticker` (its candles must then be shown to ``candle(_:at:)``).
    package func hasResting(on ticker: Symbol) -> Bool { resting.contains { $0.intent.ticker == ticker } }

    /// What the exchange did with an order.
    package struct Submission: Sendable {
        /// Its answers: acknowledged, filled, rejected.
        package var events: [Event]
        /// A limit order met a quote already at or through its price (it filled as a taker, or was
        /// rejected for being post-only).
        package var crossed = false
        /// It rests in the book (touch and queue), so its market's candles must be shown to ``candle(_:at:)``.
        package var rests = false
    }

    /// An order arrives at `time`. `market` is its listing (fees, close time); `quote` the market's latest
    /// quote, if it has had a candle.
    ///
    /// A market order takes at the price the strategy saw. A limit order that meets the latest quote
    /// (a buy at or above the ask, a sell at or below the bid) takes that quote, paying the taker fee —
    /// or, post-only, is rejected as Kalshi rejects it (`post_only_rejected`); it never fills at its own
    /// limit as a maker. A limit order that does not cross, or that arrives before its market has any
    /// quote, rests first in the book at its price: `assume` fills it there at once, `touch` and `queue`
    /// wait for the market to come to it.
    package mutating func submit(_ intent: OrderIntent, at time: Timestamp, market: MarketListed?, quote: Quote?)
        -> Submission
    {
        guard let market else {
            return Submission(events: [
                .orderRejected(
                    OrderRejected(
                        clientOrderId: intent.clientOrderId, code: "unknown_market",
                        message: "\(intent.ticker) is not listed"))
            ])
        }
        guard time < market.closeTime else {
            return Submission(events: [
                .orderRejected(
                    OrderRejected(
                        clientOrderId: intent.clientOrderId, code: "market_closed",
                        message: "\(intent.ticker) closed at \(market.closeTime)"))
            ])
        }
        var crossing: Price? = nil
        if intent.type == .limit {
            if intent.action == .buy, let ask = quote?.offer, ask <= intent.price { crossing = ask }
            if intent.action == .sell, let bid = quote?.bidPrice, bid >= intent.price { crossing = bid }
        }
        if let at = crossing, intent.postOnly {
            let side = intent.action == .buy ? "ask" : "bid"
            return Submission(
                events: [
                    .orderRejected(
                        OrderRejected(
                            clientOrderId: intent.clientOrderId, code: "post_only_rejected",
                            message:
                                "post-only \(intent.action == .buy ? "buy" : "sell") at $\(DecisionText.dollars(intent.price)) would take the \(side) $\(DecisionText.dollars(at))"
                        ))
                ], crossed: true)
        }
        orderNumber += 1
        let orderId = "sim-\(orderNumber)"
        var out: [Event] = [
            .orderAcknowledged(OrderAcknowledged(clientOrderId: intent.clientOrderId, orderId: orderId))
        ]
        if intent.type == .market || crossing != nil {
            // Takers trade now: a market order at the price the strategy saw, a crossing limit at the quote.
            out.append(
                .fill(
                    fill(
                        intent, orderId: orderId, price: crossing ?? intent.price, count: intent.count, number: 1,
                        isTaker: true, feeType: market.feeType, multiplier: market.feeMultiplierMillionths)))
            return Submission(events: out, crossed: crossing != nil)
        }
        let expires =
            options.windowMinutes.map { min(market.closeTime, time.adding(nanos: $0 * Timestamp.nanosPerMinute)) }
            ?? market.closeTime
        var order = Resting(
            intent: intent, orderId: orderId, remaining: intent.count, expiresAt: expires,
            queueAhead: options.queueAhead.hundredths, feeType: market.feeType,
            feeMultiplier: market.feeMultiplierMillionths)
        if options.fillModel == .assume {
            order.fills = 1
            out.append(
                .fill(
                    fill(
                        intent, orderId: orderId, price: intent.price, count: intent.count, number: 1, isTaker: false,
                        feeType: market.feeType, multiplier: market.feeMultiplierMillionths)))
            return Submission(events: out)
        }
        resting.append(order)
        return Submission(events: out, rests: true)
    }

    /// A candle of a market with resting orders: what it filled. Its trade low and YES ask low are what
    /// the market came down to within the minute; its volume is what traded.
    package mutating func candle(_ c: Candle, at time: Timestamp) -> [Event] {
        match(
            c.ticker, at: time, traded: c.price.map { (low: $0.low.micros, volume: c.volume.hundredths) },
            offered: c.yesAsk?.low.micros)
    }

    /// A ticker update (the live feed's quote) of a market with resting orders: `touch` fills an order
    /// the YES ask has come down to (a zero ask is none); nothing traded, so `queue` waits for trades.
    package mutating func ticker(_ update: TickerUpdate, at time: Timestamp) -> [Event] {
        match(update.ticker, at: time, traded: nil, offered: update.yesAsk.flatMap { $0.micros > 0 ? $0.micros : nil })
    }

    /// A public trade print of a market with resting orders: a trade at or below an order's price fills
    /// it (`touch`), or as much of its count as reaches it behind the queue ahead (`queue`).
    package mutating func trade(_ t: IsothermEvents.Trade, at time: Timestamp) -> [Event] {
        match(t.ticker, at: time, traded: (low: t.yesPrice.micros, volume: t.count.hundredths), offered: nil)
    }

    /// Fills resting orders on `ticker` that the market reached: `traded` is the lowest price traded and
    /// the volume, `offered` the lowest YES ask, in micro-dollars.
    private mutating func match(
        _ ticker: Symbol, at time: Timestamp, traded: (low: Int64, volume: Int64)?, offered: Int64?
    )
        -> [Event]
    {
        var out: [Event] = []
        var i = 0
        while i < resting.count {
            guard resting[i].intent.ticker == ticker, time <= resting[i].expiresAt else {
                i += 1
                continue
            }
            let limit = resting[i].intent.price.micros
            let tradedThrough = traded.map { $0.low <= limit } ?? false
            let offeredThrough = offered.map { $0 <= limit } ?? false
            var filled = Count.zero
            switch options.fillModel {
            case .assume:
                break
            case .touch:
                if tradedThrough || offeredThrough { filled = resting[i].remaining }
            case .queue:
                if tradedThrough, var volume = traded?.volume {
                    let ahead = min(volume, resting[i].queueAhead)
                    resting[i].queueAhead -= ahead
                    volume -= ahead
                    filled = Count(hundredths: min(volume, resting[i].remaining.hundredths) / 100 * 100)
                }
            }
            if filled.hundredths > 0 {
                resting[i].fills += 1
                resting[i].remaining = Count(hundredths: resting[i].remaining.hundredths - filled.hundredths)
                out.append(
                    .fill(
                        fill(
                            resting[i].intent, orderId: resting[i].orderId, price: resting[i].intent.price,
                            count: filled,
                            number: resting[i].fills,
                            isTaker: false,
                            feeType: resting[i].feeType, multiplier: resting[i].feeMultiplier)))
            }
            if resting[i].remaining.hundredths == 0 { resting.remove(at: i) } else { i += 1 }
        }
        return out
    }

    /// When the first resting order's window ends (nil: none rests).
    package var nextExpiry: Timestamp? { resting.lazy.map(\.expiresAt).min() }

    /// Cancels orders whose window ended before `time`, in the order their windows ended (equal ends:
    /// in the order they were placed), so canceling up to a time in one call or in several gives the
    /// same events in the same order.
    package mutating func expire(before time: Timestamp) -> [(time: Timestamp, event: Event)] {
        var ended: [Resting] = []
        var i = 0
        while i < resting.count {
            if resting[i].expiresAt < time { ended.append(resting.remove(at: i)) } else { i += 1 }
        }
        if ended.count > 1 {
            ended = ended.enumerated().sorted { ($0.element.expiresAt, $0.offset) < ($1.element.expiresAt, $1.offset) }
                .map(\.element)
        }
        return ended.map { r in
            (
                r.expiresAt,
                .orderCanceled(
                    OrderCanceled(
                        clientOrderId: r.intent.clientOrderId, reason: "fill window ended", canceledCount: r.remaining))
            )
        }
    }

    /// The strategy cancels what is left of an order.
    package mutating func cancel(_ clientOrderId: String, reason: String) -> [Event] {
        guard let i = resting.firstIndex(where: { $0.intent.clientOrderId == clientOrderId }) else { return [] }
        let r = resting.remove(at: i)
        return [.orderCanceled(OrderCanceled(clientOrderId: clientOrderId, reason: reason, canceledCount: r.remaining))]
    }

    private func fill(
        _ intent: OrderIntent, orderId: String, price: Price, count: Count, number: Int, isTaker: Bool,
        feeType: FeeType, multiplier: Int64
    ) -> Fill {
        let fee =
            isTaker
            ? Fees.taker(count: count, price: price, multiplierMillionths: multiplier)
            : Fees.maker(count: count, price: price, feeType: feeType, multiplierMillionths: multiplier)
        return Fill(
            clientOrderId: intent.clientOrderId, orderId: orderId, tradeId: "\(orderId)-\(number)",
            ticker: intent.ticker,
            side: intent.side, action: intent.action, price: price, count: count, fee: fee, isTaker: isTaker)
    }
}
