import ArgumentParser
import Glibc
import IsothermBacktest
import IsothermDigest
import IsothermEvents
import IsothermLog
import IsothermPlatform
import IsothermStore
import IsothermWorld

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a seeded, realistic world of weather and KXHIGH markets as event logs, one per city.",
        discussion: """
            For each city and day: a daily high drawn from the city's climatology (NOAA 1991–2020 normals \
            for Central Park; estimates for the others) with day-to-day persistence; daily forecasts for \
            leads 0–7 and hourly curves for leads 0–1 with realistic lead-dependent error; an observation \
            every five minutes; the NWS climate report (afternoon preliminary, next-morning final, now and \
            then missing, late or corrected) in whole °F on the local-standard-time day; six markets listed \
            at 10:00 ET the day before (low tail, four two-degree brackets, high tail), trading until \
            11:59 PM local, determined and settled the next morning; and a 1-minute candle per market per \
            minute, priced from the forecast and sharpening as observations arrive.

            The same seed, cities and dates write the same bytes, on any machine. A year of the seven \
            cities is about 35 million events.

            The world appears whole or not at all: it is written into a hidden .OUT.generating-PID \
            directory beside OUT and renamed to OUT at the end, with OUT/world.json (the summary: seed, \
            dates, cities, events, content hashes). A killed generate leaves only that hidden directory \
            (the next generate of OUT removes it); two generates of one OUT cannot both land (the second \
            is refused). OUT must not exist or be empty; --force replaces it.

            Examples:
              isotherm generate --out world --start 2025-01-01 --end 2025-12-31
              isotherm generate --out ny --cities NY,CHI --days 30 --seed 42 --json
            """)

    @Option(name: .long, help: "Directory to write; each city's log goes to OUT/CITY (e.g. world/NY).")
    var out: String

    @Flag(name: .long, help: "Replace OUT if it already holds a world (or anything else).")
    var force = false

    @Option(name: .long, help: "First event date (YYYY-MM-DD).")
    var start = "2025-01-01"

    @Option(name: .long, help: "Last event date (YYYY-MM-DD); default: --days after --start.")
    var end: String?

    @Option(name: .long, parsing: .unconditional, help: "Number of event dates when --end is not given.")
    var days = 30

    @Option(name: .long, help: "Comma-separated cities: NY, CHI, MIA, AUS, DEN, LAX, PHIL (default: all).")
    var cities = "NY,CHI,MIA,AUS,DEN,LAX,PHIL"

    @Option(name: .long, parsing: .unconditional, help: "Seed; the same seed writes the same bytes.")
    var seed: UInt64 = 1

    @Option(name: .long, parsing: .unconditional, help: "Cities generated at once (default: the number of cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    /// The calendar the generator covers.
    static let earliest = LocalDate(iso8601: "1900-01-01")!
    static let latest = LocalDate(iso8601: "2199-12-31")!

    func validate() throws {
        guard !out.isEmpty, Files.split(out).name != "/", Files.split(out).name != "." else {
            throw ValidationError("--out '\(out)' is not a directory name to create")
        }
        guard let first = LocalDate(iso8601: start) else {
            throw ValidationError("--start '\(start)' is not a YYYY-MM-DD date")
        }
        guard first >= Self.earliest && first <= Self.latest else {
            throw ValidationError("--start \(start) is outside 1900-01-01…2199-12-31")
        }
        if let end {
            guard let last = LocalDate(iso8601: end) else {
                throw ValidationError("--end '\(end)' is not a YYYY-MM-DD date")
            }
            guard first <= last else { throw ValidationError("--end \(end) is before --start \(start)") }
            guard last <= Self.latest else { throw ValidationError("--end \(end) is after 2199-12-31") }
            guard first.distance(to: last) < 36_600 else { throw ValidationError("at most 100 years at a time") }
        } else {
            guard (1...36_600).contains(days) else { throw ValidationError("--days \(days) must be 1…36600") }
            guard first.distance(to: Self.latest) >= days - 1 else {
                throw ValidationError("--start \(start) --days \(days) runs past 2199-12-31")
            }
        }
        _ = try selectedCities()
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1…256") }
    }

    func selectedCities() throws -> [WorldCity] {
        var chosen: [WorldCity] = []
        for name in cities.split(separator: ",") {
            let key = String(name.filter { $0 != " " })
            guard let city = WorldCity.named(key) else {
                let known = WorldCity.kxhigh.map(\.code).joined(separator: ", ")
                throw ValidationError("--cities: unknown city '\(key)' (known: \(known))")
            }
            if !chosen.contains(city) { chosen.append(city) }
        }
        guard !chosen.isEmpty else { throw ValidationError("--cities is empty") }
        return chosen
    }

    func run() throws {
        try reportingErrors {
            let first = LocalDate(iso8601: start)!
            let last = end.flatMap { LocalDate(iso8601: $0) } ?? first.advanced(by: Int32(days - 1))
            let chosen = try selectedCities()
            let target = Files.split(out)
            let finalPath = target.parent == "." ? target.name : target.parent + "/" + target.name
            if directoryHasEntries(finalPath) && !force {
                throw CLIError("\(finalPath) already holds files; give a new --out, or --force to replace it")
            }
            try makeDirectory(target.parent)
            try removeStaleTemporaries(in: target.parent, prefix: "." + target.name + ".generating-", what: "generate")
            let temporary = target.parent + "/." + target.name + ".generating-\(getpid())"
            try Files.removeTree(temporary)
            try makeDirectory(temporary)
            let worlds = chosen.map {
                CityWorld(city: $0, seed: seed, start: first, end: last, engineVersion: Isotherm.version)
            }
            let total = worlds.reduce(Int64(0)) { $0 + $1.plan.estimatedEventCount }
            if !json {
                printError(
                    "generating \(chosen.map(\.code).joined(separator: ",")) \(first.iso8601)…\(last.iso8601) "
                        + "(about \(grouped(total)) events) into \(out)")
            }
            let progress = Locked(Progress(label: "generate", total: total))
            let done = Locked(Int64(0))
            let quiet = json
            let watch = Stopwatch()
            let directory = temporary
            let results = parallelMap(worlds.count, threads: threads ?? availableCores()) { i -> CitySummary in
                var world = worlds[i]
                let path = directory + "/" + world.city.code
                let writer = try openLogWriter(path)
                var count: Int64 = 0
                var kinds = [Int64](repeating: 0, count: 256)
                while let record = world.next() {
                    try writer.append(record)
                    kinds[Int(record.event.kind.rawValue)] += 1
                    count += 1
                    if count & 0xFFFF == 0 {
                        let sum = done.withLock {
                            $0 += 0x10000
                            return $0
                        }
                        if !quiet { progress.withLock { $0.update(sum) } }
                    }
                }
                try writer.close()
                unlink(path + "/LOCK")
                let inspect = try LogInspector.inspect(directory: path)
                return CitySummary(
                    city: world.city.code, directory: finalPath + "/" + world.city.code, events: count,
                    fileBytes: inspect.totals.fileBytes, contentHash: try LogContentHash.sha256(directory: path).hex,
                    kinds: kinds)
            }
            let seconds = watch.elapsedSeconds
            var summaries: [CitySummary] = []
            do {
                for result in results { summaries.append(try result.get()) }
            } catch {
                try? Files.removeTree(temporary)
                throw error
            }
            let summary = GenerateSummary(
                seed: seed, start: first, end: last, cities: summaries, seconds: seconds)
            try Files.writeAtomically(temporary + "/world.json", Array((summary.json + "\n").utf8))
            try land(temporary, at: finalPath)
            print(json ? summary.json : summary.text)
        }
    }
}

