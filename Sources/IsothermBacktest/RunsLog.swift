package import IsothermEvents

/// The runs log's layout (`Schemas/runs-log.md`), written and read here and nowhere else: a saved run
/// is, per city, a *section* — a `started` run manifest naming the city (``sectionCityParameter``) and
/// the input log its decisions' sequence numbers refer to, then that city's run events — and last the
/// run's `finished` manifest. A run counts only when complete; one cut short (a killed
/// `backtest --save`) left sections and no `finished` manifest, and is void.
package enum RunsLog {
    /// The parameter a section's `started` manifest adds to the run's: the section's city.
    package static let sectionCityParameter = "section_city"

    /// Whether `record` can open a runs log: a backtest's or a tune's `started` manifest with an input.
    package static func opensRunsLog(_ record: EventRecord) -> Bool {
        guard case .runManifest(let m) = record.event else { return false }
        return m.phase == .started && !m.inputs.isEmpty && (m.runKind == "backtest" || m.runKind == "tune")
    }
}

/// Reads a runs log's framing one event at a time, for every reader of runs logs (`replay`, `audit`,
/// the Postgres sim projection): which events open a section, belong to one, complete a run, or show
/// that the run before was cut short.
package struct RunsLogFraming: Sendable {
    /// A section's opening manifest.
    package struct Section: Equatable, Sendable {
        package var runId: String
        /// The input log the section's decisions refer to (its range and content hash).
        package var input: RunInput
        /// The section's city (nil in runs logs of engines before 0.2.0, one section per log).
        package var city: String?
        /// The sequence of its `started` manifest in the runs log: a decision's number in the section
        /// is its sequence minus this one.
        package var markerSequence: UInt64
    }

    /// What one event of the runs log is.
    package enum Step: Sendable {
        /// It opens a section of the open run.
        case section(Section)
        /// It belongs to the open section.
        case event(sequence: UInt64, EventRecord)
        /// It completes a run: the open one (its sections are those given since its first
        /// ``section(_:)``), or one with no sections.
        case finished(RunManifest)
        /// It is outside every section (a manifest of another kind, an event after a run's end).
        case outside
    }

    /// The run whose sections are being read, and their cities.
    private var openRun: String?
    private var openCities: [String?] = []

    package init() {}

    /// The run still open (sections read, no `finished` manifest yet): at the end of the log, a run
    /// being written, or one cut short.
    package var open: String? { openRun }

    /// Reads one event.
    /// - Returns: what it is, and, before that, the run it showed was cut short (its sections so far
    ///   are void): another run's section began, the same run's city began again (the run was saved
    ///   again after a kill), or another run finished.
    package mutating func add(_ record: EventRecord, sequence: UInt64) -> (cutShort: String?, step: Step) {
        guard case .runManifest(let m) = record.event else {
            return (nil, openRun == nil ? .outside : .event(sequence: sequence, record))
        }
        switch m.phase {
        case .started where !m.inputs.isEmpty:
            let city = m.parameters.first { $0.name == RunsLog.sectionCityParameter }?.value
            var cut: String?
            if let run = openRun, run != m.runId || openCities.contains(city) {
                cut = run
                openRun = nil
                openCities = []
            }
            openRun = m.runId
            openCities.append(city)
            return (
                cut,
                .section(Section(runId: m.runId, input: m.inputs[0], city: city, markerSequence: sequence))
            )
        case .finished:
            // The open run's sections belong to this manifest only if it is theirs; a run with no
            // sections (no city had events) is complete with none.
            var cut: String?
            if let run = openRun, run != m.runId { cut = run }
            openRun = nil
            openCities = []
            return (cut, .finished(m))
        default:
            return (nil, .outside)
        }
    }
}
