import Foundation
import IsothermBinary
import IsothermLog
import Testing

/// Inputs the fuzz targets (`tools/fuzz`, `Fuzz/README.md`) found crashing the log. Each runs in a child
/// process (an exit test), so that a regression fails its test instead of stopping the whole suite.
@Suite struct FuzzRegressionTests {
    /// FuzzLogReader: a log whose last batch ends at sequence 2^64 − 2 (the highest a batch header may
    /// hold) opened for writing, and the next append trapped on `nextSequence += 1`
    /// (PendingBatch.swift). The writer must refuse the append with an error instead.
    @Test func writerRefusesToAppendPastTheLastSequence() async {
        await #expect(processExitsWith: .success) {
            try withTempDirectory { directory in
                try writeOneRecordLog(directory, baseSequence: UInt64.max - 1)
                let writer = try LogWriter(directory: directory)
                precondition(writer.recovery.isClean && writer.nextSequence == UInt64.max)
                do throws(LogError) {
                    try writer.append([1, 2, 3], eventTimeNanos: day2024Nanos)
                    preconditionFailure("appended a record with sequence 2^64 − 1")
                } catch {
                    precondition(error.code == .tooLarge, "\(error)")
                }
                try writer.close()
                // The log is unchanged and still reads.
                var sequences: [UInt64] = []
                try LogReader(directory: directory).forEachRecord { sequence, _ in
                    sequences.append(sequence)
                    return true
                }
                precondition(sequences == [UInt64.max - 1], "\(sequences)")
            }
        }
    }
}

/// A log of one record whose segment and batch start at `baseSequence`: written from sequence 1, then
/// its headers rewritten (CRCs included) and the segment renamed; no index file.
func writeOneRecordLog(_ directory: String, baseSequence: UInt64) throws {
    try writeLog(directory, [TestRecord(body: [7, 7, 7], timeNanos: day2024Nanos)], options: LogOptions())
    let old = URL(fileURLWithPath: directory).appendingPathComponent(LogFormat.segmentFileName(baseSequence: 1))
    var bytes = [UInt8](try Data(contentsOf: old))
    func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + $0.count), with: $0) }
    }
    put(baseSequence, at: 16)  // segment header: baseSequence
    put(CRC32C.checksum(Array(bytes[8..<36])), at: 36)
    put(baseSequence, at: 40 + 16)  // first batch header: baseSequence
    put(CRC32C.checksum(Array(bytes[48..<96])), at: 96)
    try FileManager.default.removeItem(at: old)
    try FileManager.default.removeItem(at: old.deletingPathExtension().appendingPathExtension("idx"))
    let new = URL(fileURLWithPath: directory).appendingPathComponent(
        LogFormat.segmentFileName(baseSequence: baseSequence))
    try Data(bytes).write(to: new)
}
