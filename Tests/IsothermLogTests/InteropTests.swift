import Foundation
import IsothermLog
import Testing

@Suite("Interop with the lz4 command")
struct InteropTests {
    private static let lz4 = "/usr/bin/lz4"

    /// Runs `/usr/bin/lz4` and returns its exit status and standard output.
    private func run(_ arguments: [String]) throws -> (Int32, [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.lz4)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, [UInt8](data))
    }

    @Test("lz4 -t accepts every segment and lz4 -dc prints its records")
    func lz4Command() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.lz4) else {
            Issue.record("\(Self.lz4) is missing: install the lz4 package (apt-get install lz4) to run this test")
            return
        }
        try withTempDirectory { dir in
            let records = makeRecords(count: 400)
            try writeLog(dir, records, options: smallOptions())
            let reader = try LogReader(directory: dir)
            #expect(reader.segments.count > 3)
            for (i, segment) in reader.segments.enumerated() {
                let (testStatus, _) = try run(["-t", segment.path])
                #expect(testStatus == 0, "lz4 -t \(segment.path)")
                let end = i + 1 < reader.segments.count ? reader.segments[i + 1].baseSequence : UInt64.max
                var expected: [UInt8] = []
                try reader.forEachRecord(fromSequence: segment.baseSequence) { seq, body in
                    guard seq < end else { return false }
                    expected += varint(body.count) + Array(body)
                    return true
                }
                let (status, output) = try run(["-dc", segment.path])
                #expect(status == 0)
                #expect(!expected.isEmpty)
                #expect(output == expected, "lz4 -dc \(segment.path)")
            }
        }
    }
}
