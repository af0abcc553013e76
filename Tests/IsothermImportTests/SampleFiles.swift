import Foundation

/// The real-format samples committed next to these tests (see `Samples/SOURCES.md` for provenance).
enum SampleFiles {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Samples")
        .path

    static func text(_ relativePath: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + relativePath))
        return String(decoding: data, as: UTF8.self)
    }

    static func names(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/" + folder).sorted()
    }
}
