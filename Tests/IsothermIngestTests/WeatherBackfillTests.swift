import Foundation
import IsothermEvents
import IsothermImport
import IsothermNet
import IsothermStore
import IsothermTestSupport
import Synchronization
import Testing

@testable import IsothermIngest

/// Backfills as a library (moved out of the CLI, issue 13 point 7): a weather backfill's pages through
/// a session, skipped when done before, and a page that cannot be read stopping it with everything
/// before kept.
@Suite struct WeatherBackfillTests {
    /// api.weather.gov observations for the request's week, one every five minutes, newest first; the
    /// week in `broken` gets a page that is not JSON.
    static func server(broken: String? = nil) throws -> ScriptedHTTPServer {
        try ScriptedHTTPServer { target in
            if let broken, target.contains("start=" + broken) { return .json("<html>maintenance</html>") }
            return FakeWeather.nwsObservations(target, step: 3_600)
        }
    }

    static func session(_ log: String) throws -> BackfillSession {
        var policy = FetchPolicy()
        policy.requestsPerSecond = 1_000
        policy.maxAttempts = 1
        return try BackfillSession(log: log, policy: policy, engineVersion: "test", progress: nil)
    }

    static func plan(_ server: ScriptedHTTPServer) -> WeatherBackfill {
        WeatherBackfill(
            source: .nwsObservations, site: SettlementSite.find("NY")!, first: LocalDate(iso8601: "2025-03-01")!,
            last: LocalDate(iso8601: "2025-03-21")!, baseURL: server.baseURL)
    }

    @Test func pagesAreAppendedOnceAndADoneBackfillFetchesNothing() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let server = try Self.server()
        defer { server.stop() }
        let first = try Self.session(log)
        try Self.plan(server).run(into: first)
        try first.close()
        #expect(first.pagesFetched == 3 && first.pagesSkipped == 0)
        #expect(first.eventsAppended == 21 * 24)
        #expect(server.requests.count == 3)

        let again = try Self.session(log)
        try Self.plan(server).run(into: again)
        try again.close()
        #expect(again.pagesFetched == 0 && again.pagesSkipped == 3 && again.eventsAppended == 0)
        #expect(server.requests.count == 3, "nothing fetched again")
        var observations = 0
        try EventLogReader(directory: log).forEach { _, r in
            if case .observation = r.event { observations += 1 }
            return true
        }
        #expect(observations == 21 * 24)
    }

    @Test func anUnreadablePageStopsTheBackfillKeepingWhatCameBefore() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let server = try Self.server(broken: "2025-03-08")
        defer { server.stop() }
        let session = try Self.session(log)
        #expect {
            try Self.plan(server).run(into: session)
        } throws: { error in
            guard case .unreadable(let label, _) = error as? BackfillError else { return false }
            return label.contains("start=2025-03-08") && "\(error)".contains("everything before it is kept")
        }
        try session.close()
        #expect(session.pagesFetched == 2 && session.eventsAppended == 7 * 24)
        #expect(throws: WeatherBackfillError.missingKey) {
            var vc = Self.plan(server)
            vc.source = .vc
            try vc.run(into: session)
        }
    }

    @Test func rangesAreCutAtYearsAndMonths() {
        let a = LocalDate(iso8601: "2024-12-15")!
        let b = LocalDate(iso8601: "2025-02-03")!
        #expect(yearChunks(a, b).map { "\($0.0)..\($0.1)" } == ["2024-12-15..2024-12-31", "2025-01-01..2025-02-03"])
        #expect(
            monthChunks(a, b).map { "\($0.0)..\($0.1)" } == [
                "2024-12-15..2024-12-31", "2025-01-01..2025-01-31", "2025-02-01..2025-02-03",
            ])
    }
}

/// The Kalshi backfill as a library: markets along the cursor and every settled market's candles land
/// once, in the order the CLI test expects; the clock is injected, so "are the days' markets all
/// listed yet" is decided by the test, not by today's date.
@Suite struct KalshiBackfillLibraryTests {
    static func run(_ log: String, _ server: ScriptedHTTPServer, now: Timestamp) throws -> (BackfillSession, String) {
        var policy = FetchPolicy()
        policy.requestsPerSecond = 1_000
        policy.maxAttempts = 1
        let session = try BackfillSession(log: log, policy: policy, engineVersion: "test", progress: nil)
        let backfill = try KalshiBackfill(
            session: session, base: server.baseURL, series: [FakeKalshi.nyc], first: FakeKalshi.day1,
            last: FakeKalshi.day2, period: 1, tier: .live, maxCandles: 5_000, now: { now })
        try backfill.run()
        try session.close()
        return (session, backfill.summary)
    }

    @Test func marketsAndCandlesLandOnceAndAFinishedRunAsksNothing() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("kalshi-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let kalshi = FakeKalshi()
        let server = try ScriptedHTTPServer { kalshi.reply($0) }
        defer { server.stop() }
        let later = FakeKalshi.day3.advanced(by: 10).startUTC
        let (first, summary) = try Self.run(log, server, now: later)
        #expect(summary.contains("markets: 4 settled in 2025-01-01…2025-01-02"), "\(summary)")
        var got: [EventRecord] = []
        try EventLogReader(directory: log).forEach { _, r in
            if case .runManifest = r.event {} else { got.append(r) }
            return true
        }
        #expect(got == kalshi.expected(FakeKalshi.day1...FakeKalshi.day2))
        #expect(first.eventsAppended == got.count)
        let requests = server.requests.count
        let (again, _) = try Self.run(log, server, now: later)
        #expect(again.pagesFetched == 0 && again.eventsAppended == 0)
        #expect(server.requests.count == requests, "no request at all")
    }

    @Test func aPageOfDaysNotAllListedIsFetchedAgainUntilTheyAre() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("kalshi-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let kalshi = FakeKalshi()
        let server = try ScriptedHTTPServer { kalshi.reply($0) }
        defer { server.stop() }
        // The day after the last day: its markets may not all be listed, so no markets page is final.
        let early = FakeKalshi.day3.startUTC
        let (first, _) = try Self.run(log, server, now: early)
        let (again, _) = try Self.run(log, server, now: early)
        #expect(first.eventsAppended > 0 && again.eventsAppended == 0)
        #expect(again.pagesFetched == 2, "both markets pages fetched again, nothing new appended")
    }
}
