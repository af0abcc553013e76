import ArgumentParser
import Glibc
import IsothermDigest
import IsothermEvents
import IsothermLog
import IsothermStore
import IsothermWorld

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Write a realistic stream of market events to a log, replay it, verify it, and report how fast.",
        discussion: """
            Generates the seven KXHIGH cities (six brackets per event, two events trading at once) with \
            1-minute candles, listings, forecasts, settlements and determinations, appends them to a new \
            log, replays every event and checks it equals what was written, verifies every batch, and \
            prints the figures. The log is kept: explore it with `isotherm log inspect|cat|verify`.
            """)

    @Option(
        name: .long, parsing: .unconditional,
        help: "Event dates to generate (about 100,900 events per day for seven cities).")
    var days = 30

    @Option(name: .long, help: "First event date (YYYY-MM-DD).")
    var start = "2025-11-01"

    @Option(
        name: .long, parsing: .unconditional, help: "Seed of the generated world; the same seed writes the same bytes.")
    var seed: UInt64 = 7

    @Option(name: .long, help: "Log directory to create (default: a new directory under /tmp).")
    var dir: String?

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        guard (1...3660).contains(days) else { throw ValidationError("--days must be 1…3660") }
        guard LocalDate(iso8601: start) != nil else {
            throw ValidationError("--start '\(start)' is not a YYYY-MM-DD date")
        }
    }

    func run() throws {
        try reportingErrors {
            let first = LocalDate(iso8601: start)!
            let directory = try dir ?? makeTemporaryDirectory()
            let expected = Int64(days) * 100_900
            func stream() -> CandleStream {
                CandleStream(seed: seed, start: first, days: days, withContext: true)
            }

            if !json { printError("writing \(days) days of 7 cities to \(directory)") }
            var progress = Progress(label: "append", total: expected)
            let writeWatch = Stopwatch()
            let writer = try openLogWriter(directory)
            guard writer.nextSequence == 1 else {
                throw CLIError(
                    "\(directory) already holds a log (next sequence \(writer.nextSequence)); give a new --dir")
            }
            var written: Int64 = 0
            for record in stream() {
                try writer.append(record)
                written += 1
                if written & 0xFFFF == 0 { progress.update(written) }
            }
            try writer.close()
            let writeSeconds = writeWatch.elapsedSeconds

            // Replay: decode every event and compare it with the stream regenerated from the seed.
            var progress2 = Progress(label: "replay", total: written)
            let replayWatch = Stopwatch()
            var regenerated = stream()
            var replayed: Int64 = 0
            var mismatch: UInt64? = nil
            var kinds = [Int64](repeating: 0, count: 256)
            var volume: Int64 = 0
            try EventLogReader(directory: directory).forEach { sequence, record in
                replayed += 1
                kinds[Int(record.event.kind.rawValue)] += 1
                if case .candle(let c) = record.event { volume += c.volume.hundredths }
                if regenerated.next() != record {
                    mismatch = sequence
                    return false
                }
                if replayed & 0xFFFF == 0 { progress2.update(replayed) }
                return true
            }
            let replaySeconds = replayWatch.elapsedSeconds
            if let mismatch { throw CLIError("replayed event \(mismatch) differs from the event written") }
            guard replayed == written, regenerated.next() == nil else {
                throw CLIError("replayed \(replayed) events, wrote \(written)")
            }

            let verifyWatch = Stopwatch()
            let verify = try LogVerifier.verify(directory: directory)
            let verifySeconds = verifyWatch.elapsedSeconds
            let inspect = try LogInspector.inspect(directory: directory)
            let hash = try LogContentHash.sha256(directory: directory).hex

            let summary = Summary(
                directory: directory, seed: seed, days: days, events: written, segments: inspect.segments.count,
                batches: inspect.totals.batches, rawBytes: inspect.totals.rawBytes, fileBytes: inspect.totals.fileBytes,
                writeSeconds: writeSeconds, replaySeconds: replaySeconds, verifySeconds: verifySeconds,
                clean: verify.isClean, contentHash: hash, kinds: kinds, volumeHundredths: volume)
            print(json ? summary.json : summary.text)
            if !verify.isClean {
                for p in verify.problems { printError("DAMAGE: \(p)") }
                throw ExitCode(1)
            }
        }
    }

    private func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/isotherm-demo-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw CLIError("cannot create a directory under /tmp: \(String(cString: strerror(errno)))")
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/world"
    }
}

