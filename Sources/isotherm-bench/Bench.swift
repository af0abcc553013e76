import Glibc
import IsothermBinary
import IsothermEvents
import IsothermLog
import IsothermPlatform
import IsothermStore
import IsothermWorld

/// The log benchmark: append, replay and size on a realistic candle stream, against the stock `lz4`
/// tool on the same raw bytes in the same run. Run it with `tools/bench` (release build).
///
/// Usage: isotherm-bench [--days N] [--dir DIR] [--json] | --world [--days N] | --import [--days N]
///        | --backtest [--days N] | --replay LOG
@main
struct Bench {
    static func main() async throws {
        var days = 60
        var dir = "/tmp/isotherm-bench"
        var json = false
        var world = false
        var kalshiImport = false
        var backtest = false
        var project = false
        var args = CommandLine.arguments.dropFirst()
        while let a = args.popFirst() {
            switch a {
            case "--days": days = Int(args.popFirst() ?? "") ?? days
            case "--dir": dir = args.popFirst() ?? dir
            case "--json": json = true
            case "--world":  // world generation rate: isotherm-bench --world [--days 365]
                world = true
            case "--import":  // Kalshi JSON → events → log rate: isotherm-bench --import [--days 365]
                kalshiImport = true
            case "--backtest":  // backtest vs pure replay of a generated year: isotherm-bench --backtest [--days 365]
                backtest = true
            case "--project":  // Postgres projection vs psql \copy (ISOTHERM_BENCH_PG_CONNINFO)
                project = true
            case "--live":  // order round trips and WebSocket messages against the local exchange over TLS
                let orders = Int(CommandLine.arguments.drop { $0 != "--orders" }.dropFirst().first ?? "") ?? 2_000
                try await LiveBench.run(orders: orders, days: 2)
                return
            case "--orders": _ = args.popFirst()
            case "--replay":  // replay an existing log five times: for profiling the read path alone
                try replayOnly(args.popFirst() ?? "")
                return
            case "--help", "-h":
                print(
                    "usage: isotherm-bench [--days N (default 60)] [--dir DIR (default /tmp/isotherm-bench)] [--json]\n"
                        + "       isotherm-bench --world [--days N (default 365)]    world generation rate\n"
                        + "       isotherm-bench --import [--days N (default 365)]   Kalshi JSON parse and append rates\n"
                        + "       isotherm-bench --backtest [--days N (default 365)] backtest vs pure replay, 1 thread and all\n"
                        + "       ISOTHERM_BENCH_PG_CONNINFO=… isotherm-bench --project [--days N (default 30)]  projector vs psql \\copy\n"
                        + "       isotherm-bench --live [--orders N (default 2000)]  order round trip and WebSocket rate, TLS\n"
                        + "       isotherm-bench --replay LOGDIR"
                )
                return
            default:
                note("isotherm-bench: unknown argument \(a)")
                exit(64)
            }
        }
        if project {
            let conninfo = getenv("ISOTHERM_BENCH_PG_CONNINFO").map { String(cString: $0) } ?? ""
            try ProjectBench.run(
                days: CommandLine.arguments.contains("--days") ? days : 30, dir: dir, conninfo: conninfo)
            return
        }
        if backtest {
            try BacktestBench.run(days: CommandLine.arguments.contains("--days") ? days : 365, dir: dir)
            return
        }
        if kalshiImport {
            try ImportBench.run(days: CommandLine.arguments.contains("--days") ? days : 365, dir: dir)
            return
        }
        if world {
            try worldRate(days: CommandLine.arguments.contains("--days") ? days : 365, dir: dir)
            return
        }
        try Bench(days: days, dir: dir).run(json: json)
    }

    /// Generation rate of the world generator over `days` of the seven cities, on one core: first the
    /// events alone, then generating and appending to one log per city (no sync).
    static func worldRate(days: Int, dir: String) throws {
        removeTree(dir)
        mkdir(dir, 0o755)
        let start = LocalDate(iso8601: "2025-01-01")!
        let end = start.advanced(by: Int32(days - 1))
        var watch = Stopwatch()
        var events = 0
        var checksum: Int64 = 0
        for city in WorldCity.kxhigh {
            var world = CityWorld(city: city, seed: 1, start: start, end: end)
            while let r = world.next() {
                events += 1
                checksum &+= r.time.nanos
            }
        }
        let generateSeconds = watch.lap()
        var written = 0
        for city in WorldCity.kxhigh {
            var world = CityWorld(city: city, seed: 1, start: start, end: end)
            let w = try EventLogWriter(directory: dir + "/" + city.code)
            while let r = world.next() {
                try w.append(r)
                written += 1
            }
            try w.close()
        }
        let writeSeconds = watch.lap()
        precondition(written == events)
        print("world: \(days) days × 7 cities = \(events) events (checksum \(checksum))")
        print("  generate only        \(rate(events, generateSeconds))   (\(fmt(generateSeconds, 2)) s, one core)")
        print("  generate + append    \(rate(events, writeSeconds))   (\(fmt(writeSeconds, 2)) s, one core)")
    }

