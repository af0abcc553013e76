import HummingbirdWebSocket
import IsothermCore
package import IsothermEvents
import IsothermImport
import IsothermKalshi
import IsothermPlatform
import IsothermWorld
import Metrics
import NIOWebSocket
import Synchronization

/// Misbehaviour of the WebSocket feed on purpose, drawn per connection from a seed (the connection's
/// number mixed in) so that a run repeats: each rate is the chance, in parts per thousand, that a data
/// message meets it.
package struct ExchangeFeedChaos: Equatable, Sendable {
    /// Close the connection instead of sending the message (the client must reconnect and resubscribe).
    package var dropPerMille = 0
    /// Send the message twice (the client must not apply it twice).
    package var duplicatePerMille = 0
    /// Skip a sequence number before the message (the client must see the gap and resnapshot).
    package var gapPerMille = 0
    /// Send the message after the next one (the two swap places).
    package var reorderPerMille = 0
    /// Hold the message back until 20 more have been sent or 50 ms have passed.
    package var withholdPerMille = 0
    package var seed: UInt64 = 1

    package init() {}

    package var isQuiet: Bool {
        dropPerMille == 0 && duplicatePerMille == 0 && gapPerMille == 0 && reorderPerMille == 0 && withholdPerMille == 0
    }
}

