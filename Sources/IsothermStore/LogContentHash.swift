import Glibc
package import IsothermDigest
import IsothermLog

/// Content hashes of logs, for run manifests: what the log holds, not how it was written.
///
/// SHA-256 over `isotherm log content v2\n`, the first sequence number (8 bytes, little-endian) and
/// then every record in sequence order exactly as the log frames it (`varint length, body`). Batch
/// and segment boundaries are not in it: a log written in one go and the same events appended by a
/// process that was killed and resumed (a torn tail cut, the rest appended in a new batch) have the
/// same hash; any difference in an event's bytes or number does change it. Only complete batches
/// count (a torn tail that recovery has not cut yet is not content). Every batch's CRC-32C is checked
/// on the way, so a damaged log gives an error, never a hash.
///
/// Hashing a city-year decompresses and hashes about 270 MB (a quarter of a second), so the result is
/// kept in the log directory as derived data, like the `.idx` files: `content.sha256` holds the hash
/// with the name, size, modification time and inode of every segment it was computed from, and is
/// used only while they are all unchanged (an append, a recovery, a copy or any write changes them).
/// `cached: false` always recomputes (`replay --verify` does).
package enum LogContentHash {
    static let prefix = Array("isotherm log content v2\n".utf8)
    /// The cache file's name in a log directory.
    package static let cacheName = "content.sha256"

    /// The content hash of the log at `directory`, one batch in memory at a time.
    /// - Parameter cached: use (and refresh) the log's `content.sha256` when its segments are unchanged.
    /// - Throws: `LogError` if the log cannot be listed or read, or is damaged.
    package static func sha256(directory: String, cached: Bool = true) throws -> SHA256Digest {
        let reader = try LogReader(directory: directory)
        let key = cached ? stamp(reader.segments.map(\.path)) : nil
        if let key, let hit = readCache(directory, key: key) { return hit }
        var hasher = SHA256Hasher()
        hasher.update(prefix)
        var first = true
        try reader.forEachBatch { header, raw in
            if first {
                withUnsafeBytes(of: header.baseSequence.littleEndian) { hasher.update($0) }
                first = false
            }
            hasher.update(raw)
            return true
        }
        let digest = hasher.finalize()
        // Only if nothing changed while we read (a writer may be appending).
        if let key, stamp(reader.segments.map(\.path)) == key { writeCache(directory, key: key, digest: digest) }
        return digest
    }

    /// One line per segment: name, size, modification time (ns) and inode; nil if one cannot be read.
    static func stamp(_ paths: [String]) -> String? {
        var out = "v2\n"
        for path in paths {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            let name = path.split(separator: "/").last.map(String.init) ?? path
            out += "\(name) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_ino)\n"
        }
        return out
    }

    static func readCache(_ directory: String, key: String) -> SHA256Digest? {
        let fd = open(directory + "/" + cacheName, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0, n < bytes.count else { return nil }
        let text = String(decoding: bytes.prefix(n), as: UTF8.self)
        // The first line is the hash, the rest the stamp it was computed for.
        guard let newline = text.firstIndex(of: "\n"), String(text[text.index(after: newline)...]) == key else {
            return nil
        }
        return SHA256Digest(hex: String(text[..<newline]))
    }

    /// Best effort: a read-only log is hashed again next time.
    static func writeCache(_ directory: String, key: String, digest: SHA256Digest) {
        let temporary = directory + "/.\(cacheName).\(getpid())"
        let bytes = Array((digest.hex + "\n" + key).utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written != bytes.count || rename(temporary, directory + "/" + cacheName) != 0 { unlink(temporary) }
    }
}
