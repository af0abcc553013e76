import IsothermCore
package import IsothermEvents
package import IsothermImport
package import IsothermKalshi

/// An error as Kalshi answers it: the HTTP status and `ErrorResponse {code, message}`.
package struct ExchangeError: Error, Equatable, Sendable, CustomStringConvertible {
    package var status: Int
    package var code: String
    package var message: String

    package init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    package var description: String { "\(status) \(code): \(message)" }

    /// `{"error": {"code", "message", "service"}}`, the wrapped form Kalshi sends.
    package var json: String {
        var j = JSONWriter()
        j.beginObject()
        j.beginObject("error")
        j.string("code", code)
        j.string("message", message)
        j.string("service", "isotherm-exchange")
        j.endObject()
        j.endObject()
        return j.output
    }
}

/// One order as the exchange keeps it (Kalshi's V2 `Order`).
package struct ExchangeOrder: Equatable, Sendable {
    package enum Status: String, Sendable { case resting, canceled, executed }

    package var orderId: String
    package var clientOrderId: String
    package var ticker: Symbol
    package var side: KalshiBookSide
    /// The YES price.
    package var yesPrice: Price
    package var initialCount: Count
    package var fillCount: Count = .zero
    package var remainingCount: Count
    package var status: Status
    package var postOnly: Bool
    package var takerFees = Money.zero
    package var makerFees = Money.zero
    package var takerFillCost = Money.zero
    package var makerFillCost = Money.zero
    package var created: Timestamp
    package var lastUpdate: Timestamp
    /// Contracts resting ahead of this order at its price (the queue fill model).
    var queueAhead: Int64
    /// Collateral held for what remains (count × the price of the side bought).
    fileprivate(set) var reserved: Money

    /// What the order outcome side is: a bid buys YES, an ask buys NO.
    package var outcomeSide: Side { side == .bid ? .yes : .no }
}

/// One fill (Kalshi's `Fill`).
package struct ExchangeFill: Equatable, Sendable {
    package var fillId: String
    package var orderId: String
    package var clientOrderId: String
    package var ticker: Symbol
    package var side: KalshiBookSide
    package var yesPrice: Price
    package var count: Count
    package var isTaker: Bool
    package var fee: Money
    package var time: Timestamp
    /// The position after the fill (contracts in hundredths: + YES, − NO).
    package var postPosition: Int64
}

/// One market's position (Kalshi's `MarketPosition`).
package struct ExchangePosition: Equatable, Sendable {
    /// Contracts in hundredths: + YES, − NO.
    package var position: Int64 = 0
    /// What the contracts held now cost (micro-dollars), fees apart.
    package var exposure: Int64 = 0
    package var realizedPnl: Int64 = 0
    package var feesPaid: Int64 = 0
    package var totalTraded: Int64 = 0
}

/// A message the exchange owes its WebSocket subscribers, in the order things happened.
package enum ExchangeNotice: Equatable, Sendable {
    case order(ExchangeOrder)
    case fill(ExchangeFill)
    case position(ticker: Symbol, ExchangePosition)
    case candle(Candle, at: Timestamp, totalVolume: Count)
    case lifecycle(MarketLifecycle, at: Timestamp)
    /// A market listed: Kalshi's `created` lifecycle message, its metadata carrying the strikes.
    case listed(MarketListed, at: Timestamp)
}