    let days: Int
    let dir: String

    static func replayOnly(_ directory: String) throws {
        for _ in 0..<5 {
            var watch = Stopwatch()
            let (count, sum) = try replay(directory)
            let seconds = watch.lap()
            print("replay \(count) events: \(rate(count, seconds)) events/s (checksum \(sum))")
        }
    }

    /// Replays a log through the candle fast path, summing two fields so nothing is optimised away.
    /// - Parameter every262144: called every 262,144 candles (for memory samples).
    /// - Returns: the events read and the sum.
    static func replay(_ directory: String, every262144: () -> Void = {}) throws -> (count: Int, sum: Int64) {
        var sum: Int64 = 0
        var count = 0
        try EventLogReader(directory: directory).forEach(
            candles: { _, _, c in
                sum &+= c.volume.hundredths &+ (c.yesBid?.close.micros ?? 0)
                count += 1
                if count & 0x3FFFF == 0 { every262144() }
                return true
            },
            others: { _, _ in
                count += 1
                return true
            })
        return (count, sum)
    }

    func run(json: Bool) throws {
        removeTree(dir)
        mkdir(dir, 0o755)
        let start = LocalDate(iso8601: "2025-01-01")!
        note("generating \(days) days × 7 cities of 1-minute candles (six brackets per event)…")
        var watch = Stopwatch()
        var records: [EventRecord] = []
        records.reserveCapacity(days * 120_960)
        for r in CandleStream(seed: 2025, start: start, days: days) { records.append(r) }
        let generateSeconds = watch.lap()
        let n = records.count
        note("\(n) candles generated in \(fmt(generateSeconds, 2)) s")

        // Raw records exactly as the log frames them, for the lz4 baseline and the interop check.
        var raw = ByteWriter(capacity: n * 52)
        var body = ByteWriter(capacity: 128)
        for r in records {
            body.removeAll()
            EventCodec.encode(r, into: &body)
            raw.writeVarUInt(UInt64(body.count))
            raw.writeBytes(body.bytes)
        }
        let rawPath = dir + "/raw.bin"
        try writeFile(rawPath, raw.bytes)
        let rawCount = raw.count
        raw = ByteWriter()  // keep memory for the replay measurement honest

        // 1. Append, no sync.
        let logNone = dir + "/log-nosync"
        watch = Stopwatch()
        do {
            let w = try EventLogWriter(directory: logNone)
            for r in records { try w.append(r) }
            try w.close()
        }
        let appendNone = watch.lap()

        // 2. Append, fsync per batch.
        let logSync = dir + "/log-sync"
        var options = LogOptions()
        options.durability = .syncEachBatch
        watch = Stopwatch()
        do {
            let w = try EventLogWriter(directory: logSync, options: options)
            for r in records { try w.append(r) }
            try w.close()
        }
        let appendSync = watch.lap()
        records = []  // free the generated events before measuring replay memory

        // 3. Replay into typed events (best of 3), summing a field so nothing is optimised away.
        var replayBest = Double.infinity
        var checksum: Int64 = 0
        var rss = RSSSampler()
        for round in 0..<3 {
            watch = Stopwatch()
            let (count, sum) = try Bench.replay(logNone, every262144: { if round == 0 { rss.sample() } })
            replayBest = min(replayBest, watch.lap())
            precondition(count == n, "replayed \(count) of \(n)")
            checksum = sum
        }
        rss.sample()

        // 4. Decompress only (no decode), best of 3.
        var scanBest = Double.infinity
        for _ in 0..<3 {
            var records: Int64 = 0
            watch = Stopwatch()
            try LogReader(directory: logNone).forEachBatch { h, _ in
                records += Int64(h.recordCount)
                return true
            }
            scanBest = min(scanBest, watch.lap())
            precondition(records == n)
        }

        // 5. Size on disk.
        let inspect = try LogInspector.inspect(directory: logNone)
        let fileBytes = inspect.totals.fileBytes
        let bytesPerEvent = Double(fileBytes) / Double(n)

        // 6. Baseline: the stock lz4 tool on the same raw bytes (best of 3 each).
        let lz4Path = dir + "/raw.bin.lz4"
        var lz4Compress = Double.infinity
        var lz4Decompress = Double.infinity
        for _ in 0..<3 {
            watch = Stopwatch()
            try shell("lz4 -1 -q -f \(rawPath) \(lz4Path)")
            lz4Compress = min(lz4Compress, watch.lap())
            watch = Stopwatch()
            try shell("lz4 -d -q -c \(lz4Path) > /dev/null")
            lz4Decompress = min(lz4Decompress, watch.lap())
        }
        let lz4Bytes = fileSize(lz4Path)

        // Interop: the stock tool reads every segment back to the exact records.
        var segmentRaw: [UInt8] = []
        for s in try LogReader(directory: logNone).segments {
            try shell("lz4 -d -q -c \(s.path) >> \(dir)/segments.raw")
        }
        segmentRaw = try readFile(dir + "/segments.raw")
        let interop = segmentRaw == (try readFile(rawPath))

        let rows: [(String, String, String)] = [
            ("events", String(n), "1-minute candles, 7 cities × 2 live events × 6 brackets"),
            ("raw record bytes/event", fmt(Double(rawCount) / Double(n), 2), "varint length + body"),
            ("on-disk bytes/event", fmt(bytesPerEvent, 2), "target ≤ 12"),
            ("lz4 -1 bytes/event", fmt(Double(lz4Bytes) / Double(n), 2), "stock tool, whole stream as one frame"),
            ("append, no sync", rate(n, appendNone), "target ≥ 4,000,000 events/s"),
            ("append, fsync per batch", rate(n, appendSync), "\(inspect.totals.batches) batches"),
            ("replay, typed candles", rate(n, replayBest), "target ≥ 20,000,000 events/s"),
            ("replay, decompress only", rate(n, scanBest), "batches read, CRC + LZ4 checked"),
            ("lz4 -1 compress", rate(n, lz4Compress), "same raw bytes, events/s equivalent"),
            ("lz4 -d decompress", rate(n, lz4Decompress), "same raw bytes, events/s equivalent"),
            ("append / lz4 compress", fmt(lz4Compress / appendNone, 2) + "×", "ratio of rates"),
            ("replay / lz4 decompress", fmt(lz4Decompress / replayBest, 2) + "×", "ratio of rates"),
            (
                "replay RSS", "\(rss.minKB / 1024)–\(rss.maxKB / 1024) MiB",
                "min–max over the first pass, \(rss.samples) samples; log \(fileBytes / 1_048_576) MiB"
            ),
            ("lz4 -dc segments == records", interop ? "yes" : "NO", "stock tool interop"),
        ]
        if json {
            var j = JSONWriter()
            j.beginObject()
            j.number("events", Int64(n))
            j.rawNumber("raw_bytes_per_event", fmt(Double(rawCount) / Double(n), 3))
            j.rawNumber("disk_bytes_per_event", fmt(bytesPerEvent, 3))
            j.rawNumber("lz4_bytes_per_event", fmt(Double(lz4Bytes) / Double(n), 3))
            j.number("append_nosync_events_per_s", Int64(Double(n) / appendNone))
            j.number("append_sync_events_per_s", Int64(Double(n) / appendSync))
            j.number("replay_typed_events_per_s", Int64(Double(n) / replayBest))
            j.number("replay_decompress_events_per_s", Int64(Double(n) / scanBest))
            j.number("lz4_compress_events_per_s", Int64(Double(n) / lz4Compress))
            j.number("lz4_decompress_events_per_s", Int64(Double(n) / lz4Decompress))
            j.number("replay_rss_min_kb", rss.minKB)
            j.number("replay_rss_max_kb", rss.maxKB)
            j.bool("lz4_interop", interop)
            j.number("checksum", checksum)
            j.endObject()
            print(j.output)
        } else {
            print("")
            print("Isotherm log benchmark — release build, one core, \(days) days")
            for (name, value, note) in rows {
                print(pad(name, 30) + lpad(value, 16) + "   " + note)
            }
            print("(checksum \(checksum))")
        }
        removeTree(dir)
        if !interop { exit(1) }
    }
}

