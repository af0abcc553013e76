import Foundation
import IsothermBinary
import IsothermLog
import Testing

@Suite("Writer policies")
struct WriterPolicyTests {
    @Test("a second writer gets .locked naming the directory; after close a new writer opens")
    func singleWriter() throws {
        try withTempDirectory { dir in
            let first = try LogWriter(directory: dir)
            try first.append([1, 2, 3], eventTimeNanos: 1)
            let error = logError { _ = try LogWriter(directory: dir) }
            #expect(error?.code == .locked)
            #expect(error?.path == dir)
            #expect(error?.description.contains(dir) == true)
            try first.close()
            let second = try LogWriter(directory: dir)
            #expect(second.nextSequence == 2)
            try second.close()
            // A writer that goes away without close() releases the lock too (and writes its batch).
            do {
                let dropped = try LogWriter(directory: dir)
                try dropped.append([4], eventTimeNanos: 2)
            }
            let third = try LogWriter(directory: dir)
            #expect(third.nextSequence == 3)
            try third.close()
            #expect(try readAll(dir).map(\.1) == [[1, 2, 3], [4]])
        }
    }

    @Test("syncEachBatch and syncInterval write the same bytes as none")
    func durabilityPolicies() throws {
        let records = makeRecords(count: 300, seed: 11)
        var snapshots: [[String: [UInt8]]] = []
        for durability in [Durability.none, .syncEachBatch, .syncInterval(nanoseconds: 1_000_000)] {
            try withTempDirectory { dir in
                var o = smallOptions()
                o.durability = durability
                o.segmentBytesMax = 8192
                let writer = try LogWriter(directory: dir, options: o)
                for (i, r) in records.enumerated() {
                    try writer.append(r.body, eventTimeNanos: r.timeNanos)
                    if i % 50 == 0 { try writer.flush(sync: i % 100 == 0) }
                }
                try writer.close()
                snapshots.append(try snapshot(dir).filter { $0.key != "LOCK" })
            }
        }
        #expect(snapshots[0].keys.filter { $0.hasSuffix(".lz4") }.count > 3)
        #expect(snapshots[1] == snapshots[0])
        #expect(snapshots[2] == snapshots[0])
    }

    @Test("the same records give byte-identical files, whichever append API wrote them")
    func determinism() throws {
        let records = makeRecords(count: 500, seed: 12)
        var snapshots: [[String: [UInt8]]] = []
        for variant in 0..<3 {
            try withTempDirectory { dir in
                let writer = try LogWriter(directory: dir, options: smallOptions())
                for r in records {
                    switch variant {
                    case 0, 1: try writer.append(r.body, eventTimeNanos: r.timeNanos)
                    default: try writer.append(eventTimeNanos: r.timeNanos) { $0.writeBytes(r.body) }
                    }
                }
                try writer.close()
                snapshots.append(try snapshot(dir).filter { $0.key != "LOCK" })
            }
        }
        #expect(snapshots[0].count > 6)
        #expect(snapshots[1] == snapshots[0])
        #expect(snapshots[2] == snapshots[0])
    }
}
