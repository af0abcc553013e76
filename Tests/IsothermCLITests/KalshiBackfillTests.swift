import Foundation
import IsothermDigest
import IsothermEvents
import IsothermImport
import IsothermStore
import IsothermTestSupport
import Testing

@Suite("isotherm import kalshi (backfill against a local server)", .serialized)
struct KalshiBackfillTests {
    static let fast = ["--backoff", "0.05", "--rate", "200"]

    func args(
        _ log: String, _ server: ScriptedHTTPServer, from: LocalDate = FakeKalshi.day1,
        to: LocalDate = FakeKalshi.day2, _ extra: [String] = []
    ) -> [String] {
        [
            "import", "kalshi", "--series", "KXHIGHNY", "--from", from.iso8601, "--to", to.iso8601, "--log", log,
            "--base-url", server.baseURL, "--max-candles", "1200",
        ] + Self.fast + extra
    }

    /// The log's events other than run manifests, in log order (up to sequence `through`).
    func events(_ log: String, through: UInt64 = .max) throws -> [EventRecord] {
        var out: [EventRecord] = []
        try EventLogReader(directory: log).forEach { s, r in
            guard s <= through else { return false }
            if case .runManifest = r.event { return true }
            out.append(r)
            return true
        }
        return out
    }

    func manifests(_ log: String) throws -> [(sequence: UInt64, manifest: RunManifest)] {
        var out: [(sequence: UInt64, manifest: RunManifest)] = []
        try EventLogReader(directory: log).forEach(kinds: [.runManifest]) { s, r in
            if case .runManifest(let m) = r.event { out.append((s, m)) }
            return true
        }
        return out
    }

    /// The same events (in the same order, unless not `ordered`), reported briefly when they differ.
    func expectSame(
        _ got: [EventRecord], _ want: [EventRecord], _ what: String = "", ordered: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let a = ordered ? got : got.sorted { "\($0)" < "\($1)" }
        let b = ordered ? want : want.sorted { "\($0)" < "\($1)" }
        guard a != b else { return }
        let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        let found = i < a.count ? "\(a[i])" : "none"
        let wanted = i < b.count ? "\(b[i])" : "none"
        Issue.record(
            "\(what): \(a.count) events, expected \(b.count); first difference at \(i): \(found) instead of \(wanted)",
            sourceLocation: sourceLocation)
    }

    /// Each market event and candle at most once.
    func expectNoDuplicates(_ events: [EventRecord], sourceLocation: SourceLocation = #_sourceLocation) {
        var seen: Set<String> = []
        var duplicates = 0
        for e in events {
            let key: String
            switch e.event {
            case .marketListed(let m): key = "listed \(m.ticker)"
            case .marketLifecycle(let l): key = "\(l.transition.name) \(l.ticker)"
            case .candle(let c): key = "candle \(c.ticker) \(e.time)"
            default: key = "\(e)"
            }
            if !seen.insert(key).inserted { duplicates += 1 }
        }
        #expect(duplicates == 0, "\(duplicates) events appended twice", sourceLocation: sourceLocation)
    }

