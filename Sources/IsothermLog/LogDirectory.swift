import Glibc

/// Names and lists the files of a log directory.
enum LogDirectory {
    /// Name of the lock file.
    static let lockName = "LOCK"
    /// Name of the folder torn tails are moved to.
    static let quarantineName = "quarantine"

    /// Joins a directory and a file name.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Whether a writer holds the log's lock now (a final batch that fails its CRC may then be one it is
    /// still writing). Tries the lock without waiting and releases it at once. The corresponding C
    /// function is `flock`.
    static func writerIsActive(_ directory: String) -> Bool {
        let fd = open(join(directory, lockName), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// What to tell a user about a final batch that is complete but fails its CRC.
    static func damagedTailAdvice(_ directory: String) -> String {
        "a complete batch that fails its CRC is damage, not a torn write; nothing was changed. To move it aside "
            + "(to quarantine/) and append after it, run `isotherm log quarantine \(directory)`"
    }

    /// The segments of a log, sorted by base sequence, with their sizes and header days.
    /// - Parameter directory: the log directory.
    /// - Returns: one entry per `<20 digits>.lz4` file; other files are ignored.
    /// - Throws: ``LogError/Code/notFound`` when the directory does not exist.
    static func segments(in directory: String) throws(LogError) -> [SegmentInfo] {
        guard FileSystem.isDirectory(directory) else {
            throw LogError(.notFound, "no log directory", path: directory)
        }
        let scanner = SegmentScanner()
        var result: [SegmentInfo] = []
        for name in try FileSystem.list(directory) {
            guard let base = LogFormat.baseSequence(ofSegmentFileName: name) else { continue }
            let path = join(directory, name)
            let file = try LogFile.open(path, O_RDONLY)
            let size = try file.size()
            let header = try? scanner.readSegmentHeader(file, fileBytes: size)
            result.append(SegmentInfo(path: path, baseSequence: base, fileBytes: size, utcDay: header?.utcDay))
        }
        return result.sorted { $0.baseSequence < $1.baseSequence }
    }
}
