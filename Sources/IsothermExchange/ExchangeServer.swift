import HTTPTypes
package import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
package import Logging
import NIOCore
package import NIOSSL
package import Prometheus
import ServiceLifecycle
import UnixSignals

/// The local exchange on the network: Hummingbird on loopback (HTTP, or HTTPS with a given certificate),
/// every request under `/trade-api/v2` answered by an ``ExchangeService``.
package enum ExchangeServer {
    /// The WebSocket API's path.
    package static let webSocketPath = "/trade-api/ws/v2"

    /// The application; run it (`run()`, or in a `ServiceGroup`) to serve. `onListening` is called with
    /// the bound port (0 asks the system for a free one). With a `feed`, the WebSocket API is served at
    /// ``webSocketPath`` on the same port, and a pump moves the world and hands its news to the feed's
    /// connections every `pumpMillis`.
    /// With `metrics`, `GET /metrics` answers the registry in Prometheus's text format.
    package static func application(
        service: ExchangeService, feed: ExchangeFeed? = nil, metrics: PrometheusCollectorRegistry? = nil, port: Int,
        tls: TLSConfiguration?, logger: Logger, pumpMillis: Int = 5,
        onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> some ApplicationProtocol {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let handler: @Sendable (Request, BasicWebSocketRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let answer = service.respond(exchangeRequest(request, body: Array(body.readableBytesView)))
            if answer.delayNanos > 0 { try? await Task.sleep(nanoseconds: UInt64(answer.delayNanos)) }
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            for (k, v) in answer.headers {
                if let name = HTTPField.Name(k) { fields[name] = v }
            }
            return Response(
                status: .init(code: answer.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        for method in [HTTPRequest.Method.get, .post, .delete, .put] {
            router.on("/trade-api/v2/**", method: method, use: handler)
        }
        if let metrics {
            router.get("/metrics") { _, _ -> Response in
                var fields = HTTPFields()
                fields[.contentType] = "text/plain; version=0.0.4"
                return Response(
                    status: .ok, headers: fields,
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        if let feed {
            // A signed upgrade may use the private channels; a wrongly signed one is refused (401), an
            // unsigned one gets the public channels only.
            router.ws(
                RouterPath(webSocketPath),
                shouldUpgrade: { request, _ in
                    let r = exchangeRequest(request, body: [])
                    if r.headers["kalshi-access-signature"] != nil, let failure = service.authenticate(r) {
                        throw HTTPError(.unauthorized, message: failure.message)
                    }
                    return .upgrade([:])
                },
                onUpgrade: { inbound, outbound, context in
                    let r = exchangeRequest(context.request, body: [])
                    let signed = r.headers["kalshi-access-signature"] != nil && service.authenticate(r) == nil
                    await feed.serve(inbound: inbound, outbound: outbound, authenticated: signed)
                })
        }
        let http: HTTPServerBuilder = .http1WebSocketUpgrade(webSocketRouter: router)
        let server: HTTPServerBuilder = try tls.map { try .tls(http, tlsConfiguration: $0) } ?? http
        var app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "isotherm-exchange"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
        if let feed { app.addServices(FeedPump(feed: feed, millis: pumpMillis)) }
        return app
    }

    private static func exchangeRequest(_ request: Request, body: [UInt8]) -> ExchangeRequest {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var query: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
        return ExchangeRequest(
            method: request.method.rawValue, path: request.uri.path, query: query, headers: headers, body: body)
    }

    /// Moves the world and hands the feed its news every `millis`, until shutdown.
    private struct FeedPump: Service {
        var feed: ExchangeFeed
        var millis: Int
        func run() async throws {
            try? await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    feed.pump()
                    try await Task.sleep(nanoseconds: UInt64(millis) * 1_000_000)
                }
            }
        }
    }

    /// Serves until SIGINT or SIGTERM (a graceful shutdown through swift-service-lifecycle), or until
    /// `seconds` pass when given.
    package static func serve(
        service: ExchangeService, feed: ExchangeFeed?, metrics: PrometheusCollectorRegistry?, port: Int,
        tls: TLSConfiguration?, logger: Logger, seconds: Double?, onListening: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let app = try application(
            service: service, feed: feed, metrics: metrics, port: port, tls: tls, logger: logger,
            onListening: onListening)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)]
        if let seconds {
            // Its end shuts the group down gracefully, as a signal would.
            services.append(
                .init(service: Deadline(seconds: seconds), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// A service that ends after `seconds`, or at once on a graceful shutdown.
    private struct Deadline: Service {
        var seconds: Double
        func run() async throws {
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
            }
        }
    }

    /// A server TLS configuration from PEM files (certificate chain, private key).
    package static func tls(certificateFile: String, keyFile: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }
}
