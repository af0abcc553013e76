import CLZ4

/// Decompresses one batch's LZ4 frame at a time with a reusable `LZ4F_dctx`, checking the
/// content checksum, and that the frame decodes to exactly the expected size with no bytes left.
final class LZ4FrameDecoder {
    private var dctx: OpaquePointer?

    /// Creates the context. The corresponding C function is `LZ4F_createDecompressionContext`.
    init() throws(LogError) {
        let rc = LZ4F_createDecompressionContext(&dctx, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(rc) == 0, dctx != nil else { throw LZ4FrameEncoder.error("create context", rc) }
    }

    deinit { LZ4F_freeDecompressionContext(dctx) }

    /// Decodes `frame` into `dst`, which must be exactly the expected raw size.
    /// The corresponding C function is `LZ4F_decompress` (and `LZ4F_resetDecompressionContext` after errors).
    /// - Throws: ``LogError/Code/damaged`` (no location) when the frame is invalid, fails its checksum,
    ///   decodes to another size, or has bytes after its end.
    func decompress(_ frame: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws(LogError) {
        var srcPos = 0
        var dstPos = 0
        var options = LZ4F_decompressOptions_t()
        options.stableDst = 1
        // Each call makes progress or fails; a frame has at most 5 blocks (16 MiB / 4 MiB) plus header and end.
        for _ in 0..<64 {
            var srcSize = frame.count - srcPos
            var dstSize = dst.count - dstPos
            let hint = LZ4F_decompress(
                dctx, dst.baseAddress.map { $0 + dstPos }, &dstSize, frame.baseAddress.map { $0 + srcPos }, &srcSize,
                &options)
            if LZ4F_isError(hint) != 0 {
                LZ4F_resetDecompressionContext(dctx)
                throw LogError(.damaged, "LZ4 frame: \(String(cString: LZ4F_getErrorName(hint)))")
            }
            srcPos += srcSize
            dstPos += dstSize
            if hint == 0 {
                guard srcPos == frame.count, dstPos == dst.count else {
                    LZ4F_resetDecompressionContext(dctx)
                    throw LogError(
                        .damaged,
                        "LZ4 frame decodes \(dstPos) bytes from \(srcPos) of \(frame.count) frame bytes, "
                            + "expected \(dst.count)"
                    )
                }
                return
            }
            if srcSize == 0 && dstSize == 0 {
                LZ4F_resetDecompressionContext(dctx)
                let why = srcPos == frame.count ? "is incomplete" : "decodes to more than \(dst.count) bytes"
                throw LogError(.damaged, "LZ4 frame \(why)")
            }
        }
        LZ4F_resetDecompressionContext(dctx)
        throw LogError(.damaged, "LZ4 frame makes no progress")
    }
}
