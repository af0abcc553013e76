import Foundation
import IsothermEvents
import IsothermLog
import IsothermStore
import Testing

@Suite("Deterministic bytes and content hashes")
struct DeterminismTests {
    @Test("the same stream written twice gives byte-identical segments and equal SHA-256; another seed does not")
    func sameBytesSameHash() throws {
        try withTempDirectory { root in
            let a = root + "/a"
            let b = root + "/b"
            let c = root + "/c"
            let n = try writeEvents(a, testStream(seed: 11))
            #expect(try writeEvents(b, testStream(seed: 11)) == n)
            try writeEvents(c, testStream(seed: 12))

            let segmentsA = try segmentFiles(a)
            let segmentsB = try segmentFiles(b)
            #expect(segmentsA.count >= 3)
            #expect(segmentsA.map(\.name) == segmentsB.map(\.name))
            for (x, y) in zip(segmentsA, segmentsB) {
                #expect(x.bytes.count == y.bytes.count, "\(x.name)")
                #expect(x.bytes == y.bytes, "\(x.name) differs between two writes of the same stream")
            }

            let hashA = try LogContentHash.sha256(directory: a)
            let hashB = try LogContentHash.sha256(directory: b)
            let hashC = try LogContentHash.sha256(directory: c)
            #expect(hashA == hashB)
            #expect(hashA != hashC)
            #expect("\(hashA)".count == 64)
            // A missing log is an error, not the hash of nothing.
            #expect(throws: LogError.self) { try LogContentHash.sha256(directory: root + "/missing") }
        }
    }

    @Test("the content hash is stable across a reopen that appends nothing, and changes when an event is appended")
    func hashTracksContent() throws {
        try withTempDirectory { dir in
            let records = Array(testStream(days: 1, cities: 1))
            try writeEvents(dir, records.dropLast())
            let before = try LogContentHash.sha256(directory: dir)
            let writer = try EventLogWriter(directory: dir, options: smallBatchOptions())
            try writer.close()
            #expect(try LogContentHash.sha256(directory: dir) == before)

            let appender = try EventLogWriter(directory: dir, options: smallBatchOptions())
            try appender.append(records[records.count - 1])
            try appender.close()
            #expect(try LogContentHash.sha256(directory: dir) != before)
        }
    }

    @Test("the content hash is over the events: other batch boundaries (a resumed write) give the same hash")
    func hashIgnoresBatchBoundaries() throws {
        try withTempDirectory { root in
            let records = Array(testStream(days: 1, cities: 2))
            try writeEvents(root + "/whole", records)
            // The same events, written by a process that flushed (and so cut a batch) at odd places and
            // was reopened twice, as a killed and resumed import does.
            var options = smallBatchOptions()
            options.batchRecordsMax = 377
            var writer = try EventLogWriter(directory: root + "/resumed", options: options)
            for (i, r) in records.enumerated() {
                try writer.append(r)
                if i % 1_001 == 17 { try writer.flush(sync: false) }
                if i == records.count / 3 || i == records.count / 2 {
                    try writer.close()
                    writer = try EventLogWriter(directory: root + "/resumed", options: smallBatchOptions())
                }
            }
            try writer.close()
            #expect(try segmentFiles(root + "/whole").map(\.bytes) != segmentFiles(root + "/resumed").map(\.bytes))
            let whole = try LogContentHash.sha256(directory: root + "/whole", cached: false)
            #expect(try LogContentHash.sha256(directory: root + "/resumed", cached: false) == whole)
            // One event different: another hash.
            var changed = records
            changed.swapAt(10, 11)
            try writeEvents(root + "/changed", changed)
            #expect(try LogContentHash.sha256(directory: root + "/changed", cached: false) != whole)
        }
    }

    @Test("the cached hash is the computed one, and any change to a segment recomputes it")
    func cachedHashFollowsTheSegments() throws {
        try withTempDirectory { dir in
            let records = Array(testStream(days: 1, cities: 1))
            try writeEvents(dir, records.dropLast())
            let computed = try LogContentHash.sha256(directory: dir, cached: false)
            #expect(try LogContentHash.sha256(directory: dir) == computed)
            #expect(FileManager.default.fileExists(atPath: dir + "/" + LogContentHash.cacheName))
            #expect(try LogContentHash.sha256(directory: dir) == computed, "from the cache")
            // A cache that lies about unchanged segments is believed (it is derived data, like .idx) …
            let cache = dir + "/" + LogContentHash.cacheName
            var text = try String(contentsOfFile: cache, encoding: .utf8)
            text = String(repeating: "0", count: 64) + text.dropFirst(64)
            try text.write(toFile: cache, atomically: true, encoding: .utf8)
            #expect(try "\(LogContentHash.sha256(directory: dir))" == String(repeating: "0", count: 64))
            #expect(try LogContentHash.sha256(directory: dir, cached: false) == computed, "… never by a verification")
            // … until a segment changes.
            let appender = try EventLogWriter(directory: dir, options: smallBatchOptions())
            try appender.append(records[records.count - 1])
            try appender.close()
            let after = try LogContentHash.sha256(directory: dir)
            #expect(after != computed)
            #expect(try after == LogContentHash.sha256(directory: dir, cached: false))
        }
    }
}
