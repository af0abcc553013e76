import ArgumentParser
import Foundation
import IsothermEvents
import IsothermImport
import IsothermKalshi
import IsothermLive
import IsothermLog
import IsothermPlatform
import IsothermStore
import Logging

struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "Trade by hand: place, cancel, amend and read orders, positions, fills and the balance.",
        discussion: """
            The seed's manual trade, through the same Kalshi client the live trader uses (signed \
            requests, rate limits, a lost order answer looked up by client order id and never resent \
            blindly) and a write-ahead log: every manual intent is appended to --log, with reason \
            `manual`, and synced before its request leaves; the answer (order_acknowledged, \
            order_rejected, order_canceled, fills) is appended after. `isotherm log cat --log orders` \
            shows the history; `isotherm audit` reads it as it reads a strategy's.

            Where orders go: by default the local exchange (`isotherm exchange`, paper money) at \
            --exchange (default http://127.0.0.1:7443/trade-api/v2). Real orders go to Kalshi only \
            with --env demo or --env prod and --trade; without --trade, only reads reach Kalshi. \
            --trade refuses a private key that other users can read (chmod 600 it).

            Prices are the price of the side named (--side yes --price 0.42 buys YES at 42¢; --side \
            no --price 0.58 buys NO at 58¢), in dollars (0.42) or cents (42c). Client order ids are \
            UUIDs derived from the log's session and the decision's sequence: unique per account \
            across sessions, the same on a replay of the log.

            Examples:
              isotherm exchange --world world --private-key kalshi.pem --key-id local &
              isotherm order place --key-id local --private-key kalshi.pem \\
                  --ticker KXHIGHNY-25JUN10-B80.5 --side yes --price 0.40 --count 5 --post-only
              isotherm order list --key-id local --private-key kalshi.pem --status resting
              isotherm order cancel --key-id local --private-key kalshi.pem --order-id ord-1
              export KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=kalshi.pem
              isotherm order balance --env demo
            """,
        subcommands: [
            Place.self, Cancel.self, Amend.self, Decrease.self, List.self, Positions.self, Fills.self,
            Balance.self, Markets.self,
        ])

    /// Where requests go, the key, and the output form: every subcommand's options.
    struct Target: ParsableArguments {
        enum Environment: String, ExpressibleByArgument, CaseIterable {
            case paper, demo, prod
        }

        @Option(name: .long, help: "paper (the local exchange), demo or prod (Kalshi).")
        var env: Environment = .paper

        @Option(name: .long, help: "The local exchange's base URL (paper).")
        var exchange = "http://127.0.0.1:7443/trade-api/v2"

        @Flag(name: .long, help: "Send real orders to --env demo or prod.")
        var trade = false

        @Option(name: .long, help: "A CA certificate to trust (an HTTPS local exchange's).")
        var caFile: String?

        @Option(name: .long, help: "Seconds each request may take.")
        var timeout: Int64 = 10

        @OptionGroup var key: KalshiKeyOptions

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func validate() throws {
            if trade && env == .paper {
                throw ValidationError("--trade sends real orders: give --env demo or --env prod with it")
            }
            guard timeout > 0 else { throw ValidationError("--timeout must be above 0") }
        }

        var baseURL: String {
            switch env {
            case .paper: exchange.hasSuffix("/") ? String(exchange.dropLast()) : exchange
            case .demo: KalshiHosts.demoREST
            case .prod: KalshiHosts.prodREST
            }
        }

        /// The signer, after the checks a write needs (real orders need --trade and a key only its owner
        /// reads). Called before anything is logged, so a refused command leaves the log as it was.
        func signer(writes: Bool) throws -> KalshiSigner {
            guard let signer = try key.signer() else {
                throw CLIError(
                    "give a key: --key-id and --private-key (or KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH); "
                        + "for the local exchange, the key it was started with")
            }
            if writes && env != .paper {
                guard trade else {
                    throw CLIError(
                        "refusing to send a real order to Kalshi \(env.rawValue) without --trade (reads need none)")
                }
                if key.keyIsReadableByOthers {
                    throw CLIError("\(key.keyPath ?? "the key"): readable by other users; chmod 600 it before trading")
                }
            }
            return signer
        }

        /// A client for reads, or (`writes`) for orders; `public` reads go unsigned when no key is given.
        func client(writes: Bool, publicRead: Bool = false) throws -> KalshiRESTClient {
            let signer = publicRead && !writes ? try key.signer() : try signer(writes: writes)
            var config = KalshiRESTClient.Configuration(baseURL: baseURL)
            config.caFile = caFile
            config.requestTimeoutSeconds = timeout
            var logger = Logger(label: "isotherm.kalshi")
            logger.logLevel = .error
            return try KalshiRESTClient(config, signer: signer, logger: logger)
        }

        /// A client error in one line, with the likely fix when the local exchange is not there.
        func explain(_ error: KalshiClientError) -> CLIError {
            if env == .paper, case .transport(let why, _) = error,
                why.contains("connectionRefused") || why.contains("Connection refused")
            {
                return CLIError(
                    "no exchange at \(baseURL): start one with `isotherm exchange --world DIR --private-key KEY`, "
                        + "or trade on Kalshi with --env demo|prod --trade")
            }
            return CLIError(error.description)
        }

        /// Runs `body` with a client, shutting it down after, errors in one line.
        func with<T>(writes: Bool, publicRead: Bool = false, _ body: (KalshiRESTClient) async throws -> T) async throws
            -> T
        {
            let client = try client(writes: writes, publicRead: publicRead)
            do {
                let out = try await body(client)
                await client.shutdown()
                return out
            } catch let e as KalshiClientError {
                await client.shutdown()
                throw explain(e)
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }

    /// The order log's options (writes only).
    struct LogOption: ParsableArguments {
        @Option(name: .long, help: "The write-ahead log of manual orders (created if missing).")
        var log = "orders"
    }

    // MARK: - Writes

    struct Place: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place an order: logged (reason manual) and synced, then sent.",
            discussion: """
                A limit order rests (good till canceled), post-only with --post-only; --type market is \
                immediate-or-cancel at --price (Kalshi has no market orders: the price is the worst \
                accepted), and a market sale is reduce-only so it can only close what is held.
                """)

        @OptionGroup var target: Target
        @OptionGroup var logOption: LogOption

        @Option(name: .long, help: "Market ticker (KXHIGHNY-25JUN10-B80.5).")
        var ticker: String

        @Option(name: .long, help: "yes or no.")
        var side: String

        @Option(name: .long, help: "buy or sell.")
        var action = "buy"

        @Option(name: .long, help: "Price of --side: dollars (0.42) or cents (42c), a whole cent from 1 to 99.")
        var price: String

        @Option(name: .long, help: "Contracts, a whole number.")
        var count: Int64

        @Option(name: .long, help: "limit or market.")
        var type = "limit"

        @Flag(name: .long, help: "Refuse to take liquidity (rejected if it would cross).")
        var postOnly = false

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            let intent = try parsedIntent()
            _ = try target.signer(writes: true)
            let session = try ManualOrderLog(directory: logOption.log)
            let (order, intentSequence) = try session.appendIntent(intent)
            let answer: KalshiOrderAnswer
            do {
                answer = try await target.with(writes: true) { client in
                    do {
                        let answer = try await client.create(order.v2)
                        let fills =
                            answer.fillCount.hundredths > 0 ? try await client.fills(orderId: answer.orderId) : []
                        try session.appendAnswer(answer, fills: fills, intent: order.intent)
                        return answer
                    } catch let e as KalshiClientError {
                        if case .rejected(_, let code, let message, _) = e {
                            try session.append(
                                .orderRejected(
                                    OrderRejected(clientOrderId: order.clientOrderId, code: code, message: message)))
                        }
                        throw e
                    }
                }
            } catch {
                session.close()
                throw CLIError(
                    "\(error) (the intent is at sequence \(intentSequence) of \(logOption.log), client order id \(order.clientOrderId))"
                )
            }
            session.close()
            if target.json {
                var j = JSONWriter()
                j.beginObject()
                j.string("order_id", answer.orderId)
                j.string("client_order_id", answer.clientOrderId)
                j.string("ticker", ticker)
                j.string("side", order.intent.side.name)
                j.string("action", order.intent.action.name)
                j.string("price", KalshiAnswers.price(order.intent.price))
                j.string("book_side", order.v2.side.rawValue)
                j.string("yes_price", KalshiAnswers.price(order.v2.yesPrice))
                j.string("count", KalshiAnswers.count(order.v2.count))
                j.string("fill_count", KalshiAnswers.count(answer.fillCount))
                j.string("remaining_count", KalshiAnswers.count(answer.remainingCount))
                j.string("log", logOption.log)
                j.number("intent_sequence", Int64(intentSequence))
                j.endObject()
                print(j.output)
            } else {
                let state =
                    answer.remainingCount.hundredths > 0
                    ? "resting \(answer.remainingCount)"
                    : answer.fillCount.hundredths > 0 ? "executed" : "canceled (nothing to take)"
                print(
                    "\(answer.orderId): \(order.intent.action.name) \(order.intent.count) \(order.intent.side.name) \(ticker) at \(KalshiAnswers.price(order.intent.price)) (V2 \(order.v2.side.rawValue) at YES \(KalshiAnswers.price(order.v2.yesPrice))): filled \(answer.fillCount), \(state)"
                )
                print(
                    "logged in \(logOption.log) at sequence \(intentSequence), client order id \(answer.clientOrderId)")
            }
        }

        func parsedIntent() throws -> OrderIntent {
            guard let symbol = Symbol(ticker), ticker.split(separator: "-").count >= 3 else {
                throw CLIError("--ticker \(ticker): not a Kalshi market ticker (KXHIGHNY-25JUN10-B80.5)")
            }
            guard let s = Side(name: side) else { throw CLIError("--side \(side): yes or no") }
            guard let a = OrderAction(name: action) else { throw CLIError("--action \(action): buy or sell") }
            guard let t = OrderType(name: type) else { throw CLIError("--type \(type): limit or market") }
            let p = try OrderCommand.price(price, flag: "--price")
            guard count > 0, count < 1_000_000 else { throw CLIError("--count \(count): from 1 to 999999 contracts") }
            if postOnly && t == .market { throw CLIError("--post-only is for limit orders") }
            return OrderIntent(
                clientOrderId: "", ticker: symbol, side: s, action: a, type: t, price: p,
                count: Count(contracts: count), postOnly: postOnly, decisionSequence: 0)
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a resting order, or every resting order with --all.")

        @OptionGroup var target: Target
        @OptionGroup var logOption: LogOption

        @Option(name: .long, help: "The order id (from place or list).")
        var orderId: String?

        @Flag(name: .long, help: "Cancel every resting order.")
        var all = false

        func validate() throws {
            guard (orderId == nil) != !all else { throw ValidationError("give --order-id ID or --all") }
        }

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            _ = try target.signer(writes: true)
            let session = try ManualOrderLog(directory: logOption.log)
            defer { session.close() }
            let canceled: [(KalshiOrder, Count)] = try await target.with(writes: true) { client in
                let orders =
                    all ? try await client.orders(status: "resting") : [try await client.order(id: orderId!)]
                try session.appendDecision(
                    .cancel, subject: all ? "all" : orders[0].ticker.description,
                    values: all ? [Field("orders", "all")] : [Field("order_id", orderId!)])
                var out: [(KalshiOrder, Count)] = []
                if all {
                    try await client.cancelAll()
                    out = orders.map { ($0, $0.remainingCount) }
                } else {
                    out = [(orders[0], try await client.cancel(orderId: orderId!))]
                }
                for (i, (o, n)) in out.enumerated() {
                    try session.append(
                        .orderCanceled(
                            OrderCanceled(
                                clientOrderId: o.clientOrderId.isEmpty ? o.orderId : o.clientOrderId,
                                reason: "manual", canceledCount: n)), sync: i == out.count - 1)
                }
                return out
            }
            if target.json {
                var j = JSONWriter()
                j.beginObject()
                j.beginArray("canceled")
                for (o, n) in canceled {
                    j.beginObject()
                    j.string("order_id", o.orderId)
                    j.string("ticker", o.ticker.description)
                    j.string("reduced_by", KalshiAnswers.count(n))
                    j.endObject()
                }
                j.endArray()
                j.endObject()
                print(j.output)
            } else if canceled.isEmpty {
                print("nothing was resting")
            } else {
                for (o, n) in canceled { print("\(o.orderId) \(o.ticker): canceled \(n)") }
            }
        }
    }

    struct Amend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a resting order's price and total count (filled + to rest).",
            discussion: "A new price goes to the back of the queue at that price; a smaller count keeps its place.")

        @OptionGroup var target: Target
        @OptionGroup var logOption: LogOption

        @Option(name: .long, help: "The order id.")
        var orderId: String

        @Option(name: .long, help: "The new price of the order's side (as place's --price); default: unchanged.")
        var price: String?

        @Option(name: .long, help: "The new total count (what filled plus what is to rest); default: unchanged.")
        var count: Int64?

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            guard price != nil || count != nil else { throw CLIError("give --price, --count or both") }
            _ = try target.signer(writes: true)
            let session = try ManualOrderLog(directory: logOption.log)
            defer { session.close() }
            let answer = try await target.with(writes: true) { client in
                let o = try await client.order(id: orderId)
                // The order's side, from the log when it placed it, else from the book side (a bid buys YES).
                let side = session.intents[o.clientOrderId]?.side ?? (o.bookSide == .bid ? .yes : .no)
                let yesPrice =
                    try price.map { text throws -> Price in
                        let p = try OrderCommand.price(text, flag: "--price")
                        return side == .yes ? p : Price(micros: 1_000_000 - p.micros)
                    } ?? o.yesPrice
                let total = count.map { Count(contracts: $0) } ?? o.initialCount
                try session.appendDecision(
                    .amend, subject: o.ticker.description,
                    values: [
                        Field("order_id", orderId), Field("yes_price", KalshiAnswers.price(yesPrice)),
                        Field("count", KalshiAnswers.count(total)),
                    ])
                return try await client.amend(
                    orderId: orderId, ticker: o.ticker, side: o.bookSide, yesPrice: yesPrice, count: total)
            }
            OrderCommand.printAnswer(answer, verb: "amended", json: target.json)
        }
    }

    struct Decrease: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reduce what a resting order has left, by --by contracts or to --to.")

        @OptionGroup var target: Target
        @OptionGroup var logOption: LogOption

        @Option(name: .long, help: "The order id.")
        var orderId: String

        @Option(name: .long, help: "Contracts to take off.")
        var by: Int64?

        @Option(name: .long, help: "Contracts to leave resting.")
        var to: Int64?

        func validate() throws {
            guard (by == nil) != (to == nil) else { throw ValidationError("give --by N or --to N") }
            if let by, by <= 0 { throw ValidationError("--by must be above 0") }
            if let to, to < 0 { throw ValidationError("--to cannot be negative") }
        }

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            _ = try target.signer(writes: true)
            let session = try ManualOrderLog(directory: logOption.log)
            defer { session.close() }
            let answer = try await target.with(writes: true) { client in
                let o = try await client.order(id: orderId)
                try session.appendDecision(
                    .amend, subject: o.ticker.description,
                    values: [
                        Field("order_id", orderId),
                        by.map { Field("reduce_by", "\($0)") } ?? Field("reduce_to", "\(to!)"),
                    ])
                return try await client.decrease(
                    orderId: orderId, reduceBy: by.map { Count(contracts: $0) },
                    reduceTo: to.map { Count(contracts: $0) })
            }
            OrderCommand.printAnswer(answer, verb: "decreased", json: target.json)
        }
    }

    // MARK: - Reads

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The account's orders (all pages).")
        @OptionGroup var target: Target
        @Option(name: .long, help: "Only this market.") var ticker: String?
        @Option(name: .long, help: "resting, canceled or executed.") var status: String?

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            let orders = try await target.with(writes: false) { try await $0.orders(ticker: ticker, status: status) }
            if target.json {
                var j = JSONWriter()
                j.beginObject()
                j.beginArray("orders")
                for o in orders {
                    j.beginObject()
                    j.string("order_id", o.orderId)
                    j.string("client_order_id", o.clientOrderId)
                    j.string("ticker", o.ticker.description)
                    j.string("book_side", o.bookSide.rawValue)
                    j.string("yes_price", KalshiAnswers.price(o.yesPrice))
                    j.string("status", o.status.rawValue)
                    j.string("fill_count", KalshiAnswers.count(o.fillCount))
                    j.string("remaining_count", KalshiAnswers.count(o.remainingCount))
                    j.endObject()
                }
                j.endArray()
                j.endObject()
                print(j.output)
                return
            }
            var rows = [["order", "ticker", "side", "yes price", "status", "filled", "left", "client order id"]]
            for o in orders {
                rows.append([
                    o.orderId, o.ticker.description, o.bookSide.rawValue, KalshiAnswers.price(o.yesPrice),
                    o.status.rawValue, KalshiAnswers.count(o.fillCount), KalshiAnswers.count(o.remainingCount),
                    o.clientOrderId,
                ])
            }
            print(OrderCommand.table(rows), terminator: "")
            print("\(orders.count) order\(orders.count == 1 ? "" : "s")")
        }
    }

    struct Positions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Market positions (+ YES, − NO contracts).")
        @OptionGroup var target: Target

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            let held = try await target.with(writes: false) { try await $0.positions() }
            if target.json {
                var j = JSONWriter()
                j.beginObject()
                j.beginArray("positions")
                for p in held {
                    j.beginObject()
                    j.string("ticker", p.ticker.description)
                    j.string("position", KalshiAnswers.count(Count(hundredths: p.position)))
                    j.string("exposure", KalshiAnswers.dollars(p.exposure.micros))
                    j.string("realized_pnl", KalshiAnswers.dollars(p.realizedPnl))
                    j.string("fees_paid", KalshiAnswers.dollars(p.feesPaid.micros))
                    j.endObject()
                }
                j.endArray()
                j.endObject()
                print(j.output)
                return
            }
            var rows = [["ticker", "position", "exposure", "realized", "fees"]]
            for p in held {
                rows.append([
                    p.ticker.description, KalshiAnswers.count(Count(hundredths: p.position)),
                    KalshiAnswers.dollars(p.exposure.micros), KalshiAnswers.dollars(p.realizedPnl),
                    KalshiAnswers.dollars(p.feesPaid.micros),
                ])
            }
            print(OrderCommand.table(rows), terminator: "")
        }
    }

    struct Fills: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The account's fills (all pages).")
        @OptionGroup var target: Target
        @Option(name: .long, help: "Only this market.") var ticker: String?
        @Option(name: .long, help: "Only this order.") var orderId: String?

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            let fills = try await target.with(writes: false) { try await $0.fills(ticker: ticker, orderId: orderId) }
            if target.json {
                var j = JSONWriter()
                j.beginObject()
                j.beginArray("fills")
                for f in fills {
                    j.beginObject()
                    j.string("fill_id", f.fillId)
                    j.string("order_id", f.orderId)
                    j.string("ticker", f.ticker.description)
                    j.string("book_side", f.bookSide.rawValue)
                    j.string("yes_price", KalshiAnswers.price(f.yesPrice))
                    j.string("count", KalshiAnswers.count(f.count))
                    j.string("fee", KalshiAnswers.dollars(f.fee.micros))
                    j.bool("is_taker", f.isTaker)
                    if let t = f.time { j.string("time", t.rfc3339) }
                    j.endObject()
                }
                j.endArray()
                j.endObject()
                print(j.output)
                return
            }
            var rows = [["fill", "order", "ticker", "side", "yes price", "count", "fee", "taker", "time"]]
            for f in fills {
                rows.append([
                    f.fillId, f.orderId, f.ticker.description, f.bookSide.rawValue, KalshiAnswers.price(f.yesPrice),
                    KalshiAnswers.count(f.count), KalshiAnswers.dollars(f.fee.micros), f.isTaker ? "yes" : "no",
                    f.time?.rfc3339 ?? "-",
                ])
            }
            print(OrderCommand.table(rows), terminator: "")
        }
    }

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cash available and portfolio value.")
        @OptionGroup var target: Target

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            let b = try await target.with(writes: false) { try await $0.balance() }
            if target.json {
                var j = JSONWriter()
                j.beginObject()
                j.string("balance", KalshiAnswers.dollars(b.balance.micros))
                j.string("portfolio_value", KalshiAnswers.dollars(b.portfolioValue.micros))
                j.endObject()
                print(j.output)
            } else {
                print(
                    "balance $\(KalshiAnswers.dollars(b.balance.micros)), portfolio value $\(KalshiAnswers.dollars(b.portfolioValue.micros))"
                )
            }
        }
    }

    struct Markets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Markets and their quotes (public: no key needed), to pick what to trade.")
        @OptionGroup var target: Target
        @Option(name: .long, help: "Only this event (KXHIGHNY-25JUN10).") var event: String?
        @Option(name: .long, help: "Only this series (KXHIGHNY).") var series: String?
        @Option(name: .long, help: "open, closed or settled (Kalshi's filter).") var status: String?

        func run() async throws { try await reportingErrors { try await body() } }

        func body() async throws {
            var rows: [[String]] = [["ticker", "status", "yes bid", "yes ask", "last", "volume", "closes"]]
            var objects: [String] = []
            // Public reads: signed when a key is given, and working without one.
            try await target.with(writes: false, publicRead: true) { client in
                var cursor: String?
                repeat {
                    let query: [String: String?] = [
                        "limit": "1000", "cursor": cursor, "event_ticker": event, "series_ticker": series,
                        "status": status,
                    ]
                    let page = try await client.json("/markets", query: query)
                    let root = try JSONFields(JSONParser.parse(page, source: "markets"), source: "markets", path: "")
                    for (i, v) in try root.array("markets").enumerated() {
                        let m = try JSONFields(v, source: "markets", path: "markets[\(i)]")
                        let cells = try [
                            m.string("ticker"), m.optionalString("status") ?? "",
                            m.optionalString("yes_bid_dollars") ?? "", m.optionalString("yes_ask_dollars") ?? "",
                            m.optionalString("last_price_dollars") ?? "", m.optionalString("volume_fp") ?? "",
                            m.optionalString("close_time") ?? "",
                        ]
                        rows.append(cells)
                        var j = JSONWriter()
                        j.beginObject()
                        for (k, c) in zip(
                            ["ticker", "status", "yes_bid", "yes_ask", "last_price", "volume", "close_time"], cells)
                        {
                            j.string(k, c)
                        }
                        j.endObject()
                        objects.append(j.output)
                    }
                    cursor = try root.optionalString("cursor").flatMap { $0.isEmpty ? nil : $0 }
                } while cursor != nil
            }
            if target.json {
                print("{\"markets\":[" + objects.joined(separator: ",") + "]}")
            } else {
                print(OrderCommand.table(rows), terminator: "")
                print("\(rows.count - 1) market\(rows.count == 2 ? "" : "s")")
            }
        }
    }

    // MARK: - Pieces

    /// A price of a side: dollars (`0.42`) or cents (`42c`), a whole cent from 1 to 99.
    static func price(_ text: String, flag: String) throws -> Price {
        let micros: Int64?
        if text.hasSuffix("c") {
            micros = Int64(text.dropLast()).map { $0 * 10_000 }
        } else {
            micros = FixedPoint.parse(text, scale: 6)
        }
        guard let micros, micros >= 10_000, micros <= 990_000, micros % 10_000 == 0 else {
            throw CLIError("\(flag) \(text): a whole cent from 0.01 to 0.99 (or 1c to 99c)")
        }
        return Price(micros: micros)
    }

    static func printAnswer(_ answer: KalshiOrderAnswer, verb: String, json: Bool) {
        if json {
            print(answer.json)
        } else {
            print("\(answer.orderId): \(verb); filled \(answer.fillCount), resting \(answer.remainingCount)")
        }
    }

    /// Rows as aligned columns (each as wide as its widest cell, two spaces apart), a line each.
    static func table(_ rows: [[String]]) -> String {
        var widths: [Int] = []
        for r in rows {
            for (i, c) in r.enumerated() {
                if i == widths.count { widths.append(0) }
                widths[i] = max(widths[i], c.count)
            }
        }
        var out = ""
        for r in rows {
            let cells = r.enumerated().map { i, c in i == r.count - 1 ? c : rightPad(c, widths[i]) }
            out += cells.joined(separator: "  ") + "\n"
        }
        return out
    }
}

