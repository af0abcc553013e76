import CLZ4

/// Decompresses one batch's LZ4 frame at a time, checking that it decodes to exactly the expected
/// size with no bytes left. Two ways:
/// - ``decompress(_:into:)`` goes through `LZ4F_decompress` and checks the frame's content checksum
///   (XXH32 of the records). `log verify` uses it.
/// - ``decompressBlocks(_:into:)`` parses the frame itself and decodes its blocks with
///   `LZ4_decompress_safe_usingDict`, leaving the two XXH32 checks (descriptor and content) out. It is
///   about 2.5 times faster on candle batches. Readers use it: every byte of the frame has already
///   passed the batch's CRC-32C, so those checks could only catch a decoder fault, not damage.
package final class LZ4FrameDecoder {
    private var dctx: OpaquePointer?

    /// Creates the context. The corresponding C function is `LZ4F_createDecompressionContext`.
    package init() throws(LogError) {
        let rc = LZ4F_createDecompressionContext(&dctx, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(rc) == 0, dctx != nil else { throw LZ4FrameEncoder.error("create context", rc) }
    }

    deinit { LZ4F_freeDecompressionContext(dctx) }

    /// Decodes `frame` into `dst`, which must be exactly the expected raw size.
    /// The corresponding C function is `LZ4F_decompress` (and `LZ4F_resetDecompressionContext` after errors).
    /// - Throws: ``LogError/Code/damaged`` (no location) when the frame is invalid, fails its checksum,
    ///   decodes to another size, or has bytes after its end.
    package func decompress(_ frame: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws(LogError) {
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

    /// Decodes `frame` into `dst` (exactly the expected raw size) block by block, without the XXH32
    /// checks (see the type's notes). Accepts any frame `LZ4F` writes without a dictionary: linked or
    /// independent blocks, with or without block checksums, content size and content checksum.
    /// The corresponding C functions are `LZ4_decompress_safe_usingDict` and `LZ4_decompress_safe`.
    /// - Throws: ``LogError/Code/damaged`` (no location) when the frame is malformed or decodes to
    ///   another size.
    package func decompressBlocks(_ frame: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer)
        throws(LogError)
    {
        func bad(_ why: String) -> LogError { LogError(.damaged, "LZ4 frame: \(why)") }
        guard frame.count >= 7, let src = frame.baseAddress else { throw bad("shorter than a frame header") }
        guard frame.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0x184D_2204) else {
            throw bad("bad magic number")
        }
        let flg = frame[4]
        let bd = frame[5]
        guard flg >> 6 == 1, flg & 0x03 == 0, bd & 0x8F == 0, bd >> 4 >= 4 else {
            throw bad("unsupported frame descriptor FLG=\(flg) BD=\(bd)")
        }
        let independent = flg & 0x20 != 0
        let blockChecksums = flg & 0x10 != 0
        let hasContentSize = flg & 0x08 != 0
        let hasContentChecksum = flg & 0x04 != 0
        let blockMax = 1 << (8 + 2 * Int(bd >> 4))  // 64 KiB, 256 KiB, 1 MiB, 4 MiB
        var pos = 6
        if hasContentSize {
            guard frame.count >= pos + 9 else { throw bad("truncated frame header") }
            let size = UInt64(littleEndian: frame.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
            guard size == UInt64(dst.count) else { throw bad("content size \(size), expected \(dst.count)") }
            pos += 8
        }
        pos += 1  // header checksum byte
        let out = dst.baseAddress
        var produced = 0
        while true {
            guard frame.count - pos >= 4 else { throw bad("truncated before a block size") }
            let word = UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: pos, as: UInt32.self))
            pos += 4
            if word == 0 { break }
            let size = Int(word & 0x7FFF_FFFF)
            guard size <= blockMax, size <= frame.count - pos else { throw bad("block of \(size) bytes overruns") }
            let room = dst.count - produced
            if word & 0x8000_0000 != 0 {  // stored uncompressed
                guard size <= room, let out else { throw bad("decodes to more than \(dst.count) bytes") }
                (out + produced).copyMemory(from: src + pos, byteCount: size)
                produced += size
            } else {
                guard let out else { throw bad("decodes to more than \(dst.count) bytes") }
                let capacity = Int32(min(room, blockMax))
                let from = (src + pos).assumingMemoryBound(to: CChar.self)
                let to = (out + produced).assumingMemoryBound(to: CChar.self)
                let n: Int32 =
                    independent || produced == 0
                    ? LZ4_decompress_safe(from, to, Int32(size), capacity)
                    : LZ4_decompress_safe_usingDict(
                        from, to, Int32(size), capacity, UnsafePointer(out.assumingMemoryBound(to: CChar.self)),
                        Int32(produced))
                guard n >= 0 else { throw bad("block at frame byte \(pos - 4) does not decode") }
                produced += Int(n)
            }
            pos += size + (blockChecksums ? 4 : 0)
        }
        pos += hasContentChecksum ? 4 : 0
        guard pos == frame.count else {
            throw bad(pos > frame.count ? "truncated after the last block" : "\(frame.count - pos) bytes after its end")
        }
        guard produced == dst.count else { throw bad("decodes \(produced) bytes, expected \(dst.count)") }
    }
}
