import Glibc

/// An open file descriptor, closed when the object goes away. Thin wrappers over `pread`,
/// `pwrite`, `fstat`, `fdatasync` and `ftruncate` that retry on `EINTR` and throw ``LogError``.
final class LogFile {
    /// The descriptor.
    let fd: Int32
    /// The path it was opened with (for error messages).
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { _ = Glibc.close(fd) }

    /// Opens a file. The corresponding C function is `open`.
    /// - Parameters:
    ///   - path: the file.
    ///   - flags: `O_*` flags; `O_CLOEXEC` is added.
    ///   - mode: permissions when creating.
    /// - Returns: the open file.
    /// - Throws: ``LogError/Code/notFound`` for `ENOENT`, otherwise ``LogError/Code/io``.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(LogError) -> LogFile {
        var fd: Int32 = -1
        for _ in 0..<100 {
            fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 || errno != EINTR { break }
        }
        guard fd >= 0 else { throw LogFile.error("open", path: path) }
        return LogFile(fd: fd, path: path)
    }

    /// The error for a failed system call, from `errno`.
    static func error(_ call: String, path: String, offset: Int64? = nil) -> LogError {
        let e = errno
        let text = String(cString: strerror(e))
        return LogError(e == ENOENT ? .notFound : .io, "\(call): \(text)", path: path, offset: offset, errno: e)
    }

    /// Reads up to `buffer.count` bytes at `offset`, stopping early only at end of file.
    /// The corresponding C function is `pread`.
    /// - Returns: bytes read (less than asked only at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(LogError) -> Int {
        var done = 0
        var eintr = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n > 0 {
                done += n
            } else if n == 0 {
                break
            } else if errno == EINTR && eintr < 100 {
                eintr += 1
            } else {
                throw LogFile.error("pread", path: path, offset: offset)
            }
        }
        return done
    }

    /// Reads exactly `buffer.count` bytes at `offset` into an array-backed buffer.
    /// - Returns: bytes read.
    func read(into array: inout [UInt8], count: Int, at offset: Int64) throws(LogError) -> Int {
        if array.count < count { array.append(contentsOf: repeatElement(0, count: count - array.count)) }
        return try array.withMutableBytes { (b) throws(LogError) -> Int in
            try read(into: UnsafeMutableRawBufferPointer(rebasing: b[0..<count]), at: offset)
        }
    }

    /// Writes all of `bytes` at `offset`: one `pwrite`, repeated only after a short write.
    /// The corresponding C function is `pwrite`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(LogError) {
        var done = 0
        var tries = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n > 0 {
                done += n
            } else if (n < 0 && errno == EINTR) || (n == 0 && tries < 100) {
                tries += 1
                guard tries < 1000 else { throw LogError(.io, "pwrite makes no progress", path: path, offset: offset) }
            } else {
                throw LogFile.error("pwrite", path: path, offset: offset)
            }
        }
    }

    /// The current file size. The corresponding C function is `fstat`.
    func size() throws(LogError) -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LogFile.error("fstat", path: path) }
        return Int64(st.st_size)
    }

    /// Flushes the file's data to the device. The corresponding C function is `fdatasync`.
    func sync() throws(LogError) {
        guard fdatasync(fd) == 0 else { throw LogFile.error("fdatasync", path: path) }
    }

    /// Cuts the file to `length` bytes. The corresponding C function is `ftruncate`.
    func truncate(to length: Int64) throws(LogError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw LogFile.error("ftruncate", path: path, offset: length) }
    }

    /// Takes an exclusive, non-blocking `flock`. The corresponding C function is `flock`.
    /// - Returns: false when another open file description holds the lock.
    func tryLockExclusive() throws(LogError) -> Bool {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw LogFile.error("flock", path: path)
    }
}
