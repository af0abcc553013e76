import IsothermBinary

/// Reads one batch's frame into a reusable buffer, checks its CRC, decompresses it into another
/// reusable buffer and checks the record framing. Memory is bounded by the format's batch limits.
final class BatchLoader {
    /// How loading a batch went.
    enum Outcome: Equatable {
        /// The records are in ``raw``.
        case ok
        /// The file ends inside the frame: at the end of the log, a torn tail.
        case badFrame(String)
        /// The whole frame is there and fails its CRC: damage (a write that finished and was then
        /// altered), even at the end of the log.
        case frameCRCMismatch
        /// The frame passed its CRC but does not decode to the promised records.
        case badContent(String)
    }

    private let decoder: LZ4FrameDecoder
    private let checksContent: Bool
    private var frame: [UInt8] = []
    private var raw: [UInt8] = []

    /// - Parameter checksContent: also check the LZ4 frame's own XXH32 checksums (`log verify`);
    ///   readers leave them to the batch CRC (see ``LZ4FrameDecoder``).
    init(checksContent: Bool = false) throws(LogError) {
        decoder = try LZ4FrameDecoder()
        self.checksContent = checksContent
    }

    /// Loads the batch whose header `h` was read at `offset` of `file`.
    /// - Throws: ``LogError/Code/io`` only; damage is reported in the outcome.
    func load(_ h: BatchHeader, file: LogFile, at offset: Int64) throws(LogError) -> Outcome {
        let frameBytes = Int(h.frameBytes)
        let rawBytes = Int(h.rawBytes)
        let n = try file.read(into: &frame, count: frameBytes, at: offset + Int64(LogFormat.batchHeaderBytes))
        guard n == frameBytes else { return .badFrame("file ends \(n) bytes into a \(frameBytes)-byte frame") }
        let crc = frame.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<frameBytes])) }
        guard crc == h.frameCRC else { return .frameCRCMismatch }
        if raw.count < rawBytes { raw.append(contentsOf: repeatElement(0, count: rawBytes - raw.count)) }
        let decoder = decoder
        let checksContent = checksContent
        let problem: String? = frame.withUnsafeBytes { f in
            raw.withUnsafeMutableBytes { r -> String? in
                let out = UnsafeMutableRawBufferPointer(rebasing: r[0..<rawBytes])
                do throws(LogError) {
                    let frame = UnsafeRawBufferPointer(rebasing: f[0..<frameBytes])
                    if checksContent {
                        try decoder.decompress(frame, into: out)
                    } else {
                        try decoder.decompressBlocks(frame, into: out)
                    }
                } catch {
                    return error.message
                }
                return RecordFraming.problem(in: UnsafeRawBufferPointer(out), recordCount: h.recordCount)
            }
        }
        return problem.map { .badContent($0) } ?? .ok
    }

    /// Calls `body` with the records of the last batch loaded `.ok`.
    func withRaw<R>(_ h: BatchHeader, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try raw.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<Int(h.rawBytes)])) }
    }
}
