import Foundation
import IsothermLog
import Testing

/// A temporary directory removed when the test's closure returns.
func withTempDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("isotherm-log-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// A deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// A record to append: its body and event time.
struct TestRecord: Equatable {
    var body: [UInt8]
    var timeNanos: Int64
}

/// 2024-01-01T00:00:00Z in nanoseconds.
let day2024Nanos: Int64 = 19_723 * 86_400_000_000_000

/// Records of varied sizes (empty, small, over 127 bytes, some large) whose event times cross
/// several UTC days: they start 30 minutes before midnight and advance `stepNanos` each.
func makeRecords(count: Int, seed: UInt64 = 1, largeEvery: Int = 97, stepNanos: Int64 = 120_000_000_000)
    -> [TestRecord]
{
    var rng = SplitMix64(state: seed)
    var records: [TestRecord] = []
    var t = day2024Nanos - 1_800_000_000_000
    for i in 0..<count {
        let size: Int
        if i % 50 == 3 {
            size = 0
        } else if largeEvery > 0 && i % largeEvery == 5 {
            size = 700 + rng.next(below: 2000)
        } else if i % 5 == 0 {
            size = 128 + rng.next(below: 200)
        } else {
            size = 20 + rng.next(below: 60)
        }
        var body = [UInt8](repeating: 0, count: size)
        for j in 0..<size {
            body[j] = j % 7 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : UInt8(truncatingIfNeeded: i &+ j)
        }
        records.append(TestRecord(body: body, timeNanos: t))
        t += stepNanos
    }
    return records
}

/// Small batches and segments so a few hundred records make many of each.
func smallOptions() -> LogOptions {
    var o = LogOptions()
    o.batchRecordsMax = 7
    o.batchRawBytesMax = 600
    o.segmentBytesMax = 2048
    return o
}

/// Appends records through the plain `[UInt8]` API and closes the writer.
func writeLog(_ directory: String, _ records: [TestRecord], options: LogOptions) throws {
    let writer = try LogWriter(directory: directory, options: options)
    for r in records { try writer.append(r.body, eventTimeNanos: r.timeNanos) }
    try writer.close()
}

/// Every record of a log, with its sequence.
func readAll(_ directory: String, from: UInt64 = 1) throws -> [(UInt64, [UInt8])] {
    let reader = try LogReader(directory: directory)
    var out: [(UInt64, [UInt8])] = []
    try reader.forEachRecord(fromSequence: from) { seq, body in
        out.append((seq, Array(body)))
        return true
    }
    return out
}

/// Every batch header of a log, in order.
func allBatches(_ directory: String) throws -> [BatchHeader] {
    var headers: [BatchHeader] = []
    try LogReader(directory: directory).forEachBatch { h, _ in
        headers.append(h)
        return true
    }
    return headers
}

/// Names and contents of the regular files under a directory (recursively), sorted by path.
func snapshot(_ directory: String) throws -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    let fm = FileManager.default
    guard let e = fm.enumerator(atPath: directory) else { return files }
    while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        let path = directory + "/" + rel
        if fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
            files[rel] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }
    return files
}

/// Copies a log directory's files into a new directory.
func copyLog(_ from: String, to: String) throws {
    try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
    for (rel, bytes) in try snapshot(from) where rel != "LOCK" {
        let path = to + "/" + rel
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

func readFile(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
func writeFile(_ path: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

/// Unsigned LEB128, as the log frames records.
func varint(_ n: Int) -> [UInt8] {
    var v = UInt64(n)
    var out: [UInt8] = []
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
    return out
}

/// Runs an error-throwing body and returns the LogError it threw, if any.
func logError(_ body: () throws -> Void) -> LogError? {
    do {
        try body()
        return nil
    } catch let e as LogError {
        return e
    } catch {
        Issue.record("expected a LogError, got \(error)")
        return nil
    }
}