/// What the demo did, as text or JSON.
private struct Summary {
    let directory: String
    let seed: UInt64
    let days: Int
    let events: Int64
    let segments: Int
    let batches: Int
    let rawBytes: Int64
    let fileBytes: Int64
    let writeSeconds: Double
    let replaySeconds: Double
    let verifySeconds: Double
    let clean: Bool
    let contentHash: String
    let kinds: [Int64]
    let volumeHundredths: Int64

    var bytesPerEvent: Double { Double(fileBytes) / Double(max(1, events)) }

    var text: String {
        var lines: [String] = []
        lines.append("")
        lines.append("Isotherm demo — \(days) days × 7 cities, seed \(seed)")
        lines.append("  log             \(directory)")
        lines.append("  events          \(grouped(events)) in \(segments) segments, \(batches) batches")
        for kind in EventKind.allCases where kinds[Int(kind.rawValue)] > 0 {
            lines.append("    " + rightPad(kind.name, 20) + leftPad(grouped(kinds[Int(kind.rawValue)]), 12))
        }
        lines.append("  contracts       \(grouped(volumeHundredths / 100)) traded in candles")
        lines.append(
            "  on disk         \(bytesText(fileBytes)) (\(bytesText(rawBytes)) raw, ratio \(fixed(Double(rawBytes) / Double(max(1, fileBytes)), 2))), \(fixed(bytesPerEvent, 2)) bytes/event"
        )
        lines.append(
            "  append          \(fixed(writeSeconds, 2)) s  \(grouped(Int64(Double(events) / writeSeconds))) events/s (generate + encode + compress + write)"
        )
        lines.append(
            "  replay          \(fixed(replaySeconds, 2)) s  \(grouped(Int64(Double(events) / replaySeconds))) events/s (decode + compare with the regenerated stream)"
        )
        lines.append(
            "  verify          \(fixed(verifySeconds, 2)) s  \(clean ? "clean: every batch checked" : "DAMAGED")")
        lines.append("  replay check    every event read back equals the event written")
        lines.append("  content sha256  \(contentHash)")
        lines.append("")
        lines.append("Next:")
        lines.append("  isotherm log inspect \(directory)")
        lines.append("  isotherm log cat \(directory) --kind market_listed --limit 6")
        lines.append("  lz4 -dc \(directory)/00000000000000000001.lz4 | head -c 200 | xxd | head")
        return lines.joined(separator: "\n")
    }

    var json: String {
        var j = JSONWriter()
        j.beginObject()
        j.string("log", directory)
        j.number("seed", seed)
        j.number("days", Int64(days))
        j.number("events", events)
        j.beginObject("events_by_kind")
        for kind in EventKind.allCases where kinds[Int(kind.rawValue)] > 0 {
            j.number(kind.name, kinds[Int(kind.rawValue)])
        }
        j.endObject()
        j.number("segments", Int64(segments))
        j.number("batches", Int64(batches))
        j.number("raw_bytes", rawBytes)
        j.number("file_bytes", fileBytes)
        j.rawNumber("bytes_per_event", fixed(bytesPerEvent, 3))
        j.rawNumber("append_seconds", fixed(writeSeconds, 3))
        j.rawNumber("replay_seconds", fixed(replaySeconds, 3))
        j.rawNumber("verify_seconds", fixed(verifySeconds, 3))
        j.bool("clean", clean)
        j.bool("replay_matches", true)
        j.string("content_sha256", contentHash)
        j.endObject()
        return j.output
    }
}
