import CBox2D
import Foundation

/// Privileged control for planning: the push controller on true states, and placing bodies at given states.
extension World {
    /// State row of the scene's actor, nil without one.
    public var actorRowIndex: Int? { actorRow >= 0 ? actorRow : nil }
    /// State row of the body the actor's policy pushes (`actor.policy.push`), nil without one.
    public var pushedRowIndex: Int? { pushRow >= 0 ? pushRow : nil }

    /// The scene's scripted push controller on the true states, towards any `goal`: get behind the pushed body
    /// (going round it if needed), then drive through it. A bounded action (length ≤ 1); zero without an actor and
    /// a pushed body. The recording policy adds its noise to this; `tumble plan` uses it as a privileged baseline.
    public func pushSteering(toward goal: SIMD2<Float>) -> SIMD2<Float> {
        guard actorRow >= 0, pushRow >= 0 else { return .zero }
        var s = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
        var ids = (rowIDs[actorRow], rowIDs[pushRow])
        withUnsafeMutableBytes(of: &s) { out in
            withUnsafeBytes(of: &ids) { tb_export_states(handle, $0.baseAddress!.assumingMemoryBound(to: Int32.self), 2,
                                                         out.baseAddress!.assumingMemoryBound(to: Float.self)) }
        }
        let pos = SIMD2(s.0, s.1), vel = SIMD2(s.3, s.4), block = SIMD2(s.6, s.7)
        let toGoal = goal - block
        let dist = Geometry.length(toGoal)
        guard dist > 1e-3 else { return -0.5 * vel }
        let d = toGoal / dist
        let reach = actorRadius + pushRadius + 0.15
        let rel = pos - block
        let target: SIMD2<Float>
        if (rel * d).sum() > -0.5 * reach {
            // On the goal side: go round the block on the side the actor is already on.
            let perp = SIMD2(-d.y, d.x)
            let side: Float = Geometry.cross(d, rel) >= 0 ? 1 : -1
            target = block + perp * side * reach * 1.3 - d * reach * 0.8
        } else if Geometry.length(pos - (block - d * reach)) > 0.35 * reach {
            target = block - d * reach
        } else {
            target = block + d * reach
        }
        let u = (target - pos) * 1.5 - vel * 0.6
        let n = Geometry.length(u)
        return n > 1 ? u / n : u
    }

    /// Puts every present body at its row of `states` (N×6: x, y, angle, vx, vy, ω, as `exportStates` writes them)
    /// and clears the actor's force. For rolling a planning copy of an episode forward from the true state: Box2D
    /// keeps no contact history across the move, and the move is not in the replay log, so a snapshot taken after
    /// it does not restore it.
    public func place(states: UnsafeBufferPointer<Float>) {
        precondition(states.count >= rows.count * 6, "place needs \(rows.count * 6) floats, got \(states.count)")
        for row in 0..<rows.count where bodyMask[row] {
            let s = states.baseAddress! + 6 * row
            tb_body_teleport(handle, rowIDs[row], s[0], s[1], s[2], s[3], s[4], s[5])
        }
        if actorRow >= 0 { tb_body_set_persistent_force(handle, rowIDs[actorRow], 0, 0) }
    }
}
