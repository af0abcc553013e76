package import IsothermEvents
package import IsothermImport
package import IsothermKalshi

/// A city's orders at a real exchange (Kalshi, or `isotherm exchange`), as the engine's driver keeps
/// them when a session trades there instead of on paper. Pure, like ``SimulatedExchange``: it never
/// sends anything. It turns the engine's submits and cancels into requests for the live driver to
/// send (``requests``), and turns what came back — the answers the driver logged
/// (``BrokerAnswer``) and the `fill` frames of the private feed — into the engine's answer events.
/// Both are inputs of the session log, so a replay of the log gives the same events from the same
/// bytes without any exchange.
///
/// Orders are sent under a Kalshi client order id made from the session id and the engine's id
/// (``KalshiClientOrderId``): unique across sessions, the same in a replay. An order's fill window is
/// the backtest's (``ExchangeOptions/windowMinutes``): when it ends, the broker asks to cancel what
/// rests, so a session and a backtest of the same world hold orders for the same time.
package struct ExternalBroker: Sendable {
    /// What the driver must send, in order, before the session takes another input.
    package struct Request: Equatable, Sendable {
        package enum Kind: String, Sendable {
            case create, cancel
        }
        package var kind: Kind
        /// The engine's client order id (the answer names it).
        package var engineId: String
        /// For a create: the V2 order to send.
        package var order: KalshiOrderV2?
        /// For a cancel: the exchange's order id, and why.
        package var orderId: String?
        package var reason: String
        /// When the engine asked (or the fill window ended).
        package var time: Timestamp
        /// Whether the engine waits for this answer (its own submit or cancel; not a window's end).
        package var engineWaits: Bool
    }

    private struct Order: Sendable {
        var intent: OrderIntent
        var orderId: String?
        var expiresAt: Timestamp
        var cancelAsked = false
    }

    package let session: String
    package let windowMinutes: Int64?
    package private(set) var requests: [Request] = []
    /// Orders sent and not yet known to be done, by engine id; `placement` keeps their order.
    private var orders: [String: Order] = [:]
    private var placement: [String] = []
    /// Every order the exchange acknowledged, by its order id: a fill may arrive after its order was
    /// canceled (it happened before the cancel; the feed told it later), and still counts.
    private var acknowledged: [String: OrderIntent] = [:]
    private var trades: Set<String> = []

    package init(session: String, windowMinutes: Int64?) {
        self.session = session
        self.windowMinutes = windowMinutes
    }

    /// Orders the exchange may hold for this city.
    package var openCount: Int { orders.count }

    /// The engine submits `intent`: a create request, under its Kalshi client order id.
    package mutating func submit(_ intent: OrderIntent, at time: Timestamp, market: MarketListed?) {
        let kalshiId = KalshiClientOrderId.make(session: session, engineId: intent.clientOrderId)
        let close = market?.closeTime ?? Timestamp(nanos: Int64.max)
        let expires = windowMinutes.map { min(close, time.adding(nanos: $0 * Timestamp.nanosPerMinute)) } ?? close
        if orders[intent.clientOrderId] == nil { placement.append(intent.clientOrderId) }
        orders[intent.clientOrderId] = Order(intent: intent, expiresAt: expires)
        requests.append(
            Request(
                kind: .create, engineId: intent.clientOrderId, order: KalshiOrderV2(intent, clientOrderId: kalshiId),
                reason: "", time: time, engineWaits: true))
    }

    /// The engine cancels an order. - Returns: false when there is nothing to ask the exchange (the
    /// order is not known to rest there): the engine goes on at once.
    package mutating func cancel(_ engineId: String, reason: String, at time: Timestamp) -> Bool {
        guard var o = orders[engineId], let orderId = o.orderId, !o.cancelAsked else { return false }
        o.cancelAsked = true
        orders[engineId] = o
        requests.append(
            Request(kind: .cancel, engineId: engineId, orderId: orderId, reason: reason, time: time, engineWaits: true))
        return true
    }

    /// When the first order's fill window ends (nil: none left to end).
    package var nextExpiry: Timestamp? {
        orders.values.lazy.filter { !$0.cancelAsked && $0.orderId != nil }.map(\.expiresAt).min()
    }

    /// Asks to cancel the orders whose window ended before `time`, in the order their windows ended
    /// (equal ends: in the order placed).
    package mutating func expire(before time: Timestamp) {
        let ended = placement.compactMap { id -> (String, Timestamp)? in
            guard let o = orders[id], !o.cancelAsked, o.orderId != nil, o.expiresAt < time else { return nil }
            return (id, o.expiresAt)
        }
        for (id, at) in ended.enumerated().sorted(by: { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) })
            .map(\.element)
        {
            orders[id]!.cancelAsked = true
            requests.append(
                Request(
                    kind: .cancel, engineId: id, orderId: orders[id]!.orderId, reason: "fill window ended", time: at,
                    engineWaits: false))
        }
    }

    /// Whether a request for `engineId` of `kind` is waiting for its answer.
    package func awaits(_ kind: Request.Kind, _ engineId: String) -> Bool {
        requests.contains { $0.kind == kind && $0.engineId == engineId }
    }

    /// Whether the order with the exchange's `orderId` is one of this city's.
    package func knows(orderId: String) -> Bool { acknowledged[orderId] != nil }

    /// The answer to a request: the events for the engine, and whether the engine waited for it.
    /// - Returns: nil when no request of this kind for this order waits (an answer logged twice).
    package mutating func answer(_ a: BrokerAnswer) -> (events: [Event], engineWaited: Bool)? {
        guard let i = requests.firstIndex(where: { $0.kind == a.kind && $0.engineId == a.engineId }) else { return nil }
        let request = requests.remove(at: i)
        var events: [Event] = []
        switch (a.kind, a.outcome) {
        case (.create, .order(let answer)):
            orders[a.engineId]?.orderId = answer.orderId
            if let intent = orders[a.engineId]?.intent { acknowledged[answer.orderId] = intent }
            events.append(.orderAcknowledged(OrderAcknowledged(clientOrderId: a.engineId, orderId: answer.orderId)))
            if answer.remainingCount.hundredths == 0 && answer.fillCount.hundredths == 0 {
                // Taken and done at once with nothing filled (an immediate-or-cancel that met nothing).
                events.append(
                    .orderCanceled(
                        OrderCanceled(
                            clientOrderId: a.engineId, reason: "nothing to take",
                            canceledCount: orders[a.engineId]?.intent.count ?? .zero)))
                forget(a.engineId)
            } else if answer.remainingCount.hundredths == 0 {
                // Executed in full at once (it took): nothing rests, no cancel is owed; its fills come.
                forget(a.engineId)
            }
        case (.create, .error(let code, let message)):
            events.append(.orderRejected(OrderRejected(clientOrderId: a.engineId, code: code, message: message)))
            forget(a.engineId)
        case (.cancel, .canceled(let reducedBy)):
            events.append(
                .orderCanceled(
                    OrderCanceled(clientOrderId: a.engineId, reason: request.reason, canceledCount: reducedBy)))
            forget(a.engineId)
        case (.cancel, .error(let code, _)):
            // Gone already (filled in full, or canceled by the exchange): its fills say what happened.
            if code == "not_found" { forget(a.engineId) } else { orders[a.engineId]?.cancelAsked = false }
        case (.create, .canceled), (.cancel, .order):
            break
        }
        return (events, request.engineWaits)
    }

    /// A fill of one of this city's orders, from the private feed: the engine's fill event, once per
    /// trade id (the feed may repeat a frame). Nil for another order's fill or a repeat.
    package mutating func fill(_ f: KalshiFillRecord) -> Fill? {
        guard let intent = acknowledged[f.orderId], trades.insert(f.fillId).inserted,
            let price = KalshiOrderV2.price(bookSide: f.bookSide, yesPrice: f.yesPrice, for: intent)
        else { return nil }
        let engineId = intent.clientOrderId
        if var left = orders[engineId], left.orderId == f.orderId {
            left.intent.count = Count(hundredths: left.intent.count.hundredths - f.count.hundredths)
            if left.intent.count.hundredths <= 0 { forget(engineId) } else { orders[engineId] = left }
        }
        return Fill(
            clientOrderId: engineId, orderId: f.orderId, tradeId: f.fillId, ticker: f.ticker, side: intent.side,
            action: intent.action, price: price, count: f.count, fee: f.fee, isTaker: f.isTaker)
    }

    /// The order is done at the exchange (no cancel is owed); its fills still count when they come.
    private mutating func forget(_ engineId: String) {
        guard orders.removeValue(forKey: engineId) != nil else { return }
        placement.removeAll { $0 == engineId }
    }
}

