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
}