/// The local exchange's WebSocket API (`/trade-api/ws/v2`), Kalshi's protocol: `subscribe`,
/// `unsubscribe`, `update_subscription` (`get_snapshot`) and `list_subscriptions` commands; the
/// envelope `{type, sid, seq, msg}` with `seq` per subscription on the channels Kalshi numbers
/// (orderbook, trade, lifecycle); public channels `ticker`, `trade`, `orderbook_delta`,
/// `market_lifecycle_v2`; private `fill`, `user_orders`, `market_positions` for a connection whose
/// upgrade request was signed (error 9 otherwise). Messages come from the exchange's notices in the
/// order things happened: a candle is a `ticker` message, a `trade` when it traded, and book deltas when
/// the quote moved; the book a candle implies holds the exchange's queue depth at the bid (YES) and at
/// 1 − ask (NO).
package final class ExchangeFeed: Sendable {
    /// One connection's notices handed over and handled (turned into messages queued), and its messages
    /// queued and done with (written, or dropped by chaos).
    private struct Flow {
        var noticesIn = 0
        var noticesDone = 0
        var queued = 0
        var done = 0
        var isIdle: Bool { noticesIn == noticesDone && queued == done }
    }

    private struct Hub {
        var listeners: [Int: AsyncStream<ExchangeNotice>.Continuation] = [:]
        var connections = 0
        var counts: [String: Int] = [:]
        /// What is in flight on each open connection; a closed connection's is forgotten.
        var flows: [Int: Flow] = [:]
        /// Frames written to every connection.
        var written = 0
    }

    let service: ExchangeService
    let chaos: ExchangeFeedChaos
    private let hub = Mutex(Hub())

    package init(service: ExchangeService, chaos: ExchangeFeedChaos = ExchangeFeedChaos()) {
        self.service = service
        self.chaos = chaos
    }

    /// Moves the exchange's world to now and hands what happened to every connection.
    package func pump() {
        // Drained under the hub's lock, so that ``isIdle`` never sees notices taken but not yet handed on.
        hub.withLock { h in
            let notices = service.drainNotices()
            for n in notices {
                for (number, c) in h.listeners {
                    h.flows[number, default: Flow()].noticesIn += 1
                    c.yield(n)
                }
            }
        }
    }

    /// Nothing in flight: every notice handed to a connection has been turned into messages, and every
    /// message queued has been written (or dropped). With ``messagesWritten`` a test knows a client has
    /// been sent everything the world's time so far implies (after a ``pump()``).
    package var isIdle: Bool { hub.withLock { $0.flows.values.allSatisfy(\.isIdle) } }

    /// Frames written to every connection so far (replies and subscription messages, duplicates included).
    package var messagesWritten: Int { hub.withLock { $0.written } }

    /// Connections open now.
    package var openConnections: Int { hub.withLock { $0.listeners.count } }

    /// Connections served, and what the chaos did (`drop`, `duplicate`, `gap`).
    package var counts: [String: Int] {
        hub.withLock { h in h.counts.merging(["connections": h.connections]) { a, _ in a } }
    }

    private func count(_ key: String) {
        hub.withLock { $0.counts[key, default: 0] += 1 }
        Counter(label: "isotherm_exchange_feed_chaos_total", dimensions: [("kind", key)]).increment()
    }

    /// Serves one connection until the client closes it, chaos drops it, or the task is cancelled.
    /// - Parameter authenticated: whether the upgrade request carried a valid signature.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, authenticated: Bool) async {
        let send: @Sendable (String) async throws -> Void = { text in
            try await outbound.write(.text(text))
            self.hub.withLock { $0.written += 1 }
        }
        let (notices, noticeInput) = AsyncStream<ExchangeNotice>.makeStream()
        Counter(label: "isotherm_exchange_feed_connections_total").increment()
        let number = hub.withLock { h in
            h.connections += 1
            h.listeners[h.connections] = noticeInput
            return h.connections
        }
        defer {
            hub.withLock { h in
                h.listeners.removeValue(forKey: number)
                h.flows.removeValue(forKey: number)
            }
            noticeInput.finish()
        }
        let session = FeedSession(
            authenticated: authenticated,
            rng: SplitMix64(seed: chaos.seed &+ UInt64(number) &* 0x9E37_79B9_7F4A_7C15), service: service)
        let (outgoing, output) = AsyncStream<Outgoing>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        guard case .text(let text) = message else { continue }
                        let replies = session.command(text)
                        self.hub.withLock { $0.flows[number, default: Flow()].queued += replies.count }
                        for reply in replies { output.yield(reply) }
                    }
                } catch {}
                output.finish()
            }
            group.addTask {
                for await notice in notices {
                    let messages = session.messages(for: notice, chaos: self.chaos)
                    self.hub.withLock {
                        $0.flows[number, default: Flow()].queued += messages.count
                        $0.flows[number, default: Flow()].noticesDone += 1
                    }
                    for message in messages { output.yield(message) }
                }
            }
            if chaos.withholdPerMille > 0 {
                // Wakes the writer so that a withheld message goes out within its time limit.
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: 10_000_000)
                        output.yield(Outgoing(text: "", isData: false, isTick: true))
                    }
                }
            }
            var rng = SplitMix64(seed: chaos.seed ^ UInt64(number))
            /// Messages held back: sent once `afterSent` data messages have gone, or at `deadline`.
            var held: [(afterSent: Int, deadline: Int64, message: Outgoing)] = []
            var sentData = 0
            writing: for await message in outgoing {
                if !message.isTick {
                    var hold: Int?
                    if message.isData, !chaos.isQuiet {
                        let roll = Int(rng.next() % 1_000)
                        var edge = chaos.dropPerMille
                        if roll < edge {
                            count("drop")
                            hub.withLock { $0.flows[number, default: Flow()].done += 1 }
                            break writing
                        }
                        edge += chaos.duplicatePerMille
                        if roll < edge {
                            count("duplicate")
                            do { try await send(message.text) } catch { break writing }
                        } else if roll < edge + chaos.reorderPerMille {
                            count("reorder")
                            hold = 1
                        } else if roll < edge + chaos.reorderPerMille + chaos.withholdPerMille {
                            count("withhold")
                            hold = 20
                        }
                    }
                    if let hold {
                        held.append((sentData + hold, SystemClock.monotonicNanos() + 50_000_000, message))
                        continue writing
                    }
                    if message.gapBefore { count("gap") }
                    do { try await send(message.text) } catch { break writing }
                    hub.withLock { $0.flows[number, default: Flow()].done += 1 }
                    if message.isData { sentData += 1 }
                }
                let now = SystemClock.monotonicNanos()
                while let i = held.firstIndex(where: { $0.afterSent <= sentData || $0.deadline <= now }) {
                    let late = held.remove(at: i).message
                    if late.gapBefore { count("gap") }
                    do { try await send(late.text) } catch { break writing }
                    hub.withLock { $0.flows[number, default: Flow()].done += 1 }
                }
            }
            // Closing first ends the reader's wait for the client's next command.
            try? await outbound.close(.normalClosure, reason: nil)
            group.cancelAll()
            output.finish()
            noticeInput.finish()
        }
    }

    struct Outgoing: Sendable {
        var text: String
        /// A subscription's message (chaos applies), not a command's reply.
        var isData: Bool
        /// The sequence number skipped a value before this message (chaos).
        var gapBefore = false
        /// Not a message: a wake-up for the writer (withheld messages' time limit).
        var isTick = false
    }
}

