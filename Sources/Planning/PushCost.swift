import Foundation
import Physics

/// The planner's cost of a predicted path: how far the pushed body stays from the goal, plus a smaller term that
/// brings the actor to the pushing side of the body.
///
/// Per step t of T: ‖b_t − g‖ + `reachWeight` · ‖p_t − (b_t − `contact` · u_t)‖, with b the pushed body, p the
/// actor, g the goal and u_t the unit vector from b_t to g; the mean over the steps plus the last step's
/// ‖b_T − g‖ again (where the sequence leaves the body counts twice). Why the reach term: the goal frame shows only
/// the body, so without it a cost flat in the actor gives the planner nothing to follow until the actor touches the
/// body. Both predictors are scored by this same function, on their own reading of positions and goal.
public struct PushCost: Equatable, Codable, Sendable {
    public var reachWeight: Float = 1
    /// Distance behind the body's centre where the actor pushes from (world units): actor radius + a typical
    /// half-size of the body.
    public var contact: Float = 2.0

    public init() {}

    /// Costs of S paths `[S, T, 2, 2]` (actor x, y, body x, y per step) towards `goal`.
    public func callAsFunction(paths: [Float], samples s: Int, steps t: Int, goal: SIMD2<Float>) -> [Float] {
        var out = [Float](repeating: 0, count: s)
        for i in 0..<s {
            var total: Float = 0, last: Float = 0
            for j in 0..<t {
                let o = (i * t + j) * 4
                let p = SIMD2(paths[o], paths[o + 1]), b = SIMD2(paths[o + 2], paths[o + 3])
                let toGoal = goal - b
                let distance = Geometry.length(toGoal)
                let u = distance > 1e-4 ? toGoal / distance : .zero
                let behind = b - contact * u - p
                total += distance + reachWeight * Geometry.length(behind)
                last = distance
            }
            out[i] = total / Float(t) + last
        }
        return out
    }
}
