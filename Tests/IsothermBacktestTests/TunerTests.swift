import Foundation
import IsothermEvents
import IsothermStore
import IsothermWorld
import Testing

@testable import IsothermBacktest
@testable import IsothermCore

/// open_maker's tuner as a library (moved out of the CLI, issue 13 point 7): the split, the seeded
/// sampler, resuming a stored study, and its typed errors.
@Suite struct TunerTests {
    static func world(_ dir: String) throws -> [String] {
        let start = LocalDate(iso8601: "2025-05-01")!
        var logs: [String] = []
        for code in ["NY", "MIA"] {
            let city = WorldCity.kxhigh.first { $0.code == code }!
            let w = try EventLogWriter(directory: dir + "/" + code)
            for e in CityWorld(city: city, seed: 4, start: start, end: start.advanced(by: 9)) { _ = try w.append(e) }
            try w.close()
            logs.append(dir + "/" + code)
        }
        return logs
    }

    static func tuner(_ logs: [String], trials: Int, seed: UInt64 = 7) -> OpenMakerTuner {
        OpenMakerTuner(
            logs: logs, metric: .totalPnL, trainRatio: 0.7, fillModel: .touch, betAmount: Money(dollars: "200")!,
            seed: seed, trials: trials, threads: 2, engineVersion: "test")
    }

    @Test func aStudyIsReproducibleAndResumesWhereItStopped() throws {
        let dir = RoutingTests.temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logs = try Self.world(dir)
        let tuner = Self.tuner(logs, trials: 12)
        let split = try tuner.split(source: "world")
        #expect(split.trainDays >= 3 && split.testDays >= 1)
        #expect(split.train.upperBound < split.test.lowerBound, "training comes first, in time")

        var lines = ""
        let whole = try tuner.run(split: split) { _, t, new in
            #expect(new)
            lines += t.storageLine
        }
        #expect(whole.trials.count == 12)
        #expect(whole.best.value == whole.trials.map(\.value).max())
        // Trials after the random ones step around the best: the same seed draws the same trials.
        #expect(try tuner.run(split: split).trials == whole.trials)

        // Stopped after 5 trials (as a killed run leaves its file): resuming runs only the other 7 and
        // ends exactly where the whole study did.
        let stored = try TuneTrial.parse(
            storage: lines.split(separator: "\n").prefix(5).map { $0 + "\n" }.joined(), file: "study")
        #expect(stored == Array(whole.trials.prefix(5)))
        var ran = 0
        let resumed = try tuner.run(split: split, stored: stored, storageName: "study") { _, _, new in
            if new { ran += 1 }
        }
        #expect(ran == 7)
        #expect(resumed.trials == whole.trials && resumed.best == whole.best)
        #expect(resumed.train.outputHash == whole.train.outputHash && resumed.test.outputHash == whole.test.outputHash)

        // Another seed does not draw the stored trials: the study refuses, naming the trial.
        #expect(throws: TuneError.notDrawnBySeed(file: "study", trial: 1, seed: 8)) {
            try Self.tuner(logs, trials: 12, seed: 8).run(split: split, stored: stored, storageName: "study")
        }
        let shares = whole.importance.map(\.1)
        #expect(shares.allSatisfy { $0 >= 0 } && abs(shares.reduce(0, +) - 1) < 1e-9)
    }

    @Test func aStudyFileLineThatIsNotATrialIsNamed() {
        #expect(throws: TuneError.notATrial(file: "s.txt", line: 2, text: "45 15 x 3.0")) {
            try TuneTrial.parse(storage: "45 15 1 -26839.8\n45 15 x 3.0\n", file: "s.txt")
        }
        #expect("\(TuneError.tooFewDays(source: "w", days: 2))" == "w has 2 traded days; tuning needs at least 4")
    }
}
