import ArgumentParser
import Glibc
import IsothermDigest
import IsothermEvents
import IsothermLog
import IsothermPlatform
import IsothermStore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Look inside an event log: inspect its segments, print its events, verify every batch.",
        discussion: """
            A log is a directory of segments named by their first sequence number (00000000000000000001.lz4), \
            each a valid .lz4 stream: `lz4 -dc SEGMENT` prints the raw records. See Schemas/log-format.md.
            """,
        subcommands: [Inspect.self, Cat.self, Verify.self, Sort.self, Quarantine.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Segments, batches, event counts, time range, bytes and compression ratio.",
            discussion:
                "Reads batch headers only, so it is fast on any size of log. Does not check checksums: use `log verify`."
        )

        @Argument(help: "The log directory.")
        var log: String

        @Flag(name: .long, help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            try reportingErrors {
                let report = try LogInspector.inspect(directory: log)
                if json {
                    print(Self.json(report))
                } else {
                    print(Self.table(report, log: log))
                }
            }
        }

        static func table(_ r: InspectReport, log: String) -> String {
            var lines = ["log \(log)"]
            lines.append(
                rightPad("segment", 26) + leftPad("first seq", 12) + leftPad("last seq", 12) + leftPad("batches", 9)
                    + leftPad("events", 12) + leftPad("raw", 11) + leftPad("on disk", 11) + leftPad("ratio", 7)
                    + "  time range")
            for s in r.segments + [r.totals] {
                let name = s.path == r.totals.path ? "total" : String(s.path.split(separator: "/").last ?? "")
                lines.append(
                    rightPad(name, 26) + leftPad(String(s.baseSequence), 12)
                        + leftPad(s.lastSequence.map(String.init) ?? "-", 12)
                        + leftPad(String(s.batches), 9) + leftPad(grouped(s.records), 12)
                        + leftPad(bytesText(s.rawBytes), 11)
                        + leftPad(bytesText(s.fileBytes), 11) + leftPad(fixed(s.compressionRatio, 2), 7) + "  "
                        + timeText(s.minEventTimeNanos) + " … " + timeText(s.maxEventTimeNanos))
            }
            if r.totals.records > 0 {
                lines.append(
                    "bytes per event on disk: " + fixed(Double(r.totals.fileBytes) / Double(r.totals.records), 2))
            }
            if let torn = r.tornTail {
                lines.append(
                    "torn tail at byte \(torn.offset) of the last segment: \(torn.reason) (cut on the next open for writing)"
                )
            }
            return lines.joined(separator: "\n")
        }

        static func json(_ r: InspectReport) -> String {
            var j = JSONWriter()
            func figures(_ s: InspectReport.Figures) {
                j.string("path", s.path)
                j.number("first_seq", s.baseSequence)
                if let l = s.lastSequence { j.number("last_seq", l) } else { j.null("last_seq") }
                j.number("batches", Int64(s.batches))
                j.number("events", s.records)
                j.number("raw_bytes", s.rawBytes)
                j.number("file_bytes", s.fileBytes)
                j.rawNumber("compression_ratio", fixed(s.compressionRatio, 3))
                j.stringOrNull("min_time", s.minEventTimeNanos.map { Timestamp(nanos: $0).rfc3339 })
                j.stringOrNull("max_time", s.maxEventTimeNanos.map { Timestamp(nanos: $0).rfc3339 })
            }
            j.beginObject()
            j.beginArray("segments")
            for s in r.segments {
                j.beginObject()
                figures(s)
                j.endObject()
            }
            j.endArray()
            j.beginObject("totals")
            figures(r.totals)
            j.endObject()
            if let torn = r.tornTail {
                j.beginObject("torn_tail")
                j.number("offset", torn.offset)
                j.string("reason", torn.reason)
                j.endObject()
            } else {
                j.null("torn_tail")
            }
            j.endObject()
            return j.output
        }
    }

    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print events as JSON lines (one object per event, with its sequence number).",
            discussion: """
                Examples:
                  isotherm log cat LOG --limit 10
                  isotherm log cat LOG --from-time 2025-11-28T14:00:00Z --kind candle,trade
                  isotherm log cat LOG --from-seq 4097 --kind strategy_decision | jq .reason

                Kinds: \(EventKind.allCases.map(\.name).joined(separator: ", ")). \
                Prices are dollar strings ("0.4500"), counts "10.00", temperatures °F numbers, times RFC 3339 UTC.
                """)

        @Argument(help: "The log directory.")
        var log: String

        @Option(name: .customLong("from-seq"), help: "Start at this sequence number.")
        var fromSequence: UInt64?

        @Option(
            name: .customLong("from-time"),
            help: "Start at the first event at or after this time (RFC 3339, or a date for midnight UTC).")
        var fromTime: String?

        @Option(name: .long, help: "Only these kinds, comma-separated.")
        var kind: String?

        @Option(name: .long, help: "Stop after this many events.")
        var limit: Int?

        func validate() throws {
            if fromSequence != nil && fromTime != nil {
                throw ValidationError("give --from-seq or --from-time, not both")
            }
            if let limit, limit < 0 { throw ValidationError("--limit must be zero or more") }
        }

        func run() throws {
            try reportingErrors {
                var kinds: Set<EventKind>? = nil
                if let kind {
                    var set = Set<EventKind>()
                    for name in kind.split(separator: ",") {
                        guard let k = EventKind(name: String(name)) else {
                            throw CLIError(
                                "--kind '\(name)' is not an event kind; kinds are: \(EventKind.allCases.map(\.name).joined(separator: ", "))"
                            )
                        }
                        set.insert(k)
                    }
                    kinds = set
                }
                let start: ReplayStart =
                    if let fromTime { .time(try parseInstant(fromTime, option: "--from-time")) } else {
                        .sequence(fromSequence ?? 1)
                    }
                let reader = try EventLogReader(directory: log)
                var printed = 0
                let limit = self.limit ?? Int.max
                guard limit > 0 else { return }
                var out = StandardOutput()
                signal(SIGPIPE, SIG_IGN)
                try reader.forEach(from: start, kinds: kinds) { sequence, record in
                    out.writeLine(EventJSON.render(record, sequence: sequence))
                    printed += 1
                    return printed < limit && !out.isClosed
                }
                out.flush()
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every batch of every segment; on damage, exit 1 and name each place.",
            discussion: """
                Checks segment headers, batch header CRC-32C, frame CRC-32C, the LZ4 frame with its content \
                checksum, record framing and counts, and sequence continuity. After a damaged batch it \
                resynchronises on the next valid batch, so every damaged place is reported. Each segment's \
                .idx file, when present, must list its batches. An incomplete final batch is a torn tail (the \
                next writer cuts it to quarantine/); a complete one that fails its CRC is damage (see \
                `isotherm log quarantine`). With --hashes, also the log's content hash (the one run manifests \
                record: over the events, recomputed here) and each segment file's SHA-256.

                Exit codes: 0 clean; 1 damage, a torn tail or a stale index found; 2 the log cannot be read.
                """)

        @Argument(help: "The log directory.")
        var log: String

        @Flag(name: .long, help: "Print JSON instead of text.")
        var json = false

        @Flag(name: .long, help: "Also print each segment's SHA-256.")
        var hashes = false

        func run() throws {
            var clean = true
            try reportingErrors {
                let r = try LogVerifier.verify(directory: log)
                clean = r.isClean
                if json {
                    var j = JSONWriter()
                    j.beginObject()
                    j.bool("clean", r.isClean)
                    j.number("segments", Int64(r.segments))
                    j.number("indexes", Int64(r.indexes))
                    j.number("batches", Int64(r.batches))
                    j.number("events", r.records)
                    j.number("raw_bytes", r.rawBytes)
                    j.number("file_bytes", r.fileBytes)
                    if let f = r.firstSequence { j.number("first_seq", f) } else { j.null("first_seq") }
                    if let l = r.lastSequence { j.number("last_seq", l) } else { j.null("last_seq") }
                    j.stringOrNull("min_time", r.minEventTimeNanos.map { Timestamp(nanos: $0).rfc3339 })
                    j.stringOrNull("max_time", r.maxEventTimeNanos.map { Timestamp(nanos: $0).rfc3339 })
                    j.beginArray("problems")
                    for p in r.problems {
                        j.beginObject()
                        j.string("segment", p.segment)
                        j.number("offset", p.offset)
                        if let range = p.sequenceRange {
                            j.number("first_seq", range.lowerBound)
                            j.number("last_seq", range.upperBound)
                        }
                        j.bool("torn_tail", p.isTornTail)
                        j.string("message", p.message)
                        j.endObject()
                    }
                    j.endArray()
                    if hashes {
                        j.string("content_sha256", try LogContentHash.sha256(directory: log, cached: false).hex)
                        j.beginArray("segment_hashes")
                        for (path, digest) in try segmentHashes() {
                            j.beginObject()
                            j.string("segment", path)
                            j.string("sha256", digest)
                            j.endObject()
                        }
                        j.endArray()
                    }
                    j.endObject()
                    print(j.output)
                } else {
                    print(
                        "verified \(r.segments) segments (\(r.indexes) index files), \(r.batches) batches, "
                            + "\(grouped(r.records)) events, \(bytesText(r.fileBytes)) on disk (\(bytesText(r.rawBytes)) raw)"
                    )
                    for p in r.problems { print("DAMAGE: \(p)") }
                    if hashes {
                        print("content sha256 \(try LogContentHash.sha256(directory: log, cached: false).hex)")
                        for (path, digest) in try segmentHashes() { print("sha256 \(digest)  \(path)") }
                    }
                    print(r.isClean ? "clean" : "\(r.problems.count) damaged place(s) found")
                }
            }
            if !clean { throw ExitCode(1) }
        }

        func segmentHashes() throws -> [(String, String)] {
            try LogReader(directory: log).segments.map { ($0.path, try SHA256Hasher.hashFile(path: $0.path).hex) }
        }
    }
}