/// One connection's subscriptions and their sequence numbers.
private final class FeedSession: Sendable {
    struct Subscription {
        var channel: String
        /// Nil: every market.
        var markets: Set<String>?
        var seq: Int64 = 0
        /// For `orderbook_delta`: the levels last sent per market (YES bid price, NO bid price).
        var levels: [String: (yes: Int64?, no: Int64?)] = [:]
    }

    struct State {
        var subscriptions: [Int64: Subscription] = [:]
        var nextSid: Int64 = 1
        var rng: SplitMix64
        var trades = 0
    }

    static let channels: Set<String> = [
        "ticker", "trade", "orderbook_delta", "market_lifecycle_v2", "fill", "user_orders", "market_positions",
    ]
    static let privateChannels: Set<String> = ["fill", "user_orders", "market_positions"]
    /// Channels whose messages carry `seq`.
    static let numbered: Set<String> = ["trade", "orderbook_delta", "market_lifecycle_v2"]

    let authenticated: Bool
    let service: ExchangeService
    private let state: Mutex<State>

    init(authenticated: Bool, rng: SplitMix64, service: ExchangeService) {
        self.authenticated = authenticated
        self.service = service
        state = Mutex(State(rng: rng))
    }

    // MARK: Commands

    func command(_ text: String) -> [ExchangeFeed.Outgoing] {
        let id: Int64
        let fields: JSONFields
        do throws(ImportError) {
            fields = try JSONFields(JSONParser.parse(Array(text.utf8), source: "command"), source: "command", path: "")
            id = try fields.integer("id") ?? 0
        } catch {
            return [Self.error(0, code: 1, "Unable to process message: \(error.description)")]
        }
        do throws(ImportError) {
            let cmd = try fields.string("cmd")
            let params = try fields.child("params")
            switch cmd {
            case "subscribe":
                guard let params, params.has("channels") else { return [Self.error(id, code: 3, "Channels required")] }
                return try subscribe(id, params)
            case "unsubscribe":
                guard let params, params.has("sids") else { return [Self.error(id, code: 4, "Sids required")] }
                var out: [ExchangeFeed.Outgoing] = []
                for v in try params.array("sids") {
                    guard let sid = v.numberText.flatMap({ Int64($0) }) else {
                        return [Self.error(id, code: 11, "Invalid parameter")]
                    }
                    let removed = state.withLock { $0.subscriptions.removeValue(forKey: sid) }
                    guard let removed else { return [Self.error(id, code: 7, "Unknown subscription id")] }
                    out.append(
                        .init(
                            text: "{\"id\":\(id),\"sid\":\(sid),\"seq\":\(removed.seq + 1),\"type\":\"unsubscribed\"}",
                            isData: false))
                }
                return out
            case "update_subscription":
                guard let params else { return [Self.error(id, code: 2, "Params required")] }
                guard try params.optionalString("action") == "get_snapshot" else {
                    return [Self.error(id, code: 13, "Unsupported action")]
                }
                guard let sid = try params.integer("sid"), let snapshot = snapshot(sid: sid, id: id) else {
                    return [Self.error(id, code: 7, "Unknown subscription id")]
                }
                return snapshot
            case "list_subscriptions":
                let list = state.withLock { s in
                    s.subscriptions.keys.sorted().map {
                        "{\"channel\":\"\(s.subscriptions[$0]!.channel)\",\"sid\":\($0)}"
                    }
                }
                return [
                    .init(
                        text: "{\"id\":\(id),\"type\":\"ok\",\"msg\":[\(list.joined(separator: ","))]}", isData: false)
                ]
            default:
                return [Self.error(id, code: 5, "Unknown command")]
            }
        } catch {
            return [Self.error(id, code: 11, "Invalid parameter: \(error.description)")]
        }
    }

