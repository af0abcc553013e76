import Foundation
import Testing

@Suite("isotherm log verify on a damaged log")
struct VerifyDamageTests {
    @Test("one flipped byte in the first segment: exit 1 and the segment and byte offset named")
    func flippedByte() throws {
        try withTempDirectory { tmp in
            let original = tmp + "/world"
            let damaged = tmp + "/damaged"
            let demo = try runDemo(original)
            try FileManager.default.copyItem(atPath: original, toPath: damaged)

            let segment = damaged + "/00000000000000000001.lz4"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
            let flipAt = bytes.count / 2
            try #require(flipAt > 200, "the first segment is only \(bytes.count) bytes")
            bytes[flipAt] ^= 0x5A
            try Data(bytes).write(to: URL(fileURLWithPath: segment))

            // Text: a DAMAGE line naming the segment file and the offset of the batch that holds the byte.
            let text = try CLI.run(["log", "verify", damaged])
            #expect(text.exitCode == 1, "\(text)")
            let damage = text.stdoutLines.filter { $0.hasPrefix("DAMAGE:") }
            #expect(damage.count == 1, "one damaged place: \(text)")
            let line = try #require(damage.first)
            #expect(line.contains(segment), "\(line)")
            let offset = try #require(byteOffset(in: line), "no 'at byte N' in \(line)")
            #expect(
                offset >= 40 && offset <= Int64(flipAt),
                "the damaged batch starts at \(offset), the flip is at \(flipAt)")
            #expect(text.stdoutLines.last == "1 damaged place(s) found", "\(text)")

            // JSON: not clean, one problem in that segment at that offset, not a torn tail.
            let jsonRun = try CLI.run(["log", "verify", damaged, "--json"])
            #expect(jsonRun.exitCode == 1, "\(jsonRun)")
            #expect(jsonRun.stdout.contains("\"clean\":false"))
            let report = try decodeJSON(VerifySummary.self, jsonRun.stdout)
            #expect(!report.clean)
            #expect(report.problems.count == 1)
            let problem = try #require(report.problems.first { $0.segment == segment }, "\(report.problems)")
            #expect(problem.offset == offset)
            #expect(!problem.tornTail)
            let first = try #require(problem.firstSeq)
            let last = try #require(problem.lastSeq)
            #expect(first >= 1 && first <= last && last < UInt64(demo.events))
            // The other batches still count: everything but the damaged batch.
            #expect(report.events == demo.events - Int64(last - first + 1))

            // Reading through the damage fails with one error line naming the place.
            let cat = try CLI.run(["log", "cat", damaged])
            #expect(cat.exitCode == 2, "\(cat.arguments) → \(cat.exitCode), stderr \(cat.stderr)")
            #expect(cat.stderrLines.count == 1 && cat.stderrLines[0].hasPrefix("error:"), "\(cat.stderr)")
            #expect(cat.stderr.contains(segment) && cat.stderr.contains("at byte \(offset)"), "\(cat.stderr)")

            // The original is untouched and still clean.
            let clean = try CLI.run(["log", "verify", original])
            #expect(clean.exitCode == 0, "\(clean)")
        }
    }

    /// The N of "at byte N" in a verify line.
    private func byteOffset(in line: String) -> Int64? {
        guard let range = line.range(of: " at byte ") else { return nil }
        return Int64(line[range.upperBound...].prefix { $0.isNumber })
    }
}
