import Foundation
import IsothermEvents
import IsothermLog
import IsothermStore
import IsothermWorld
import Testing

/// A temporary directory removed when `body` returns.
func withTempDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("isotherm-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// 2025-11-01, the first event date of every test stream.
let streamStart = LocalDate(year: 2025, month: 11, day: 1)!

/// The stream most tests use: two event dates, three cities, with listings, forecasts and settlements.
func testStream(seed: UInt64 = 11, days: Int = 2, cities: Int = 3) -> CandleStream {
    CandleStream(seed: seed, start: streamStart, days: days, cities: cities, withContext: true)
}

/// Small batches (500 records) so a stream makes hundreds of them; daily segments as by default.
func smallBatchOptions() -> LogOptions {
    var o = LogOptions()
    o.batchRecordsMax = 500
    return o
}

/// A record read back from a log, with its sequence.
struct Replayed: Equatable {
    var sequence: UInt64
    var record: EventRecord
}

/// Appends every record of `records` through an ``EventLogWriter`` and closes it.
/// - Returns: how many were appended.
@discardableResult
func writeEvents<S: Sequence<EventRecord>>(
    _ directory: String, _ records: S, options: LogOptions = smallBatchOptions()
) throws -> Int {
    let writer = try EventLogWriter(directory: directory, options: options)
    var n = 0
    for r in records {
        let sequence = try writer.append(r)
        n += 1
        #expect(sequence == UInt64(n), "append \(n) got sequence \(sequence)")
    }
    try writer.close()
    return n
}

/// Every event of the log (optionally from a start and for some kinds), in the order the reader gives them.
func readEvents(_ directory: String, from start: ReplayStart = .sequence(1), kinds: Set<EventKind>? = nil) throws
    -> [Replayed]
{
    var out: [Replayed] = []
    try EventLogReader(directory: directory).forEach(from: start, kinds: kinds) { sequence, record in
        out.append(Replayed(sequence: sequence, record: record))
        return true
    }
    return out
}

/// The segment files (`*.lz4`) of a log directory: sorted names and their bytes.
func segmentFiles(_ directory: String) throws -> [(name: String, bytes: [UInt8])] {
    try FileManager.default.contentsOfDirectory(atPath: directory)
        .filter { $0.hasSuffix(".lz4") }
        .sorted()
        .map { ($0, [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0)))) }
}

/// Expects two long arrays to be equal, reporting the counts and the first difference rather than
/// both arrays (printing tens of thousands of events makes a failure take minutes).
func expectSame<T: Equatable>(
    _ got: [T], _ expected: [T], _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard got != expected else { return }
    let i = got.indices.first { $0 >= expected.count || got[$0] != expected[$0] } ?? got.count
    let g = i < got.count ? "\(got[i])" : "nothing"
    let e = i < expected.count ? "\(expected[i])" : "nothing"
    Issue.record(
        "\(what()): got \(got.count) elements, expected \(expected.count); first difference at index \(i): got \(g), expected \(e)",
        sourceLocation: sourceLocation)
}