    private func subscribe(_ id: Int64, _ params: JSONFields) throws(ImportError) -> [ExchangeFeed.Outgoing] {
        let channels = try params.array("channels").map { $0.stringValue ?? "" }
        var markets: Set<String>?
        if let one = try params.optionalString("market_ticker") { markets = [one] }
        if params.has("market_tickers") {
            markets = Set(try params.array("market_tickers").compactMap(\.stringValue))
        }
        var out: [ExchangeFeed.Outgoing] = []
        for channel in channels {
            guard Self.channels.contains(channel) else {
                out.append(Self.error(id, code: 8, "Unknown channel name"))
                continue
            }
            if Self.privateChannels.contains(channel) && !authenticated {
                out.append(Self.error(id, code: 9, "Authentication required"))
                continue
            }
            if channel == "orderbook_delta" && markets == nil {
                out.append(Self.error(id, code: 14, "Market Ticker required"))
                continue
            }
            let sid = state.withLock { s in
                let sid = s.nextSid
                s.nextSid += 1
                s.subscriptions[sid] = Subscription(
                    channel: channel, markets: channel == "market_lifecycle_v2" ? nil : markets)
                return sid
            }
            out.append(
                .init(
                    text: "{\"id\":\(id),\"type\":\"subscribed\",\"msg\":{\"channel\":\"\(channel)\",\"sid\":\(sid)}}",
                    isData: false))
            if channel == "orderbook_delta" { out += snapshot(sid: sid, id: nil) ?? [] }
        }
        return out
    }

    /// An `orderbook_snapshot` per market of the subscription, from the exchange's current quotes.
    private func snapshot(sid: Int64, id: Int64?) -> [ExchangeFeed.Outgoing]? {
        let book = service.snapshot()
        let depth = book.options.queueAhead
        return state.withLock { s -> [ExchangeFeed.Outgoing]? in
            guard var sub = s.subscriptions[sid], sub.channel == "orderbook_delta" else { return nil }
            var out: [ExchangeFeed.Outgoing] = []
            for ticker in (sub.markets ?? []).sorted() {
                let m = Symbol(ticker).flatMap { book.markets[$0] }
                let yes = m?.bid.flatMap { $0.micros > 0 ? $0.micros : nil }
                let no = m?.ask.flatMap { $0.micros > 0 && $0.micros < 1_000_000 ? 1_000_000 - $0.micros : nil }
                sub.levels[ticker] = (yes, no)
                sub.seq += 1
                var j = JSONWriter()
                j.beginObject()
                if let id { j.number("id", id) }
                j.string("type", "orderbook_snapshot")
                j.number("sid", sid)
                j.number("seq", sub.seq)
                j.beginObject("msg")
                j.string("market_ticker", ticker)
                j.string("market_id", ticker)
                for (key, price) in [("yes_dollars_fp", yes), ("no_dollars_fp", no)] {
                    guard let price else { continue }
                    j.beginArray(key)
                    j.beginArray()
                    j.string(nil, KalshiAnswers.price(Price(micros: price)))
                    j.string(nil, KalshiAnswers.count(depth))
                    j.endArray()
                    j.endArray()
                }
                j.endObject()
                j.endObject()
                out.append(.init(text: j.output, isData: true))
            }
            s.subscriptions[sid] = sub
            return out
        }
    }

    static func error(_ id: Int64, code: Int, _ message: String) -> ExchangeFeed.Outgoing {
        .init(
            text:
                "{\"id\":\(id),\"type\":\"error\",\"msg\":{\"code\":\(code),\"msg\":\(ExchangeJSON.quoted(message))}}",
            isData: false)
    }

    // MARK: Messages

    /// What `notice` means to this connection's subscriptions, in sid order.
    func messages(for notice: ExchangeNotice, chaos: ExchangeFeedChaos) -> [ExchangeFeed.Outgoing] {
        let depth = service.configuration.book.queueAhead
        return state.withLock { s in
            var out: [ExchangeFeed.Outgoing] = []
            for sid in s.subscriptions.keys.sorted() {
                var sub = s.subscriptions[sid]!
                for (type, body) in Self.bodies(notice, for: &sub, trades: &s.trades, depth: depth) {
                    var gap = false
                    if Self.numbered.contains(sub.channel) {
                        if chaos.gapPerMille > 0, Int(s.rng.next() % 1_000) < chaos.gapPerMille {
                            sub.seq += 1
                            gap = true
                        }
                        sub.seq += 1
                    }
                    let seq = Self.numbered.contains(sub.channel) ? ",\"seq\":\(sub.seq)" : ""
                    out.append(
                        .init(
                            text: "{\"type\":\"\(type)\",\"sid\":\(sid)\(seq),\"msg\":\(body)}", isData: true,
                            gapBefore: gap))
                }
                s.subscriptions[sid] = sub
            }
            return out
        }
    }

