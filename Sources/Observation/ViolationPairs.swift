import Common
import Foundation
import Physics

/// One recorded matched pair: which type was injected and the first frame where the clips differ.
struct ViolationLabel: Equatable {
    var type: ViolationType
    var frame: Int
    var violation: Violation
}

extension ObservationStream {
    /// Label of the pair-level random stream, kept apart from the world's layout and policy streams.
    static let violationStreamLabel: UInt64 = 0x5649_4F4C  // "VIOL"
    /// Injection moments drawn at random first, exactly as before the full search existed, so a pair found within
    /// them keeps its bytes.
    static let violationTries = 8
    /// Plans drawn at each step of the window once the random moments failed (each may pick another body,
    /// teleport target or colour).
    static let violationDrawsPerStep = 4

    /// The injection window: steps `steps/5 ... steps/2` (at least step 1, at most `steps - 2`), so the clip has a
    /// history before the violation and frames after it.
    static func violationWindow(steps: Int) -> ClosedRange<Int> {
        let lo = max(1, steps / 5)
        return lo...min(steps - 2, max(lo, steps / 2))
    }

    /// Records an IntPhys-style matched pair from `seed`: the possible clip into `possible`, then the
    /// impossible one into `impossible`, replaying the same actions and injecting a violation of `type` — always
    /// that type, so a recording's types stay balanced. Moments come from the pair's own stream: first
    /// `violationTries` random steps of the window, then every step of the window (in an order drawn from the
    /// stream) with `violationDrawsPerStep` plans each. The label is the first frame that actually differs, so the
    /// clips share every frame before it by construction; a violation that never becomes visible counts as a
    /// failed moment. Throws a `RecordError` naming the scene, seed, pair and type when every moment fails.
    func recordPair(seed: UInt64, steps: Int, type: ViolationType, pair: Int,
                    possible: Slots, impossible: Slots) throws -> ViolationLabel {
        guard steps >= 3 else { throw RecordError("violation pairs need at least 3 steps per episode (got \(steps))") }
        try run(seed: seed, steps: steps, into: possible)
        var rng = SplitMix64(seed: seed).derived(Self.violationStreamLabel)
        let window = Self.violationWindow(steps: steps)
        let fb = frameByteCount
        func attempt(at: Int, plan label: UInt64) throws -> ViolationLabel? {
            var planRNG = rng.derived(label)
            let injection = Injection(step: at) { world in world.planViolation(type, rng: &planRNG) }
            guard let v = try run(seed: seed, steps: steps, into: impossible, replay: possible.actions,
                                  injection: injection, stopWithoutInjection: true) else { return nil }
            for t in (at + 1)..<steps where memcmp(possible.frames + t * fb, impossible.frames + t * fb, fb) != 0 {
                return ViolationLabel(type: type, frame: t, violation: v)
            }
            return nil
        }
        for k in 0..<Self.violationTries {
            if let label = try attempt(at: rng.integer(window.lowerBound, window.upperBound), plan: UInt64(k)) { return label }
        }
        var order = Array(window)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.integer(0, i)) }
        var label = UInt64(Self.violationTries)
        for at in order {
            for _ in 0..<Self.violationDrawsPerStep {
                if let found = try attempt(at: at, plan: label) { return found }
                label += 1
            }
        }
        let tries = Self.violationTries + order.count * Self.violationDrawsPerStep
        throw RecordError("scene \(scene.name), seed \(seed), pair \(pair): no visible \(type.rawValue) violation could be made at steps \(window.lowerBound)...\(window.upperBound) of \(steps) (\(tries) tries: \(Self.violationTries) random moments, then \(Self.violationDrawsPerStep) plans at every step). A pair never switches type, so types stay balanced: record longer clips (--steps), or use a copy of the scene without \(type.rawValue)")
    }
}