/// What came back for one request, as the live driver logs it: a `raw_feed_message` from source
/// `kalshi_order`, channel `<create|cancel> <HTTP status> <engine client order id>`, and the answer's
/// JSON as payload — for a create the order (`order_id`, `client_order_id`, `fill_count`,
/// `remaining_count`), for a cancel `order_id` and `reduced_by`, for a refusal Kalshi's error body
/// (`{"error":{"code":…,"message":…}}`). A request that got no answer at all is status 0 with an error
/// body whose code says why (`no_answer`, `unknown_outcome`).
package struct BrokerAnswer: Equatable, Sendable {
    package static let source = "kalshi_order"

    package enum Outcome: Equatable, Sendable {
        case order(KalshiOrderAnswer)
        case canceled(reducedBy: Count)
        case error(code: String, message: String)
    }

    package var kind: ExternalBroker.Request.Kind
    package var status: Int
    package var engineId: String
    package var outcome: Outcome

    package init(kind: ExternalBroker.Request.Kind, status: Int, engineId: String, outcome: Outcome) {
        self.kind = kind
        self.status = status
        self.engineId = engineId
        self.outcome = outcome
    }

    /// The input record, stamped `time`.
    package func record(at time: Timestamp) -> EventRecord {
        let body: String
        switch outcome {
        case .order(let a): body = a.json
        case .canceled(let reducedBy):
            var j = JSONWriter()
            j.beginObject()
            j.string("reduced_by", KalshiAnswers.count(reducedBy))
            j.endObject()
            body = j.output
        case .error(let code, let message):
            var j = JSONWriter()
            j.beginObject()
            j.beginObject("error")
            j.string("code", code)
            j.string("message", message)
            j.endObject()
            j.endObject()
            body = j.output
        }
        return EventRecord(
            time: time,
            event: .rawFeedMessage(
                RawFeedMessage(
                    source: Self.source, channel: "\(kind.rawValue) \(status) \(engineId)", payload: Array(body.utf8))))
    }

    /// Reads a logged answer back. - Throws: a one-line reason naming the channel.
    package init(_ m: RawFeedMessage) throws(ImportError) {
        let parts = m.channel.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count == 3, let kind = ExternalBroker.Request.Kind(rawValue: parts[0]), let status = Int(parts[1])
        else {
            throw ImportError(
                Self.source, field: "channel", "\"\(m.channel)\" is not \"<create|cancel> <status> <client order id>\"")
        }
        self.kind = kind
        self.status = status
        engineId = parts[2]
        let source = "\(Self.source) \(m.channel)"
        if status == 200 || status == 201 {
            switch kind {
            case .create: outcome = .order(try KalshiAnswers.order(m.payload, source: source))
            case .cancel:
                let f = try JSONFields(JSONParser.parse(m.payload, source: source), source: source, path: "")
                outcome = .canceled(reducedBy: try KalshiAnswers.optionalCount(f, "reduced_by") ?? .zero)
            }
        } else {
            guard let e = KalshiAnswers.error(m.payload) else {
                throw ImportError(source, field: "payload", "status \(status) without an error body")
            }
            outcome = .error(code: e.code, message: e.message)
        }
    }
}