/// The manual orders' write-ahead log: a session manifest (its run id seeds the client order ids),
/// then per order a decision (reason `manual`), the intent, synced before the request leaves, and
/// what the exchange answered.
final class ManualOrderLog {
    /// An order ready to send: the intent as logged and its V2 form.
    struct Prepared {
        var intent: OrderIntent
        var v2: KalshiOrderV2
        var clientOrderId: String { v2.clientOrderId }
    }

    let directory: String
    let sessionId: String
    /// The intents this log holds, by client order id.
    private(set) var intents: [String: OrderIntent] = [:]
    private let writer: EventLogWriter
    private var lastTime = Timestamp(nanos: 0)

    init(directory: String) throws {
        self.directory = directory
        var session: String?
        if Files.exists(directory), (try? Files.names(in: directory))?.contains(where: { $0.hasSuffix(".lz4") }) == true
        {
            var cursor = try EventCursor(directory: directory)
            while let (_, r) = try cursor.next() {
                lastTime = max(lastTime, r.time)
                switch r.event {
                case .runManifest(let m) where m.runKind == "manual" && session == nil: session = m.runId
                case .orderIntent(let i): intents[i.clientOrderId] = i
                default: break
                }
            }
        }
        writer = try openLogWriter(directory)
        if let session {
            sessionId = session
        } else {
            // A new session: its id is the one random thing, logged, so every id after is reproducible.
            sessionId = UUID().uuidString.lowercased()
            _ = try append(
                .runManifest(
                    RunManifest(
                        runId: sessionId, phase: .started, runKind: "manual", engineVersion: Isotherm.version,
                        configHash: "", parameters: [], inputs: [], outputHash: "")))
        }
    }

