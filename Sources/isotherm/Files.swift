import Glibc
import IsothermPlatform

/// Removes the hidden working directories `parent/PREFIX<pid>` of earlier runs of a command (`what`)
/// whose process is gone, saying so on standard error.
func removeStaleTemporaries(in parent: String, prefix: String, what: String) throws {
    for entry in (try? Files.names(in: parent)) ?? [] where entry.hasPrefix(prefix) {
        guard let pid = Int32(entry.dropFirst(prefix.count)), pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH {
            printError("removing \(parent)/\(entry), left by a \(what) that did not finish (pid \(pid))")
            try Files.removeTree(parent + "/" + entry)
        }
    }
}
