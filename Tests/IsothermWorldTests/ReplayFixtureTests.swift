import Foundation
import IsothermDigest
import IsothermEvents
import IsothermLog
import IsothermStore
import Testing

@testable import IsothermWorld

/// The committed generated days in `replay-fixtures/`: they stay readable, keep their hashes, and
/// the generator still writes exactly those bytes (when it changes on purpose, run
/// `tools/make-fixtures` and bump `WorldPlan.generatorVersion`).
@Suite struct ReplayFixtureTests {
    struct Manifest: Decodable {
        struct City: Decodable {
            var city: String
            var log: String
            var events: Int
            var content_sha256: String
        }
        var start: String
        var end: String
        var seed: String
        var generator: String
        var engine_version: String
        var cities: [City]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("replay-fixtures/world-2025-11-20").path

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/generate.json")))
    }

    @Test func fixturesVerifyAndKeepTheirHashes() throws {
        let m = try Self.manifest()
        #expect(m.cities.map(\.city) == ["NY", "CHI"])
        for c in m.cities {
            let dir = Self.root + "/" + c.log
            #expect(try LogVerifier.verify(directory: dir).isClean, "\(dir)")
            #expect(try LogContentHash.sha256(directory: dir).hex == c.content_sha256, "\(dir)")
            var count = 0
            var previous = Timestamp(nanos: Int64.min)
            try EventLogReader(directory: dir).forEach { _, record in
                count += 1
                #expect(record.time >= previous)
                previous = record.time
                return true
            }
            #expect(count == c.events)
        }
    }

    @Test func theGeneratorStillWritesTheFixturesBytes() throws {
        let m = try Self.manifest()
        #expect(m.generator == WorldPlan.generatorVersion, "generator changed: run tools/make-fixtures")
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("isotherm-fixture-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        for c in m.cities {
            var world = CityWorld(
                city: WorldCity.named(c.city)!, seed: UInt64(m.seed)!, start: LocalDate(iso8601: m.start)!,
                end: LocalDate(iso8601: m.end)!, engineVersion: m.engine_version)
            let writer = try EventLogWriter(directory: tmp + "/" + c.city)
            while let r = world.next() { _ = try writer.append(r) }
            try writer.close()
            #expect(try LogContentHash.sha256(directory: tmp + "/" + c.city).hex == c.content_sha256, "\(c.city)")
            // Byte for byte too (the content hash covers the events, not how they were batched).
            let fixture = Self.root + "/" + c.log
            let segments = try FileManager.default.contentsOfDirectory(atPath: fixture).filter { $0.hasSuffix(".lz4") }
            #expect(!segments.isEmpty)
            for name in segments {
                let expected = try Data(contentsOf: URL(fileURLWithPath: fixture + "/" + name))
                let written = try Data(contentsOf: URL(fileURLWithPath: tmp + "/" + c.city + "/" + name))
                #expect(written == expected, "\(c.city)/\(name) differs from the fixture")
            }
        }
    }
}
