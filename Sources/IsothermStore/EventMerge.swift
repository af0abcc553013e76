package import IsothermEvents
package import IsothermLog

/// The events of one log pulled in sequence order, a few thousand at a time: the pull side of
/// ``EventLogReader``, which pushes. Memory is bounded by ``chunkEvents`` whatever the log's size.
package struct EventCursor {
    package let reader: EventLogReader
    /// Events read ahead per refill (a refill also reopens the batch it starts in).
    package static let chunkEvents = 4096

    private var buffer: [(sequence: UInt64, record: EventRecord)] = []
    private var index = 0
    private var nextSequence: UInt64 = 1
    private var exhausted = false

    /// Opens the log at `directory` for reading.
    package init(directory: String) throws(LogError) {
        reader = try EventLogReader(directory: directory)
    }

    /// The next event and its sequence, or nil after the last.
    /// - Throws: `LogError` for a damaged log, ``StoreError`` for an undecodable record.
    package mutating func next() throws -> (sequence: UInt64, record: EventRecord)? {
        if index == buffer.count {
            guard !exhausted else { return nil }
            buffer.removeAll(keepingCapacity: true)
            index = 0
            try reader.forEach(from: .sequence(nextSequence)) { sequence, record in
                buffer.append((sequence, record))
                return buffer.count < Self.chunkEvents
            }
            guard let last = buffer.last else {
                exhausted = true
                return nil
            }
            nextSequence = last.sequence + 1
        }
        defer { index += 1 }
        return buffer[index]
    }
}

/// A source of a merge went back in time.
package struct MergeOrderError: Error, CustomStringConvertible {
    /// The log whose events are not in time order.
    package let directory: String
    package let sequence: UInt64
    package let time: Timestamp
    package let previous: Timestamp
    package var description: String {
        "log \(directory) is not in time order: event \(sequence) at \(time) follows one at \(previous)"
    }
}

/// A streaming k-way merge of logs that are each in time order, into the one total order every merged
/// stream in Isotherm uses: event time, then source (in the order given), then sequence. Holds one
/// chunk of each source in memory. The same sources always give the same stream.
package struct EventMerge {
    /// One event of the merged stream: which source it came from and its sequence there.
    package struct Item: Equatable, Sendable {
        package var source: Int
        package var sequence: UInt64
        package var record: EventRecord
    }

    private var cursors: [EventCursor]
    /// Each source's next event (meaningful while the source is ``alive``), and its time apart, so the
    /// scan for the earliest compares integers without copying events.
    private var heads: [(sequence: UInt64, record: EventRecord)] = []
    private var times: [Int64] = []
    private var alive: [Bool] = []

    /// Merges the logs at `directories` (each in time order).
    package init(directories: [String]) throws {
        var cursors: [EventCursor] = []
        for d in directories { cursors.append(try EventCursor(directory: d)) }
        try self.init(cursors)
    }

    /// Merges `cursors` (each in time order); a cursor's place in the array is its source number.
    package init(_ cursors: [EventCursor]) throws {
        self.cursors = cursors
        for i in self.cursors.indices {
            if let h = try self.cursors[i].next() {
                heads.append(h)
                times.append(h.record.time.nanos)
                alive.append(true)
            } else {
                heads.append((0, EventRecord(time: Timestamp(nanos: 0), event: .candle(.placeholder))))
                times.append(0)
                alive.append(false)
            }
        }
    }

    /// The earliest remaining event (ties go to the lower source), or nil when every source is done.
    /// - Throws: ``MergeOrderError`` when a source's next event is earlier than its last; what the
    ///   sources' readers throw.
    package mutating func next() throws -> Item? {
        // A linear scan: merges have a handful of sources (cities, or sorted runs), and the scan keeps
        // the tie rule obvious. `<` on time alone, so the first source among equals wins.
        var best = -1
        var bestTime = Int64.max
        for i in times.indices where alive[i] && (best < 0 || times[i] < bestTime) {
            best = i
            bestTime = times[i]
        }
        guard best >= 0 else { return nil }
        let head = heads[best]
        if let f = try cursors[best].next() {
            if f.record.time.nanos < bestTime {
                throw MergeOrderError(
                    directory: cursors[best].reader.directory, sequence: f.sequence, time: f.record.time,
                    previous: head.record.time)
            }
            heads[best] = f
            times[best] = f.record.time.nanos
        } else {
            alive[best] = false
        }
        return Item(source: best, sequence: head.sequence, record: head.record)
    }
}

