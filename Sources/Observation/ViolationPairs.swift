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
    /// Injection moments tried per violation type before falling back to the next type.
    static let violationTries = 8

    /// Records an IntPhys-style matched pair from `seed`: the possible clip into `possible`, then the
    /// impossible one into `impossible`, replaying the same actions and injecting a violation of
    /// `preferred` type (or, if the world offers none, another of `types`) at a step drawn from the
    /// pair's own stream. The label is the first frame that actually differs, so the clips share
    /// every frame before it by construction; a violation that never becomes visible is retried.
    func recordPair(seed: UInt64, steps: Int, preferred: ViolationType, types: [ViolationType],
                    possible: Slots, impossible: Slots) throws -> ViolationLabel {
        guard steps >= 3 else { throw RecordError("violation pairs need at least 3 steps per episode (got \(steps))") }
        try run(seed: seed, steps: steps, into: possible)
        var rng = SplitMix64(seed: seed).derived(Self.violationStreamLabel)
        let order = [preferred] + types.filter { $0 != preferred }
        let lo = max(1, steps / 5), hi = min(steps - 2, max(lo, steps / 2))
        let fb = frameByteCount
        // The preferred type gets all its tries first, so types stay balanced across pairs.
        for type in order {
            for attempt in 0..<Self.violationTries {
                let at = rng.integer(lo, hi)
                var planRNG = rng.derived(UInt64(attempt))
                let injection = Injection(step: at) { world in world.planViolation(type, rng: &planRNG) }
                guard let v = try run(seed: seed, steps: steps, into: impossible, replay: possible.actions,
                                      injection: injection, stopWithoutInjection: true) else { continue }
                for t in (at + 1)..<steps where memcmp(possible.frames + t * fb, impossible.frames + t * fb, fb) != 0 {
                    return ViolationLabel(type: type, frame: t, violation: v)
                }
            }
        }
        throw RecordError("scene \(scene.name): no visible violation of \(order.map(\.rawValue).joined(separator: "/")) could be made for seed \(seed) in \(steps) steps after \(Self.violationTries) tries each")
    }
}

