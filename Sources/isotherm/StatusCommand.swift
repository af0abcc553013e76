import ArgumentParser
import Glibc
import IsothermEvents
import IsothermImport
import IsothermStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Coverage and freshness of the data in logs, per city: markets, candles, forecasts, observations, settlements.",
        discussion: """
            For each city and kind of data: how many events, the first and last day covered, the days \
            missing in between, and the time of the latest event with its age. Ticks are the live ticker \
            updates and trades `isotherm record` writes: their age is the recorder's freshness. Days are \
            event dates for markets, candles and ticks, target dates for forecasts, and local-standard-time climate days for \
            observations and settlements.

            A directory that holds no segments but holds logs (as `isotherm generate` writes them) is \
            read as all of them.

            Examples:
              isotherm status world
              isotherm status data/NY data/CHI --json
            """)

    @Argument(help: "Log directories (or a directory of logs).")
    var logs: [String]

    @Option(name: .long, help: "Measure ages from this time (RFC 3339) instead of now.")
    var now: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let reference = try now.map { try parseInstant($0, option: "--now") } ?? wallClockNow()
            var coverage = Coverage()
            for dir in try logs.flatMap(Self.logsIn) {
                try EventLogReader(directory: dir).forEach(
                    candles: { _, time, candle in
                        coverage.candle(candle.ticker, at: time)
                        return true
                    },
                    others: { _, record in
                        coverage.add(record)
                        return true
                    })
            }
            print(json ? coverage.json(now: reference) : coverage.text(now: reference))
        }
    }

    /// `path` itself when it is a log, else the logs directly inside it (sorted by name).
    static func logsIn(_ path: String) throws -> [String] {
        let entries = try listDirectory(path)
        if entries.contains(where: { $0.hasSuffix(".lz4") }) { return [path] }
        let children = entries.sorted().map { path + "/" + $0 }.filter {
            (try? listDirectory($0).contains(where: { $0.hasSuffix(".lz4") })) == true
        }
        guard !children.isEmpty else { throw CLIError("\(path) holds no log segments and no logs") }
        return children
    }
}

/// The names in a directory.
func listDirectory(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw CLIError("\(path): \(String(cString: strerror(errno)))") }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// The wall clock (monitoring only: never an input to a reducer).
func wallClockNow() -> Timestamp {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Timestamp(nanos: Int64(ts.tv_sec) * Timestamp.nanosPerSecond + Int64(ts.tv_nsec))
}

/// Per city and kind: counts, the set of days covered, and the latest event time.
struct Coverage {
    enum Kind: Int, CaseIterable {
        case markets, candles, ticks, forecasts, observations, settlements
        var name: String { ["markets", "candles", "ticks", "forecasts", "observations", "settlements"][rawValue] }
    }

    struct Cell {
        var events: Int64 = 0
        var days: Set<Int32> = []
        var last: Timestamp?

        mutating func add(day: LocalDate, at time: Timestamp) {
            events += 1
            days.insert(day.daysSinceEpoch)
            if last.map({ time > $0 }) ?? true { last = time }
        }

        var first: LocalDate? { days.min().map(LocalDate.init(daysSinceEpoch:)) }
        var lastDay: LocalDate? { days.max().map(LocalDate.init(daysSinceEpoch:)) }
        var missing: Int {
            guard let lo = days.min(), let hi = days.max() else { return 0 }
            return Int(hi - lo + 1) - days.count
        }
        /// Up to five missing days, for the report.
        var missingSample: [LocalDate] {
            guard let lo = days.min(), let hi = days.max() else { return [] }
            var out: [LocalDate] = []
            var d = lo
            while d <= hi && out.count < 5 {
                if !days.contains(d) { out.append(LocalDate(daysSinceEpoch: d)) }
                d += 1
            }
            return out
        }
    }

    /// Cells by city code, in the order cities were first seen; then sorted for output.
    private var cells: [String: [Cell]] = [:]
    private var tickerDay: [Symbol: (city: String, day: LocalDate)?] = [:]
    private var unknown: Int64 = 0

    private mutating func add(_ city: String, _ kind: Kind, day: LocalDate, at time: Timestamp) {
        cells[city, default: Array(repeating: Cell(), count: Kind.allCases.count)][kind.rawValue].add(
            day: day, at: time)
    }

    /// A live ticker update or trade (isotherm record), counted on its market's event date.
    private mutating func tick(_ ticker: Symbol, at time: Timestamp) {
        let text = ticker.description
        guard let site = SettlementSite.forTicker(text), let day = LocalDate(kalshiCode: text) else {
            return unknown += 1
        }
        add(site.city, .ticks, day: day, at: time)
    }