extension GenerateCommand {
    /// Renames the finished world into place: atomically when `path` is absent or empty (a second
    /// generate that finished first makes the rename fail, and this one is refused); with `--force`, the
    /// old contents are moved aside first and removed after.
    func land(_ temporary: String, at path: String) throws {
        if rename(temporary, path) == 0 { return }
        let failure = errno
        if force && (failure == ENOTEMPTY || failure == EEXIST || failure == ENOTDIR) {
            let (parent, name) = Files.split(path)
            let aside = parent + "/." + name + ".replaced-\(getpid())"
            guard rename(path, aside) == 0 else {
                try? Files.removeTree(temporary)
                throw CLIError("cannot move \(path) aside: \(String(cString: strerror(errno)))")
            }
            guard rename(temporary, path) == 0 else {
                let e = errno
                _ = rename(aside, path)
                try? Files.removeTree(temporary)
                throw CLIError("cannot rename the new world into \(path): \(String(cString: strerror(e)))")
            }
            try Files.removeTree(aside)
            return
        }
        try? Files.removeTree(temporary)
        if failure == ENOTEMPTY || failure == EEXIST {
            throw CLIError(
                "\(path) was filled by another process while this generate ran; nothing of this one was kept")
        }
        throw CLIError("cannot rename the new world into \(path): \(String(cString: strerror(failure)))")
    }
}

