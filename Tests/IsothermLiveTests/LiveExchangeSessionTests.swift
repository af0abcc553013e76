import Foundation
import IsothermBacktest
import IsothermCore
import IsothermEvents
import IsothermImport
import IsothermKalshi
import IsothermLog
import IsothermStore
import Testing

@testable import IsothermExchange
@testable import IsothermLive

/// A session that trades at the local exchange (issue 15): open_maker's orders go out signed, each
/// intent synced before its request leaves and each answer appended as an input; fills come from the
/// private `fill` channel and `GET /portfolio/fills`. What the exchange holds and what the log holds
/// agree order for order and fill for fill, and the log alone recomputes every output.
@Suite(.serialized) struct LiveExchangeSessionTests {
    struct Outputs {
        var intents: [OrderIntent] = []
        var acknowledged: [String: String] = [:]
        var rejected: [OrderRejected] = []
        var fills: [Fill] = []
        var answers = 0
    }

    static func outputs(_ log: String) throws -> Outputs {
        var o = Outputs()
        try EventLogReader(directory: log).forEach { _, r in
            switch r.event {
            case .orderIntent(let i): o.intents.append(i)
            case .orderAcknowledged(let a): o.acknowledged[a.clientOrderId] = a.orderId
            case .orderRejected(let x): o.rejected.append(x)
            case .fill(let f): o.fills.append(f)
            case .rawFeedMessage(let m) where m.source == BrokerAnswer.source: o.answers += 1
            default: break
            }
            return true
        }
        return o
    }