    mutating func candle(_ ticker: Symbol, at time: Timestamp) {
        let key: (city: String, day: LocalDate)?
        if let known = tickerDay[ticker] {
            key = known
        } else {
            let text = ticker.description
            if let site = SettlementSite.forTicker(text), let day = LocalDate(kalshiCode: text) {
                key = (site.city, day)
            } else {
                key = nil
            }
            tickerDay[ticker] = key
        }
        guard let key else {
            unknown += 1
            return
        }
        add(key.city, .candles, day: key.day, at: time)
    }

    mutating func add(_ record: EventRecord) {
        switch record.event {
        case .marketListed(let m):
            guard let site = SettlementSite.find(m.seriesTicker.description) else { return unknown += 1 }
            add(site.city, .markets, day: m.eventDate, at: record.time)
        case .dailyForecast(let f):
            add(f.city.description, .forecasts, day: f.targetDate, at: record.time)
        case .hourlyForecast(let f):
            add(f.city.description, .forecasts, day: f.targetDate, at: record.time)
        case .observation(let o):
            guard let site = SettlementSite.find(o.station.description) else { return unknown += 1 }
            add(site.city, .observations, day: site.climateDate(of: o.observedAt), at: record.time)
        case .settlement(let s):
            add(s.city.description, .settlements, day: s.climateDate, at: record.time)
        case .ticker(let t):
            tick(t.ticker, at: record.time)
        case .trade(let t):
            tick(t.ticker, at: record.time)
        default:
            break
        }
    }

    private var orderedCities: [String] {
        let known = SettlementSite.kxhigh.map(\.city)
        return cells.keys.sorted { (known.firstIndex(of: $0) ?? 99, $0) < (known.firstIndex(of: $1) ?? 99, $1) }
    }

    func text(now: Timestamp) -> String {
        var lines = [
            rightPad("city", 6) + rightPad("data", 14) + leftPad("events", 12) + "  " + rightPad("first day", 11)
                + rightPad("last day", 11) + leftPad("missing", 8) + "  " + rightPad("latest event", 22) + "age"
        ]
        for city in orderedCities {
            for kind in Kind.allCases {
                let c = cells[city]![kind.rawValue]
                lines.append(
                    rightPad(city, 6) + rightPad(kind.name, 14) + leftPad(grouped(c.events), 12) + "  "
                        + rightPad(c.first?.iso8601 ?? "-", 11) + rightPad(c.lastDay?.iso8601 ?? "-", 11)
                        + leftPad(String(c.missing), 8) + "  " + rightPad(c.last?.rfc3339 ?? "-", 22)
                        + (c.last.map { age(from: $0, to: now) } ?? "-"))
            }
        }
        if cells.isEmpty { lines.append("(no markets, candles, forecasts, observations or settlements)") }
        if unknown > 0 { lines.append("\(grouped(unknown)) events of cities or stations outside the KXHIGH series") }
        return lines.joined(separator: "\n")
    }

    func json(now: Timestamp) -> String {
        var j = JSONWriter()
        j.beginObject()
        j.string("now", now.rfc3339)
        j.beginArray("cities")
        for city in orderedCities {
            j.beginObject()
            j.string("city", city)
            for kind in Kind.allCases {
                let c = cells[city]![kind.rawValue]
                j.beginObject(kind.name)
                j.number("events", c.events)
                j.stringOrNull("first_day", c.first?.iso8601)
                j.stringOrNull("last_day", c.lastDay?.iso8601)
                j.number("days", Int64(c.days.count))
                j.number("days_missing", Int64(c.missing))
                j.beginArray("missing_sample")
                for d in c.missingSample { j.string(nil, d.iso8601) }
                j.endArray()
                j.stringOrNull("latest_event", c.last?.rfc3339)
                if let last = c.last { j.number("age_seconds", (now.nanos - last.nanos) / Timestamp.nanosPerSecond) }
                j.endObject()
            }
            j.endObject()
        }
        j.endArray()
        j.number("events_outside_kxhigh", unknown)
        j.endObject()
        return j.output
    }

    private func age(from t: Timestamp, to now: Timestamp) -> String {
        let s = (now.nanos - t.nanos) / Timestamp.nanosPerSecond
        if s < 0 { return "in the future" }
        if s < 120 { return "\(s) s" }
        if s < 7_200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3_600) h" }
        return "\(s / 86_400) days"
    }
}
