import Glibc

/// Writes `bytes` to `path` (replacing it) through a temporary file and a rename.
func writeWholeFile(_ path: String, _ bytes: [UInt8]) throws {
    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw CLIError("\(path): \(String(cString: strerror(errno)))") }
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n > 0 else {
            close(fd)
            throw CLIError("\(path): \(String(cString: strerror(errno)))")
        }
        offset += n
    }
    guard close(fd) == 0, rename(temporary, path) == 0 else {
        throw CLIError("\(path): \(String(cString: strerror(errno)))")
    }
}

/// True when `path` exists and is a directory. The corresponding C function is `stat`.
func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// Removes `path` and everything under it (symbolic links are removed, never followed). The
/// corresponding C functions are `lstat`, `opendir`/`readdir`, `unlink` and `rmdir`.
func removeTree(_ path: String) throws {
    var st = stat()
    guard lstat(path, &st) == 0 else {
        if errno == ENOENT { return }
        throw CLIError("\(path): \(String(cString: strerror(errno)))")
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
        guard let dir = opendir(path) else { throw CLIError("\(path): \(String(cString: strerror(errno)))") }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names { try removeTree(path + "/" + name) }
        guard rmdir(path) == 0 else { throw CLIError("cannot remove \(path): \(String(cString: strerror(errno)))") }
    } else {
        guard unlink(path) == 0 else { throw CLIError("cannot remove \(path): \(String(cString: strerror(errno)))") }
    }
}

/// `/a/b/c` → (`/a/b`, `c`); `c` → (`.`, `c`); trailing slashes ignored.
func splitPath(_ path: String) -> (parent: String, name: String) {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return (".", String(p)) }
    let parent = p[..<slash]
    return (parent.isEmpty ? "/" : String(parent), String(p[p.index(after: slash)...]))
}

/// Removes the hidden working directories `parent/PREFIX<pid>` of earlier runs of a command (`what`)
/// whose process is gone, saying so on standard error.
func removeStaleTemporaries(in parent: String, prefix: String, what: String) throws {
    for entry in (try? listDirectory(parent)) ?? [] where entry.hasPrefix(prefix) {
        guard let pid = Int32(entry.dropFirst(prefix.count)), pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH {
            printError("removing \(parent)/\(entry), left by a \(what) that did not finish (pid \(pid))")
            try removeTree(parent + "/" + entry)
        }
    }
}
