import CLibFuzzer
import Glibc

/// What a fuzz target does with one input: libFuzzer's per-input callback. Returns 0.
public typealias FuzzEntry = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Starts libFuzzer from a target's `@main`.
///
/// SwiftPM links an executable target with `--defsym main=<Target>_main`, so the target's own `main`
/// runs, not libFuzzer's: it hands its callback to `LLVMFuzzerRunDriver`, which reads libFuzzer's
/// flags and corpus directories from the command line as libFuzzer's `main` would.
public enum FuzzDriver {
    /// Runs libFuzzer with `entry` as the per-input callback, then exits with libFuzzer's status.
    public static func run(_ entry: FuzzEntry) -> Never {
        registeredEntry = entry
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, entry))
    }

    /// The input as an array (the parsers take `[UInt8]`).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}

nonisolated(unsafe) private var registeredEntry: FuzzEntry?

/// libFuzzer's `main` (in the runtime archive `-sanitize=fuzzer` links) refers to this symbol, so it
/// must exist even though the target's own `main` runs instead; it forwards to the registered entry.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let entry = registeredEntry else { return 0 }
    return entry(data, size)
}
