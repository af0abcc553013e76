import Foundation
import IsothermEvents
import Testing

@testable import IsothermImport

/// Every parser, on seeded mutations of the real samples (bytes flipped, digits inserted, lines cut,
/// doubled or dropped, files truncated): each returns its values or an `ImportError`, and never traps.
/// The sweep runs in a child process (an exit test), so a trap fails this test instead of stopping the
/// suite; the child prints each input's seed and index before parsing it, and a failure names the last.
@Suite("parsers never trap on mutated samples")
struct ParserMutationTests {
    /// A parser and the samples it reads.
    static let formats: [(name: String, samples: [String], parse: @Sendable ([UInt8]) throws -> Void)] = [
        (
            "nws-cli",
            ["CLINYC.txt", "CLIHOU.txt", "CLICVG_colon.txt", "CLIPPG3.txt", "CLIRDU_v2.txt"].map { "nws-cli/" + $0 },
            { _ = try NWSClimateReportParser.parse(String(decoding: $0, as: UTF8.self), source: "m") }
        ),
        (
            "nws-cf6", ["nws-cli/nws_CF6DSM_2020-02_partial_pyIEM.txt"],
            { _ = try NWSCF6Parser.parse(String(decoding: $0, as: UTF8.self), source: "m") }
        ),
        (
            "iem-asos",
            [
                "iem/iem_asos1min_MIA_2021-06-15T12Z_10min.csv",
                "iem/iem_asos_hourly_NYC_2026-09-01_thirdparty_capture.csv",
            ], { _ = try IEMASOSImporter.parse($0, source: "m") }
        ),
        (
            "iem-cli", ["iem/iem_json_cli_KMDW_2026-08-21_CONSTRUCTED.json"],
            { _ = try IEMClimateImporter.parse($0, source: "m") }
        ),
        (
            "ncei", ["ncei/ncei_access_daily-summaries_USW00094728_2023-07-15_noUnits.json"],
            { _ = try NCEIDailyImporter.parse($0, source: "m") }
        ),
        (
            "nws-observations", ["nws-api/nws_api_observations_KMDW_2026-09-04_excerpt.json"],
            { _ = try NWSObservationsImporter.parse($0, source: "m") }
        ),
        (
            "kalshi-markets",
            [
                "kalshi/markets_KXHIGHNY_page1.json", "kalshi/markets_KXHIGHNY_page1_cents.json",
                "kalshi/historical_markets_KXHIGHNY-26OCT02.json",
            ],
            { _ = try KalshiMarketParser.marketsPage($0, source: "m") }
        ),
        (
            "kalshi-events", ["kalshi/event_KXHIGHNY-26OCT02_nested.json"],
            { _ = try KalshiMarketParser.event($0, source: "m") }
        ),
        ("kalshi-series", ["kalshi/series_KXHIGHNY.json"], { _ = try KalshiMarketParser.series($0, source: "m") }),
        (
            "kalshi-candles",
            [
                "kalshi/candlesticks_KXHIGHNY-26OCT02-B83.5_1m.json",
                "kalshi/candlesticks_KXHIGHNY-26OCT02-B83.5_1m_cents.json",
                "kalshi/historical_candlesticks_KXHIGHNY-26OCT02-B83.5_1m.json",
            ],
            { _ = try KalshiCandlestickParser.candlesticks($0, source: "m") }
        ),
        (
            "kalshi-batch", ["kalshi/candlesticks_batch_KXHIGHNY-26OCT02_60m.json"],
            { _ = try KalshiCandlestickParser.batch($0, source: "m") }
        ),
        (
            "kalshi-orders", ["kalshi/portfolio_orders.json"],
            { _ = try KalshiPortfolioParser.ordersPage($0, source: "m") }
        ),
        ("kalshi-fills", ["kalshi/portfolio_fills.json"], { _ = try KalshiPortfolioParser.fillsPage($0, source: "m") }),
        (
            "kalshi-balance", ["kalshi/portfolio_balance.json"],
            { _ = try KalshiPortfolioParser.balance($0, source: "m") }
        ),
        (
            "vc-timeline", ["visual-crossing/vc_timeline_london_2024-01-29_us.json"],
            {
                _ = try VisualCrossingImporter.parse(
                    $0, source: "m", city: Symbol("NY")!, station: Symbol("KNYC")!,
                    basisDate: LocalDate(iso8601: "2024-01-29"))
            }
        ),
    ]

    /// 150 per sample in the suite; `ISOTHERM_MUTATIONS=20000` for a deeper sweep by hand.
    static let mutationsPerSample = ProcessInfo.processInfo.environment["ISOTHERM_MUTATIONS"].flatMap { Int($0) } ?? 150

    /// The `index`th mutation of `bytes` for `seed`.
    static func mutate(_ bytes: [UInt8], seed: UInt64, index: Int) -> [UInt8] {
        var rng = SplitMix(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        var b = bytes
        let interesting: [[UInt8]] = [
            Array("9".utf8), Array("-".utf8), Array("99999999999999999999".utf8), Array("9999".utf8), Array(":".utf8),
            Array("\r\n".utf8), Array("$$\n".utf8), Array("...THE X CLIMATE SUMMARY FOR JANUARY 2 9999...\n".utf8),
            Array("1e400".utf8), Array("\"".utf8), Array("M".utf8), Array("\t".utf8), [0xFF, 0xFE],
        ]
        for _ in 0..<(1 + Int(rng.next() % 4)) where !b.isEmpty {
            let at = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 6 {
            case 0: b[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1: b.insert(contentsOf: interesting[Int(rng.next() % UInt64(interesting.count))], at: at)
            case 2: b.removeSubrange(at..<min(b.count, at + 1 + Int(rng.next() % 8)))
            case 3: b = Array(b[..<at])
            case 4:  // a line doubled
                let start = b[..<at].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                let end = b[at...].firstIndex(of: 0x0A).map { $0 + 1 } ?? b.count
                b.insert(contentsOf: b[start..<end], at: end)
            default:  // a digit changed
                if (0x30...0x39).contains(b[at]) { b[at] = 0x30 + UInt8(rng.next() % 10) }
            }
        }
        return b
    }

    @Test("each parser returns or throws on every seeded mutation of its samples")
    func noTraps() async throws {
        // The child writes each input's name here before parsing it (an exit test captures no values,
        // and its output is not returned when it fails): after a trap the file names the input.
        let trail = ParserMutationTests.trailPath(parent: getpid())
        defer { try? FileManager.default.removeItem(atPath: trail) }
        await #expect(processExitsWith: .success) {
            let trail = ParserMutationTests.trailPath(parent: getppid())
            for format in ParserMutationTests.formats {
                for sample in format.samples {
                    let bytes = Array(try! SampleFiles.text(sample).utf8)
                    for i in 0..<ParserMutationTests.mutationsPerSample {
                        let input = ParserMutationTests.mutate(bytes, seed: 20_251_205, index: i)
                        try! Data("\(format.name) \(sample) mutation \(i) (seed 20251205)".utf8).write(
                            to: URL(fileURLWithPath: trail))
                        _ = try? format.parse(input)
                    }
                }
            }
            try! Data("done".utf8).write(to: URL(fileURLWithPath: trail))
        }
        let last = (try? String(contentsOfFile: trail, encoding: .utf8)) ?? "nothing"
        #expect(last == "done", "the sweep stopped on \(last)")
    }

    static func trailPath(parent: Int32) -> String {
        NSTemporaryDirectory() + "/isotherm-parser-mutation-\(parent).txt"
    }

    /// SplitMix64.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