/// Buffered standard output for line-heavy commands.
struct StandardOutput {
    private var buffer: [UInt8] = []
    /// True once the reader went away (a closed pipe, as with `| head`).
    private(set) var isClosed = false

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func writeLine(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard !isClosed else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(1, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {  // a closed pipe (`| head`): stop writing quietly
                    isClosed = true
                    return
                }
                offset += n
            }
        }
    }
}

extension LogCommand {
    struct Quarantine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a damaged final batch aside (to quarantine/) so the log can be appended to again.",
            discussion: """
                A final batch that is complete but fails its CRC was written whole and altered afterwards: \
                damage, which readers report and writers refuse to append after, so that nothing is lost \
                silently. This command takes the writer's lock, copies the batch's bytes to \
                LOG/quarantine/<segment>.<offset>.torn (synced), cuts the segment there and reports the \
                sequences that were removed; the next append reuses them. A torn tail is cut the same way \
                (any writer does that). Damage anywhere but the final batch is refused: copy the log with \
                `isotherm log sort` from a good source instead.

                Examples:
                  isotherm log verify feed            # DAMAGE: … frame CRC mismatch (…)
                  isotherm log quarantine feed
                """)

        @Argument(help: "The log directory.")
        var log: String

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() throws {
            try reportingErrors {
                guard Files.isDirectory(log) else { throw CLIError("\(log): no such log") }
                let writer = try LogWriter(directory: log, cutDamagedTail: true)
                let report = writer.recovery
                try writer.close()
                if json {
                    var j = JSONWriter()
                    j.beginObject()
                    j.string("log", log)
                    j.bool("cut", report.tornTail != nil)
                    if let t = report.tornTail { Recoveries.fields(of: t, into: &j) }
                    j.endObject()
                    print(j.output)
                } else {
                    print(report.tornTail == nil ? "\(log): nothing to quarantine" : "\(log): \(report)")
                }
            }
        }
    }

    struct Sort: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sort",
            abstract: "Copy one or more logs into a new log in time order (for backtests of imported data).",
            discussion: """
                Imports and backfills append events as they fetch them, so a log of imported data is in the \
                order it was fetched, not in the order things happened; a backtest reads a city's events in \
                time order and refuses a log that is not. This writes every event of the input logs into the \
                new log OUT ordered by event time, then input (in the order given), then sequence number: a \
                total order, so the same inputs always give the same OUT. Several inputs merge a city's \
                sources (markets, weather) into the one log a backtest reads. Memory is bounded: inputs already \
                in time order are merged as they stream; an input that is not is sorted in runs of at most \
                --buffer-events events (about 150 bytes each in memory), written as logs and merged. The result is \
                the same whatever --buffer-events is. Everything is written under .OUT.sort-PID beside OUT and \
                the new log renamed to OUT at the end, so a sort cut short leaves no OUT (the next sort of OUT \
                removes what it left).

                Examples:
                  isotherm log sort data/NY data/NY-sorted && isotherm backtest --log data/NY-sorted
                  isotherm log sort kalshi/NY weather/NY world/NY
                """)

        @Argument(help: "The logs to read, then the new log to write (which must not exist or be empty).")
        var paths: [String]

        @Option(
            name: .long,
            help: ArgumentHelp(
                "The most events held in memory while sorting an input that is out of order (1 or more).",
                valueName: "N"))
        var bufferEvents = 1_000_000

        @Flag(name: .long, help: "Print a JSON summary.")
        var json = false

        func validate() throws {
            guard paths.count >= 2 else {
                throw ValidationError("give at least one log to read and the new log to write")
            }
            guard bufferEvents >= 1 else {
                throw ValidationError("--buffer-events must be 1 or more, not \(bufferEvents)")
            }
        }

        func run() throws {
            try reportingErrors {
                let inputs = Array(paths.dropLast())
                let output = paths.last!
                guard !inputs.contains(output) else {
                    throw CLIError("write the sorted copy to a new log, not over \(output)")
                }
                if directoryHasEntries(output) { throw CLIError("\(output) already holds files; give a new log") }
                let watch = Stopwatch()
                // Everything is written under a hidden directory beside OUT (the new log and the sorted
                // runs) and the log renamed to OUT at the end: a sort cut short leaves no OUT to backtest.
                let (parent, name) = Files.split(output)
                let prefix = "." + name + ".sort-"
                try removeStaleTemporaries(in: parent, prefix: prefix, what: "log sort")
                let temporary = parent + "/" + prefix + String(getpid())
                let scratch = temporary + "/runs"
                try Files.removeTree(temporary)
                try makeDirectory(scratch)
                defer { try? Files.removeTree(temporary) }
                let writer = try openLogWriter(temporary + "/log")
                // Progress on standard error (a year of seven cities takes about a minute), not with --json.
                var meter: (phase: EventSort.Phase, progress: Progress)?
                let summary = try EventSort.sort(
                    inputs: inputs, into: writer, scratch: scratch, bufferEvents: bufferEvents
                ) { phase, done, total in
                    guard !json else { return }
                    if meter?.phase != phase {
                        meter = (phase, Progress(label: "sort: " + phase.rawValue, total: Int64(total)))
                    }
                    meter?.progress.update(Int64(done))
                }
                try writer.flush(sync: true)
                try writer.close()
                guard rename(temporary + "/log", output) == 0 else {
                    let failure = errno
                    if failure == ENOTEMPTY || failure == EEXIST {
                        throw CLIError("\(output) was filled by another process while this sort ran; nothing was kept")
                    }
                    throw CLIError("cannot rename the sorted log into \(output): \(String(cString: strerror(failure)))")
                }
                let seconds = watch.elapsedSeconds
                if json {
                    var j = JSONWriter()
                    j.beginObject()
                    j.beginArray("inputs")
                    for input in inputs { j.string(nil, input) }
                    j.endArray()
                    j.string("output", output)
                    j.number("events", Int64(summary.events))
                    j.number("out_of_order", Int64(summary.outOfOrder))
                    j.number("sorted_runs", Int64(summary.runs))
                    j.rawNumber("seconds", fixed(seconds, 3))
                    j.endObject()
                    print(j.output)
                } else {
                    print(
                        "\(output): \(grouped(Int64(summary.events))) events from \(inputs.count) log(s) in time order "
                            + "(\(grouped(Int64(summary.outOfOrder))) were out of order within their log"
                            + (summary.runs > 0 ? "; sorted in \(summary.runs) run(s) on disk" : "")
                            + "), \(fixed(seconds, 2)) s")
                }
            }
        }
    }
}
