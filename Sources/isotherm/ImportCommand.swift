import ArgumentParser
import Glibc
import IsothermDigest
import IsothermEvents
import IsothermImport
import IsothermIngest
import IsothermPlatform
import IsothermStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring real data into a log: files in the services' own formats, or backfills from the services.",
        subcommands: [
            ImportFileCommand.self, ImportWeatherCommand.self, ImportKalshiCommand.self, ImportPostgresCommand.self,
        ])
}

struct ImportFileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file",
        abstract: "Parse files in a real format and append their events to a log, exactly once.",
        discussion: """
            Formats:
            \(ImportFormat.allCases.map { "  \($0.rawValue.padding(18))\($0.summary)" }.joined(separator: "\n"))

            Every file is parsed before anything is written: a file that cannot be read stops the \
            import with one line naming the file, line and field, and the log is left as it was. A \
            file must be a regular file of at most \(Self.fileBytesMax >> 20) MiB (a FIFO, a \
            device or a directory is refused). The parsers check what they rely on: a product cut \
            short, a date that does not fit its issue time, a value outside −80…140 °F, a time or a \
            field out of range, a report given twice with different values are errors.

            Each file's events are appended in time order between two run_manifest events (kind \
            `import`, run id `import-<sha256 of the file>`), so a content is imported exactly once: \
            the same file again (in this command or a later one, under any name) appends nothing, and \
            an import cut short by a crash resumes after the events it had written. A file that gives \
            no events (a morning report without its maximum) is not recorded, so a later version that \
            reads more of it can still import it.

            Examples:
              isotherm import file --log data/NY --format nws-cli CLINYC.txt
              isotherm import file --log data/CHI --format vc-timeline --city CHI --basis-date 2025-07-09 vc.json
              isotherm import file --log data/NY --format ncei-daily ncei.json --json
            """)

    @Option(name: .long, help: "Log directory to append to (created when missing).")
    var log: String

    @Option(name: .long, help: "File format (see above).")
    var format: String

    @Option(name: .long, help: "City (NY, CHI, MIA, AUS, DEN, LAX, PHIL) when the file does not name its station.")
    var city: String?

    @Option(name: .long, help: "Station id for Visual Crossing observations (default: the city's settlement station).")
    var station: String?

    @Option(
        name: .long, help: "Basis date (YYYY-MM-DD) of a Visual Crossing forecast: the request's forecastBasisDate.")
    var basisDate: String?

    @Option(
        name: .long,
        help:
            "Units: vc-timeline 'us' (default) or 'metric'; ncei-daily 'tenths' (default, tenths of °C) or 'standard' (°F)."
    )
    var units: String?

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    @Argument(help: "Files to import.")
    var files: [String]

    /// The largest file `import file` reads (the whole file is held in memory while it is parsed).
    static let fileBytesMax = 128 << 20

    func validate() throws {
        guard let parsed = ImportFormat(rawValue: format) else {
            throw ValidationError(
                "--format '\(format)' is not one of \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !log.isEmpty else { throw ValidationError("--log is empty: give a log directory") }
        if let city, SettlementSite.find(city) == nil {
            throw ValidationError("--city '\(city)' is not a city Isotherm knows (NY, CHI, MIA, AUS, DEN, LAX, PHIL)")
        }
        if let station, Symbol(station) == nil || station.isEmpty || station.contains(" ") {
            throw ValidationError("--station '\(station)' is not a station id (1 to 48 printable characters)")
        }
        if let basisDate, Plausible.date(iso8601: basisDate) == nil {
            throw ValidationError(
                "--basis-date '\(basisDate)' is not a YYYY-MM-DD date in \(Plausible.years.lowerBound)…\(Plausible.years.upperBound)"
            )
        }
        if let units {
            let allowed: [String] =
                switch parsed {
                case .visualCrossing: ["us", "metric"]
                case .nceiDaily: ["tenths", "standard"]
                default: []
                }
            guard allowed.contains(units) else {
                throw ValidationError(
                    allowed.isEmpty
                        ? "--units applies to vc-timeline and ncei-daily, not \(format)"
                        : "--units '\(units)' is not one of \(allowed.joined(separator: ", ")) for \(format)")
            }
        }
        guard !files.isEmpty else { throw ValidationError("give at least one file") }
        if let empty = files.first(where: \.isEmpty) { throw ValidationError("a file name is empty ('\(empty)')") }
    }

    func run() throws {
        try reportingErrors {
            let format = ImportFormat(rawValue: format)!
            let options = ImportFormat.Options(
                city: city, station: station, basisDate: basisDate.flatMap { LocalDate(iso8601: $0) },
                units: units == "tenths" ? nil : units)
            let reports = try FileImport(
                format: format, options: options, maxBytes: Self.fileBytesMax, engineVersion: Isotherm.version
            ).run(files, into: log)
            if json {
                var j = JSONWriter()
                j.beginObject()
                j.string("log", log)
                j.string("format", format.rawValue)
                j.beginArray("files")
                for r in reports {
                    j.beginObject()
                    j.string("file", r.path)
                    j.number("events", Int64(r.events))
                    j.number("appended", Int64(r.appended))
                    j.stringOrNull("note", r.note)
                    j.endObject()
                }
                j.endArray()
                j.endObject()
                print(j.output)
            } else {
                for r in reports {
                    print("\(r.path): \(r.events) events, \(r.appended) appended\(r.note.map { " (\($0))" } ?? "")")
                }
            }
        }
    }
}

extension String {
    /// Pads with spaces on the right to `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