struct CitySummary: Sendable {
    let city: String
    let directory: String
    let events: Int64
    let fileBytes: Int64
    let contentHash: String
    let kinds: [Int64]
}

struct GenerateSummary {
    let seed: UInt64
    let start: LocalDate
    let end: LocalDate
    let cities: [CitySummary]
    let seconds: Double

    var events: Int64 { cities.reduce(0) { $0 + $1.events } }
    var rate: Double { seconds > 0 ? Double(events) / seconds : 0 }

    var text: String {
        var lines = [
            "generated \(grouped(events)) events for \(cities.count) cities, \(start.iso8601)…\(end.iso8601), "
                + "seed \(seed), in \(fixed(seconds, 2)) s (\(fixed(rate / 1e6, 2)) M events/s)",
            "  " + rightPad("city", 6) + leftPad("events", 13) + leftPad("on disk", 12) + leftPad("candles", 13)
                + leftPad("forecasts", 11) + leftPad("obs", 9) + leftPad("reports", 9) + "  log",
        ]
        for c in cities {
            let forecasts =
                c.kinds[Int(EventKind.dailyForecast.rawValue)] + c.kinds[Int(EventKind.hourlyForecast.rawValue)]
            lines.append(
                "  " + rightPad(c.city, 6) + leftPad(grouped(c.events), 13) + leftPad(bytesText(c.fileBytes), 12)
                    + leftPad(grouped(c.kinds[Int(EventKind.candle.rawValue)]), 13) + leftPad(grouped(forecasts), 11)
                    + leftPad(grouped(c.kinds[Int(EventKind.observation.rawValue)]), 9)
                    + leftPad(grouped(c.kinds[Int(EventKind.settlement.rawValue)]), 9) + "  " + c.directory)
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        var j = JSONWriter()
        j.beginObject()
        j.string("start", start.iso8601)
        j.string("end", end.iso8601)
        j.string("seed", String(seed))
        j.string("generator", WorldPlan.generatorVersion)
        j.string("engine_version", Isotherm.version)
        j.number("events", events)
        j.rawNumber("seconds", fixed(seconds, 3))
        j.rawNumber("events_per_second", fixed(rate, 0))
        j.beginArray("cities")
        for c in cities {
            j.beginObject()
            j.string("city", c.city)
            j.string("log", c.directory)
            j.number("events", c.events)
            j.number("file_bytes", c.fileBytes)
            j.string("content_sha256", c.contentHash)
            j.beginObject("kinds")
            for kind in (1...255).compactMap({ EventKind(rawValue: UInt8($0)) }) where c.kinds[Int(kind.rawValue)] > 0 {
                j.number(kind.name, c.kinds[Int(kind.rawValue)])
            }
            j.endObject()
            j.endObject()
        }
        j.endArray()
        j.endObject()
        return j.output
    }
}

/// Creates `path` (and its parents) when missing.
func makeDirectory(_ path: String) throws {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
        prefix += part + "/"
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
            throw CLIError("cannot create directory \(prefix): \(String(cString: strerror(errno)))")
        }
    }
}

/// Whether `path` exists and holds anything besides `.` and `..` (a file counts as non-empty).
func directoryHasEntries(_ path: String) -> Bool {
    guard let entries = try? Files.names(in: path) else { return access(path, F_OK) == 0 }
    return !entries.isEmpty
}
