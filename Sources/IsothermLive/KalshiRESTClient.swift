import AsyncHTTPClient
package import IsothermEvents
package import IsothermImport
package import IsothermKalshi
import IsothermPlatform
package import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOSSL

/// Why a Kalshi request failed, in one line.
package enum KalshiClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The exchange answered with an error status (`ErrorResponse`'s code and message when it sent one).
    case rejected(status: Int, code: String, message: String, request: String)
    /// No answer: the connection failed or the deadline passed.
    case transport(String, request: String)
    /// An answer that is not what the spec says (kept verbatim in the log by the caller).
    case malformed(String, request: String)
    /// A write whose answer was lost and whose lookup did not settle it within the attempts.
    case unknownOutcome(clientOrderId: String)
    /// Signing failed (the key).
    case signing(String)

    package var description: String {
        switch self {
        case .rejected(let status, let code, let message, let request):
            "\(request): Kalshi answered \(status)\(code.isEmpty ? "" : " \(code)")\(message.isEmpty ? "" : ": \(message)")"
        case .transport(let why, let request): "\(request): no answer: \(why)"
        case .malformed(let why, let request): "\(request): malformed answer: \(why)"
        case .unknownOutcome(let id):
            "order \(id): its answer was lost and a lookup could not find whether it was taken"
        case .signing(let why): "signing: \(why)"
        }
    }

    /// The HTTP status, for rejections.
    package var status: Int? {
        if case .rejected(let s, _, _, _) = self { return s }
        return nil
    }
}