/// Sorts logs into one by (event time, input, sequence) with bounded memory: an external merge sort.
/// An input already in time order is merged as it is; an input that is not is cut into sorted runs of
/// at most `bufferEvents` events, written as logs under a scratch directory, and the runs are merged.
/// Runs of one input follow each other in sequence order and each is sorted stably, so (time, run,
/// position in the run) is (time, input, sequence): the result is the stable sort of all the inputs'
/// events by time, exactly, whatever `bufferEvents` is.
package enum EventSort {
    /// What a sort is doing, for progress lines.
    package enum Phase: String, Sendable {
        /// Reading each input once to see whether it is in time order.
        case checking = "check order"
        /// Cutting an input that is not into sorted runs on disk.
        case sortingRuns = "sort runs"
        /// Merging the inputs and runs into the output.
        case merging = "merge"
    }

    /// Events between two progress calls.
    package static let progressEvents = 1 << 16

    /// What a sort did.
    package struct Summary: Equatable, Sendable {
        /// Events written.
        package var events: Int = 0
        /// Events earlier than one before them in their own input.
        package var outOfOrder: Int = 0
        /// Sorted runs written to the scratch directory (0 when every input was in time order).
        package var runs: Int = 0

        package init() {}
    }

    /// Writes every event of the logs at `inputs` into `writer` in (time, input, sequence) order.
    /// - Parameters:
    ///   - scratch: an existing directory for the sorted runs (`run-000001`, …); the caller removes it.
    ///   - bufferEvents: the most events held in memory at once (at least 1).
    ///   - runOptions: how the run logs are written (their batches and segments do not reach the output).
    ///   - progress: called every ``progressEvents`` events of a phase with the phase, the events it has
    ///     handled so far and how many it will handle.
    /// - Throws: `LogError` or ``StoreError`` from the inputs, the runs or `writer`.
    package static func sort(
        inputs: [String], into writer: EventLogWriter, scratch: String, bufferEvents: Int,
        runOptions: LogOptions = EventLogWriter.defaultOptions,
        progress: (Phase, _ done: Int, _ total: Int) -> Void = { _, _, _ in }
    ) throws -> Summary {
        precondition(bufferEvents >= 1, "bufferEvents must be positive")
        var summary = Summary()
        var sources: [String] = []
        var unsorted: [String] = []
        var counts: [String: Int] = [:]
        for input in inputs { counts[input] = Int(try LogReader(directory: input).lastSequence() ?? 0) }
        let total = inputs.reduce(0) { $0 + counts[$1]! }
        var checked = 0
        for input in inputs {
            let late = try lateEvents(input) { _ in
                checked += 1
                if checked % progressEvents == 0 { progress(.checking, checked, total) }
            }
            summary.outOfOrder += late
            if late > 0 { unsorted.append(input) }
        }
        let toSpill = inputs.filter { unsorted.contains($0) }.reduce(0) { $0 + counts[$1]! }
        var spilled = 0
        for input in inputs {
            guard unsorted.contains(input) else {
                sources.append(input)
                continue
            }
            var chunk: [EventRecord] = []
            chunk.reserveCapacity(min(bufferEvents, 1 << 20))
            func spill() throws {
                guard !chunk.isEmpty else { return }
                summary.runs += 1
                let run =
                    scratch + "/run-" + String(repeating: "0", count: max(0, 6 - String(summary.runs).count))
                    + String(summary.runs)
                // Stable: equal times keep their sequence order.
                let order = chunk.indices.sorted { (chunk[$0].time, $0) < (chunk[$1].time, $1) }
                let runWriter = try EventLogWriter(directory: run, options: runOptions)
                for i in order { try runWriter.append(chunk[i]) }
                try runWriter.close()
                sources.append(run)
                chunk.removeAll(keepingCapacity: true)
            }
            try EventLogReader(directory: input).forEach { _, record in
                chunk.append(record)
                spilled += 1
                if spilled % progressEvents == 0 { progress(.sortingRuns, spilled, toSpill) }
                if chunk.count == bufferEvents { try spill() }
                return true
            }
            try spill()
        }
        var merge = try EventMerge(directories: sources)
        while let item = try merge.next() {
            try writer.append(item.record)
            summary.events += 1
            if summary.events % progressEvents == 0 { progress(.merging, summary.events, total) }
        }
        return summary
    }

    /// How many events of the log at `directory` are earlier than one before them.
    /// - Parameter each: called once per event read (with its sequence).
    package static func lateEvents(_ directory: String, each: (UInt64) -> Void = { _ in }) throws -> Int {
        var latest = Timestamp(nanos: Int64.min)
        var late = 0
        try EventLogReader(directory: directory).forEach(
            candles: { sequence, time, _ in
                if time < latest { late += 1 } else { latest = time }
                each(sequence)
                return true
            },
            others: { sequence, record in
                if record.time < latest { late += 1 } else { latest = record.time }
                each(sequence)
                return true
            })
        return late
    }
}

