import Common
import Foundation

/// A seeded, splittable random generator (xoshiro256**, seeded through SplitMix64) whose whole state fits
/// in a short string, so a checkpoint can restore it and a resumed run draws the same numbers.
public struct RNG: Equatable, Sendable {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator for `seed`; equal seeds give equal streams on every machine.
    public init(seed: UInt64) {
        var g = SplitMix64(seed: seed)
        s0 = g.next(); s1 = g.next(); s2 = g.next(); s3 = g.next()
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// A standard-normal sample (Box–Muller).
    public mutating func normal() -> Float {
        let u1 = max(uniformDouble(), 1e-300), u2 = uniformDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Uniform integer in 0..<bound (unbiased).
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "RNG.int(below:) needs a positive bound")
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let r = next()
            let m = r.multipliedFullWidth(by: b)
            if m.low >= threshold { return Int(m.high) }
        }
    }

    /// A random permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { a.swapAt(i, int(below: i + 1)) } }
        return a
    }

    /// An independent generator derived from this one's current state and `stream` (does not advance self).
    public func fork(stream: UInt64) -> RNG {
        var mix = RNG(seed: s0 ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        mix.s1 ^= s1; mix.s2 ^= s2; mix.s3 ^= s3 &+ stream
        if mix.s0 | mix.s1 | mix.s2 | mix.s3 == 0 { mix.s0 = 1 }
        return mix
    }

    mutating func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float) {
        var r = self
        var i = 0
        while i < count {
            let u1 = max(r.uniformDouble(), 1e-300), u2 = r.uniformDouble()
            let rad = (-2 * Foundation.log(u1)).squareRoot(), th = 2 * Double.pi * u2
            p[i] = mean + std * Float(rad * cos(th))
            if i + 1 < count { p[i + 1] = mean + std * Float(rad * sin(th)) }
            i += 2
        }
        self = r
    }

    mutating func fillUniform(_ p: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float) {
        var r = self
        let span = high - low
        for i in 0..<count { p[i] = low + span * r.uniform() }
        self = r
    }

    /// The full state as 64 hex digits (for checkpoint metadata).
    public var stateString: String {
        [s0, s1, s2, s3].map { v in
            let h = String(v, radix: 16)
            return String(repeating: "0", count: 16 - h.count) + h
        }.joined()
    }

    /// Restores a generator saved with `stateString`.
    public init(stateString: String) throws {
        let chars = Array(stateString)
        guard chars.count == 64 else {
            throw TensorError.invalidArgument(op: "RNG(stateString:)", message: "expected 64 hex digits, got \(chars.count) characters")
        }
        var words: [UInt64] = []
        for i in 0..<4 {
            guard let w = UInt64(String(chars[i * 16..<(i + 1) * 16]), radix: 16) else {
                throw TensorError.invalidArgument(op: "RNG(stateString:)", message: "'\(stateString)' is not hexadecimal")
            }
            words.append(w)
        }
        guard words.contains(where: { $0 != 0 }) else {
            throw TensorError.invalidArgument(op: "RNG(stateString:)", message: "the all-zero state is invalid")
        }
        s0 = words[0]; s1 = words[1]; s2 = words[2]; s3 = words[3]
    }
}
