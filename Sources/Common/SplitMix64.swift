import Foundation

/// SplitMix64: the one seeded stream Tumble draws from (scene layouts, policies, dataset seeds, clip sampling,
/// the seeding of Tensor's xoshiro). Its whole state is one UInt64, so a checkpoint or a snapshot stores a
/// stream exactly. Each drawing rule below keeps the exact bits its callers have always drawn: changing one
/// would move every shipped scene layout, dataset and checkpoint.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The whole generator state; copying the struct forks the stream.
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The output function: a bijective mix of one 64-bit word.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        state &+= Self.gamma
        return Self.mix(state)
    }

    /// The inverse of `mix`, so a given output can be traced back to the seed that yields it.
    static func unmix(_ x: UInt64) -> UInt64 {
        var z = x ^ (x >> 31) ^ (x >> 62)
        z = z &* 0x3196_42B2_D24D_8EC3
        z = z ^ (z >> 27) ^ (z >> 54)
        z = z &* 0x96DE_1B17_3F11_9089
        return z ^ (z >> 30) ^ (z >> 60)
    }

    /// The seed whose stream's output `index` is `value` (`output(index, seed: result) == value`).
    public static func seed(yielding value: UInt64, at index: Int) -> UInt64 {
        unmix(value) &- UInt64(index + 1) &* gamma
    }

    /// Output `index` (0-based) of the stream seeded with `seed`, without drawing the ones before it.
    public static func output(_ index: Int, seed: UInt64) -> UInt64 {
        mix(seed &+ UInt64(index + 1) &* gamma)
    }

    // MARK: Sub-streams (two rules, both in shipped data)

    /// An independent stream for a named purpose (Physics: layout, policy); mixing the label into the
    /// state keeps sibling streams apart. Does not advance `self`.
    public func derived(_ label: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: state ^ (label &* 0xD6E8_FEB8_6659_FD93))
        return SplitMix64(seed: mixer.next())
    }

    /// A derived seed for one purpose or one episode of training (from a base seed and a tag).
    public static func derive(_ seed: UInt64, _ tag: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed ^ (tag &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return g.next()
    }

    // MARK: Single-precision draws (Physics: 24 bits, every value exact as a Float)

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func unitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [lower, upper]; a degenerate range returns `lower` but still draws once.
    public mutating func uniform(_ lower: Float, _ upper: Float) -> Float {
        let u = unitFloat()
        return lower == upper ? lower : lower + (upper - lower) * u
    }

    /// Uniform integer in lower...upper (`next() % span`).
    public mutating func integer(_ lower: Int, _ upper: Int) -> Int {
        precondition(lower <= upper)
        let span = UInt64(upper - lower) + 1
        return lower + Int(next() % span)
    }

    /// Standard normal in Float (Box–Muller, one draw pair per call).
    public mutating func normal() -> Float {
        let u1 = max(Float(next() >> 40) * 0x1p-24, 0x1p-25)
        let u2 = unitFloat()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }

    // MARK: Double-precision draws (training data side: 53 bits)

    /// Uniform in [0, n) from the top 53 bits (`(next() >> 11) % n`; bias negligible for n ≪ 2^32).
    public mutating func below(_ n: Int) -> Int { Int((next() >> 11) % UInt64(n)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal computed in Double, returned as Float (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
