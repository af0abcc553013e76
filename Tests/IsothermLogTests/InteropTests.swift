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

@Suite("LZ4 frame decoding")
struct FrameDecodingTests {
    /// Runs `/usr/bin/lz4` with `arguments` (input and output files included).
    private func lz4(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Whether `decompressBlocks` decodes `frame[range]` into all of `out` without an error.
    private func decodes(_ decoder: LZ4FrameDecoder, _ frame: [UInt8], _ range: Range<Int>, into out: inout [UInt8])
        -> Bool
    {
        frame.withUnsafeBytes { f in
            out.withUnsafeMutableBytes { o in
                do {
                    try decoder.decompressBlocks(UnsafeRawBufferPointer(rebasing: f[range]), into: o)
                    return true
                } catch {
                    return false
                }
            }
        }
    }

    @Test("the block decoder reads every frame shape the lz4 tool writes, like LZ4F does")
    func everyFrameShape() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/lz4") else {
            Issue.record("/usr/bin/lz4 is missing: install the lz4 package (apt-get install lz4) to run this test")
            return
        }
        // 600 KiB: compressible records, then random bytes (stored uncompressed), then records again.
        var rng = SplitMix64(state: 7)
        var data: [UInt8] = []
        for i in 0..<6000 { data += Array("record \(i % 50) price 0.\(i % 97) volume \(i)\n".utf8) }
        for _ in 0..<(200 << 10) { data.append(UInt8(truncatingIfNeeded: rng.next())) }
        for i in 0..<6000 { data += Array("KXHIGHNY-25NOV\(i % 28) \(i)\n".utf8) }
        let shapes: [[String]] = [
            [], ["-BD"], ["-BX"], ["-B4"], ["-B4", "-BD"], ["-B4", "-BD", "-BX"], ["--content-size"],
            ["--no-frame-crc"], ["-B5", "--content-size", "-BD"], ["-9", "-B4", "-BD"],
        ]
        let decoder = try LZ4FrameDecoder()
        try withTempDirectory { dir in
            try writeFile(dir + "/in", data)
            for shape in shapes {
                #expect(try lz4(["-q", "-f"] + shape + [dir + "/in", dir + "/in.lz4"]) == 0)
                let frame = try readFile(dir + "/in.lz4")
                var out = [UInt8](repeating: 0, count: data.count)
                #expect(decodes(decoder, frame, 0..<frame.count, into: &out), "lz4 \(shape.joined(separator: " "))")
                #expect(out == data, "lz4 \(shape.joined(separator: " "))")
                // One byte short of the output, or a frame cut anywhere, is an error, not a wrong answer.
                var short = [UInt8](repeating: 0, count: data.count - 1)
                #expect(!decodes(decoder, frame, 0..<frame.count, into: &short), "lz4 \(shape) into a short buffer")
                for cut in stride(from: 0, to: frame.count, by: max(1, frame.count / 40)) {
                    #expect(!decodes(decoder, frame, 0..<cut, into: &out), "lz4 \(shape) cut at \(cut)")
                }
            }
        }
    }
}