    @Test("429, 503 and a dropped connection are retried; every market and candle lands once; a rerun fetches nothing")
    func retriesThenExactlyOnce() throws {
        let kalshi = FakeKalshi()
        let counter = RequestCounter()
        let server = try ScriptedHTTPServer { target in
            let n = counter.next(target)
            if target.hasPrefix("/markets?") && !target.contains("cursor=") && n == 1 {
                return .respond(status: 429, headers: [("Retry-After", "1")], body: [])
            }
            // Day 1's markets open at 1735653600 and day 2's at 1735740000: the first chunks start a second later.
            if target.contains("KXHIGHNY-25JAN01-T38/candlesticks?start_ts=1735653601&") && n == 1 {
                return .respond(status: 503, body: Array("maintenance".utf8))
            }
            if target.contains("KXHIGHNY-25JAN02-B44.5/candlesticks?start_ts=1735740001&") && n == 1 {
                if case .respond(_, _, let body, _) = kalshi.reply(target) {
                    return .drop(status: 200, body: body, afterBytes: 100)
                }
            }
            if target.contains("KXHIGHNY-25JAN02-T44/candlesticks?"),
                case .respond(let s, let h, let b, _) = kalshi.reply(target)
            {
                return .respond(status: s, headers: h, body: b, chunked: true)
            }
            return kalshi.reply(target)
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let log = tmp + "/ny"
            let r = try CLI.run(args(log, server, ["--tier", "live"]))
            try #require(r.exitCode == 0, "\(r)")
            let expected = kalshi.expected(FakeKalshi.day1...FakeKalshi.day2)
            let candleCount = expected.filter { if case .candle = $0.event { true } else { false } }.count
            // 2 markets pages + 4 markets × 2 chunks; 1 series request; 3 retries.
            #expect(r.stdout.contains("10 pages fetched, 0 already done, \(expected.count) events appended"), "\(r)")
            #expect(
                r.stdout.contains("14 requests, 3 retries: 1 rate-limited, 1 server errors, 1 connection errors"),
                "\(r)")
            #expect(r.stdout.contains("markets: 4 settled in 2025-01-01…2025-01-02, 12 market events new"), "\(r)")
            #expect(r.stdout.contains("candles: \(candleCount) from 8 pages"), "\(r)")
            #expect(r.stderr.contains("429 Too Many Requests; retrying in 1.0 s"), "Retry-After honoured: \(r)")
            #expect(r.stderr.contains("cursor=CgwI3Lbq%2BxYQ%2F2%3D%3D"), "the cursor is escaped in the query: \(r)")
            let got = try events(log)
            expectSame(got, expected, "the events are exactly what the exporter was given, in order")
            expectNoDuplicates(got)
            #expect(!server.requests.contains { $0.contains("25DEC31") || $0.contains("25JAN03") }, "days outside")

            // Each page between two manifests; markets pages record the next cursor.
            let pages = try manifests(log).map(\.manifest)
            #expect(pages.count == 20 && pages.allSatisfy { $0.runKind == "backfill" })
            let first = pages.first { $0.phase == .finished && $0.parameters.contains(Field("page", "markets")) }
            #expect(
                first?.parameters.contains(Field("cursor", FakeKalshi.cursor2)) == true, "\(String(describing: first))")

