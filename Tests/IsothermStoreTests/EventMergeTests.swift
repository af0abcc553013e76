import Foundation
import IsothermEvents
import IsothermLog
import IsothermStore
import IsothermWorld
import Testing

/// The merge and the external sort against the definition: the stable sort of every input's events by
/// time, inputs in the order given.
@Suite("merging and sorting logs")
struct EventMergeTests {
    /// `count` events of a generated stream with their times moved back by up to `jitterMinutes`
    /// (0 keeps the stream's time order), from a seeded generator.
    func events(seed: UInt64, count: Int, jitterMinutes: Int64) -> [EventRecord] {
        var rng = SplitMix64(seed: seed)
        return testStream(seed: seed, days: 1, cities: 2).prefix(count).map { record in
            var r = record
            if jitterMinutes > 0 {
                r.time = r.time.adding(
                    nanos: -Int64.random(in: 0...jitterMinutes, using: &rng) * Timestamp.nanosPerMinute)
            }
            return r
        }
    }

    /// The definition of the result: (time, input, sequence).
    func expected(_ inputs: [[EventRecord]]) -> [EventRecord] {
        let all = inputs.enumerated().flatMap { input, records in
            records.enumerated().map { (key: (time: $1.time, input: input, position: $0), record: $1) }
        }
        return all.sorted {
            ($0.key.time, $0.key.input, $0.key.position) < ($1.key.time, $1.key.input, $1.key.position)
        }
        .map(\.record)
    }

    func write(_ directory: String, _ records: [EventRecord]) throws {
        var o = LogOptions()
        o.batchRecordsMax = 64
        o.rollByUTCDay = false  // out-of-order inputs, as an import writes them
        try writeEvents(directory, records, options: o)
    }

    @Test("the sort is the stable sort by time, whatever the memory bound", arguments: [1, 7, 100, 1_000_000])
    func sortMatchesTheDefinition(bufferEvents: Int) throws {
        try withTempDirectory { tmp in
            // Out of order, in order, out of order; the second input repeats times of the first.
            let inputs = [
                events(seed: 3, count: 700, jitterMinutes: 90), events(seed: 3, count: 300, jitterMinutes: 0),
                events(seed: 4, count: 500, jitterMinutes: 5),
            ]
            for (i, records) in inputs.enumerated() { try write("\(tmp)/in\(i)", records) }
            try makeDirectory("\(tmp)/scratch")
            let writer = try EventLogWriter(directory: "\(tmp)/out")
            let summary = try EventSort.sort(
                inputs: inputs.indices.map { "\(tmp)/in\($0)" }, into: writer, scratch: "\(tmp)/scratch",
                bufferEvents: bufferEvents)
            try writer.close()
            let out = try readEvents("\(tmp)/out").map(\.record)
            #expect(out.count == 1500 && summary.events == 1500)
            #expect(out == expected(inputs))
            #expect(summary.outOfOrder > 0)
            // The ordered input is merged as it is; the others are cut into runs of bufferEvents.
            let runs = (700 + bufferEvents - 1) / bufferEvents + (500 + bufferEvents - 1) / bufferEvents
            #expect(summary.runs == runs)
        }
    }

    @Test("a merge of ordered logs interleaves them by time, ties to the earlier source")
    func mergeOfOrderedLogs() throws {
        try withTempDirectory { tmp in
            let a = events(seed: 5, count: 400, jitterMinutes: 0)
            let b = events(seed: 5, count: 250, jitterMinutes: 0)  // the same times as a's first 250
            let c = events(seed: 6, count: 10_000, jitterMinutes: 0)  // several cursor chunks
            try write("\(tmp)/a", a)
            try write("\(tmp)/b", b)
            try write("\(tmp)/c", c)
            var merge = try EventMerge(directories: ["\(tmp)/a", "\(tmp)/b", "\(tmp)/c"])
            var out: [EventMerge.Item] = []
            while let item = try merge.next() { out.append(item) }
            #expect(out.map(\.record) == expected([a, b, c]))
            // Every source's events come out in sequence order, each once.
            for source in 0..<3 {
                let sequences = out.filter { $0.source == source }.map(\.sequence)
                #expect(sequences == Array(1...UInt64([a, b, c][source].count)))
            }
            #expect(try merge.next() == nil)
        }
    }

    @Test("a source that goes back in time stops the merge with its place")
    func unorderedSourceIsAnError() throws {
        try withTempDirectory { tmp in
            var records = events(seed: 7, count: 50, jitterMinutes: 0)
            records.swapAt(10, 30)
            try write("\(tmp)/a", records)
            // The first event after the moved one that is earlier than it.
            let place = try #require((11..<50).first { records[$0].time < records[10].time })
            var merge = try EventMerge(directories: ["\(tmp)/a"])
            do {
                while try merge.next() != nil {}
                Issue.record("merged a log that is not in time order")
            } catch let error as MergeOrderError {
                #expect(error.sequence == UInt64(place + 1) && error.directory == "\(tmp)/a", "\(error)")
                #expect(error.description.contains("is not in time order: event \(place + 1) at"), "\(error)")
            }
        }
    }

    @Test("an empty input and no inputs are fine")
    func emptyInputs() throws {
        try withTempDirectory { tmp in
            try write("\(tmp)/empty", [])
            try makeDirectory("\(tmp)/scratch")
            let writer = try EventLogWriter(directory: "\(tmp)/out")
            let summary = try EventSort.sort(
                inputs: ["\(tmp)/empty", "\(tmp)/empty"], into: writer, scratch: "\(tmp)/scratch", bufferEvents: 3)
            try writer.close()
            #expect(summary == EventSort.Summary())
            #expect(try readEvents("\(tmp)/out").isEmpty)
        }
    }
}

func makeDirectory(_ path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}
