#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

extension SHA256Hasher {
    /// Bytes read per `read(2)` call: memory use of `hashFile` stays at this, whatever the file size.
    package static let fileChunkBytes = 1 << 20

    /// The SHA-256 digest of a file's contents, read in `fileChunkBytes` chunks.
    /// - Parameter path: the file to hash.
    /// - Returns: the digest of the whole file, as `sha256sum` computes it.
    /// - Throws: `DigestError` with code `openFailed` or `readFailed`.
    package static func hashFile(path: String) throws -> SHA256Digest {
        var hasher = SHA256Hasher()
        try hasher.updateFile(path: path)
        return hasher.finalize()
    }

    /// Feeds a file's contents into the running hash, `fileChunkBytes` at a time (several files can
    /// be hashed as one stream, as a log's segments are).
    ///
    /// The corresponding C functions are `open`, `read` and `close`.
    /// - Parameter path: the file to read.
    /// - Throws: `DigestError` with code `openFailed` or `readFailed`.
    package mutating func updateFile(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw DigestError(.openFailed, "cannot open \(path) to hash it: \(Self.errorText(e))", path: path, errno: e)
        }
        defer { _ = close(fd) }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.fileChunkBytes, alignment: 16)
        defer { buffer.deallocate() }

        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                throw DigestError(
                    .readFailed, "cannot read \(path) to hash it: \(Self.errorText(e))", path: path, errno: e)
            }
            if n == 0 { break }
            precondition(n <= buffer.count, "read returned more bytes than asked for")
            update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text) + " (errno \(code))"
    }
}
