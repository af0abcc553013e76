import IsothermCore
package import IsothermEvents
import IsothermImport
import IsothermKalshi
import IsothermPlatform
import IsothermWorld
import Metrics
import Synchronization

/// One HTTP request as the exchange sees it (the server fills it in; tests may build one directly).
package struct ExchangeRequest: Sendable {
    package var method: String
    /// The full path, `/trade-api/v2/...`, without the query.
    package var path: String
    package var query: [String: String]
    /// Header names lower-cased.
    package var headers: [String: String]
    package var body: [UInt8]

    package init(
        method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// What the exchange answers.
package struct ExchangeResponse: Sendable, Equatable {
    package var status: Int
    package var body: String
    package var headers: [String: String] = [:]
    /// Chaos: hold the answer this long before sending it (a client's deadline passes first).
    package var delayNanos: Int64 = 0

    package init(status: Int, body: String, headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }
}

/// Misbehaviour on purpose, drawn from a seed so that a run can be repeated: each rate is the chance,
/// in parts per thousand, that a request meets it.
package struct ExchangeChaos: Equatable, Sendable {
    /// Answer 429 with `Retry-After` (the request is not taken).
    package var rateLimitedPerMille = 0
    /// Take the request, then answer 503 (a write's fate is then unknown to the client).
    package var serverErrorPerMille = 0
    /// Take the request, then hold the answer past the client's deadline.
    package var lostAnswerPerMille = 0
    /// How long a held answer waits.
    package var lostAnswerDelayNanos: Int64 = 3_000_000_000
    package var seed: UInt64 = 1

    package init() {}

    package var isQuiet: Bool { rateLimitedPerMille == 0 && serverErrorPerMille == 0 && lostAnswerPerMille == 0 }
}

/// The local exchange's REST API: Kalshi's paths under `/trade-api/v2`, answered from an
/// ``ExchangeBook`` that a world log moves. Portfolio paths need the three `KALSHI-ACCESS-*` headers and
/// a valid RSA-PSS signature over timestamp + method + path (401 otherwise, as Kalshi answers); market
/// and exchange reads are public. Thread-safe: requests are answered one at a time, in arrival order.
package final class ExchangeService: Sendable {
    package struct Configuration: Sendable {
        /// The API key id the exchange accepts, and its public key (PEM).
        package var keyId: String
        package var publicKeyPEM: [UInt8]
        /// How far a request's timestamp may be from the exchange's wall clock.
        package var timestampToleranceMs: Int64 = 30_000
        package var chaos = ExchangeChaos()
        package var book = ExchangeBook.Options()
        /// Keep the last this many portfolio requests as received, headers included (a test checks the
        /// client's signatures with another implementation; `isotherm exchange --journal` prints them).
        package var keepRequests = 0
        /// How fast the world clock runs (times real time), told by `GET /isotherm/clock`.
        package var speed = 1.0

        package init(keyId: String, publicKeyPEM: [UInt8]) {
            self.keyId = keyId
            self.publicKeyPEM = publicKeyPEM
        }
    }

    /// Under the lock only: the world source is read by one request at a time.
    private struct State {
        var book: ExchangeBook
        /// The world's events in time order, pulled as the clock reaches them; `ahead` is the one
        /// pulled but not yet due.
        var world: () -> EventRecord?
        var ahead: EventRecord?
        var rng: SplitMix64
        var requests = 0
        var chaosAnswers: [String: Int] = [:]
        var kept: [ExchangeRequest] = []
    }

    package let configuration: Configuration
    private let state: Mutex<State>
    /// The public key, parsed once (nil when it cannot be read: every signature is then refused).
    private let verifier: KalshiVerifier?
    /// The exchange's time in the world (real or accelerated), and the wall clock signatures are checked against.
    private let worldNow: @Sendable () -> Timestamp
    private let wallMs: @Sendable () -> Int64
    package static let prefix = "/trade-api/v2"

    /// - Parameter world: the world log's events (listings, candles, lifecycle, settlements) in time
    ///   order, one per call, nil at the end; called under the exchange's lock as its clock advances, so
    ///   a year of candles is streamed, not held.
    package init(
        _ configuration: Configuration, world: sending @escaping () -> EventRecord?,
        worldNow: @escaping @Sendable () -> Timestamp, wallMs: @escaping @Sendable () -> Int64
    ) {
        self.configuration = configuration
        self.worldNow = worldNow
        self.wallMs = wallMs
        verifier = try? KalshiVerifier(publicPEM: configuration.publicKeyPEM)
        state = Mutex(
            State(
                book: ExchangeBook(options: configuration.book), world: world, ahead: world(),
                rng: SplitMix64(seed: configuration.chaos.seed)))
    }

    /// An exchange over events held in memory (tests, small worlds).
    package convenience init(
        _ configuration: Configuration, timeline: [EventRecord], worldNow: @escaping @Sendable () -> Timestamp,
        wallMs: @escaping @Sendable () -> Int64
    ) {
        var i = 0
        self.init(
            configuration,
            world: {
                guard i < timeline.count else { return nil }
                defer { i += 1 }
                return timeline[i]
            }, worldNow: worldNow, wallMs: wallMs)
    }

    /// The book now (for tests and the status line), after showing it the world up to now.
    package func snapshot() -> ExchangeBook {
        let now = worldNow()
        return state.withLock { s in
            Self.catchUp(&s, to: now)
            return s.book
        }
    }

    /// Moves the world up to now and hands over what subscribers are owed.
    package func drainNotices() -> [ExchangeNotice] {
        let now = worldNow()
        return state.withLock { s in
            Self.catchUp(&s, to: now)
            return s.book.drainNotices()
        }
    }

    /// The last ``Configuration/keepRequests`` portfolio requests, oldest first.
    package func keptRequests() -> [ExchangeRequest] { state.withLock { $0.kept } }

    /// How many answers each chaos kind gave.
    package var chaosCounts: [String: Int] { state.withLock { $0.chaosAnswers } }

    private static func catchUp(_ s: inout State, to now: Timestamp) {
        while let r = s.ahead, r.time <= now {
            s.book.apply(r.event, at: r.time)
            s.ahead = s.world()
        }
        s.book.advance(to: now)
    }

    // MARK: - Answering

    package func respond(_ request: ExchangeRequest) -> ExchangeResponse {
        let started = SystemClock.monotonicNanos()
        let response = answer(request)
        // The path with ids folded, so the series stay few.
        let route = request.path.split(separator: "/").map { part in
            part.hasPrefix("ord-") || part.hasPrefix("KX") ? "{id}" : String(part)
        }.joined(separator: "/")
        let labels = [("method", request.method), ("path", "/" + route)]
        Counter(label: "isotherm_exchange_requests_total", dimensions: labels + [("status", String(response.status))])
            .increment()
        Timer(label: "isotherm_exchange_request_seconds", dimensions: labels)
            .recordNanoseconds(SystemClock.monotonicNanos() - started)
        return response
    }

    private func answer(_ request: ExchangeRequest) -> ExchangeResponse {
        guard request.path.hasPrefix(Self.prefix) else {
            return Self.error(ExchangeError(404, "not_found", "no such path \(request.path)"))
        }
        let path = String(request.path.dropFirst(Self.prefix.count))
        let parts = path.split(separator: "/").map(String.init)
        let isPrivate = parts.first == "portfolio"
        if isPrivate, configuration.keepRequests > 0 {
            state.withLock { s in
                if s.kept.count == configuration.keepRequests { s.kept.removeFirst() }
                s.kept.append(request)
            }
        }
        if isPrivate, let failure = authenticate(request) { return Self.error(failure) }
        let now = worldNow()
        if request.method == "GET" && parts == ["isotherm", "clock"] {
            // Not Kalshi's: the world clock, so that a session trading this exchange keeps its time.
            return Self.ok(Self.clockJSON(now: now, speed: configuration.speed))
        }
        return state.withLock { s in
            Self.catchUp(&s, to: now)
            s.requests += 1
            let chaos = configuration.chaos
            var roll = chaos.isQuiet ? 1_000 : Int(s.rng.next() % 1_000)
            if roll < chaos.rateLimitedPerMille {
                s.chaosAnswers["429", default: 0] += 1
                var r = Self.error(ExchangeError(429, "too_many_requests", "rate limit exceeded (chaos)"))
                r.headers["Retry-After"] = "0"
                return r
            }
            roll -= chaos.rateLimitedPerMille
            var answer: ExchangeResponse
            do throws(ExchangeError) {
                answer = try Self.route(request.method, parts, request, &s.book, now: now)
            } catch {
                answer = Self.error(error)
            }
            if roll >= 0, roll < chaos.serverErrorPerMille {
                s.chaosAnswers["5xx", default: 0] += 1
                return Self.error(ExchangeError(503, "service_unavailable", "temporarily unavailable (chaos)"))
            }
            roll -= chaos.serverErrorPerMille
            if roll >= 0, roll < chaos.lostAnswerPerMille {
                s.chaosAnswers["lost", default: 0] += 1
                answer.delayNanos = chaos.lostAnswerDelayNanos
            }
            return answer
        }
    }

    /// 401 unless the request carries the key id, a fresh timestamp and a valid signature of
    /// timestamp + method + path (the query is not signed; the body is not signed).
    /// Nil when `request` carries a valid signature, else the 401 Kalshi would answer.
    package func authenticate(_ request: ExchangeRequest) -> ExchangeError? {
        guard let key = request.headers["kalshi-access-key"], let ts = request.headers["kalshi-access-timestamp"],
            let signature = request.headers["kalshi-access-signature"]
        else {
            return ExchangeError(401, "authentication_error", "missing KALSHI-ACCESS-* headers")
        }
        guard key == configuration.keyId else { return ExchangeError(401, "authentication_error", "unknown API key") }
        guard let ms = Int64(ts), abs(ms - wallMs()) <= configuration.timestampToleranceMs else {
            return ExchangeError(401, "authentication_error", "timestamp \(ts) is not within the allowed window")
        }
        let message = KalshiSigner.message(timestampMs: ms, method: request.method, urlOrPath: request.path)
        guard let verifier, verifier.verify(message, signature: signature) else {
            return ExchangeError(401, "authentication_error", "invalid signature")
        }
        return nil
    }

    private static func route(
        _ method: String, _ parts: [String], _ request: ExchangeRequest, _ book: inout ExchangeBook, now: Timestamp
    ) throws(ExchangeError) -> ExchangeResponse {
        /// The captured segments when `method` and `parts` match `pattern` (`*` matches one segment).
        func route(_ m: String, _ pattern: String) -> [String]? {
            let want = pattern.split(separator: "/").map(String.init)
            guard m == method, want.count == parts.count else { return nil }
            var captured: [String] = []
            for (w, p) in zip(want, parts) {
                if w == "*" { captured.append(p) } else if w != p { return nil }
            }
            return captured
        }
        if route("GET", "exchange/status") != nil {
            return ok("{\"exchange_active\":true,\"trading_active\":true}")
        }
        if route("GET", "exchange/schedule") != nil {
            return ok("{\"schedule\":{\"standard_hours\":[],\"maintenance_windows\":[]}}")
        }
        if route("GET", "markets") != nil {
            return ok(try ExchangeJSON.markets(book, query: request.query, now: now))
        }
        if route("GET", "events") != nil {
            return ok(try ExchangeJSON.events(book, query: request.query, now: now))
        }
        if let c = route("GET", "events/*") {
            let markets = book.tickers.compactMap { book.markets[$0] }.filter {
                $0.listing.eventTicker.description == c[0]
            }
            guard !markets.isEmpty else { throw ExchangeError(404, "not_found", "event \(c[0]) not found") }
            return ok(
                "{\"event\":\(ExchangeJSON.event(markets, nested: false, now: now)),\"markets\":["
                    + markets.map { ExchangeJSON.market($0, now: now) }.joined(separator: ",") + "]}")
        }
        if let c = route("GET", "series/*") {
            let all = book.tickers.compactMap { book.markets[$0] }
            guard let m = all.first(where: { $0.listing.seriesTicker.description == c[0] }) else {
                throw ExchangeError(404, "not_found", "series \(c[0]) not found")
            }
            return ok(ExchangeJSON.series(m))
        }
        if let c = route("GET", "markets/*") {
            let ticker = c[0]
            guard let symbol = Symbol(ticker), let m = book.markets[symbol] else {
                throw ExchangeError(404, "not_found", "market \(ticker) not found")
            }
            return ok("{\"market\":\(ExchangeJSON.market(m, now: now))}")
        }
        if route("POST", "portfolio/events/orders") != nil {
            let order = try body(request) { f throws(ImportError) in try KalshiOrderV2.parse(f) }
            let o = try book.create(order, at: now)
            return ExchangeResponse(status: 201, body: ExchangeJSON.answer(o))
        }
        if route("POST", "portfolio/events/orders/batched") != nil {
            let items = try body(request) { root throws(ImportError) in
                try root.array("orders").enumerated().map { (i, v) throws(ImportError) in
                    try KalshiOrderV2.parse(JSONFields(v, source: "body", path: "orders[\(i)]"))
                }
            }
            var out = "{\"orders\":["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                do throws(ExchangeError) {
                    out += ExchangeJSON.answer(try book.create(item, at: now))
                } catch {
                    out +=
                        "{\"client_order_id\":\(ExchangeJSON.quoted(item.clientOrderId)),\"error\":{\"code\":\(ExchangeJSON.quoted(error.code)),\"message\":\(ExchangeJSON.quoted(error.message))}}"
                }
            }
            return ExchangeResponse(status: 201, body: out + "]}")
        }
        if route("DELETE", "portfolio/events/orders/batched") != nil {
            let ids = try body(request) { root throws(ImportError) in
                try root.array("orders").enumerated().map { (i, v) throws(ImportError) in
                    try JSONFields(v, source: "body", path: "orders[\(i)]").string("order_id")
                }
            }
            var out = "{\"orders\":["
            for (i, id) in ids.enumerated() {
                if i > 0 { out += "," }
                do throws(ExchangeError) {
                    let (o, reduced) = try book.cancel(orderId: id, at: now)
                    out += ExchangeJSON.canceled(o, reducedBy: reduced)
                } catch {
                    out +=
                        "{\"order_id\":\(ExchangeJSON.quoted(id)),\"error\":{\"code\":\(ExchangeJSON.quoted(error.code)),\"message\":\(ExchangeJSON.quoted(error.message))}}"
                }
            }
            return ok(out + "]}")
        }
        if route("DELETE", "portfolio/events/orders") != nil {
            _ = book.cancelAll(at: now)
            return ExchangeResponse(status: 204, body: "")
        }
        if let c = route("DELETE", "portfolio/events/orders/*") {
            let id = c[0]
            let (o, reduced) = try book.cancel(orderId: id, at: now)
            return ok(ExchangeJSON.canceled(o, reducedBy: reduced))
        }
        if let c = route("POST", "portfolio/events/orders/*/amend") {
            let id = c[0]
            let (side, price, count, updated) = try body(request) { f throws(ImportError) in
                let sideText = try f.string("side")
                guard let side = KalshiBookSide(rawValue: sideText) else {
                    throw f.fail("side", "\"\(sideText)\" is not bid or ask")
                }
                return (
                    side, try KalshiAnswers.price(f, "price"), try KalshiAnswers.count(f, "count"),
                    try f.optionalString("updated_client_order_id")
                )
            }
            let o = try book.amend(
                orderId: id, side: side, yesPrice: price, count: count, updatedClientOrderId: updated, at: now)
            return ok(ExchangeJSON.answer(o))
        }
        if let c = route("POST", "portfolio/events/orders/*/decrease") {
            let id = c[0]
            let (by, to) = try body(request) { f throws(ImportError) in
                (
                    f.has("reduce_by") ? try KalshiAnswers.count(f, "reduce_by") : nil,
                    f.has("reduce_to") ? try KalshiAnswers.count(f, "reduce_to") : nil
                )
            }
            return ok(ExchangeJSON.answer(try book.decrease(orderId: id, reduceBy: by, reduceTo: to, at: now)))
        }
        if route("GET", "portfolio/orders") != nil {
            var orders = book.orders
            if let t = request.query["ticker"] { orders = orders.filter { $0.ticker.description == t } }
            if let st = request.query["status"] { orders = orders.filter { $0.status.rawValue == st } }
            let (page, cursor) = try ExchangeJSON.page(orders, request.query)
            return ok(ExchangeJSON.list("orders", page.map(ExchangeJSON.order), cursor: cursor))
        }
        if let c = route("GET", "portfolio/orders/*") {
            let id = c[0]
            guard let o = book.order(id: id) else { throw ExchangeError(404, "not_found", "order \(id) not found") }
            return ok("{\"order\":\(ExchangeJSON.order(o))}")
        }
        if route("GET", "portfolio/fills") != nil {
            var fills = book.fills
            if let t = request.query["ticker"] { fills = fills.filter { $0.ticker.description == t } }
            if let id = request.query["order_id"] { fills = fills.filter { $0.orderId == id } }
            let (page, cursor) = try ExchangeJSON.page(fills, request.query)
            return ok(ExchangeJSON.list("fills", page.map(ExchangeJSON.fill), cursor: cursor))
        }
        if route("GET", "portfolio/positions") != nil {
            let held = book.positions.sorted { $0.key.description < $1.key.description }
            return ok(
                ExchangeJSON.list(
                    "market_positions", held.map { ExchangeJSON.position($0.key, $0.value) }, cursor: nil,
                    extra: "\"event_positions\":[]"))
        }
        if route("GET", "portfolio/balance") != nil {
            return ok(ExchangeJSON.balance(book, now: now))
        }
        if route("GET", "portfolio/settlements") != nil {
            return ok(ExchangeJSON.settlements(book))
        }
        throw ExchangeError(404, "not_found", "no route \(method) \(prefix)/\(parts.joined(separator: "/"))")
    }

    private static func ok(_ body: String) -> ExchangeResponse { ExchangeResponse(status: 200, body: body) }

    /// `GET /isotherm/clock`: `{"world_time_ns":…,"speed":…}`.
    package static func clockJSON(now: Timestamp, speed: Double) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.number("world_time_ns", now.nanos)
        j.rawNumber("speed", String(speed))
        j.endObject()
        return j.output
    }

    package static func error(_ e: ExchangeError) -> ExchangeResponse {
        ExchangeResponse(status: e.status, body: e.json)
    }

    /// The request's JSON body, parsed once and read by `read`; a body that is not JSON, or a field
    /// `read` rejects, is Kalshi's 400 `invalid_parameters` naming what was wrong.
    private static func body<T>(_ request: ExchangeRequest, _ read: (JSONFields) throws(ImportError) -> T)
        throws(ExchangeError) -> T
    {
        do {
            return try read(JSONFields(JSONParser.parse(request.body, source: "body"), source: "body", path: ""))
        } catch {
            throw ExchangeError(400, "invalid_parameters", error.description)
        }
    }
}
