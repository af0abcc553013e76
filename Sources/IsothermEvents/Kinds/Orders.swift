/// Buy or sell.
package enum OrderAction: UInt8, Sendable, NamedCase {
    case buy = 1, sell = 2
    package var name: String { self == .buy ? "buy" : "sell" }
}

/// Resting (maker) or immediate (taker) intent.
package enum OrderType: UInt8, Sendable, NamedCase {
    case limit = 1, market = 2
    package var name: String { self == .limit ? "limit" : "market" }
}

/// The engine decided to place an order. Logged (and synced, live) before any request leaves.
package struct OrderIntent: Hashable, Sendable {
    /// Deterministic id derived from the run and decision, so a restart never places it twice.
    package var clientOrderId: String
    package var ticker: Symbol
    package var side: Side
    package var action: OrderAction
    package var type: OrderType
    /// Limit price of the chosen side.
    package var price: Price
    package var count: Count
    package var postOnly: Bool
    /// Sequence number of the decision event that asked for it.
    package var decisionSequence: UInt64

    package init(
        clientOrderId: String, ticker: Symbol, side: Side, action: OrderAction, type: OrderType, price: Price,
        count: Count, postOnly: Bool, decisionSequence: UInt64
    ) {
        self.clientOrderId = clientOrderId
        self.ticker = ticker
        self.side = side
        self.action = action
        self.type = type
        self.price = price
        self.count = count
        self.postOnly = postOnly
        self.decisionSequence = decisionSequence
    }
}

/// The exchange accepted an order.
package struct OrderAcknowledged: Hashable, Sendable {
    package var clientOrderId: String
    package var orderId: String
    package init(clientOrderId: String, orderId: String) {
        self.clientOrderId = clientOrderId
        self.orderId = orderId
    }
}

/// The exchange (or a risk limit) refused an order.
package struct OrderRejected: Hashable, Sendable {
    package var clientOrderId: String
    /// Machine-readable reason (`risk_max_contracts`, `insufficient_balance`, …).
    package var code: String
    package var message: String
    package init(clientOrderId: String, code: String, message: String) {
        self.clientOrderId = clientOrderId
        self.code = code
        self.message = message
    }
}

/// An order left the book without filling (fully or its remainder).
package struct OrderCanceled: Hashable, Sendable {
    package var clientOrderId: String
    package var reason: String
    /// Contracts that were still resting.
    package var canceledCount: Count
    package init(clientOrderId: String, reason: String, canceledCount: Count) {
        self.clientOrderId = clientOrderId
        self.reason = reason
        self.canceledCount = canceledCount
    }
}

/// Part or all of an order traded.
package struct Fill: Hashable, Sendable {
    package var clientOrderId: String
    package var orderId: String
    package var tradeId: String
    package var ticker: Symbol
    package var side: Side
    package var action: OrderAction
    /// Price of `side` per contract.
    package var price: Price
    package var count: Count
    package var fee: Money
    package var isTaker: Bool

    package init(
        clientOrderId: String, orderId: String, tradeId: String, ticker: Symbol, side: Side, action: OrderAction,
        price: Price, count: Count, fee: Money, isTaker: Bool
    ) {
        self.clientOrderId = clientOrderId
        self.orderId = orderId
        self.tradeId = tradeId
        self.ticker = ticker
        self.side = side
        self.action = action
        self.price = price
        self.count = count
        self.fee = fee
        self.isTaker = isTaker
    }
}