    func close() { try? writer.close() }

    /// Appends `event`; with `sync`, it and everything before it are on disk when this returns. One sync
    /// per step: a decision and its intent, or an answer and its fills, go down together.
    @discardableResult
    func append(_ event: Event, sync: Bool = true) throws -> UInt64 {
        lastTime = max(lastTime, wallClockNow())
        let sequence = try writer.append(event, at: lastTime)
        if sync { try writer.flush(sync: true) }
        return sequence
    }

    @discardableResult
    func appendDecision(_ action: DecisionAction, subject: String, values: [Field], sync: Bool = true) throws
        -> UInt64
    {
        try append(
            .strategyDecision(
                StrategyDecision(
                    strategy: "manual", subject: subject, action: action, inputSequences: [], parameters: [],
                    values: values, reason: "manual")), sync: sync)
    }

    /// Logs the decision and the intent (its client order id derived from the session and the decision's
    /// sequence), synced. - Returns: the order to send and the intent's sequence.
    func appendIntent(_ draft: OrderIntent) throws -> (Prepared, UInt64) {
        let decision = try appendDecision(
            draft.action == .buy ? .buy : .exit, subject: draft.ticker.description,
            values: [
                Field("side", draft.side.name), Field("action", draft.action.name), Field("type", draft.type.name),
                Field("price", KalshiAnswers.price(draft.price)), Field("count", KalshiAnswers.count(draft.count)),
            ], sync: false)
        var intent = draft
        intent.decisionSequence = decision
        intent.clientOrderId = KalshiClientOrderId.make(session: sessionId, engineId: "manual-\(decision)")
        let sequence = try append(.orderIntent(intent))
        intents[intent.clientOrderId] = intent
        return (Prepared(intent: intent, v2: KalshiOrderV2(intent, clientOrderId: intent.clientOrderId)), sequence)
    }

    /// The acknowledgement and the fills the order took at once, in the intent's terms.
    func appendAnswer(_ answer: KalshiOrderAnswer, fills: [KalshiFillRecord], intent: OrderIntent) throws {
        try append(
            .orderAcknowledged(OrderAcknowledged(clientOrderId: intent.clientOrderId, orderId: answer.orderId)),
            sync: fills.isEmpty)
        for (i, f) in fills.enumerated() {
            let price = intent.side == .yes ? f.yesPrice : Price(micros: 1_000_000 - f.yesPrice.micros)
            try append(
                .fill(
                    Fill(
                        clientOrderId: intent.clientOrderId, orderId: f.orderId, tradeId: f.fillId, ticker: f.ticker,
                        side: intent.side, action: intent.action, price: price, count: f.count, fee: f.fee,
                        isTaker: f.isTaker)), sync: i == fills.count - 1)
        }
    }
}
