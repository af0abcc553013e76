import FuzzSupport
import Glibc
import IsothermBinary
import IsothermEvents
import IsothermLog
import IsothermStore

/// Log directories made of arbitrary segment bytes: the reader, the typed reader, `log verify`,
/// `log inspect`, the content hash, and a writer's recovery on open.
///
/// The input is one or more segment files run together: each starts where a segment header's first
/// eight bytes (skippable-frame magic 0x184D2A5E, size 32) occur, at most four, and is named by the
/// base sequence in its header. Within a segment, bytes from the first `ISOX` after the 40-byte header
/// on are its `.idx` file. Each input is tried twice: as it is, then with every CRC-32C it carries
/// recomputed (segment header, each batch header and frame that can be located, index), so that the
/// fuzzer reaches what lies behind the checksums instead of stopping at them.
///
/// Invariants, beyond not crashing: a cached content hash equals a fresh one; a writer that opens the
/// log (cutting a torn tail if it must) can append a record that a reader then returns, and leaves a
/// log the next writer opens without cutting anything.
@main
enum FuzzLogReader {
    static let directory: String = {
        var template = Array((FileSystemPaths.temporaryRoot + "/isotherm-fuzz-log-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { FuzzCheck.fail("mkdtemp: errno \(errno)") }
        let path = String(cString: made)
        atexit { FuzzFiles.removeTree(FuzzLogReader.directory) }
        return path
    }()

    static func main() {
        FuzzDriver.run { data, size in
            let input = FuzzDriver.bytes(data, size)
            let segments = LogInput.segments(of: input)
            FuzzLogReader.exercise(segments)
            let fixed = segments.map(LogInput.withCRCsRecomputed)
            if fixed != segments { FuzzLogReader.exercise(fixed) }
            return 0
        }
    }

    static func exercise(_ segments: [LogInput.Segment]) {
        FuzzFiles.emptyDirectory(directory)
        var names: Set<UInt64> = []
        for segment in segments where names.insert(segment.base).inserted {
            let path = directory + "/" + LogFormat.segmentFileName(baseSequence: segment.base)
            FileSystemPaths.write(segment.bytes, to: path)
            if let index = segment.index { FileSystemPaths.write(index, to: path.dropLast(4) + ".idx") }
        }
        read()
        recover()
    }

    /// Everything that only reads.
    static func read() {
        _ = try? LogInspector.inspect(directory: directory)
        _ = try? LogVerifier.verify(directory: directory)
        if let reader = try? LogReader(directory: directory) {
            _ = try? reader.lastSequence()
            _ = try? reader.position(ofSequence: 3)
            _ = try? reader.firstBatchAtOrAfter(timeNanos: 1_764_201_600_000_000_000)
            try? reader.forEachRecord(fromSequence: 2) { _, _ in true }
        }
        if let typed = try? EventLogReader(directory: directory) {
            try? typed.forEach { _, _ in true }
            try? typed.forEach(from: .time(Timestamp(nanos: 1_764_252_000_000_000_000))) { _, _ in true }
        }
        if let fresh = try? LogContentHash.sha256(directory: directory, cached: false) {
            _ = try? LogContentHash.sha256(directory: directory)  // computes and writes the cache
            guard let cached = try? LogContentHash.sha256(directory: directory), cached == fresh else {
                FuzzCheck.fail("the cached content hash differs from a fresh one")
            }
        }
    }

    /// A writer's open (recovery), one append, and a second open that must find nothing to cut.
    static func recover() {
        let body: [UInt8] = [0xF0, 0x0D, 0xCA, 0xFE]
        let time: Int64 = 1_764_252_121_250_000_000
        let appended: UInt64
        do {
            let writer = try LogWriter(directory: directory)
            appended = try writer.append(body, eventTimeNanos: time)
            try writer.close()
        } catch {
            return  // damage a writer refuses: nothing was changed
        }
        do {
            let writer = try LogWriter(directory: directory)
            defer { try? writer.close() }
            guard writer.recovery.isClean else {
                FuzzCheck.fail("a log a writer recovered and closed needs recovery again: \(writer.recovery)")
            }
        } catch {
            FuzzCheck.fail("a log a writer recovered and closed does not open again: \(error)")
        }
        var found: [UInt8]?
        do {
            try LogReader(directory: directory).forEachRecord(fromSequence: appended) { sequence, record in
                if sequence == appended { found = Array(record) }
                return false
            }
        } catch {
            FuzzCheck.fail("the record a writer appended after recovery does not read back: \(error)")
        }
        guard found == body else { FuzzCheck.fail("the record appended as \(appended) reads back as \(found ?? [])") }
    }
}

/// Splitting an input into segment files, and recomputing the CRCs (`Schemas/log-format.md`).
enum LogInput {
    struct Segment: Equatable {
        var base: UInt64
        var bytes: [UInt8]
        var index: [UInt8]?
    }

    static let segmentStart: [UInt8] = [0x5E, 0x2A, 0x4D, 0x18, 32, 0, 0, 0]
    static let batchStart: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 52, 0, 0, 0]
    static let indexTag: [UInt8] = Array("ISOX".utf8)
    static let segmentsMax = 4

    static func segments(of input: [UInt8]) -> [Segment] {
        var starts = [0]
        var i = 1
        while i + segmentStart.count <= input.count && starts.count < segmentsMax {
            if input[i..<(i + segmentStart.count)].elementsEqual(segmentStart) { starts.append(i) }
            i += 1
        }
        return starts.indices.map { k in
            let piece = Array(input[starts[k]..<(k + 1 < starts.count ? starts[k + 1] : input.count)])
            var segment = Segment(base: 1, bytes: piece, index: nil)
            if piece.count >= 24 {
                let base = piece.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self) }
                segment.base = max(1, UInt64(littleEndian: base))
            }
            if let x = firstRange(of: indexTag, in: piece, from: 40) {
                segment.bytes = Array(piece[..<x])
                segment.index = Array(piece[x...])
            }
            return segment
        }
    }

    static func firstRange(of needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        var i = from
        while i + needle.count <= bytes.count {
            if bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The segment with the CRC-32C of its header, of every batch header and frame that can be found by
    /// walking from batch to batch, and of its index, made right.
    static func withCRCsRecomputed(_ segment: Segment) -> Segment {
        var s = segment
        s.bytes = withCRCsRecomputed(segment: segment.bytes)
        if var index = s.index, index.count >= 4 {
            put(crc(index, 0..<(index.count - 4)), into: &index, at: index.count - 4)
            s.index = index
        }
        return s
    }

    static func withCRCsRecomputed(segment bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        guard b.count >= 40, b[0..<8].elementsEqual(segmentStart) else { return b }
        put(crc(b, 8..<36), into: &b, at: 36)
        var offset = 40
        while offset + 60 <= b.count, b[offset..<(offset + 8)].elementsEqual(batchStart) {
            let frameBytes = Int(load(b, at: offset + 8 + 24))
            let frame = offset + 60
            if frameBytes <= b.count - frame { put(crc(b, frame..<(frame + frameBytes)), into: &b, at: offset + 52) }
            put(crc(b, (offset + 8)..<(offset + 56)), into: &b, at: offset + 56)
            guard frameBytes <= b.count - frame else { break }
            offset = frame + frameBytes
        }
        return b
    }

    static func crc(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    static func load(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) })
    }

    static func put(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
        for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
    }
}

/// The temporary directory and the few file operations the target needs (Glibc: no Foundation).
enum FileSystemPaths {
    /// A RAM disk when there is one: every input is written out, twice.
    static var temporaryRoot: String {
        access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
    }

    static func write(_ bytes: [UInt8], to path: some StringProtocol) {
        let fd = open(String(path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { FuzzCheck.fail("open \(path): errno \(errno)") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { FuzzCheck.fail("write \(path): errno \(errno)") }
    }
}
