package import IsothermDigest
import IsothermLog

/// Content hashes of logs, for run manifests: SHA-256 over every segment's bytes in sequence order.
package enum LogContentHash {
    /// Hashes the segments of the log at `directory` (index files and quarantine are derived and excluded).
    /// Reads 1 MiB at a time, so memory stays bounded however large the log is.
    /// - Throws: `LogError` if the log cannot be listed, `DigestError` if a segment cannot be read.
    package static func sha256(directory: String) throws -> SHA256Digest {
        var hasher = SHA256Hasher()
        for segment in try LogReader(directory: directory).segments {
            try hasher.updateFile(path: segment.path)
        }
        return hasher.finalize()
    }
}
