import Foundation
import IsothermDigest
import Testing

@Suite("SHA-256 over libcrypto")
struct SHA256Tests {
    @Test("FIPS 180-2 vectors: empty, \"abc\", a million 'a's")
    func knownVectors() {
        #expect(
            SHA256Hasher.hash([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Hasher.hash(Array("abc".utf8)).hex
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256Hasher.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("incremental hashing in uneven pieces equals one-shot hashing")
    func incrementalEqualsOneShot() {
        let data = Self.pseudoRandomBytes(count: 100_003, seed: 7)
        let oneShot = SHA256Hasher.hash(data)
        for pieceBytes in [1, 63, 64, 65, 4096, 99_999] {
            var hasher = SHA256Hasher()
            var start = 0
            while start < data.count {
                let end = min(start + pieceBytes, data.count)
                data[start..<end].withUnsafeBytes { hasher.update($0) }
                start = end
            }
            #expect(hasher.finalize() == oneShot, "pieces of \(pieceBytes) bytes")
        }
    }

    @Test("finalize leaves the hasher usable, and a copy forks the running hash")
    func valueSemantics() {
        var a = SHA256Hasher()
        a.update(Array("ab".utf8))
        let b = a
        #expect(a.finalize() == SHA256Hasher.hash(Array("ab".utf8)))
        a.update(Array("c".utf8))
        #expect(a.finalize().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(b.finalize() == SHA256Hasher.hash(Array("ab".utf8)))
    }

    @Test("hashFile matches sha256sum, across 1 MiB chunk boundaries and for an empty file")
    func hashFileMatchesSha256sum() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("isotherm-sha256-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        for (name, count) in [("empty", 0), ("small", 1000), ("chunks", 3 * SHA256Hasher.fileChunkBytes + 12_345)] {
            let url = dir.appendingPathComponent(name)
            let data = Self.pseudoRandomBytes(count: count, seed: UInt64(count))
            try Data(data).write(to: url)

            let digest = try SHA256Hasher.hashFile(path: url.path)
            #expect(digest == SHA256Hasher.hash(data), "\(name)")
            #expect(digest.hex == (try Self.sha256sum(url.path)), "\(name)")
        }
    }

    @Test("hashFile of a missing file throws openFailed naming the path")
    func hashFileMissing() {
        let path = "/nonexistent/isotherm/segment-000001.log"
        #expect {
            _ = try SHA256Hasher.hashFile(path: path)
        } throws: { error in
            guard let error = error as? DigestError else { return false }
            return error.code == .openFailed && error.path == path && error.message.contains(path)
                && !error.message.contains("\n")
        }
    }

    /// Runs the system's `sha256sum` and returns its hex digest.
    static func sha256sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "sha256sum exited with \(process.terminationStatus)")
        let text = String(decoding: output, as: UTF8.self)
        return String(text.prefix(while: { $0 != " " }))
    }

    /// Deterministic bytes from a seed (SplitMix64), so a failure reproduces.
    static func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            for i in 0..<8 where out.count < count {
                out.append(UInt8(truncatingIfNeeded: z >> (8 * UInt64(i))))
            }
        }
        return out
    }
}
