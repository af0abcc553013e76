import FuzzSupport
import Glibc
import IsothermEvents
import IsothermLog
import IsothermStore
import IsothermWorld

/// Writes the generated seed corpora: `tools/fuzz --seeds` runs it into `Fuzz/Corpus/`.
///
/// - `FuzzEventCodec/`: every sample of the test suite's `EventSamples` encoded, the version-1 golden
///   vectors (old layouts that must still decode), and the first events of each kind of a generated
///   day (candles of every shape the world makes).
/// - `FuzzLogReader/`: small logs as the writer makes them, each log's files run together in the
///   target's input layout (segment, its `.idx`, next segment, …): the samples in batches of four; the
///   generated hour around midnight UTC, which rolls to a second segment; the same without index files;
///   and that with a torn final batch.
///
/// Usage: `FuzzSeeds DIRECTORY` (the corpus root). It never starts libFuzzer.
@main
enum FuzzSeeds {
    static func main() throws {
        guard CommandLine.arguments.count == 2 else {
            print("usage: FuzzSeeds CORPUS-ROOT")
            exit(64)
        }
        let root = CommandLine.arguments[1]
        try codecSeeds(root + "/FuzzEventCodec")
        try logSeeds(root + "/FuzzLogReader")
    }

    /// New York's generated world up to 06:00Z after 2025-11-20: the manifest, a week of forecasts,
    /// observations, reports, markets and their candles.
    static let world: [EventRecord] = {
        let day = LocalDate(iso8601: "2025-11-20")!
        let end = day.advanced(by: 1).startUTC.adding(nanos: 6 * hourNanos)
        let stream = CityWorld(city: WorldCity.named("NY")!, seed: 7, start: day, end: day, engineVersion: "fuzz")
        return Array(stream.prefix { $0.time < end })
    }()

    /// The hour of the world around midnight UTC (two segments: the log rolls by UTC day).
    static var worldAroundMidnight: [EventRecord] {
        let midnight = LocalDate(iso8601: "2025-11-21")!.startUTC
        let from = midnight.adding(nanos: -hourNanos / 2)
        let to = midnight.adding(nanos: hourNanos / 2)
        return world.filter { $0.time >= from && $0.time < to }
    }

    static let hourNanos = 3_600 * Timestamp.nanosPerSecond

    static func codecSeeds(_ directory: String) throws {
        try Files.makeDirectory(directory)
        for (i, record) in EventSamples.all.enumerated() {
            try Files.write(EventCodec.encode(record), to: "\(directory)/sample-\(i)-\(record.event.kind.name).bin")
        }
        let v1 = GoldenVectors.version1
        for (name, hex) in [("ticker", v1.ticker), ("trade", v1.trade), ("settlement", v1.settlement)] {
            try Files.write(Files.bytes(hex: hex), to: "\(directory)/golden-v1-\(name).bin")
        }
        var perKind: [EventKind: Int] = [:]
        for record in world {
            let kind = record.event.kind
            let n = perKind[kind, default: 0]
            guard n < (kind == .candle ? 12 : 2) else { continue }
            perKind[kind] = n + 1
            try Files.write(EventCodec.encode(record), to: "\(directory)/world-\(kind.name)-\(n).bin")
        }
    }

    static func logSeeds(_ directory: String) throws {
        try Files.makeDirectory(directory)
        var small = EventLogWriter.defaultOptions
        small.batchRecordsMax = 4
        try Files.write(
            log(EventSamples.all.sorted { $0.time < $1.time }, options: small), to: "\(directory)/samples.log")
        var day = EventLogWriter.defaultOptions
        day.batchRecordsMax = 256
        let events = worldAroundMidnight
        let whole = try log(events, options: day)
        try Files.write(whole, to: "\(directory)/world-midnight.log")
        let noIndex = try log(events, options: day, withIndexes: false)
        try Files.write(noIndex, to: "\(directory)/world-midnight-no-index.log")
        try Files.write(Array(noIndex.dropLast(7)), to: "\(directory)/world-midnight-torn.log")
    }

    /// The files of a log written from `events`, run together: each segment, then its `.idx`.
    static func log(_ events: [EventRecord], options: LogOptions, withIndexes: Bool = true) throws -> [UInt8] {
        let directory = try Files.temporaryDirectory()
        defer { FuzzFiles.removeTree(directory) }
        let writer = try EventLogWriter(directory: directory, options: options)
        for record in events { try writer.append(record) }
        try writer.close()
        var out: [UInt8] = []
        for name in FuzzFiles.list(directory).sorted() where name.hasSuffix(".lz4") {
            out += try Files.read(directory + "/" + name)
            if withIndexes { out += (try? Files.read(directory + "/" + name.dropLast(4) + ".idx")) ?? [] }
        }
        return out
    }
}

struct FilesError: Error, CustomStringConvertible {
    var description: String
}

/// The few file operations the generator needs (Glibc: no Foundation in the package's own code).
enum Files {
    static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw FilesError(description: "mkdir \(path): errno \(errno)")
        }
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/isotherm-fuzz-seeds-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw FilesError(description: "mkdtemp: errno \(errno)") }
        return String(cString: made)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FilesError(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FilesError(description: "write \(path): errno \(errno)") }
    }

    static func read(_ path: some StringProtocol) throws -> [UInt8] {
        let fd = open(String(path), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FilesError(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw FilesError(description: "read \(path): errno \(errno)") }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map { i in
            UInt8(String(decoding: digits[i...(i + 1)], as: UTF8.self), radix: 16)!
        }
    }
}
