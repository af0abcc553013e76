import Foundation
import IsothermEvents
import IsothermImport
import IsothermKalshi
import IsothermTestSupport
import Testing

@testable import IsothermExchange
@testable import IsothermLive

/// The signatures the client puts on its real requests (create, amend, cancel, batch, reads with a
/// query), as the exchange received them, verified by Python's `cryptography` through Kalshi's SDK
/// signing code (`IsothermKalshiTests/Fixtures/kalshi_sig_tool.py`, a copy of
/// `../shared/tools/kalshi_sig_tool.py`): the message is timestamp + method + path without the query
/// (`reference/kalshi-api.md` §2). A tampered signature is refused by the tool and by the exchange.
@Suite(.serialized) struct ClientSignatureTests {
    static let fixtures = LocalExchangeHarness.fixtures

    static var python: String? { PythonCrypto.interpreter }

    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        try PythonCrypto.run(exe, args)
    }

    @Test func kalshisSigningCodeVerifiesTheClientsRequests() async throws {
        let python = try #require(
            Self.python, "no python3 with the cryptography package: tools/test installs python3-cryptography")
        let h = try await LocalExchangeHarness(keepRequests: 100)
        let client = try h.client()
        let m = h.quotedMarket()
        let order = KalshiOrderV2(
            ticker: m.ticker, side: .bid, count: Count(contracts: 2), yesPrice: Price(micros: m.bid.micros - 10_000),
            timeInForce: .goodTillCanceled, selfTradePrevention: .takerAtCross, clientOrderId: "sig-1", postOnly: true,
            reduceOnly: false)
        do {
            let placed = try await client.create(order)
            _ = try await client.amend(
                orderId: placed.orderId, ticker: m.ticker, side: .bid, yesPrice: order.yesPrice,
                count: Count(contracts: 3))
            _ = try await client.orders(ticker: m.ticker.description, status: "resting")
            _ = try await client.cancel(orderIds: [placed.orderId])
            _ = try await client.balance()
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        let requests = h.service.keptRequests()
        #expect(requests.count >= 5)
        let publicKey = Self.fixtures + "/test_rsa_public.pem"
        let tool = Self.fixtures + "/kalshi_sig_tool.py"
        for r in requests {
            let ts = try #require(r.headers["kalshi-access-timestamp"])
            let signature = try #require(r.headers["kalshi-access-signature"])
            #expect(r.headers["kalshi-access-key"] == LocalExchangeHarness.keyId)
            let verified = try Self.run(python, [tool, "verify", publicKey, ts, r.method, r.path, signature])
            #expect(
                verified.status == 0 && verified.output.hasPrefix("VALID"), "\(r.method) \(r.path): \(verified.output)")
        }
        // One flipped character: the SDK's code refuses it, and so does the exchange.
        let r = try #require(requests.first)
        var s = Array(r.headers["kalshi-access-signature"]!)
        s[20] = s[20] == "A" ? "B" : "A"
        let tampered = String(s)
        let refused = try Self.run(
            python, [tool, "verify", publicKey, r.headers["kalshi-access-timestamp"]!, r.method, r.path, tampered])
        #expect(refused.status != 0 && refused.output.hasPrefix("INVALID"), "\(refused.output)")
        var replay = r
        replay.headers["kalshi-access-signature"] = tampered
        #expect(h.service.respond(replay).status == 401)
        await h.stop()
    }
}
