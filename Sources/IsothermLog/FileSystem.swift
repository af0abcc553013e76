import Glibc

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

    /// True when `path` exists and is a directory. The corresponding C function is `stat`.
    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when `path` exists. The corresponding C function is `access`.
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The names in a directory, sorted, without `.` and `..` (at most 10 million).
    /// The corresponding C functions are `opendir`, `readdir`, `closedir`.
    static func list(_ path: String) throws(LogError) -> [String] {
        guard let dir = opendir(path) else { throw LogFile.error("opendir", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        for _ in 0..<10_000_000 {
            guard let entry = readdir(dir) else { break }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
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
