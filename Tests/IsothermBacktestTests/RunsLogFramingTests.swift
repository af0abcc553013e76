import IsothermEvents
import Testing

@testable import IsothermBacktest

/// The runs log's framing, step by step: what each event of a runs log is.
@Suite struct RunsLogFramingTests {
    static let input = RunInput(log: "/w/NY", firstSequence: 1, lastSequence: 9, contentHash: "ab")

    static func marker(_ run: String, city: String?) -> EventRecord {
        var parameters = [Field("strategy", "open_maker")]
        if let city { parameters.append(Field(RunsLog.sectionCityParameter, city)) }
        return EventRecord(
            time: Timestamp(nanos: 0),
            event: .runManifest(
                RunManifest(
                    runId: run, phase: .started, runKind: "backtest", engineVersion: "t", configHash: "c",
                    parameters: parameters, inputs: [input], outputHash: "")))
    }

    static func finished(_ run: String) -> EventRecord {
        EventRecord(
            time: Timestamp(nanos: 1),
            event: .runManifest(
                RunManifest(
                    runId: run, phase: .finished, runKind: "backtest", engineVersion: "t", configHash: "c",
                    parameters: [], inputs: [input], outputHash: "h")))
    }

    static let timer = EventRecord(
        time: Timestamp(nanos: 5), event: .timerFired(TimerFired(owner: "s", key: "k", dueTime: Timestamp(nanos: 5))))

    /// Feeds `records` from sequence 1 and names each step: `section run city@seq`, `event seq`,
    /// `finished run`, `outside`, with `cut run` before the step that revealed it.
    static func steps(_ records: [EventRecord]) -> (steps: [String], open: String?) {
        var framing = RunsLogFraming()
        var out: [String] = []
        for (i, r) in records.enumerated() {
            let (cut, step) = framing.add(r, sequence: UInt64(i + 1))
            if let cut { out.append("cut \(cut)") }
            switch step {
            case .section(let s): out.append("section \(s.runId) \(s.city ?? "-")@\(s.markerSequence)")
            case .event(let sequence, _): out.append("event \(sequence)")
            case .finished(let m): out.append("finished \(m.runId)")
            case .outside: out.append("outside")
            }
        }
        return (out, framing.open)
    }

    @Test func aCompleteRunIsItsSectionsThenItsManifest() {
        let (steps, open) = Self.steps([
            Self.marker("r1", city: "NY"), Self.timer, Self.marker("r1", city: "CHI"), Self.timer, Self.timer,
            Self.finished("r1"), Self.timer,
        ])
        #expect(
            steps == [
                "section r1 NY@1", "event 2", "section r1 CHI@3", "event 4", "event 5", "finished r1", "outside",
            ])
        #expect(open == nil)
    }

    @Test func aRunCutShortIsVoidWhenTheSameRunIsSavedAgainOrAnotherBegins() {
        // Killed after NY's section; saved again (NY repeats); then another run killed, then a third.
        let (steps, open) = Self.steps([
            Self.marker("r1", city: "NY"), Self.timer,
            Self.marker("r1", city: "NY"), Self.timer, Self.finished("r1"),
            Self.marker("r2", city: "NY"),
            Self.marker("r3", city: "NY"), Self.finished("r3"),
            Self.marker("r4", city: "NY"), Self.timer,
        ])
        #expect(
            steps == [
                "section r1 NY@1", "event 2",
                "cut r1", "section r1 NY@3", "event 4", "finished r1",
                "section r2 NY@6",
                "cut r2", "section r3 NY@7", "finished r3",
                "section r4 NY@9", "event 10",
            ])
        // At the end, r4 is still open: being written, or cut short.
        #expect(open == "r4")
    }

    @Test func anotherRunsManifestVoidsTheOpenSectionsAndARunMayHaveNone() {
        let (steps, _) = Self.steps([
            Self.marker("r1", city: "NY"), Self.timer, Self.finished("r2"), Self.finished("r3"),
        ])
        #expect(steps == ["section r1 NY@1", "event 2", "cut r1", "finished r2", "finished r3"])
    }

    @Test func sectionsOfEnginesBefore0_2_0HaveNoCity() {
        let (steps, _) = Self.steps([Self.marker("r1", city: nil), Self.timer, Self.finished("r1")])
        #expect(steps == ["section r1 -@1", "event 2", "finished r1"])
        #expect(RunsLog.opensRunsLog(Self.marker("r1", city: nil)) && !RunsLog.opensRunsLog(Self.timer))
    }
}