/// Kalshi's REST API for trading, over async-http-client: one HTTP client whose pool keeps one
/// kept-alive (TLS) connection to the host for every request, a deadline on each request, every
/// request signed (RSA-PSS, ``KalshiSigner``), reads and writes paced by the tier's token buckets,
/// `Retry-After` honoured on 429, backoff on 5xx for reads. A write is never sent twice blindly: when
/// an order's answer is lost (a dropped connection, a deadline, a 5xx), the order is looked up by its
/// client order id, and sent again only if Kalshi does not have it.
package actor KalshiRESTClient {
    package struct Configuration: Sendable {
        /// `https://host/trade-api/v2` (no trailing slash).
        package var baseURL: String
        package var tier: KalshiTier = .basic
        /// Each request's deadline.
        package var requestTimeoutSeconds: Int64 = 10
        /// Attempts for a request (the first included).
        package var maxAttempts = 5
        /// First backoff, doubled each attempt.
        package var backoffSeconds = 0.25
        /// A CA certificate file to trust instead of the system's (the local exchange's throwaway CA).
        package var caFile: String? = nil
        /// Largest answer read.
        package var maxResponseBytes = 8 << 20

        package init(baseURL: String) { self.baseURL = baseURL }
    }

    package let configuration: Configuration
    private let signer: KalshiSigner?
    private let http: HTTPClient
    private var limiter: KalshiRateLimiter
    private let logger: Logger
    /// The path prefix signed with each request (`/trade-api/v2`).
    private let signedPrefix: String
    /// Sleeps, in nanoseconds (a test can make it instant).
    private let sleep: @Sendable (Int64) async -> Void
    /// Requests sent (each attempt counts), and those retried.
    package private(set) var sent = 0
    package private(set) var retried = 0

    package init(
        _ configuration: Configuration, signer: KalshiSigner?, logger: Logger = Logger(label: "isotherm.kalshi.rest"),
        sleep: @escaping @Sendable (Int64) async -> Void = { try? await Task.sleep(nanoseconds: UInt64(max(0, $0))) }
    ) throws {
        self.configuration = configuration
        self.signer = signer
        self.logger = logger
        self.sleep = sleep
        limiter = KalshiRateLimiter(tier: configuration.tier)
        signedPrefix = KalshiSigner.signingPath(configuration.baseURL)
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = configuration.caFile { tls.trustRoots = .file(ca) }
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(90), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        pool.retryConnectionEstablishment = false
        let config = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(configuration.requestTimeoutSeconds)), connectionPool: pool)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Closes the connection pool; call once, when done.
    package func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: - Orders (V2)

    /// `POST /portfolio/events/orders`. An answer lost after the request left is settled by looking the
    /// order up by its client order id; it is resent only when Kalshi does not have it.
    package func create(_ order: KalshiOrderV2) async throws(KalshiClientError) -> KalshiOrderAnswer {
        precondition(!order.clientOrderId.isEmpty, "orders are sent with a client order id")
        var attempt = 1
        while true {
            let outcome = await send("POST", "/portfolio/events/orders", body: order.json, isWrite: true)
            switch outcome {
            case .answer(let status, let body, _) where status == 201 || status == 200:
                return try decode("POST /portfolio/events/orders", body) { b throws(ImportError) in
                    try KalshiAnswers.order(b, source: "create order")
                }
            case .answer(let status, let body, _) where status == 409 && attempt > 1:
                // Our client order ids are never reused, so after a resend a duplicate means an earlier
                // attempt was taken: that order is the answer.
                if let found = try await lookUp(order) { return found }
                throw rejection(status, body, "POST /portfolio/events/orders")
            case .answer(let status, let body, let retryAfter):
                let decision = KalshiRetry.decide(
                    isWrite: true, outcome: .status(status, retryAfter: retryAfter), attempt: attempt,
                    maxAttempts: configuration.maxAttempts, backoffSeconds: configuration.backoffSeconds)
                switch decision {
                case .retry(let seconds): await pause(seconds)
                case .lookUp:
                    if let found = try await lookUp(order) { return found }
                    guard attempt < configuration.maxAttempts else {
                        throw rejection(status, body, "POST /portfolio/events/orders")
                    }
                case .fail: throw rejection(status, body, "POST /portfolio/events/orders")
                }
            case .notSent(let why):
                guard attempt < configuration.maxAttempts else {
                    throw .transport(why, request: "POST /portfolio/events/orders")
                }
                await pause(configuration.backoffSeconds * Double(1 << min(attempt - 1, 10)))
            case .lost(let why):
                logger.warning(
                    "order answer lost; looking it up",
                    metadata: ["client_order_id": "\(order.clientOrderId)", "why": "\(why)"])
                if let found = try await lookUp(order) { return found }
                guard attempt < configuration.maxAttempts else {
                    throw .unknownOutcome(clientOrderId: order.clientOrderId)
                }
            }
            attempt += 1
            retried += 1
        }
    }

    /// Finds `order` by its client order id among the market's orders. Nil: Kalshi does not have it.
    private func lookUp(_ order: KalshiOrderV2) async throws(KalshiClientError) -> KalshiOrderAnswer? {
        let found = try await orders(ticker: order.ticker.description).first { $0.clientOrderId == order.clientOrderId }
        Counter(label: "isotherm_kalshi_order_lookups_total", dimensions: [("found", found == nil ? "no" : "yes")])
            .increment()
        return found.map {
            KalshiOrderAnswer(
                orderId: $0.orderId, clientOrderId: $0.clientOrderId, fillCount: $0.fillCount,
                remainingCount: $0.remainingCount)
        }
    }

    /// `POST /portfolio/events/orders/batched`: per order, its answer or Kalshi's error, in order.
    package func create(batch: [KalshiOrderV2]) async throws(KalshiClientError) -> [Result<
        KalshiOrderAnswer, KalshiErrorBody
    >] {
        var body = "{\"orders\":["
        body += batch.map(\.json).joined(separator: ",")
        body += "]}"
        let answer = try await write("POST", "/portfolio/events/orders/batched", body: body)
        return try decode("POST /portfolio/events/orders/batched", answer) { b throws(ImportError) in
            try KalshiAnswers.batch(b, source: "batch create")
        }
    }

    /// `DELETE /portfolio/events/orders/{id}`. - Returns: contracts the cancel took off.
    package func cancel(orderId: String) async throws(KalshiClientError) -> Count {
        let answer = try await write("DELETE", "/portfolio/events/orders/\(Self.escape(orderId))", body: nil)
        return try decode("DELETE order", answer) { b throws(ImportError) in
            try KalshiAnswers.cancel(b, source: "cancel").reducedBy
        }
    }

    /// `DELETE /portfolio/events/orders/batched`.
    package func cancel(orderIds: [String]) async throws(KalshiClientError) -> [Result<Count, KalshiErrorBody>] {
        var j = JSONWriter()
        j.beginObject()
        j.beginArray("orders")
        for id in orderIds {
            j.beginObject(nil)
            j.string("order_id", id)
            j.endObject()
        }
        j.endArray()
        j.endObject()
        let answer = try await write(
            "DELETE", "/portfolio/events/orders/batched", body: j.output, cost: .batchCancel(items: orderIds.count))
        return try decode("DELETE batched", answer) { b throws(ImportError) in
            try KalshiAnswers.batch(b, source: "batch cancel").map { r in
                r.map { _ in Count.zero }
            }
        }
    }

    /// `DELETE /portfolio/events/orders`: cancels every resting order.
    package func cancelAll() async throws(KalshiClientError) {
        _ = try await write("DELETE", "/portfolio/events/orders", body: nil)
    }

    /// `POST …/{id}/amend`: a new YES price and total count (filled + to rest).
    package func amend(
        orderId: String, ticker: Symbol, side: KalshiBookSide, yesPrice: Price, count: Count,
        updatedClientOrderId: String? = nil
    ) async throws(KalshiClientError) -> KalshiOrderAnswer {
        var j = JSONWriter()
        j.beginObject()
        j.string("ticker", ticker.description)
        j.string("side", side.rawValue)
        j.string("price", KalshiAnswers.price(yesPrice))
        j.string("count", KalshiAnswers.count(count))
        if let updatedClientOrderId { j.string("updated_client_order_id", updatedClientOrderId) }
        j.endObject()
        let answer = try await write("POST", "/portfolio/events/orders/\(Self.escape(orderId))/amend", body: j.output)
        return try decode("amend", answer) { b throws(ImportError) in try KalshiAnswers.order(b, source: "amend") }
    }

    /// `POST …/{id}/decrease`, by `reduceBy` or to `reduceTo` (exactly one).
    package func decrease(orderId: String, reduceBy: Count? = nil, reduceTo: Count? = nil)
        async throws(KalshiClientError) -> KalshiOrderAnswer
    {
        var j = JSONWriter()
        j.beginObject()
        if let reduceBy { j.string("reduce_by", KalshiAnswers.count(reduceBy)) }
        if let reduceTo { j.string("reduce_to", KalshiAnswers.count(reduceTo)) }
        j.endObject()
        let answer = try await write(
            "POST", "/portfolio/events/orders/\(Self.escape(orderId))/decrease", body: j.output)
        return try decode("decrease", answer) { b throws(ImportError) in try KalshiAnswers.order(b, source: "decrease")
        }
    }

    // MARK: - Reads

    /// `GET /portfolio/orders`, every page.
    package func orders(ticker: String? = nil, status: String? = nil) async throws(KalshiClientError) -> [KalshiOrder] {
        try await pages("/portfolio/orders", ["ticker": ticker, "status": status]) { b throws(ImportError) in
            try KalshiPortfolioParser.ordersPage(b, source: "orders")
        }
    }

    /// `GET /portfolio/orders/{id}`.
    package func order(id: String) async throws(KalshiClientError) -> KalshiOrder {
        let body = try await read("/portfolio/orders/\(Self.escape(id))")
        return try decode("GET order", body) { b throws(ImportError) in
            try KalshiPortfolioParser.order(b, source: "order")
        }
    }

    /// `GET /portfolio/fills`, every page.
    package func fills(ticker: String? = nil, orderId: String? = nil) async throws(KalshiClientError)
        -> [KalshiFillRecord]
    {
        try await pages("/portfolio/fills", ["ticker": ticker, "order_id": orderId]) { b throws(ImportError) in
            let page = try KalshiPortfolioParser.fillsPage(b, source: "fills")
            return (page.fills, page.cursor)
        }
    }

    /// `GET /portfolio/positions`, every page.
    package func positions() async throws(KalshiClientError) -> [KalshiPosition] {
        try await pages("/portfolio/positions", [:]) { b throws(ImportError) in
            try KalshiAnswers.positions(b, source: "positions")
        }
    }

    /// `GET /portfolio/balance`.
    package func balance() async throws(KalshiClientError) -> KalshiBalance {
        let body = try await read("/portfolio/balance")
        return try decode("GET balance", body) { b throws(ImportError) in
            try KalshiPortfolioParser.balance(b, source: "balance")
        }
    }

    /// A read whose answer the caller keeps as JSON (`/portfolio/settlements`, `/exchange/status`,
    /// `/exchange/schedule`): the body, checked to be JSON.
    package func json(_ path: String, query: [String: String?] = [:]) async throws(KalshiClientError) -> [UInt8] {
        let body = try await read(path, query: query)
        do { _ = try JSONParser.parse(body, source: path) } catch {
            throw .malformed(error.description, request: "GET \(path)")
        }
        return body
    }

    // MARK: - The wire

    private enum Outcome {
        case answer(status: Int, body: [UInt8], retryAfter: Double?)
        /// Nothing reached the server (connect failed).
        case notSent(String)
        /// Sent; no answer (dropped, deadline).
        case lost(String)
    }

    private func pages<T>(
        _ path: String, _ query: [String: String?], _ parse: ([UInt8]) throws(ImportError) -> ([T], String?)
    ) async throws(KalshiClientError) -> [T] {
        var out: [T] = []
        var cursor: String? = nil
        var seen = Set<String>()
        repeat {
            var q = query
            q["limit"] = "1000"
            q["cursor"] = cursor
            let body = try await read(path, query: q)
            let (items, next) = try decode("GET \(path)", body, parse)
            out += items
            cursor = next
            if let c = cursor, !seen.insert(c).inserted {
                throw .malformed("cursor \(c) repeated", request: "GET \(path)")
            }
        } while cursor != nil
        return out
    }

    /// A read, retried on 429, 5xx and failed connections.
    private func read(_ path: String, query: [String: String?] = [:]) async throws(KalshiClientError) -> [UInt8] {
        let target = path + Self.queryString(query)
        var attempt = 1
        while true {
            let outcome = await send("GET", target, body: nil, isWrite: false)
            let decision: KalshiRetry
            switch outcome {
            case .answer(let status, let body, _) where (200..<300).contains(status): return body
            case .answer(let status, let body, let retryAfter):
                decision = KalshiRetry.decide(
                    isWrite: false, outcome: .status(status, retryAfter: retryAfter), attempt: attempt,
                    maxAttempts: configuration.maxAttempts, backoffSeconds: configuration.backoffSeconds)
                if case .fail = decision { throw rejection(status, body, "GET \(path)") }
            case .notSent(let why), .lost(let why):
                decision = KalshiRetry.decide(
                    isWrite: false, outcome: .notSent, attempt: attempt, maxAttempts: configuration.maxAttempts,
                    backoffSeconds: configuration.backoffSeconds)
                if case .fail = decision { throw .transport(why, request: "GET \(path)") }
            }
            if case .retry(let seconds) = decision { await pause(seconds) }
            attempt += 1
            retried += 1
        }
    }

    /// A write other than a create (cancel, amend, decrease, batches): retried only when the exchange
    /// said it did not take it (429) or it never left; a lost answer is an error the caller settles
    /// by reading the orders back (a cancel sent twice is harmless, an amend is not).
    private func write(
        _ method: String, _ path: String, body: String?, cost: KalshiRateLimiter.Request = .write
    ) async throws(KalshiClientError) -> [UInt8] {
        var attempt = 1
        while true {
            switch await send(method, path, body: body, isWrite: true, cost: cost) {
            case .answer(let status, let answer, _) where (200..<300).contains(status): return answer
            case .answer(let status, let answer, let retryAfter):
                guard status == 429, attempt < configuration.maxAttempts else {
                    throw rejection(status, answer, "\(method) \(path)")
                }
                await pause(retryAfter ?? configuration.backoffSeconds * Double(1 << min(attempt - 1, 10)))
            case .notSent(let why):
                guard attempt < configuration.maxAttempts else { throw .transport(why, request: "\(method) \(path)") }
                await pause(configuration.backoffSeconds * Double(1 << min(attempt - 1, 10)))
            case .lost(let why):
                throw .transport(why, request: "\(method) \(path)")
            }
            attempt += 1
            retried += 1
        }
    }

    private func send(
        _ method: String, _ target: String, body: String?, isWrite: Bool, cost: KalshiRateLimiter.Request? = nil
    ) async -> Outcome {
        let wait = limiter.delay(cost ?? (isWrite ? .write : .read), now: SystemClock.monotonicNanos())
        if wait > 0 { await sleep(wait) }
        let pathOnly = String(target.prefix { $0 != "?" })
        var request = HTTPClientRequest(url: configuration.baseURL + target)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        if let signer {
            let ms = SystemClock.wallNanos() / 1_000_000
            do {
                for (name, value) in try signer.headers(
                    timestampMs: ms, method: method, urlOrPath: signedPrefix + pathOnly)
                {
                    request.headers.add(name: name, value: value)
                }
            } catch {
                return .notSent("cannot sign: \(error)")
            }
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        sent += 1
        let started = SystemClock.monotonicNanos()
        let label = "\(method) \(Self.metricPath(pathOnly))"
        do {
            let response = try await http.execute(request, timeout: .seconds(configuration.requestTimeoutSeconds))
            let bytes = try await response.body.collect(upTo: configuration.maxResponseBytes)
            let status = Int(response.status.code)
            Timer(label: "isotherm_kalshi_request_seconds", dimensions: [("request", label)])
                .recordNanoseconds(SystemClock.monotonicNanos() - started)
            Counter(
                label: "isotherm_kalshi_requests_total", dimensions: [("request", label), ("status", String(status))]
            )
            .increment()
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
            if status >= 400 {
                logger.info(
                    "kalshi answered an error",
                    metadata: [
                        "request": "\(label)", "status": "\(status)",
                        "body": "\(String(decoding: Array(bytes.readableBytesView.prefix(500)), as: UTF8.self))",
                    ])
            }
            return .answer(status: status, body: Array(bytes.readableBytesView), retryAfter: retryAfter)
        } catch {
            Counter(label: "isotherm_kalshi_requests_total", dimensions: [("request", label), ("status", "none")])
                .increment()
            if Self.neverLeft(error) { return .notSent(String(describing: error)) }
            return .lost(String(describing: error))
        }
    }

    /// Whether a failure happened before the request could reach the server (the connection was never
    /// made), so that even a write may go again.
    private static func neverLeft(_ error: any Error) -> Bool {
        if let e = error as? HTTPClientError, e == .connectTimeout { return true }
        let text = String(describing: error)
        return text.contains("connectionRefused") || text.contains("Connection refused")
            || text.contains("connectTimeout") || text.contains("NIOConnectionError")
    }

    private func pause(_ seconds: Double) async {
        await sleep(Int64(min(max(0, seconds), 3_600) * 1e9))
    }

    private func decode<T>(_ request: String, _ body: [UInt8], _ parse: ([UInt8]) throws(ImportError) -> T)
        throws(KalshiClientError) -> T
    {
        do {
            return try parse(body)
        } catch {
            Counter(label: "isotherm_kalshi_malformed_total").increment()
            logger.error(
                "malformed answer",
                metadata: [
                    "request": "\(request)", "error": "\(error)",
                    "body": "\(String(decoding: body.prefix(2_000), as: UTF8.self))",
                ])
            throw .malformed(error.description, request: request)
        }
    }

    private func rejection(_ status: Int, _ body: [UInt8], _ request: String) -> KalshiClientError {
        let e = KalshiAnswers.error(body)
        return .rejected(status: status, code: e?.code ?? "", message: e?.message ?? "", request: request)
    }

    /// The path for metrics: ids replaced by `{id}` so that labels stay few.
    private static func metricPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("ord-") || part.count >= 20 ? "{id}" : String(part)
        }.joined(separator: "/")
    }

    static func queryString(_ query: [String: String?]) -> String {
        let pairs = query.compactMap { k, v in v.map { (k, $0) } }.sorted { $0.0 < $1.0 }
        guard !pairs.isEmpty else { return "" }
        return "?" + pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String {
        count >= n ? self : String(repeating: "0", count: n - count) + self
    }
}
