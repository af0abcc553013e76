import Glibc

/// The `isotherm` executable that `swift build` put next to the test bundle, for tests that run the
/// command line. Under `swift test` on Linux the test process is
/// `<scratch>/<triple>/debug/isothermPackageTests.xctest` (an executable, not a bundle) and
/// `isotherm` sits in the same directory; the search walks up a few levels from the test executable
/// until a directory holds a regular, executable `isotherm`. `ISOTHERM_BIN` overrides the search.
package enum IsothermExecutable {
    package static let path: String? = {
        if let override = getenv("ISOTHERM_BIN").map({ String(cString: $0) }), !override.isEmpty {
            return isExecutableFile(override) ? override : nil
        }
        var starts: [String] = []
        if let exe = resolved("/proc/self/exe") { starts.append(exe) }
        if let arg0 = CommandLine.arguments.first, let exe = resolved(arg0) { starts.append(exe) }
        for start in starts {
            var dir = parent(start)
            for _ in 0..<4 {
                let candidate = dir + "/isotherm"
                if isExecutableFile(candidate) { return candidate }
                dir = parent(dir)
            }
        }
        return nil
    }()

    private static func resolved(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var s = stat()
        return stat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}