    /// The (type, msg) pairs a notice gives one subscription.
    private static func bodies(
        _ notice: ExchangeNotice, for sub: inout Subscription, trades: inout Int, depth: Count
    ) -> [(String, String)] {
        func wants(_ ticker: Symbol) -> Bool { sub.markets?.contains(ticker.description) ?? true }
        switch (notice, sub.channel) {
        case (.candle(let c, let time, let total), "ticker") where wants(c.ticker):
            var j = JSONWriter()
            j.beginObject()
            j.string("market_ticker", c.ticker.description)
            j.string("market_id", c.ticker.description)
            if let p = c.price { j.string("price_dollars", KalshiAnswers.price(p.close)) }
            if let b = c.yesBid { j.string("yes_bid_dollars", KalshiAnswers.price(b.close)) }
            if let a = c.yesAsk { j.string("yes_ask_dollars", KalshiAnswers.price(a.close)) }
            j.string("volume_fp", KalshiAnswers.count(total))
            j.string("open_interest_fp", KalshiAnswers.count(c.openInterest))
            j.number("ts_ms", time.nanos / 1_000_000)
            j.endObject()
            return [("ticker", j.output)]
        case (.candle(let c, let time, _), "trade") where wants(c.ticker):
            guard let p = c.price, c.volume.hundredths > 0 else { return [] }
            trades += 1
            var j = JSONWriter()
            j.beginObject()
            j.string("trade_id", "trade-\(c.ticker)-\(time.nanos / 1_000_000)-\(trades)")
            j.string("market_ticker", c.ticker.description)
            j.string("yes_price_dollars", KalshiAnswers.price(p.close))
            j.string("no_price_dollars", KalshiAnswers.price(Price(micros: 1_000_000 - p.close.micros)))
            j.string("count_fp", KalshiAnswers.count(c.volume))
            j.string("taker_outcome_side", "yes")
            j.string("taker_book_side", "bid")
            j.bool("is_block_trade", false)
            j.number("ts_ms", time.nanos / 1_000_000)
            j.endObject()
            return [("trade", j.output)]
        case (.candle(let c, let time, _), "orderbook_delta") where wants(c.ticker):
            let key = c.ticker.description
            let last = sub.levels[key] ?? (nil, nil)
            let yes = c.yesBid.flatMap { $0.close.micros > 0 ? $0.close.micros : nil } ?? last.yes
            let no =
                c.yesAsk.flatMap {
                    $0.close.micros > 0 && $0.close.micros < 1_000_000 ? 1_000_000 - $0.close.micros : nil
                }
                ?? last.no
            var out: [(String, String)] = []
            func delta(_ side: String, _ price: Int64, _ change: Int64) {
                var j = JSONWriter()
                j.beginObject()
                j.string("market_ticker", key)
                j.string("market_id", key)
                j.string("price_dollars", KalshiAnswers.price(Price(micros: price)))
                j.string("delta_fp", FixedPoint.format(change, scale: 2, minDecimals: 2))
                j.string("side", side)
                j.number("ts_ms", time.nanos / 1_000_000)
                j.endObject()
                out.append(("orderbook_delta", j.output))
            }
            for (side, old, new) in [("yes", last.yes, yes), ("no", last.no, no)] where old != new {
                if let old { delta(side, old, -depth.hundredths) }
                if let new { delta(side, new, depth.hundredths) }
            }
            sub.levels[key] = (yes, no)
            return out
        case (.lifecycle(let l, let time), "market_lifecycle_v2"):
            var j = JSONWriter()
            j.beginObject()
            j.string("market_ticker", l.ticker.description)
            j.string("event_type", l.transition.name)
            if let o = l.openTime { j.number("open_ts", o.seconds) }
            if let c = l.closeTime { j.number("close_ts", c.seconds) }
            if let r = l.result {
                j.string("result", r.name)
                j.number("determination_ts", time.seconds)
            }
            if let v = l.settlementValue { j.string("settlement_value", KalshiAnswers.price(v)) }
            if l.transition == .settled { j.number("settled_ts", time.seconds) }
            j.endObject()
            return [("market_lifecycle_v2", j.output)]
        case (.listed(let m, _), "market_lifecycle_v2"):
            // AsyncAPI `market_lifecycle_v2`, event_type `created`: open and close times, and the market's
            // metadata (event ticker, strike type and strikes, title).
            var j = JSONWriter()
            j.beginObject()
            j.string("market_ticker", m.ticker.description)
            j.string("event_type", "created")
            j.number("open_ts", m.openTime.seconds)
            j.number("close_ts", m.closeTime.seconds)
            j.beginObject("additional_metadata")
            j.string("name", m.title)
            j.string("title", m.title)
            j.string("event_ticker", m.eventTicker.description)
            j.string("strike_type", m.strikeType == .other ? "custom" : m.strikeType.name)
            if let f = m.floorStrike { j.rawNumber("floor_strike", f.description) }
            if let c = m.capStrike { j.rawNumber("cap_strike", c.description) }
            j.endObject()
            j.endObject()
            return [("market_lifecycle_v2", j.output)]
        case (.order(let o), "user_orders") where wants(o.ticker):
            var j = JSONWriter()
            j.beginObject()
            j.string("order_id", o.orderId)
            j.string("user_id", "isotherm-local")
            j.string("ticker", o.ticker.description)
            j.string("status", o.status.rawValue)
            j.string("outcome_side", o.outcomeSide == .yes ? "yes" : "no")
            j.string("book_side", o.side.rawValue)
            j.string("yes_price_dollars", KalshiAnswers.price(o.yesPrice))
            j.string("fill_count_fp", KalshiAnswers.count(o.fillCount))
            j.string("remaining_count_fp", KalshiAnswers.count(o.remainingCount))
            j.string("initial_count_fp", KalshiAnswers.count(o.initialCount))
            j.string("taker_fill_cost_dollars", KalshiAnswers.dollars(o.takerFillCost.micros))
            j.string("maker_fill_cost_dollars", KalshiAnswers.dollars(o.makerFillCost.micros))
            j.string("taker_fees_dollars", KalshiAnswers.dollars(o.takerFees.micros))
            j.string("maker_fees_dollars", KalshiAnswers.dollars(o.makerFees.micros))
            j.string("client_order_id", o.clientOrderId)
            j.number("created_ts_ms", o.created.nanos / 1_000_000)
            j.number("last_updated_ts_ms", o.lastUpdate.nanos / 1_000_000)
            j.endObject()
            return [("user_order", j.output)]
        case (.fill(let f), "fill") where wants(f.ticker):
            var j = JSONWriter()
            j.beginObject()
            j.string("trade_id", f.fillId)
            j.string("order_id", f.orderId)
            j.string("client_order_id", f.clientOrderId)
            j.string("market_ticker", f.ticker.description)
            j.bool("is_taker", f.isTaker)
            j.string("yes_price_dollars", KalshiAnswers.price(f.yesPrice))
            j.string("count_fp", KalshiAnswers.count(f.count))
            j.string("fee_cost", KalshiAnswers.dollars(f.fee.micros))
            j.string("outcome_side", f.side == .bid ? "yes" : "no")
            j.string("book_side", f.side.rawValue)
            j.string("post_position_fp", FixedPoint.format(f.postPosition, scale: 2, minDecimals: 2))
            j.number("ts_ms", f.time.nanos / 1_000_000)
            j.endObject()
            return [("fill", j.output)]
        case (.position(let ticker, let p), "market_positions") where wants(ticker):
            var j = JSONWriter()
            j.beginObject()
            j.string("user_id", "isotherm-local")
            j.string("market_ticker", ticker.description)
            j.string("position_fp", FixedPoint.format(p.position, scale: 2, minDecimals: 2))
            j.string("position_cost_dollars", KalshiAnswers.dollars(p.exposure))
            j.string("realized_pnl_dollars", KalshiAnswers.dollars(p.realizedPnl))
            j.string("fees_paid_dollars", KalshiAnswers.dollars(p.feesPaid))
            j.string("volume_fp", "0.00")
            j.endObject()
            return [("market_position", j.output)]
        default:
            return []
        }
    }
}