/// The local exchange's state: markets and their quotes from a world log, one account's orders, fills,
/// positions and cash. Pure: every call is given the exchange time, and the same calls in the same order
/// give the same answers, so a test (or a replay) can drive it without a clock.
///
/// Matching follows the backtest's queue model (``FillModel/queue``) on both sides of the one YES book:
/// an order that meets the latest quote on arrival takes it (taker fee), or is rejected if post-only;
/// otherwise it rests, behind `queueAhead` contracts, and fills from the volume that later candles trade
/// through its price (a bid from a candle whose trade low reached it, an ask from one whose trade high
/// did), as a maker. Cash moves as Kalshi's does: buying YES at p costs p, buying NO (an ask at YES
/// price p) costs 1 − p, and a YES and a NO held together are netted into $1 at once.
package struct ExchangeBook: Sendable {
    package struct Options: Equatable, Sendable {
        package var startingBalance = Money(micros: 10_000_000_000)
        package var queueAhead = Count(contracts: 250)
        package init() {}
    }

    package struct Market: Sendable {
        package var listing: MarketListed
        package var bid: Price?
        package var ask: Price?
        package var last: Price?
        package var volume = Count.zero
        package var openInterest = Count.zero
        package var result: MarketLifecycle.Result?
        package var settled = false
    }

    package let options: Options
    package private(set) var markets: [Symbol: Market] = [:]
    /// Tickers in listing order (what `GET /markets` pages through).
    package private(set) var tickers: [Symbol] = []
    package private(set) var orders: [ExchangeOrder] = []
    private var orderIndex: [String: Int] = [:]
    private var clientIndex: [String: Int] = [:]
    package private(set) var fills: [ExchangeFill] = []
    package private(set) var positions: [Symbol: ExchangePosition] = [:]
    /// Cash in micro-dollars, before collateral held for resting orders.
    package private(set) var cash: Int64
    package private(set) var now = Timestamp(nanos: 0)
    /// What subscribers are owed since the last ``drainNotices()``.
    private var notices: [ExchangeNotice] = []
    /// The collateral resting orders hold, in micro-dollars: the sum of their `reserved`, kept as it
    /// changes (``reserve(_:_:)``) so that a create does not walk every order.
    private var held: Int64 = 0

    package init(options: Options = Options()) {
        self.options = options
        cash = options.startingBalance.micros
    }

    // MARK: - The world

    /// Shows the exchange one event of its world log at `time` (in time order): listings, candles,
    /// lifecycle and settlements move markets; candles fill resting orders.
    package mutating func apply(_ event: Event, at time: Timestamp) {
        now = max(now, time)
        switch event {
        case .marketListed(let m):
            if markets[m.ticker] == nil {
                tickers.append(m.ticker)
                notices.append(.listed(m, at: time))
            }
            markets[m.ticker] = Market(listing: m)
        case .candle(let c):
            guard var m = markets[c.ticker] else { return }
            if let b = c.yesBid { m.bid = b.close }
            if let a = c.yesAsk { m.ask = a.close }
            if let p = c.price { m.last = p.close }
            m.volume = Count(hundredths: m.volume.hundredths + c.volume.hundredths)
            m.openInterest = c.openInterest
            markets[c.ticker] = m
            notices.append(.candle(c, at: time, totalVolume: m.volume))
            match(c, at: time)
        case .marketLifecycle(let l):
            notices.append(.lifecycle(l, at: time))
            if l.transition == .closeDateUpdated, let close = l.closeTime {
                markets[l.ticker]?.listing.closeTime = close
            }
            if l.transition == .determined || l.transition == .settled, let result = l.result {
                determine(l.ticker, result: result, at: time)
            }
        case .settlement(let s) where s.isFinal:
            for t in tickers {
                guard let m = markets[t], m.result == nil, m.listing.eventDate == s.climateDate,
                    Event.marketListed(m.listing).cityRoute == Event.settlement(s).cityRoute,
                    let bracket = Bracket(m.listing)
                else { continue }
                determine(t, result: bracket.pays(s.high.tenths / 10) ? .yes : .no, at: time)
            }
        default:
            break
        }
        closeExpired(at: time)
    }

    /// Moves the exchange clock to `time` (no later than the next world event): markets whose close
    /// time has come stop trading and their resting orders are canceled.
    package mutating func advance(to time: Timestamp) {
        now = max(now, time)
        closeExpired(at: now)
    }

    private mutating func closeExpired(at time: Timestamp) {
        for i in orders.indices where orders[i].status == .resting {
            guard let m = markets[orders[i].ticker], time >= m.listing.closeTime || m.result != nil else { continue }
            finish(i, status: .canceled, at: time)
        }
    }

    private mutating func determine(_ ticker: Symbol, result: MarketLifecycle.Result, at time: Timestamp) {
        guard var m = markets[ticker], !m.settled else { return }
        m.result = result
        m.settled = true
        markets[ticker] = m
        for i in orders.indices where orders[i].ticker == ticker && orders[i].status == .resting {
            finish(i, status: .canceled, at: time)
        }
        guard var p = positions[ticker], p.position != 0 else { return }
        // YES pays $1 a contract on yes, NO on no; scalar results are not weather's.
        let held = abs(p.position)
        let pays = (p.position > 0) == (result == .yes) && result != .scalar
        let payout = pays ? held * 10_000 : 0  // hundredths of a contract × $1 = 10⁴ micro-dollars
        cash += payout
        p.realizedPnl += payout - p.exposure
        p.position = 0
        p.exposure = 0
        positions[ticker] = p
        notices.append(.position(ticker: ticker, p))
    }

    // MARK: - Orders

    /// Balance available for new orders: cash less the collateral resting orders hold.
    package var available: Int64 { cash - held }

    /// Sets what order `i` holds as collateral, keeping ``held`` equal to the sum.
    private mutating func reserve(_ i: Int, _ amount: Money) {
        held += amount.micros - orders[i].reserved.micros
        orders[i].reserved = amount
    }

    /// Kalshi's prices are whole cents from 1 to 99.
    private static func isValidPrice(_ p: Price) -> Bool {
        p.micros >= 10_000 && p.micros <= 990_000 && p.micros % 10_000 == 0
    }

    private static func invalidPrice(_ p: Price) -> ExchangeError {
        ExchangeError(
            400, "invalid_price",
            "price \(FixedPoint.format(p.micros, scale: 6, minDecimals: 4)) is not a cent from 0.01 to 0.99")
    }

    /// The price an order at `yesPrice` takes on arrival: the ask a bid reaches, the bid an ask reaches,
    /// or nil when it would rest.
    private func crossing(_ side: KalshiBookSide, _ yesPrice: Price, in market: Market?) -> Price? {
        side == .bid
            ? market?.ask.flatMap { $0.micros > 0 && $0 <= yesPrice ? $0 : nil }
            : market?.bid.flatMap { $0.micros > 0 && $0 >= yesPrice ? $0 : nil }
    }

    /// `POST /portfolio/events/orders`: validates as Kalshi does, then matches or rests the order.
    package mutating func create(_ order: KalshiOrderV2, at time: Timestamp) throws(ExchangeError) -> ExchangeOrder {
        advance(to: time)
        guard let market = markets[order.ticker] else {
            throw ExchangeError(404, "market_not_found", "market \(order.ticker) not found")
        }
        guard Self.isValidPrice(order.yesPrice) else { throw Self.invalidPrice(order.yesPrice) }
        guard order.count.hundredths > 0, order.count.hundredths % 100 == 0 else {
            throw ExchangeError(400, "invalid_parameters", "count must be a positive whole number of contracts")
        }
        guard time >= market.listing.openTime, time < market.listing.closeTime, market.result == nil else {
            throw ExchangeError(400, "market_closed", "market \(order.ticker) is not open for trading")
        }
        if !order.clientOrderId.isEmpty, clientIndex[order.clientOrderId] != nil {
            throw ExchangeError(409, "order_already_exists", "client_order_id \(order.clientOrderId) was used already")
        }
        if order.reduceOnly && order.timeInForce != .immediateOrCancel {
            throw ExchangeError(400, "invalid_parameters", "reduce_only is allowed only with immediate_or_cancel")
        }
        let crossing = crossing(order.side, order.yesPrice, in: market)
        if crossing != nil, order.postOnly {
            throw ExchangeError(
                400, "post_only_rejected", "post-only \(order.side.rawValue) at \(order.yesPrice) would cross the book")
        }
        let cost = Money.cost(order.count, sidePrice(order.side, order.yesPrice))
        let fee = Fees.taker(
            count: order.count, price: crossing ?? order.yesPrice,
            multiplierMillionths: market.listing.feeMultiplierMillionths)
        guard cost.micros + fee.micros <= available else {
            throw ExchangeError(
                400, "insufficient_balance",
                "the order needs \(Money(micros: cost.micros + fee.micros)) and \(Money(micros: available)) is available"
            )
        }
        if order.reduceOnly {
            let held = positions[order.ticker]?.position ?? 0
            guard order.side == .bid ? held < 0 : held > 0 else {
                throw ExchangeError(400, "reduce_only_rejected", "reduce-only order would not reduce a position")
            }
        }
        let number = orders.count + 1
        let record = ExchangeOrder(
            orderId: "ord-\(number)", clientOrderId: order.clientOrderId, ticker: order.ticker, side: order.side,
            yesPrice: order.yesPrice, initialCount: order.count, remainingCount: order.count, status: .resting,
            postOnly: order.postOnly, created: time, lastUpdate: time, queueAhead: options.queueAhead.hundredths,
            reserved: .zero)
        orders.append(record)
        let i = orders.count - 1
        reserve(i, cost)
        orderIndex[record.orderId] = i
        if !order.clientOrderId.isEmpty { clientIndex[order.clientOrderId] = i }
        if let crossing {
            fill(i, price: crossing, count: order.count, isTaker: true, at: time)
        } else if order.timeInForce != .goodTillCanceled {
            finish(i, status: .canceled, at: time)
        } else {
            notices.append(.order(orders[i]))
        }
        return orders[i]
    }

    /// `DELETE /portfolio/events/orders/{id}`: cancels what is left. - Returns: the order, and how much was canceled.
    package mutating func cancel(orderId: String, at time: Timestamp) throws(ExchangeError) -> (
        ExchangeOrder, reducedBy: Count
    ) {
        advance(to: time)
        let i = try resting(orderId)
        let left = orders[i].remainingCount
        finish(i, status: .canceled, at: time)
        return (orders[i], left)
    }

    /// `DELETE /portfolio/events/orders`: cancels every resting order. - Returns: how many.
    package mutating func cancelAll(at time: Timestamp) -> Int {
        advance(to: time)
        var n = 0
        for i in orders.indices where orders[i].status == .resting {
            finish(i, status: .canceled, at: time)
            n += 1
        }
        return n
    }

    /// `POST …/{id}/decrease`: reduces what rests by `reduceBy`, or to `reduceTo`.
    package mutating func decrease(orderId: String, reduceBy: Count?, reduceTo: Count?, at time: Timestamp)
        throws(ExchangeError) -> ExchangeOrder
    {
        advance(to: time)
        let i = try resting(orderId)
        guard (reduceBy == nil) != (reduceTo == nil) else {
            throw ExchangeError(400, "invalid_parameters", "exactly one of reduce_by and reduce_to is required")
        }
        let left = orders[i].remainingCount.hundredths
        let target = reduceTo.map(\.hundredths) ?? (left - (reduceBy?.hundredths ?? 0))
        guard target >= 0, target <= left, target % 100 == 0 else {
            throw ExchangeError(
                400, "invalid_parameters", "cannot decrease \(orders[i].remainingCount) to \(target / 100)")
        }
        if target == 0 {
            finish(i, status: .canceled, at: time)
        } else {
            orders[i].remainingCount = Count(hundredths: target)
            reserve(i, Money.cost(orders[i].remainingCount, sidePrice(orders[i].side, orders[i].yesPrice)))
            orders[i].lastUpdate = time
            notices.append(.order(orders[i]))
        }
        return orders[i]
    }

    /// `POST …/{id}/amend`: a new price and a new total count (filled + to rest). A new price joins the
    /// back of the queue at that price; a smaller count keeps its place.
    package mutating func amend(
        orderId: String, side: KalshiBookSide, yesPrice: Price, count: Count, updatedClientOrderId: String?,
        at time: Timestamp
    ) throws(ExchangeError) -> ExchangeOrder {
        advance(to: time)
        let i = try resting(orderId)
        guard side == orders[i].side else {
            throw ExchangeError(400, "invalid_parameters", "an amend cannot change the side of \(orderId)")
        }
        guard Self.isValidPrice(yesPrice) else { throw Self.invalidPrice(yesPrice) }
        let remaining = count.hundredths - orders[i].fillCount.hundredths
        guard remaining > 0, count.hundredths % 100 == 0 else {
            throw ExchangeError(
                400, "invalid_parameters",
                "count \(count) must exceed the \(orders[i].fillCount) already filled, in whole contracts")
        }
        if let new = updatedClientOrderId, !new.isEmpty, new != orders[i].clientOrderId {
            guard clientIndex[new] == nil else {
                throw ExchangeError(409, "order_already_exists", "client_order_id \(new) was used already")
            }
            clientIndex[new] = i
            orders[i].clientOrderId = new
        }
        let crossing = crossing(side, yesPrice, in: markets[orders[i].ticker])
        if crossing != nil, orders[i].postOnly {
            throw ExchangeError(400, "post_only_rejected", "amended post-only \(side.rawValue) would cross the book")
        }
        if yesPrice != orders[i].yesPrice { orders[i].queueAhead = options.queueAhead.hundredths }
        orders[i].yesPrice = yesPrice
        orders[i].remainingCount = Count(hundredths: remaining)
        reserve(i, Money.cost(orders[i].remainingCount, sidePrice(side, yesPrice)))
        orders[i].lastUpdate = time
        if let crossing {
            fill(i, price: crossing, count: orders[i].remainingCount, isTaker: true, at: time)
        } else {
            notices.append(.order(orders[i]))
        }
        return orders[i]
    }

    package func order(id: String) -> ExchangeOrder? { orderIndex[id].map { orders[$0] } }
    package func order(clientOrderId: String) -> ExchangeOrder? { clientIndex[clientOrderId].map { orders[$0] } }

    /// What subscribers are owed, in order; clears them.
    package mutating func drainNotices() -> [ExchangeNotice] {
        defer { notices.removeAll(keepingCapacity: true) }
        return notices
    }

    private func resting(_ orderId: String) throws(ExchangeError) -> Int {
        guard let i = orderIndex[orderId] else { throw ExchangeError(404, "not_found", "order \(orderId) not found") }
        guard orders[i].status == .resting else {
            throw ExchangeError(400, "order_not_resting", "order \(orderId) is \(orders[i].status.rawValue)")
        }
        return i
    }

    private mutating func finish(_ i: Int, status: ExchangeOrder.Status, at time: Timestamp) {
        orders[i].status = status
        orders[i].remainingCount = .zero
        reserve(i, .zero)
        orders[i].lastUpdate = time
        notices.append(.order(orders[i]))
    }

    /// The price of the side an order buys: YES at p for a bid, NO at 1 − p for an ask.
    private func sidePrice(_ side: KalshiBookSide, _ yesPrice: Price) -> Price {
        side == .bid ? yesPrice : Price(micros: 1_000_000 - yesPrice.micros)
    }

    /// Resting orders on the candle's market that its trades reached: the queue model's rule, mirrored
    /// for asks (a trade high at or above the ask).
    private mutating func match(_ c: Candle, at time: Timestamp) {
        guard let traded = c.price, c.volume.hundredths > 0 else { return }
        for i in orders.indices where orders[i].ticker == c.ticker && orders[i].status == .resting {
            let limit = orders[i].yesPrice
            let through = orders[i].side == .bid ? traded.low <= limit : traded.high >= limit
            guard through else { continue }
            var volume = c.volume.hundredths
            let ahead = min(volume, orders[i].queueAhead)
            orders[i].queueAhead -= ahead
            volume -= ahead
            let n = min(volume, orders[i].remainingCount.hundredths) / 100 * 100
            if n > 0 { fill(i, price: limit, count: Count(hundredths: n), isTaker: false, at: time) }
        }
    }

    private mutating func fill(_ i: Int, price: Price, count: Count, isTaker: Bool, at time: Timestamp) {
        let o = orders[i]
        let listing = markets[o.ticker]?.listing
        let multiplier = listing?.feeMultiplierMillionths ?? 1_000_000
        let fee =
            isTaker
            ? Fees.taker(count: count, price: price, multiplierMillionths: multiplier)
            : Fees.maker(
                count: count, price: price, feeType: listing?.feeType ?? .quadratic, multiplierMillionths: multiplier)
        let paid = Money.cost(count, sidePrice(o.side, price)).micros
        var p = positions[o.ticker] ?? ExchangePosition()
        // Contracts of the other side this fill closes: each pair is worth $1 now.
        let signed = o.side == .bid ? count.hundredths : -count.hundredths
        let closes = (p.position > 0) != (signed > 0) && p.position != 0 ? min(abs(p.position), count.hundredths) : 0
        cash += closes * 10_000 - paid - fee.micros
        if closes > 0 {
            // The closed contracts' share of what the position cost.
            let basis = p.exposure * closes / abs(p.position)
            p.exposure -= basis
            let closedPaid = paid * closes / count.hundredths
            p.realizedPnl += closes * 10_000 - closedPaid - basis
        }
        p.exposure += paid * (count.hundredths - closes) / count.hundredths
        p.position += signed
        p.feesPaid += fee.micros
        p.realizedPnl -= fee.micros
        p.totalTraded += Money.cost(count, price).micros
        positions[o.ticker] = p

        orders[i].fillCount = Count(hundredths: o.fillCount.hundredths + count.hundredths)
        orders[i].remainingCount = Count(hundredths: o.remainingCount.hundredths - count.hundredths)
        reserve(i, Money.cost(orders[i].remainingCount, sidePrice(o.side, o.yesPrice)))
        if isTaker {
            orders[i].takerFees = Money(micros: o.takerFees.micros + fee.micros)
            orders[i].takerFillCost = Money(micros: o.takerFillCost.micros + paid)
        } else {
            orders[i].makerFees = Money(micros: o.makerFees.micros + fee.micros)
            orders[i].makerFillCost = Money(micros: o.makerFillCost.micros + paid)
        }
        orders[i].lastUpdate = time
        if orders[i].remainingCount.hundredths == 0 { orders[i].status = .executed }
        let f = ExchangeFill(
            fillId: "fill-\(fills.count + 1)", orderId: o.orderId, clientOrderId: o.clientOrderId, ticker: o.ticker,
            side: o.side, yesPrice: price, count: count, isTaker: isTaker, fee: fee, time: time,
            postPosition: p.position)
        fills.append(f)
        notices.append(.fill(f))
        notices.append(.order(orders[i]))
        notices.append(.position(ticker: o.ticker, p))
    }
}
