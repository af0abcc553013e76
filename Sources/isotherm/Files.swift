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