            // Again: no request at all, nothing appended.
            let before = server.requests.count
            let again = try CLI.run(args(log, server, ["--tier", "live"]))
            #expect(again.exitCode == 0, "\(again)")
            #expect(
                again.stdout.contains("0 pages fetched, 10 already done, 0 events appended (0 requests"), "\(again)")
            #expect(server.requests.count == before)
            expectSame(try events(log), expected)
        }
    }

    @Test("a malformed markets page, then a malformed candle page: each run resumes where the last stopped")
    func malformedPagesThenResume() throws {
        let kalshi = FakeKalshi()
        let brokenMarkets = ManagedFlag(true)
        let brokenCandles = ManagedFlag(true)
        let server = try ScriptedHTTPServer { target in
            if brokenMarkets.value && target.contains("cursor=") {
                return .json(
                    #"{"markets":[{"ticker":"KXHIGHNY-25JAN02-T44","event_ticker":"KXHIGHNY-25JAN02","status":"sideways"}],"cursor":""}"#
                )
            }
            if brokenCandles.value && target.contains("KXHIGHNY-25JAN02-T44/candlesticks?start_ts=1735740001&") {
                return .json(#"{"ticker":"KXHIGHNY-25JAN02-T44","candlesticks":[{"end_period_ts":"soon"}]}"#)
            }
            return kalshi.reply(target)
        }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let log = tmp + "/ny"
            let expected = kalshi.expected(FakeKalshi.day1...FakeKalshi.day2)
            let day1Markets = ImportFormat.timeOrdered(
                KalshiFeeSchedule(series: [FakeKalshi.series]).records(
                    kalshi.markets.filter { $0.eventDate == FakeKalshi.day1 }))

            let first = try CLI.run(args(log, server, ["--tier", "live"]))
            #expect(first.exitCode == 2, "\(first)")
            #expect(first.stderr.contains("cursor=CgwI3Lbq%2BxYQ%2F2%3D%3D: the response cannot be read"), "\(first)")
            #expect(first.stderr.contains("markets[0].status: unknown status \"sideways\""), "\(first)")
            expectSame(try events(log), day1Markets, "the first page is kept")

            brokenMarkets.value = false
            let second = try CLI.run(args(log, server, ["--tier", "live"]))
            #expect(second.exitCode == 2, "\(second)")
            #expect(second.stderr.contains("KXHIGHNY-25JAN02-T44/candlesticks?"), "\(second)")
            #expect(second.stderr.contains("candlesticks[0].end_period_ts: expected Unix seconds"), "\(second)")
            let firstPageURL = server.requests.filter { $0.hasPrefix("/markets?") && !$0.contains("cursor=") }
            #expect(firstPageURL.count == 1, "the finished first page is passed over; its manifest gave the cursor")
            let partial = try events(log)
            expectSame(partial, Array(expected.prefix(partial.count)), "everything up to the broken page, in order")
            #expect(partial.count < expected.count)

            brokenCandles.value = false
            let third = try CLI.run(args(log, server, ["--tier", "live"]))
            #expect(third.exitCode == 0, "\(third)")
            #expect(
                third.stdout.contains("2 pages fetched, 8 already done"), "the broken chunk and the one after: \(third)"
            )
            let all = try events(log)
            expectSame(all, expected)
            expectNoDuplicates(all)
            #expect(server.requests.filter { $0.contains("cursor=") }.count == 2, "page 2: broken once, then read once")
        }
    }

    @Test("a page a crash cut short is finished first, even when the rerun asks for more days")
    func crashInTheMiddleOfAPage() throws {
        let kalshi = FakeKalshi()
        let server = try ScriptedHTTPServer { kalshi.reply($0) }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let whole = tmp + "/whole"
            let r = try CLI.run(args(whole, server, ["--tier", "live"]))
            try #require(r.exitCode == 0, "\(r)")

            // The log as a crash would leave it: everything up to 25 events into the fourth candle page.
            let cut = tmp + "/cut"
            let starts = try manifests(whole).filter {
                $0.manifest.phase == .started && $0.manifest.parameters.contains(Field("page", "candles"))
            }
            let end = starts[3].sequence + 25
            let writer = try EventLogWriter(directory: cut)
            try EventLogReader(directory: whole).forEach { s, record in
                guard s <= end else { return false }
                try writer.append(record)
                return true
            }
            try writer.close()

            // One more day, before the others: its market comes first in the rerun's order.
            let rerun = try CLI.run(args(cut, server, from: FakeKalshi.day0, ["--tier", "live"]))
            #expect(rerun.exitCode == 0, "\(rerun)")
            #expect(rerun.stderr.contains("resuming a page cut short"), "\(rerun)")
            let got = try events(cut)
            expectNoDuplicates(got)
            let want = kalshi.expected(FakeKalshi.day0...FakeKalshi.day2)
            expectSame(got, want, ordered: false)
            // Up to the end of the cut page, the rerun's log is the uninterrupted one.
            let cutPage = starts[3].manifest.runId
            let finish = try manifests(whole).first { $0.manifest.runId == cutPage && $0.manifest.phase == .finished }
            let upToCutPage = try events(whole, through: try #require(finish).sequence)
            expectSame(Array(got.prefix(upToCutPage.count)), upToCutPage, "the cut page is finished first")
        }
    }

    @Test("auto: markets settled before the cutoff come from the archive, the rest live; a rerun asks nothing")
    func autoTier() throws {
        // Day 1's markets settled on 2025-01-02 at 11:19Z, day 2's a day later.
        let kalshi = FakeKalshi(cutoff: Timestamp(rfc3339: "2025-01-03T00:00:00Z")!)
        let server = try ScriptedHTTPServer { kalshi.reply($0) }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let log = tmp + "/ny"
            let r = try CLI.run(args(log, server))
            try #require(r.exitCode == 0, "\(r)")
            let requests = server.requests
            #expect(requests.filter { $0 == "/historical/cutoff" }.count == 1)
            #expect(requests.contains { $0.hasPrefix("/historical/markets/KXHIGHNY-25JAN01-T38/candlesticks?") })
            #expect(requests.contains { $0.hasPrefix("/series/KXHIGHNY/markets/KXHIGHNY-25JAN02-T44/candlesticks?") })
            #expect(!requests.contains { $0.hasPrefix("/series/KXHIGHNY/markets/KXHIGHNY-25JAN01") })
            let archive = kalshi.markets.filter { kalshi.isArchived($0) }
            let live = kalshi.markets.filter { !kalshi.isArchived($0) }
            // The live chain first (day 2 and 3 on its first page), then the archive's two pages.
            let want = kalshi.expected(
                FakeKalshi.day1...FakeKalshi.day2,
                pages: [live.filter { $0.eventDate < FakeKalshi.day2 }, live, archive])
            let got = try events(log)
            expectSame(got, want, ordered: false)
            expectNoDuplicates(got)

            let again = try CLI.run(args(log, server))
            #expect(again.exitCode == 0 && again.stdout.contains("0 pages fetched"), "\(again)")
            #expect(server.requests.count == requests.count, "not even the cutoff")
        }
    }

    @Test("auto, all after the cutoff: the archive is not paged, and the rerun asks nothing")
    func autoTierNothingArchived() throws {
        let kalshi = FakeKalshi(cutoff: Timestamp(rfc3339: "2024-06-01T00:00:00Z")!)
        let server = try ScriptedHTTPServer { kalshi.reply($0) }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let log = tmp + "/ny"
            let r = try CLI.run(args(log, server))
            try #require(r.exitCode == 0, "\(r)")
            #expect(!server.requests.contains { $0.hasPrefix("/historical/markets") })
            expectSame(try events(log), kalshi.expected(FakeKalshi.day1...FakeKalshi.day2))
            let count = server.requests.count
            let again = try CLI.run(args(log, server))
            #expect(again.exitCode == 0 && again.stdout.contains("0 pages fetched"), "\(again)")
            #expect(server.requests.count == count)
        }
    }

    @Test("a market not settled yet is left out; once settled, a rerun adds it and nothing else")
    func unsettledMarketLater() throws {
        let waiting = "KXHIGHNY-25JAN02-B44.5"
        let before = FakeKalshi(unsettled: [waiting])
        let after = FakeKalshi()
        let settled = ManagedFlag(false)
        let server = try ScriptedHTTPServer { target in (settled.value ? after : before).reply(target) }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let log = tmp + "/ny"
            let first = try CLI.run(args(log, server, ["--tier", "live"]))
            #expect(first.exitCode == 0, "\(first)")
            #expect(first.stdout.contains("1 markets of these days are not settled yet"), "\(first)")
            expectSame(try events(log), before.expected(FakeKalshi.day1...FakeKalshi.day2))
            #expect(!server.requests.contains { $0.contains(waiting) })

            settled.value = true
            let second = try CLI.run(args(log, server, ["--tier", "live"]))
            #expect(second.exitCode == 0, "\(second)")
            // Page 1 is finished; page 2 is fetched again and adds only the market that settled.
            #expect(second.stdout.contains("3 pages fetched, 7 already done"), "\(second)")
            let got = try events(log)
            expectNoDuplicates(got)
            let want = after.expected(FakeKalshi.day1...FakeKalshi.day2)
            expectSame(got, want, ordered: false)

            let third = try CLI.run(args(log, server, ["--tier", "live"]))
            #expect(third.stdout.contains("0 pages fetched, 10 already done, 0 events appended"), "\(third)")
        }
    }

    @Test("a settled market without settlement_ts does not stop the backfill: imported with what is known, and counted")
    func settledWithoutSettlementTime() throws {
        let undated = "KXHIGHNY-25JAN01-B38.5"
        // Day 1's other markets settled before the cutoff (archive); this one has no settlement time, and
        // a live page lists it.
        let kalshi = FakeKalshi(withoutSettlementTs: [undated], cutoff: Timestamp(rfc3339: "2025-01-03T00:00:00Z")!)
        let server = try ScriptedHTTPServer { kalshi.reply($0) }
        defer { server.stop() }
        try withTempDirectory { tmp in
            let log = tmp + "/ny"
            let r = try CLI.run(args(log, server))
            try #require(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("markets: 4 settled in 2025-01-01…2025-01-02"), "\(r)")
            #expect(r.stdout.contains("1 settled markets have no settlement_ts: imported with their listing"), "\(r)")
            #expect(!r.stdout.contains("not settled yet"), "\(r)")
            let got = try events(log)
            let lifecycle = got.compactMap { e -> (Timestamp, MarketLifecycle)? in
                if case .marketLifecycle(let l) = e.event, l.ticker == Symbol(undated) { return (e.time, l) }
                return nil
            }
            // Determined when Kalshi last changed it (never early); no settled event, whose time is unknown.
            #expect(lifecycle.map(\.1.transition) == [.determined])
            #expect(lifecycle.first?.0 == Timestamp(rfc3339: "2025-01-02T11:19:07Z"))
            #expect(lifecycle.first?.1.result == .yes && lifecycle.first?.1.settlementValue == .one)
            // Its candles come from the live endpoints, the tier of the page that listed it.
            #expect(server.requests.contains { $0.hasPrefix("/series/KXHIGHNY/markets/\(undated)/candlesticks?") })
            let archive = kalshi.markets.filter { kalshi.isArchived($0) }
            let live = kalshi.markets.filter { !kalshi.isArchived($0) }
            // The live chain's two pages (this market alone on the first), then the archive's.
            let want = kalshi.expected(
                FakeKalshi.day1...FakeKalshi.day2,
                pages: [
                    live.filter { $0.eventDate < FakeKalshi.day2 }, live.filter { $0.eventDate >= FakeKalshi.day2 },
                    archive,
                ])
            expectSame(got, want, ordered: false)
            expectNoDuplicates(got)

            // A rerun asks nothing and still knows the market settled (from the page's manifest).
            let count = server.requests.count
            let again = try CLI.run(args(log, server))
            #expect(again.exitCode == 0 && again.stdout.contains("0 pages fetched"), "\(again)")
            #expect(
                again.stdout.contains("markets: 4 settled") && !again.stdout.contains("not settled yet"), "\(again)")
            #expect(server.requests.count == count)
        }
    }

    @Test("--help teaches, and bad options are refused before any request")
    func helpAndValidation() throws {
        let help = try CLI.run(["import", "kalshi", "--help"])
        #expect(help.exitCode == 0)
        #expect(help.stdout.contains("Examples:") && help.stdout.contains("isotherm import kalshi --series KXHIGHNY"))
        #expect(help.stdout.contains("--tier") && help.stdout.contains("--max-candles"))
        try withTempDirectory { tmp in
            for (bad, message) in [
                (["--series", "kxhighny"], "is not a series ticker"), (["--tier", "archive"], "is not one of live"),
                (["--period", "5"], "--period must be 1, 60 or 1440"),
            ] {
                var a = ["import", "kalshi", "--series", "KXHIGHNY", "--from", "2025-01-01", "--to", "2025-01-02"]
                a += ["--log", tmp + "/x", "--base-url", "http://127.0.0.1:9"]
                let r = try CLI.run(a + bad)
                #expect(r.exitCode == 64 && r.stderr.contains(message), "\(r)")
            }
        }
    }
}