/// Resident memory (VmRSS) samples from /proc/self/status.
struct RSSSampler {
    var minKB = Int64.max
    var maxKB: Int64 = 0
    var samples = 0

    mutating func sample() {
        guard let text = try? String(decoding: readFile("/proc/self/status"), as: UTF8.self) else { return }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = Int64(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            minKB = min(minKB, kb)
            maxKB = max(maxKB, kb)
            samples += 1
        }
    }
}

struct Stopwatch {
    private var start = Stopwatch.now()
    static func now() -> Double { SystemClock.monotonicSeconds() }
    mutating func lap() -> Double {
        let t = Stopwatch.now()
        defer { start = t }
        return t - start
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

func note(_ s: String) {
    var line = s + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func fmt(_ v: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    return FixedPoint.format(Int64((v * scale).rounded()), scale: places, minDecimals: places)
}

func rate(_ n: Int, _ seconds: Double) -> String {
    let v = Int64(Double(n) / seconds)
    let digits = String(v)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(c)
    }
    return out + "/s"
}

func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }

func shell(_ command: String) throws {
    let status = system(command)
    guard status == 0 else { throw BenchError(description: "`\(command)` failed with status \(status)") }
}

func removeTree(_ path: String) { try? Files.removeTree(path) }

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    guard let f = fopen(path, "wb") else { throw BenchError(description: "cannot write \(path)") }
    defer { fclose(f) }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    guard written == bytes.count else { throw BenchError(description: "short write to \(path)") }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw BenchError(description: "cannot read \(path)") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

func fileSize(_ path: String) -> Int64 {
    // lseek, not stat: with NIO linked, `stat` the type and `stat` the function cannot both be named here.
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    return Int64(lseek(fd, 0, SEEK_END))
}
