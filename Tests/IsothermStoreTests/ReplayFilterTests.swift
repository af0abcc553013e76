import IsothermEvents
import IsothermLog
import IsothermStore
import Testing

@Suite("Replay: kind filters and seeks")
struct ReplayFilterTests {
    @Test("kinds [.settlement, .marketListed] gives exactly those records, in order, with their sequences")
    func kindFilter() throws {
        try withTempDirectory { dir in
            try writeEvents(dir, testStream())
            let full = try readEvents(dir)
            let wanted: Set<EventKind> = [.settlement, .marketListed]
            let filtered = try readEvents(dir, kinds: wanted)

            let expected = full.filter { wanted.contains($0.record.event.kind) }
            #expect(filtered == expected)
            // 2 event dates × 3 cities × 6 brackets are listed; at least the first date is settled per city.
            #expect(filtered.filter { $0.record.event.kind == .marketListed }.count == 36)
            #expect(filtered.filter { $0.record.event.kind == .settlement }.count >= 3)
            #expect(filtered.allSatisfy { wanted.contains($0.record.event.kind) })
            #expect(zip(filtered, filtered.dropFirst()).allSatisfy { $0.sequence < $1.sequence })

            // One kind alone, and a kind the log does not hold.
            #expect(
                try readEvents(dir, kinds: [.dailyForecast]) == full.filter { $0.record.event.kind == .dailyForecast })
            #expect(try readEvents(dir, kinds: [.fill]).isEmpty)
            #expect(try readEvents(dir, kinds: []).isEmpty)
        }
    }

    @Test("a kind filter combines with a sequence seek")
    func kindFilterFromSequence() throws {
        try withTempDirectory { dir in
            try writeEvents(dir, testStream())
            let full = try readEvents(dir)
            let from = full[full.count / 2].sequence
            let got = try readEvents(dir, from: .sequence(from), kinds: [.marketLifecycle])
            let expected = full.filter { $0.sequence >= from && $0.record.event.kind == .marketLifecycle }
            #expect(!expected.isEmpty)
            #expect(got == expected)
        }
    }

    @Test("seeking to sequence n/2 starts exactly there and reads the rest")
    func seekBySequence() throws {
        try withTempDirectory { dir in
            let n = try writeEvents(dir, testStream())
            let full = try readEvents(dir)
            for start in [UInt64(n / 2), UInt64(n / 2) + 1, 499, 500, 501, 1, UInt64(n)] {
                let got = try readEvents(dir, from: .sequence(start))
                #expect(got.first?.sequence == start, "seek to \(start)")
                expectSame(got, Array(full[Int(start - 1)...]), "seek to \(start)")
            }
            expectSame(try readEvents(dir, from: .sequence(0)), full, "sequence 0 means the beginning")
            #expect(try readEvents(dir, from: .sequence(UInt64(n) + 1)).isEmpty)
            #expect(try readEvents(dir, from: .sequence(.max)).isEmpty)
        }
    }

    @Test("stopping early: the body returning false ends the replay at that event")
    func stopEarly() throws {
        try withTempDirectory { dir in
            try writeEvents(dir, testStream(days: 1, cities: 1))
            var seen: [UInt64] = []
            try EventLogReader(directory: dir).forEach(from: .sequence(700)) { sequence, _ in
                seen.append(sequence)
                return seen.count < 5
            }
            #expect(seen == [700, 701, 702, 703, 704])
        }
    }

    @Test("seeking to a time gives every event at or after it, starting at the first such event")
    func seekByTime() throws {
        try withTempDirectory { dir in
            try writeEvents(dir, testStream())
            let full = try readEvents(dir)
            // The stream is in time order, so "at or after t" is a suffix of the full read.
            let timeOrdered = zip(full, full.dropFirst()).allSatisfy { $0.record.time <= $1.record.time }
            #expect(timeOrdered)
            let middle = full[full.count / 2].record.time
            let times = [
                middle,  // an instant events have: the first of that minute comes back
                middle.adding(nanos: 30 * Timestamp.nanosPerSecond),  // between minutes: the next minute's first
                full[0].record.time,
                full[0].record.time.adding(nanos: -Timestamp.nanosPerDay),  // before the log: everything
                streamStart.startUTC,  // midnight of the first event date, inside the log
                streamStart.advanced(by: 1).startUTC,  // a UTC day boundary, where a segment starts
            ]
            for t in times {
                let got = try readEvents(dir, from: .time(t))
                guard let firstIndex = full.firstIndex(where: { $0.record.time >= t }) else {
                    Issue.record("no event at or after \(t) in the full read")
                    continue
                }
                let early = got.first { $0.record.time < t }
                #expect(early == nil, "from \(t): an event before it")
                #expect(got.first == full[firstIndex], "from \(t): got \(String(describing: got.first?.sequence))")
                expectSame(got, Array(full[firstIndex...]), "from \(t)")
            }
            let after = full[full.count - 1].record.time.adding(nanos: 1)
            #expect(try readEvents(dir, from: .time(after)).isEmpty)
        }
    }

    @Test("a time seek on a log whose times go back: the first event at or after the time, then everything after it")
    func seekByTimeNonMonotonic() throws {
        try withTempDirectory { dir in
            // Appended in arrival order; the third event is older than the second (a late report).
            let base = streamStart.startUTC
            let all = Array(testStream(days: 1, cities: 1).prefix(8))
            let minutes: [Int64] = [0, 10, 5, 20, 3, 30, 10, 40]
            let records = zip(all, minutes).map { r, m in
                EventRecord(time: base.adding(nanos: m * Timestamp.nanosPerMinute), event: r.event)
            }
            var options = smallBatchOptions()
            options.batchRecordsMax = 2
            try writeEvents(dir, records, options: options)
            let full = try readEvents(dir)
            #expect(full.map(\.record) == records)

            let t = base.adding(nanos: 10 * Timestamp.nanosPerMinute)
            let got = try readEvents(dir, from: .time(t))
            // Start at the first event at or after `t` in log order (sequence 2), then replay the rest,
            // late arrivals included: what the live system saw from then on.
            #expect(got == Array(full.dropFirst()))
            #expect(got.map(\.sequence) == [2, 3, 4, 5, 6, 7, 8])
        }
    }

    @Test("a time seek with a kind filter gives the filtered suffix")
    func seekByTimeWithKinds() throws {
        try withTempDirectory { dir in
            try writeEvents(dir, testStream())
            let full = try readEvents(dir)
            let t = streamStart.startUTC.adding(nanos: 6 * 3_600 * Timestamp.nanosPerSecond)
            let got = try readEvents(dir, from: .time(t), kinds: [.settlement, .marketLifecycle])
            let expected = full.filter {
                $0.record.time >= t && [.settlement, .marketLifecycle].contains($0.record.event.kind)
            }
            #expect(!expected.isEmpty)
            #expect(got == expected)
        }
    }
}
