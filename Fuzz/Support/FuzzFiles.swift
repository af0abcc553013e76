import Glibc

/// Directory chores the seed writer and the log target share (plain POSIX: the targets link no Foundation).
package enum FuzzFiles {
    /// The names in `directory`, without `.` and `..`; empty when it cannot be opened.
    package static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes everything inside `directory` (one level of subdirectories: a log's `quarantine/`).
    package static func emptyDirectory(_ directory: String) {
        for name in list(directory) {
            let path = directory + "/" + name
            if unlink(path) != 0 {
                for inner in list(path) { unlink(path + "/" + inner) }
                rmdir(path)
            }
        }
    }

    /// Removes `directory` and what ``emptyDirectory(_:)`` removes.
    package static func removeTree(_ directory: String) {
        emptyDirectory(directory)
        rmdir(directory)
    }
}
