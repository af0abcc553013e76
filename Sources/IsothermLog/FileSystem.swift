import Glibc
import IsothermPlatform

/// Directory operations the log needs: create, list, rename, remove, sync.
enum FileSystem {
    /// Creates `path` and any missing parents (at most 64 levels). The corresponding C function is `mkdir`.
    static func makeDirectories(_ path: String) throws(LogError) {
        var prefixes: [String] = []
        var current = ""
        for (i, part) in path.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            current += (i == 0 ? "" : "/") + part
            if !part.isEmpty { prefixes.append(current) }
        }
        guard prefixes.count <= 64 else { throw LogError(.invalidArgument, "path is too deep", path: path) }
        for p in prefixes where !isDirectory(p) {
            if mkdir(p, 0o755) != 0 && errno != EEXIST { throw LogFile.error("mkdir", path: p) }
        }
    }

    /// True when `path` exists and is a directory (``Files/isDirectory(_:)``).
    static func isDirectory(_ path: String) -> Bool { Files.isDirectory(path) }

    /// True when `path` exists (``Files/exists(_:)``).
    static func exists(_ path: String) -> Bool { Files.exists(path) }

    /// The names in a directory, sorted, without `.` and `..` (``Files/names(in:)``).
    static func list(_ path: String) throws(LogError) -> [String] {
        do {
            return try Files.names(in: path)
        } catch {
            throw LogFile.error("opendir", path: path)
        }
    }

    /// Renames atomically. The corresponding C function is `rename`.
    static func rename(_ from: String, to: String) throws(LogError) {
        guard Glibc.rename(from, to) == 0 else { throw LogFile.error("rename to \(to)", path: from) }
    }

    /// Removes a file. The corresponding C function is `unlink`.
    static func remove(_ path: String) throws(LogError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw LogFile.error("unlink", path: path) }
    }

    /// Syncs a directory so created, renamed and removed names survive a power loss.
    static func syncDirectory(_ path: String) throws(LogError) {
        let dir = try LogFile.open(path, O_RDONLY | O_DIRECTORY)
        guard fsync(dir.fd) == 0 else { throw LogFile.error("fsync", path: path) }
    }

}
