/// Seeded generator for the data side of training (clip sampling, live-episode seeds). Its whole state
/// is one UInt64, so a checkpoint stores it exactly and a resumed run draws the same clips.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, n) without modulo bias worth caring about at these sizes (n ≪ 2^32).
    mutating func below(_ n: Int) -> Int { Int((next() >> 11) % UInt64(n)) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal by Box–Muller.
    mutating func nextGaussian() -> Float {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A derived, independent stream (for one purpose or one episode) from a base seed and a tag.
    static func derive(_ seed: UInt64, _ tag: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed ^ (tag &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return g.next()
    }
}

import Foundation
