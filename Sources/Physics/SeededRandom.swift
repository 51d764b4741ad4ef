import Foundation

/// A small, fast, seedable random stream (SplitMix64).
///
/// Randomness lives outside Box2D: every episode owns its own streams, derived from the episode seed, so the same
/// seed gives the same world on any run of the same binary, and streams for different purposes (layout, policy)
/// never disturb each other.
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The whole generator state; copying the struct forks the stream.
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream for a named purpose: mixing the label into the seed keeps sibling streams apart.
    public func derived(_ label: UInt64) -> SeededRandom {
        var mixer = SeededRandom(seed: state ^ (label &* 0xD6E8_FEB8_6659_FD93))
        return SeededRandom(seed: mixer.next())
    }

    /// Uniform in [0, 1) with 24 random bits (every value exactly representable as Float).
    public mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [lower, upper]; a degenerate range returns `lower` without consuming less randomness.
    public mutating func uniform(_ lower: Float, _ upper: Float) -> Float {
        let u = unit()
        return lower == upper ? lower : lower + (upper - lower) * u
    }

    /// Uniform integer in lower...upper.
    public mutating func integer(_ lower: Int, _ upper: Int) -> Int {
        precondition(lower <= upper)
        let span = UInt64(upper - lower) + 1
        return lower + Int(next() % span)
    }

    /// Standard normal (Box–Muller; one draw per call keeps the stream position simple to reason about).
    public mutating func normal() -> Float {
        let u1 = max(Float(next() >> 40) * 0x1p-24, 0x1p-25)
        let u2 = unit()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }
}
