import CLZ4

/// Compresses one batch at a time into a standard LZ4 frame with a reusable `LZ4F_cctx`:
/// content size set, content checksum on, linked blocks, 4 MiB max block size, no block checksum.
final class LZ4FrameEncoder {
    private var cctx: OpaquePointer?
    private var preferences = LZ4F_preferences_t()

    /// Creates the context. The corresponding C function is `LZ4F_createCompressionContext`.
    /// - Parameter compressionLevel: see ``LogOptions/compressionLevel``.
    init(compressionLevel: Int32) throws(LogError) {
        let rc = LZ4F_createCompressionContext(&cctx, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(rc) == 0, cctx != nil else { throw LZ4FrameEncoder.error("create context", rc) }
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.blockMode = LZ4F_blockLinked
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum
        preferences.compressionLevel = compressionLevel
        preferences.autoFlush = 1  // compress straight from the caller's buffer, no staging copy
    }

    deinit { LZ4F_freeCompressionContext(cctx) }

    /// The error for an LZ4F result code. The corresponding C function is `LZ4F_getErrorName`.
    static func error(_ what: String, _ code: Int) -> LogError {
        LogError(.io, "LZ4F \(what): \(String(cString: LZ4F_getErrorName(code)))")
    }

    /// Bytes of output space that always suffice for a frame of `rawBytes`.
    func frameBound(rawBytes: Int) -> Int {
        var p = preferences
        p.frameInfo.contentSize = UInt64(rawBytes)
        return Int(LZ4F_HEADER_SIZE_MAX) + LZ4F_compressBound(rawBytes, &p) + 16
    }

    /// Compresses `raw` into one frame written at `out[offset...]`, growing `out` when needed.
    /// The corresponding C functions are `LZ4F_compressBegin`, `LZ4F_compressUpdate`, `LZ4F_compressEnd`.
    /// - Parameters:
    ///   - raw: the batch's records.
    ///   - out: the output buffer.
    ///   - offset: where the frame starts in `out`.
    /// - Returns: the frame's size in bytes.
    func compress(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8], at offset: Int) throws(LogError) -> Int {
        preferences.frameInfo.contentSize = UInt64(raw.count)
        let needed = offset + frameBound(rawBytes: raw.count)
        if out.count < needed { out.append(contentsOf: repeatElement(0, count: needed - out.count)) }
        return try out.withMutableBytes { (buffer) throws(LogError) -> Int in
            let dst = buffer.baseAddress! + offset
            let capacity = buffer.count - offset
            var pos = 0
            let begin = LZ4F_compressBegin(cctx, dst, capacity, &preferences)
            guard LZ4F_isError(begin) == 0 else { throw LZ4FrameEncoder.error("compressBegin", begin) }
            pos += begin
            if raw.count > 0 {
                var options = LZ4F_compressOptions_t()
                options.stableSrc = 1
                let n = LZ4F_compressUpdate(cctx, dst + pos, capacity - pos, raw.baseAddress, raw.count, &options)
                guard LZ4F_isError(n) == 0 else { throw LZ4FrameEncoder.error("compressUpdate", n) }
                pos += n
            }
            let end = LZ4F_compressEnd(cctx, dst + pos, capacity - pos, nil)
            guard LZ4F_isError(end) == 0 else { throw LZ4FrameEncoder.error("compressEnd", end) }
            return pos + end
        }
    }
}
