import Foundation
import Testing

@testable import IsothermPlatform

/// The one set of file helpers (issue 13 point 8): what every command and module uses to list, read,
/// write and remove.
@Suite struct FilesTests {
    static func temporary() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(UUID().uuidString)").path
        mkdir(dir, 0o755)
        return dir
    }

    @Test func namesAreSortedAndATreeIsRemovedWithoutFollowingLinks() throws {
        let dir = Self.temporary()
        let outside = Self.temporary()
        defer { try? Files.removeTree(outside) }
        try Files.writeAtomically(outside + "/keep", Array("kept".utf8))
        mkdir(dir + "/b", 0o755)
        try Files.writeAtomically(dir + "/b/x", [1, 2, 3])
        try Files.writeAtomically(dir + "/a", [])
        symlink(outside, dir + "/link")
        #expect(try Files.names(in: dir) == ["a", "b", "link"])
        #expect(Files.isDirectory(dir + "/b") && !Files.isDirectory(dir + "/a") && Files.exists(dir + "/a"))
        try Files.removeTree(dir)
        #expect(!Files.exists(dir))
        #expect(try Files.readWhole(outside + "/keep") == Array("kept".utf8), "a link's target is never removed")
        try Files.removeTree(dir)  // gone already: nothing to do
        #expect(throws: FileError.self) { try Files.names(in: dir) }
    }

    @Test func writingReplacesWholeAndReadingRefusesWhatIsNotARegularFile() throws {
        let dir = Self.temporary()
        defer { try? Files.removeTree(dir) }
        try Files.writeAtomically(dir + "/f", Array(repeating: 7, count: 100_000))
        try Files.writeAtomically(dir + "/f", [1])
        #expect(try Files.readRegular(dir + "/f", maxBytes: 10) == [1])
        #expect(!Files.exists(dir + "/f.tmp"))
        mkfifo(dir + "/fifo", 0o600)
        #expect(throws: FileError(dir + "/fifo", "a FIFO (named pipe), not a regular file: give a file")) {
            try Files.readRegular(dir + "/fifo", maxBytes: 10)
        }
        #expect { try Files.readRegular(dir, maxBytes: 10) } throws: {
            "\($0)".contains("a directory, not a regular file")
        }
        try Files.writeAtomically(dir + "/big", Array(repeating: 0, count: 3 << 20))
        #expect { try Files.readRegular(dir + "/big", maxBytes: 2 << 20) } throws: {
            "\($0)".contains("more than the 2 MiB a file may hold")
        }
        #expect { try Files.readWhole(dir + "/missing") } throws: {
            "\($0)" == "\(dir)/missing: No such file or directory"
        }
    }

    @Test func pathsSplitIntoParentAndName() {
        #expect(Files.split("/a/b/c") == ("/a/b", "c"))
        #expect(Files.split("c") == (".", "c"))
        #expect(Files.split("/c/") == ("/", "c"))
        #expect(Files.absolute("/nonexistent/x") == "/nonexistent/x")
    }
}
