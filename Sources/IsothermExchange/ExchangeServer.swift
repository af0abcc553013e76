import HTTPTypes
package import Hummingbird
import HummingbirdCore
import HummingbirdTLS
package import Logging
import NIOCore
package import NIOSSL

/// The local exchange on the network: Hummingbird on loopback (HTTP, or HTTPS with a given certificate),
/// every request under `/trade-api/v2` answered by an ``ExchangeService``.
package enum ExchangeServer {
    /// The application; run it (`run()`, or in a `ServiceGroup`) to serve. `onListening` is called with
    /// the bound port (0 asks the system for a free one).
    package static func application(
        service: ExchangeService, port: Int, tls: TLSConfiguration?, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> some ApplicationProtocol {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            var query: [String: String] = [:]
            for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
            let answer = service.respond(
                ExchangeRequest(
                    method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
                    body: Array(body.readableBytesView)))
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
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        return Application(
            router: router, server: server,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "isotherm-exchange"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// A server TLS configuration from PEM files (certificate chain, private key).
    package static func tls(certificateFile: String, keyFile: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    }
}
