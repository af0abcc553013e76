// swift-tools-version:6.1
import PackageDescription

/// Strict settings for every target: Swift 6 language mode plus swift-log's upcoming features.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// Linux only: the sources call Glibc directly in many places (files, sockets, signals), so the
// package claims no other platform. IsothermPlatform is the seam a port would widen.
let package = Package(
    name: "isotherm",
    products: [
        .executable(name: "isotherm", targets: ["isotherm"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The live side only (IsothermLive, IsothermExchange): the Swift server ecosystem.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries: a missing -dev package fails the build here, not at run time.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // CRC-32C with the CPU's instruction (SSE 4.2), chosen at run time; C because Swift has no intrinsics.
        .target(name: "CIsothermCRC"),
        // Bytes: varints, little-endian fields, CRC-32C. No I/O.
        .target(name: "IsothermBinary", dependencies: ["CIsothermCRC"], swiftSettings: strictSettings),
        // The log: segments, batches, LZ4 frames, index, recovery, verify. Knows bytes, not markets.
        // The clocks, read in one place.
        .target(name: "IsothermPlatform", swiftSettings: strictSettings),
        .target(
            name: "IsothermLog", dependencies: ["CLZ4", "IsothermBinary", "IsothermPlatform"],
            swiftSettings: strictSettings),
        // Deterministic maths (erfc, cos, …) from IEEE-exact operations only: what reaches a decision or a generated
        // byte must not depend on the machine's libm. No I/O.
        .target(name: "IsothermMath", swiftSettings: strictSettings),
        // The event model: value types, event kinds, binary codec, JSON rendering. No I/O.
        .target(name: "IsothermEvents", dependencies: ["IsothermBinary"], swiftSettings: strictSettings),
        // Typed events over the byte log.
        .target(
            name: "IsothermStore", dependencies: ["IsothermLog", "IsothermEvents", "IsothermDigest"],
            swiftSettings: strictSettings),
        // Generated worlds: seeded, realistic event streams for demos, tests and benchmarks.
        // Importers: NWS CLI/CF6, IEM, NCEI, Visual Crossing and Kalshi formats into events. No I/O.
        .target(name: "IsothermImport", dependencies: ["IsothermEvents"], swiftSettings: strictSettings),
        .target(
            name: "IsothermWorld", dependencies: ["IsothermEvents", "IsothermMath"], swiftSettings: strictSettings),
        // Pure reducers: fees, brackets, market and portfolio state, the strategies. No I/O.
        .target(name: "IsothermCore", dependencies: ["IsothermEvents", "IsothermMath"], swiftSettings: strictSettings),
        // Backtests: merging logs, timers, the simulated exchange and its fill models, metrics, reports;
        // the broker of a session that trades at an exchange (its answers are inputs, read as Kalshi's).
        .target(
            name: "IsothermBacktest",
            dependencies: [
                "IsothermCore", "IsothermEvents", "IsothermStore", "IsothermDigest", "IsothermPlatform",
                "IsothermWorld", "IsothermKalshi", "IsothermImport",
            ],
            swiftSettings: strictSettings),
        // SHA-256 content hashes over OpenSSL's libcrypto.
        .target(name: "IsothermDigest", dependencies: ["COpenSSL"], swiftSettings: strictSettings),
        // HTTP(S) for backfills: a blocking HTTP/1.1 client over sockets and OpenSSL.
        .target(name: "IsothermNet", dependencies: ["COpenSSL", "IsothermPlatform"], swiftSettings: strictSettings),
        // Kalshi: request signing (RSA-PSS over OpenSSL); the live clients come next.
        .target(
            name: "IsothermKalshi",
            dependencies: ["COpenSSL", "IsothermNet", "IsothermImport", "IsothermEvents", "IsothermDigest"],
            swiftSettings: strictSettings),
        // Ingestion: resumable backfills (a page a unit of work between two manifests) and the weather
        // services' request plans.
        .target(
            name: "IsothermIngest",
            dependencies: [
                "IsothermNet", "IsothermStore", "IsothermDigest", "IsothermEvents", "IsothermImport", "IsothermKalshi",
                "IsothermPlatform",
            ],
            swiftSettings: strictSettings),
        // The live client on the Swift server ecosystem: signed, rate-limited Kalshi REST over async-http-client
        // (one pooled keep-alive connection), swift-log, swift-metrics (the WebSocket feed over WSClient next).
        // Its own target so that the core, the log and the backtest build without SwiftNIO.
        .target(
            name: "IsothermLive",
            dependencies: [
                "IsothermKalshi", "IsothermEvents", "IsothermImport", "IsothermPlatform", "IsothermWorld",
                "IsothermStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strictSettings),
        // The local Kalshi exchange (`isotherm exchange`): Kalshi's REST paths over Hummingbird on loopback,
        // signatures verified, orders matched by the backtest's simulated exchange against a world log's book.
        .target(
            name: "IsothermExchange",
            dependencies: [
                "IsothermKalshi", "IsothermEvents", "IsothermImport", "IsothermCore", "IsothermBacktest",
                "IsothermStore", "IsothermPlatform", "IsothermWorld",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings),
        // Scripted local HTTP(S) and WebSocket (ws/wss) servers and a throwaway CA for the tests (not shipped).
        .target(
            name: "IsothermTestSupport", dependencies: ["COpenSSL", "IsothermNet", "IsothermEvents", "IsothermImport"],
            swiftSettings: strictSettings),
        // PostgreSQL over libpq.
        .target(
            name: "IsothermPostgres",
            dependencies: [
                "CLibPQ", "IsothermEvents", "IsothermStore", "IsothermBacktest", "IsothermCore", "IsothermPlatform",
            ],
            swiftSettings: strictSettings),

        .executableTarget(
            name: "isotherm",
            dependencies: [
                "CLZ4", "IsothermLog", "IsothermEvents", "IsothermStore", "IsothermDigest", "IsothermPostgres",
                "IsothermWorld", "IsothermImport", "IsothermNet", "IsothermCore", "IsothermBacktest", "IsothermKalshi",
                "IsothermPlatform", "IsothermIngest", "IsothermLive", "IsothermExchange",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "isotherm-bench",
            dependencies: [
                "IsothermLog", "IsothermEvents", "IsothermStore", "IsothermWorld", "IsothermImport", "IsothermCore",
                "IsothermBacktest", "IsothermPostgres", "IsothermPlatform", "IsothermKalshi", "IsothermNet",
                "IsothermLive", "IsothermExchange", "IsothermTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "WSClient", package: "swift-websocket"),
            ],
            swiftSettings: strictSettings),

        .testTarget(
            name: "IsothermKalshiTests",
            dependencies: ["IsothermKalshi", "IsothermNet", "IsothermEvents", "IsothermImport", "IsothermTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermLiveTests",
            dependencies: [
                "IsothermLive", "IsothermExchange", "IsothermKalshi", "IsothermEvents", "IsothermCore",
                "IsothermImport",
                "IsothermBacktest", "IsothermStore", "IsothermWorld", "IsothermTestSupport", "IsothermPlatform",
                "IsothermLog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermNetTests", dependencies: ["IsothermNet", "IsothermTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermCoreTests", dependencies: ["IsothermCore", "IsothermEvents"], swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermBacktestTests",
            dependencies: [
                "IsothermBacktest", "IsothermCore", "IsothermEvents", "IsothermKalshi", "IsothermStore",
                "IsothermWorld",
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermIngestTests",
            dependencies: [
                "IsothermIngest", "IsothermEvents", "IsothermStore", "IsothermNet", "IsothermTestSupport",
                "IsothermImport",
            ],
            swiftSettings: strictSettings),
        .testTarget(name: "IsothermPlatformTests", dependencies: ["IsothermPlatform"], swiftSettings: strictSettings),
        .testTarget(name: "IsothermMathTests", dependencies: ["IsothermMath"], swiftSettings: strictSettings),
        .testTarget(name: "IsothermBinaryTests", dependencies: ["IsothermBinary"], swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermLogTests", dependencies: ["IsothermLog", "IsothermBinary"], swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermImportTests", dependencies: ["IsothermImport", "IsothermEvents"],
            exclude: ["Samples"], swiftSettings: strictSettings),
        .testTarget(name: "IsothermEventsTests", dependencies: ["IsothermEvents"], swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermStoreTests",
            dependencies: ["IsothermStore", "IsothermEvents", "IsothermLog", "IsothermWorld"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermWorldTests",
            dependencies: ["IsothermWorld", "IsothermEvents", "IsothermStore", "IsothermLog", "IsothermDigest"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermCLITests",
            dependencies: [
                "IsothermEvents", "IsothermStore", "IsothermImport", "IsothermDigest", "IsothermTestSupport",
                "IsothermKalshi",
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "IsothermSystemTests",
            dependencies: [
                "IsothermDigest", "IsothermPostgres", "IsothermEvents", "IsothermStore", "IsothermWorld",
                "IsothermBacktest", "IsothermCore", "IsothermTestSupport",
            ],
            swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: Fuzz targets (tools/fuzz)

// libFuzzer targets over every parser, run under AddressSanitizer by `tools/fuzz` (see `Fuzz/README.md`). They
// exist only when ISOTHERM_FUZZ=1, which tools/fuzz sets in its own scratch directory: they link only with
// `-sanitize=fuzzer` (libFuzzer's driver is in that runtime), and the project's own build stays as it was.
if Context.environment["ISOTHERM_FUZZ"] == "1" {
    /// One fuzz target: `Fuzz/Targets/<name>/<name>.swift`, linked with the driver in `Fuzz/Support`.
    func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
        .executableTarget(
            name: name, dependencies: dependencies + ["FuzzSupport"], path: "Fuzz/Targets/\(name)",
            swiftSettings: strictSettings)
    }
    let importer: [Target.Dependency] = ["IsothermImport", "IsothermEvents"]
    package.targets += [
        // `LLVMFuzzerRunDriver`, which libFuzzer's runtime (linked by -sanitize=fuzzer) defines.
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(
            name: "FuzzSupport", dependencies: ["CLibFuzzer", "IsothermEvents"], path: "Fuzz/Support",
            swiftSettings: strictSettings),
        fuzzTarget("FuzzNWSCLI", importer),
        fuzzTarget("FuzzNWSCF6", importer),
        fuzzTarget("FuzzIEMCLI", importer),
        fuzzTarget("FuzzIEMASOS", importer),
        fuzzTarget("FuzzNCEIDaily", importer),
        fuzzTarget("FuzzVisualCrossing", importer),
        fuzzTarget("FuzzNWSObservations", importer),
        fuzzTarget("FuzzKalshiREST", importer),
        fuzzTarget("FuzzKalshiWS", ["IsothermKalshi", "IsothermImport", "IsothermEvents"]),
        fuzzTarget("FuzzEventCodec", ["IsothermEvents", "IsothermBinary"]),
        fuzzTarget("FuzzLogReader", ["IsothermLog", "IsothermStore", "IsothermEvents", "IsothermBinary"]),
        // Writes the generated seeds (encoded event samples, small logs); compiles the test suite's EventSamples.
        .executableTarget(
            name: "FuzzSeeds",
            dependencies: ["IsothermEvents", "IsothermLog", "IsothermStore", "IsothermWorld", "FuzzSupport"],
            path: "Fuzz/Seeds", swiftSettings: strictSettings),
    ]
}