    /// The exchange's book against the log: every order the exchange took answers one acknowledged
    /// intent (no duplicate), every fill it made is in the log once (none lost), and the contracts the
    /// log's fills add up to are the exchange's positions.
    static func expectAgreement(_ h: LocalExchangeHarness, _ o: Outputs, _ context: String) {
        let book = h.service.snapshot()
        #expect(
            Set(book.orders.map(\.orderId)) == Set(o.acknowledged.values),
            "\(context): \(book.orders.count) orders at the exchange, \(o.acknowledged.count) acknowledged")
        #expect(
            Set(book.orders.map(\.clientOrderId)).count == book.orders.count, "\(context): a client order id twice")
        #expect(
            book.fills.map(\.fillId).sorted() == o.fills.map(\.tradeId).sorted(),
            "\(context): \(book.fills.count) fills at the exchange, \(o.fills.count) in the log")
        var net: [Symbol: Int64] = [:]
        for f in o.fills {
            let yes = (f.side == .yes) == (f.action == .buy)
            net[f.ticker, default: 0] += yes ? f.count.hundredths : -f.count.hundredths
        }
        var exchangeNet: [Symbol: Int64] = [:]
        for f in book.fills {
            exchangeNet[f.ticker, default: 0] += f.side == .bid ? f.count.hundredths : -f.count.hundredths
        }
        #expect(net.filter { $0.value != 0 } == exchangeNet.filter { $0.value != 0 }, "\(context): positions")
    }

    /// Six days of New York; open_maker bids 0.30 post-only (at its default 0.50 every bid would cross
    /// the exchange's book at the open and be refused), so orders rest, fill in part, and are canceled
    /// when their window ends.
    static let days: Int32 = 6
    static let until = Timestamp(rfc3339: "2025-06-15T20:00:00Z")!
    static let params = ["price": "0.30"]

    @Test func aSessionTradesAtTheExchangeAndItsLogRecomputesEveryOutput() async throws {
        let h = try await LocalExchangeHarness(days: Self.days)
        defer { Task { await h.stop() } }
        try await LiveSessionTests.inTemporaryDirectory { log in
            let summary = try await LiveSessionTests.session(
                h, log: log, until: Self.until, fill: .queue, atExchange: true, params: Self.params,
                weatherDays: Self.days)
            #expect(summary.stopped == "test" && summary.failure == nil, "\(summary)")
            #expect(summary.intents > 0 && summary.fills > 0, "the session traded: \(summary)")
            #expect(summary.requests >= summary.intents, "\(summary)")
            let o = try Self.outputs(log)
            #expect(o.answers == summary.requests, "every request's answer is an input")
            Self.expectAgreement(h, o, "one session")
            let v = try SessionLog.verify(log, engineVersion: "test")
            #expect(v.identical, "\(v.difference ?? "")")
            #expect(v.compared == summary.outputs && v.recordedHash == v.outputHash, "\(v)")
            print(
                "exchange session:", summary, "orders", o.acknowledged.count, "fills", o.fills.count, "refused",
                o.rejected.map { "\($0.code): \($0.message)" })
        }
    }

    /// A process killed after an intent was synced and before its answer was logged (the log ends with
    /// the intent): on restart the order is looked up by its client order id and never sent again —
    /// found at the exchange that took it (acknowledged with the exchange's order id), answered
    /// `not_sent` by one that never saw it — and the session goes on; the exchange and the log agree.
    @Test func aRestartLooksUpAnOrderLeftUnansweredAndNeverSendsItAgain() async throws {
        let h = try await LocalExchangeHarness(days: Self.days)
        defer { Task { await h.stop() } }
        try await LiveSessionTests.inTemporaryDirectory { log in
            _ = try await LiveSessionTests.session(
                h, log: log, until: Self.until, fill: .queue, atExchange: true, params: Self.params,
                weatherDays: Self.days, stopAfterIntents: 1)
            var records: [EventRecord] = []
            try EventLogReader(directory: log).forEach { _, r in
                records.append(r)
                return true
            }
            let intent = try #require(records.firstIndex { $0.event.kind == .orderIntent })
            guard case .orderIntent(let placed) = records[intent].event,
                case .rawFeedMessage(let answer) = records[intent + 1].event
            else { throw SessionLogError("no intent and answer") }
            #expect(answer.source == BrokerAnswer.source && answer.channel.hasSuffix(placed.clientOrderId))
            let taken = h.service.snapshot().orders.count
            #expect(taken == 1)

            // The exchange took the order: the restart finds it.
            let cut = log + "-cut"
            defer { try? FileManager.default.removeItem(atPath: cut) }
            let w = try EventLogWriter(directory: cut)
            for r in records[...intent] { _ = try w.append(r) }
            try w.close()
            #expect(try SessionLog.verify(cut, engineVersion: "test").identical)
            let resumed = try await LiveSessionTests.session(
                h, log: cut, until: Self.until, fill: .queue, atExchange: true, params: Self.params,
                weatherDays: Self.days, resume: true)
            let o = try Self.outputs(cut)
            #expect(o.acknowledged[placed.clientOrderId] == h.service.snapshot().orders.first?.orderId)
            #expect(!o.rejected.contains { $0.clientOrderId == placed.clientOrderId }, "\(o.rejected)")
            Self.expectAgreement(h, o, "restart, order taken")
            let v = try SessionLog.verify(cut, engineVersion: "test")
            #expect(v.identical, "\(v.difference ?? "")")
            print("restart, order taken:", resumed)

            // An exchange that never saw it: the restart answers it not_sent, and sends nothing for it.
            let other = try await LocalExchangeHarness(days: Self.days)
            defer { Task { await other.stop() } }
            other.clock.set(records[intent].time)
            let cut2 = log + "-cut-unsent"
            defer { try? FileManager.default.removeItem(atPath: cut2) }
            let w2 = try EventLogWriter(directory: cut2)
            for r in records[...intent] { _ = try w2.append(r) }
            try w2.close()
            _ = try await LiveSessionTests.session(
                other, log: cut2, until: Self.until, fill: .queue, atExchange: true, params: Self.params,
                weatherDays: Self.days, resume: true)
            let o2 = try Self.outputs(cut2)
            #expect(
                o2.rejected.first { $0.clientOrderId == placed.clientOrderId }?.code == "not_sent", "\(o2.rejected)")
            #expect(
                !other.service.snapshot().orders.contains {
                    $0.clientOrderId
                        == KalshiClientOrderId.make(session: "test-session", engineId: placed.clientOrderId)
                })
            Self.expectAgreement(other, o2, "restart, order never sent")
            #expect(try SessionLog.verify(cut2, engineVersion: "test").identical)
        }
    }
}