/// The same merged stream as ``EventMerge`` — event time, then source, then sequence — for a replay that
/// goes through every event: candles (nearly every event) are decoded in place and handed over as
/// candles, never built into an ``EventRecord`` or copied as one, as ``EventLogReader``'s fast path
/// hands them. Holds one chunk of each source in memory.
package struct CandleMerge {
    private struct Source {
        let reader: EventLogReader
        var nextSequence: UInt64 = 1
        var exhausted = false
        /// The chunk: each event's time and sequence, and where it is (≥ 0: `candles[i]`; < 0:
        /// `others[-1 - i]`).
        var times: [Int64] = []
        var sequences: [UInt64] = []
        var places: [Int32] = []
        var candles: [Candle] = []
        var others: [EventRecord] = []
        var index = 0

        /// Reads the next chunk; false when the log has no more events.
        mutating func refill() throws -> Bool {
            guard !exhausted else { return false }
            index = 0
            let limit = EventCursor.chunkEvents
            // Moved out of self (keeping their storage) so the callbacks can append without capturing it.
            var times = self.times
            var sequences = self.sequences
            var places = self.places
            var candles = self.candles
            var others = self.others
            self.times = []
            self.sequences = []
            self.places = []
            self.candles = []
            self.others = []
            times.removeAll(keepingCapacity: true)
            sequences.removeAll(keepingCapacity: true)
            places.removeAll(keepingCapacity: true)
            candles.removeAll(keepingCapacity: true)
            others.removeAll(keepingCapacity: true)
            try reader.forEach(
                from: .sequence(nextSequence),
                candles: { sequence, time, candle in
                    times.append(time.nanos)
                    sequences.append(sequence)
                    places.append(Int32(candles.count))
                    candles.append(candle)
                    return times.count < limit
                },
                others: { sequence, record in
                    times.append(record.time.nanos)
                    sequences.append(sequence)
                    places.append(-1 - Int32(others.count))
                    others.append(record)
                    return times.count < limit
                })
            self.times = times
            self.sequences = sequences
            self.places = places
            self.candles = candles
            self.others = others
            guard let last = sequences.last else {
                exhausted = true
                return false
            }
            nextSequence = last + 1
            return true
        }
    }

    private var sources: [Source] = []
    /// Each source's next event time, and whether it has one.
    private var heads: [Int64] = []
    private var alive: [Bool] = []

    /// Merges the logs at `directories` (each in time order).
    package init(directories: [String]) throws {
        for d in directories {
            var s = Source(reader: try EventLogReader(directory: d))
            let has = try s.refill()
            heads.append(has ? s.times[0] : 0)
            alive.append(has)
            sources.append(s)
        }
    }

    /// Hands every event over in the merged order: candles to `candles`, every other event to `others`,
    /// each with its source (the index of its log) and its sequence there.
    /// - Throws: ``MergeOrderError`` when a source goes back in time; what the readers and the callbacks
    ///   throw.
    package mutating func forEach(
        candles: (_ source: Int, _ sequence: UInt64, _ time: Timestamp, _ candle: Candle) throws -> Void,
        others: (_ source: Int, _ sequence: UInt64, _ record: EventRecord) throws -> Void
    ) throws {
        while true {
            var best = -1
            var bestTime = Int64.max
            for i in heads.indices where alive[i] && (best < 0 || heads[i] < bestTime) {
                best = i
                bestTime = heads[i]
            }
            guard best >= 0 else { return }
            let at = sources[best].index
            let sequence = sources[best].sequences[at]
            let place = Int(sources[best].places[at])
            if place >= 0 {
                try candles(best, sequence, Timestamp(nanos: bestTime), sources[best].candles[place])
            } else {
                try others(best, sequence, sources[best].others[-1 - place])
            }
            sources[best].index += 1
            if sources[best].index == sources[best].times.count {
                guard try sources[best].refill() else {
                    alive[best] = false
                    continue
                }
            }
            let next = sources[best].times[sources[best].index]
            if next < bestTime {
                throw MergeOrderError(
                    directory: sources[best].reader.directory, sequence: sources[best].sequences[sources[best].index],
                    time: Timestamp(nanos: next), previous: Timestamp(nanos: bestTime))
            }
            heads[best] = next
        }
    }
}
