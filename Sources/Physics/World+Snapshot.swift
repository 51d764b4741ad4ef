import Common

/// A point in an episode that `World.restore(_:)` returns to.
///
/// Exactness: restoring is bit-exact. Box2D cannot copy a world (contact caches and warm-starting impulses live
/// inside it), so a snapshot records the episode's seed, every action, violation and pull since reset, and the policy
/// stream's state; `restore` rebuilds the episode from its seed and replays that log. The cost is proportional to
/// `stepIndex` (a few milliseconds for a minute of a small scene).
public struct WorldSnapshot: Sendable, Equatable {
    let sceneName: String
    let sceneSource: String
    let seed: UInt64
    let stepIndex: Int
    let actions: [SIMD2<Float>]
    let events: [LoggedEvent]
    let policyRNG: SplitMix64
    let noise: SIMD2<Float>

    /// Observation index the snapshot was taken at.
    public var step: Int { stepIndex }
}

extension World {
    /// Whether `s` was taken from a world of this scene.
    public func canRestore(_ s: WorldSnapshot) -> Bool { s.sceneName == scene.name && s.sceneSource == scene.source }

    public func snapshot() -> WorldSnapshot {
        WorldSnapshot(sceneName: scene.name, sceneSource: scene.source, seed: seed, stepIndex: stepIndex, actions: log.actions, events: log.events,
                      policyRNG: policyRNG, noise: noise)
    }

    /// Returns to the snapshot's moment, exactly (see `WorldSnapshot`). The snapshot must come from a world of the
    /// same scene (checked: `canRestore(_:)`); restoring another scene's snapshot is a programming error and traps.
    public func restore(_ s: WorldSnapshot) {
        precondition(canRestore(s), "snapshot of scene \(s.sceneName) restored into scene \(scene.name)")
        reset(seed: s.seed)
        var next = 0
        func replayDue(_ step: Int) {
            while next < s.events.count && s.events[next].step == step {
                switch s.events[next].event {
                case let .violation(v): try? inject(v)
                case let .pull(p): apply(p)
                }
                next += 1
            }
        }
        var action: [Float] = [0, 0]
        for i in 0..<s.stepIndex {
            replayDue(i)
            if actionDimension > 0 {
                action[0] = s.actions[i].x
                action[1] = s.actions[i].y
            }
            action.withUnsafeBufferPointer { step(action: actionDimension > 0 ? $0 : nil) }
        }
        replayDue(s.stepIndex)
        policyRNG = s.policyRNG
        noise = s.noise
    }
}
