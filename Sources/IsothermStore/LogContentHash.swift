package import IsothermDigest
import IsothermLog

#if canImport(Glibc)
    import Glibc
#endif

/// A log's segments could not be read for hashing.
package struct ContentHashError: Error, CustomStringConvertible {
    package let path: String
    package let errno: Int32
    package var description: String { "cannot read \(path) to hash it: \(String(cString: strerror(errno)))" }
}

/// Content hashes of logs, for run manifests: SHA-256 over every segment's bytes in sequence order.
package enum LogContentHash {
    /// Hashes the segments of the log at `directory` (index files and quarantine are derived and excluded).
    /// Reads 1 MiB at a time, so memory stays bounded however large the log is.
    package static func sha256(directory: String) throws -> SHA256Digest {
        let reader = try LogReader(directory: directory)
        var hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for segment in reader.segments {
            let fd = open(segment.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw ContentHashError(path: segment.path, errno: errno) }
            defer { close(fd) }
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ContentHashError(path: segment.path, errno: errno)
                }
                if n == 0 { break }
                buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        }
        return hasher.finalize()
    }
}
