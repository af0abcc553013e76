import IsothermDigest
package import IsothermEvents
package import IsothermImport

/// An engine order intent as Kalshi's V2 order (`POST /portfolio/events/orders`, `CreateOrderV2Request`),
/// and a V2 order or fill read back in the engine's terms.
///
/// V2 has one YES book: `side` is `bid` (buy YES) or `ask` (sell YES, which is the same as buying NO),
/// and `price` is always the YES price. So an intent maps as:
///
/// | intent | V2 `side` | V2 `price` |
/// |---|---|---|
/// | buy YES at p | `bid` | p |
/// | sell YES at p | `ask` | p |
/// | buy NO at q | `ask` | 1 − q |
/// | sell NO at q | `bid` | 1 − q |
///
/// V2 has no market orders: a market intent is `immediate_or_cancel` at the price the strategy saw
/// (never worse), a sale `reduce_only` so it can never open the other side; a limit intent is
/// `good_till_canceled`, post-only when the intent is.
package struct KalshiOrderV2: Equatable, Sendable {
    /// `bid` or `ask` of the one YES book (the portfolio readers' type).
    package typealias BookSide = KalshiBookSide

    package enum TimeInForce: String, Sendable {
        case fillOrKill = "fill_or_kill"
        case goodTillCanceled = "good_till_canceled"
        case immediateOrCancel = "immediate_or_cancel"
    }

    package enum SelfTradePrevention: String, Sendable {
        /// Cancel the incoming order (ours) when it would cross one of our own.
        case takerAtCross = "taker_at_cross"
        /// Cancel the resting one.
        case maker
    }

    package var ticker: Symbol
    package var side: BookSide
    package var count: Count
    /// The YES price.
    package var yesPrice: Price
    package var timeInForce: TimeInForce
    package var selfTradePrevention: SelfTradePrevention
    package var clientOrderId: String
    package var postOnly: Bool
    package var reduceOnly: Bool

    /// The V2 order for `intent`, sent under `clientOrderId` (``KalshiClientOrderId``).
    package init(
        _ intent: OrderIntent, clientOrderId: String, selfTradePrevention: SelfTradePrevention = .takerAtCross
    ) {
        ticker = intent.ticker
        let buysYes = (intent.side == .yes) == (intent.action == .buy)
        side = buysYes ? .bid : .ask
        yesPrice = intent.side == .yes ? intent.price : Price(micros: 1_000_000 - intent.price.micros)
        count = intent.count
        timeInForce = intent.type == .market ? .immediateOrCancel : .goodTillCanceled
        self.selfTradePrevention = selfTradePrevention
        self.clientOrderId = clientOrderId
        postOnly = intent.type == .limit && intent.postOnly
        reduceOnly = intent.type == .market && intent.action == .sell
    }

    /// The request body, keys in a fixed order, amounts as Kalshi's fixed-point strings.
    package var json: String {
        var j = JSONWriter()
        j.beginObject()
        j.string("ticker", ticker.description)
        j.string("side", side.rawValue)
        j.string("count", FixedPoint.format(count.hundredths, scale: 2, minDecimals: 2))
        j.string("price", FixedPoint.format(yesPrice.micros, scale: 6, minDecimals: 4))
        j.string("time_in_force", timeInForce.rawValue)
        j.string("self_trade_prevention_type", selfTradePrevention.rawValue)
        j.string("client_order_id", clientOrderId)
        j.bool("post_only", postOnly)
        if reduceOnly { j.bool("reduce_only", true) }
        j.endObject()
        return j.output
    }

    /// A V2 execution (an order's or a fill's `book_side` and `yes_price`) in the terms of the intent it
    /// answers: the intent's own side and action, and the price of that side. The same book side and
    /// YES price are a buy of YES or a sale of NO; the intent, found by client order id, says which.
    /// - Returns: nil when the book side is not the one `intent` maps to (not an answer to it).
    package static func price(bookSide: BookSide, yesPrice: Price, for intent: OrderIntent) -> Price? {
        let buysYes = (intent.side == .yes) == (intent.action == .buy)
        guard bookSide == (buysYes ? .bid : .ask) else { return nil }
        return intent.side == .yes ? yesPrice : Price(micros: 1_000_000 - yesPrice.micros)
    }
}

/// Client order ids that Kalshi never sees twice from one account: the engine's ids are deterministic
/// per run (`open_maker-KXHIGHNY-25JUN10-buy`), so yesterday's session and today's would collide on
/// Kalshi's duplicate check. The id sent is a UUID (version 8, RFC 9562: custom) made from SHA-256 of
/// the session's identity (its manifest's run id: strategy, parameters, inputs, start) and the engine's
/// id: unique across sessions, and the same when a session is replayed, so a replay reproduces it.
package enum KalshiClientOrderId {
    package static func make(session: String, engineId: String) -> String {
        var bytes = Array(
            SHA256Hasher.hash(Array("isotherm client order \(session)\n\(engineId)".utf8)).bytes.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
