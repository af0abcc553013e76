import Foundation
import IsothermEvents
import IsothermImport
import IsothermPlatform
import IsothermStore
import IsothermTestSupport
import Testing

@testable import IsothermIngest

/// `import file` as a library (moved out of the CLI, issue 13 point 7): a content is imported once.
@Suite struct FileImportTests {
    static func observations(_ from: String, _ to: String) -> [UInt8] {
        guard case .respond(_, _, let body, _) = FakeWeather.nwsObservations("/x?start=\(from)&end=\(to)", step: 3_600)
        else { return [] }
        return body
    }

    @Test func aContentIsImportedOnceWhateverItsName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fileimport-\(UUID())").path
        mkdir(dir, 0o755)
        defer { try? Files.removeTree(dir) }
        try Files.writeAtomically(dir + "/a.json", Self.observations("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z"))
        try Files.writeAtomically(dir + "/b.json", Self.observations("2025-03-02T00:00:00Z", "2025-03-02T12:00:00Z"))
        try Files.writeAtomically(dir + "/copy.json", try Files.readWhole(dir + "/a.json"))
        try Files.writeAtomically(dir + "/none.json", Array(#"{"type":"FeatureCollection","features":[]}"#.utf8))
        let importer = FileImport(
            format: .nwsObservations, options: ImportFormat.Options(), maxBytes: 1 << 20, engineVersion: "test")
        let log = dir + "/log"
        let first = try importer.run(
            [dir + "/a.json", dir + "/b.json", dir + "/copy.json", dir + "/none.json"], into: log)
        #expect(first.map(\.appended) == [24, 12, 0, 0])
        #expect(first[2].note == "skipped: same content as \(dir)/a.json")
        #expect(first[3].note == "no events in it; not recorded")
        let again = try importer.run([dir + "/copy.json"], into: log)
        #expect(again.first?.appended == 0 && again.first?.note?.hasPrefix("already imported (sequence ") == true)
        var observations = 0
        var manifests = 0
        try EventLogReader(directory: log).forEach { _, r in
            switch r.event {
            case .observation: observations += 1
            case .runManifest: manifests += 1
            default: break
            }
            return true
        }
        #expect(observations == 36 && manifests == 4, "two files, each between two manifests")
        #expect(throws: FileError.self) { try importer.run([dir], into: log) }
    }
}
