import Glibc

/// A file operation that failed: the path and why (the C library's message, or what was wrong).
package struct FileError: Error, Equatable, CustomStringConvertible {
    package let path: String
    package let message: String

    package init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    /// The error of the C call that just failed on `path` (`errno`).
    package static func last(_ path: String, _ what: String? = nil) -> FileError {
        FileError(path, (what.map { $0 + ": " } ?? "") + String(cString: strerror(errno)))
    }

    package var description: String { "\(path): \(message)" }
}

/// The file helpers every module uses, in one place (the log keeps its own typed errors around them):
/// tests of kind, listing, reading whole files, writing atomically, removing trees, paths.
package enum Files {
    /// True when `path` exists and is a directory (following a symbolic link). The C function is `stat`.
    package static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when `path` exists. The C function is `access`.
    package static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The names in a directory, sorted, without `.` and `..` (at most 10 million). The C functions are
    /// `opendir`, `readdir` and `closedir`.
    package static func names(in path: String) throws(FileError) -> [String] {
        guard let dir = opendir(path) else { throw .last(path) }
        defer { closedir(dir) }
        var names: [String] = []
        for _ in 0..<10_000_000 {
            guard let entry = readdir(dir) else { break }
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes `path` and everything under it (symbolic links are removed, never followed); nothing
    /// when it does not exist. The C functions are `lstat`, `opendir`/`readdir`, `unlink` and `rmdir`.
    package static func removeTree(_ path: String) throws(FileError) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw .last(path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try names(in: path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw .last(path, "cannot remove") }
        } else {
            guard unlink(path) == 0 else { throw .last(path, "cannot remove") }
        }
    }

    /// Writes `bytes` to `path` (replacing it) through `path.tmp` and a rename, so a reader sees the old
    /// file or the new one, never a part.
    package static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws(FileError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .last(path) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let error = FileError.last(path)
                close(fd)
                throw error
            }
            offset += n
        }
        guard close(fd) == 0, rename(temporary, path) == 0 else { throw .last(path) }
    }

    /// The whole content of a file (or of a pipe: a key may come through `<(…)`).
    package static func readWhole(_ path: String) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .last(path) }
        defer { close(fd) }
        return try readAll(fd, path: path)
    }

    /// The whole content of a regular file of at most `maxBytes`. A FIFO, a device, a socket or a
    /// directory is refused before a byte is read (the file is opened without blocking, then checked
    /// with `fstat`), as is a larger file. The C functions are `open`, `fstat` and `read`.
    package static func readRegular(_ path: String, maxBytes: Int) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .last(path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .last(path) }
        let kind: String? =
            switch st.st_mode & S_IFMT {
            case S_IFREG: nil
            case S_IFDIR: "a directory"
            case S_IFIFO: "a FIFO (named pipe)"
            case S_IFCHR, S_IFBLK: "a device"
            case S_IFSOCK: "a socket"
            default: "not a regular file"
            }
        if let kind { throw FileError(path, "\(kind), not a regular file: give a file") }
        guard st.st_size <= maxBytes else {
            throw FileError(path, "\(st.st_size) bytes, more than the \(maxBytes >> 20) MiB a file may hold")
        }
        return try readAll(fd, path: path, capacity: Int(st.st_size), maxBytes: maxBytes)
    }

    /// Reads `fd` to its end (retrying an interrupted read), refusing more than `maxBytes`.
    private static func readAll(_ fd: Int32, path: String, capacity: Int = 0, maxBytes: Int = .max)
        throws(FileError) -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .last(path)
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[..<n])
            // The file may grow while it is read.
            guard out.count <= maxBytes else {
                throw FileError(path, "more than the \(maxBytes >> 20) MiB a file may hold")
            }
        }
    }

    /// The absolute, symlink-free path (the path itself when it cannot be resolved).
    package static func absolute(_ path: String) -> String {
        guard let p = realpath(path, nil) else { return path }
        defer { free(p) }
        return String(cString: p)
    }

    /// `/a/b/c` → (`/a/b`, `c`); `c` → (`.`, `c`); trailing slashes ignored.
    package static func split(_ path: String) -> (parent: String, name: String) {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return (".", String(p)) }
        let parent = p[..<slash]
        return (parent.isEmpty ? "/" : String(parent), String(p[p.index(after: slash)...]))
    }
}
