/// A seeded 64-bit generator (Steele, Lea & Flood's SplitMix64, as in swift-argument-parser's tests):
/// the same seed gives the same stream on every machine, in debug and release.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (bound > 0), without modulo bias worth caring about here.
    package mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        return UInt64((UInt128(next()) * UInt128(bound)) >> 64)
    }

    /// A uniform double in [0, 1).
    package mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// An approximately standard normal value (sum of four uniforms, rescaled): cheap and deterministic.
    package mutating func gaussian() -> Double {
        (unit() + unit() + unit() + unit() - 2.0) * 1.7320508075688772
    }
}
