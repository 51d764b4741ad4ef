import Common
import Foundation
import Observation
import Physics

/// One planning episode of a push scene: a held-out start (the episode seed's layout) and a goal pose for the
/// pushed body, drawn from the seed's own stream so any episode can be re-made from its seed alone.
public struct PushEpisode: Equatable, Sendable {
    public var seed: UInt64
    /// Goal centre (x, y, world units) and angle (radians) of the pushed body.
    public var goal: SIMD2<Float>
    public var goalAngle: Float
    public init(seed: UInt64, goal: SIMD2<Float>, goalAngle: Float) { self.seed = seed; self.goal = goal; self.goalAngle = goalAngle }
}

/// What `tumble plan` asks of a scene: an actor that pushes a body (`actor.policy.push`), goals for that body, and
/// success judged on the simulator's true state.
public struct PushTask {
    /// Goal centres are drawn at least this far from the body's start (world units), so no episode starts solved.
    public static let minimumGoalDistance: Float = 4
    /// ... and this far from the actor's start, so the goal frame shows the two apart.
    public static let actorClearance: Float = 3
    /// Goal centres keep this far from the camera's edges, so the body fits beside the walls.
    public static let goalMargin: Float = 3.5

    public let scene: Scene
    /// Success: the pushed body's centre within this distance of the goal centre (world units).
    public var successRadius: Float = 1
    /// With a value: the body's angle must also be within it of the goal angle (radians, modulo the body's symmetry).
    public var angleTolerance: Float?
    /// State rows of the actor and the pushed body.
    public let actorRow: Int, pushedRow: Int
    /// Rotational symmetry of the pushed body's shape (2 for a box: angles match modulo π); 0 never turns visibly.
    public let pushedSymmetry: Int

    /// Throws `PlanError.unsupportedScene` naming what the scene lacks.
    public init(scene: Scene, angleTolerance: Float? = nil) throws {
        self.angleTolerance = angleTolerance
        let world = try World(scene: scene)
        guard let actor = world.actorRowIndex, let pushed = world.pushedRowIndex else {
            throw PlanError.unsupportedScene(scene.name, "an actor whose policy pushes a body (`actor.policy.push`)")
        }
        self.scene = scene
        actorRow = actor; pushedRow = pushed
        pushedSymmetry = scene.shapeSymmetry(ofRow: pushed)
    }

    /// Episode `index` of the plan run with seed base `base`: the seed follows `tumble record`'s rule, and the goal
    /// is drawn uniformly inside the view (`goalMargin` from its edges), `minimumGoalDistance` from the start.
    public func episode(base: UInt64, index: Int, world: World) -> PushEpisode {
        let seed = EpisodeSeeds.seed(base: base, index: index)
        world.reset(seed: seed)
        var s = [Float](repeating: 0, count: world.bodyCount * 6)
        s.withUnsafeMutableBufferPointer { world.exportStates(into: $0) }
        let start = SIMD2(s[6 * pushedRow], s[6 * pushedRow + 1]), actor = SIMD2(s[6 * actorRow], s[6 * actorRow + 1])
        var rng = SplitMix64(seed: seed).derived(0x9047)
        let cam = world.camera, m = Self.goalMargin
        var goal = SIMD2<Float>(repeating: 0)
        for _ in 0..<1000 {
            goal = SIMD2(rng.uniform(cam.minX + m, cam.maxX - m), rng.uniform(cam.minY + m, cam.maxY - m))
            if Geometry.length(goal - start) >= Self.minimumGoalDistance && Geometry.length(goal - actor) >= Self.actorClearance { break }
        }
        return PushEpisode(seed: seed, goal: goal, goalAngle: rng.uniform(-.pi, .pi))
    }

    /// Distance of the pushed body's centre from the goal, from true states (N×6).
    public func distance(states: UnsafeBufferPointer<Float>, episode: PushEpisode) -> Float {
        Geometry.length(SIMD2(states[6 * pushedRow], states[6 * pushedRow + 1]) - episode.goal)
    }

    /// Whether true states (N×6) meet the goal: centre within `successRadius`, and the angle when asked.
    public func succeeded(states: UnsafeBufferPointer<Float>, episode: PushEpisode) -> Bool {
        guard distance(states: states, episode: episode) <= successRadius else { return false }
        guard let tolerance = angleTolerance, pushedSymmetry > 0 else { return true }
        let period = 2 * Float.pi / Float(pushedSymmetry)
        var d = (states[6 * pushedRow + 2] - episode.goalAngle).truncatingRemainder(dividingBy: period)
        if d < 0 { d += period }
        return min(d, period - d) <= tolerance
    }

    /// The goal as the planner sees it: the current frame with the pushed body moved to its goal pose. The actor
    /// stays where it is (goals are drawn clear of it): a frame without it would be one the model never saw, and its
    /// read-out of the body from such a frame is off by metres.
    public func goalFrame(stream: ObservationStream, episode: PushEpisode) -> [UInt8] {
        var drawables: [Drawable] = []
        stream.world.drawables(into: &drawables)
        var s = [Float](repeating: 0, count: stream.bodyCount * 6)
        s.withUnsafeMutableBufferPointer { stream.world.exportStates(into: $0) }
        let from = SIMD2(s[6 * pushedRow], s[6 * pushedRow + 1]), turn = episode.goalAngle - s[6 * pushedRow + 2]
        let c = cosf(turn), sn = sinf(turn)
        func move(_ p: SIMD2<Float>) -> SIMD2<Float> {
            let r = p - from
            return episode.goal + SIMD2(c * r.x - sn * r.y, sn * r.x + c * r.y)
        }
        drawables = drawables.map { d in
            guard d.body == pushedRow else { return d }
            var moved = d
            switch d.geometry {
            case let .circle(centre, radius, angle): moved.geometry = .circle(center: move(centre), radius: radius, angle: angle + turn)
            case let .polygon(points): moved.geometry = .polygon(points.map(move))
            case let .segment(a, b, thickness): moved.geometry = .segment(move(a), move(b), thickness: thickness)
            }
            return moved
        }
        var frame = [UInt8](repeating: 0, count: stream.frameByteCount)
        frame.withUnsafeMutableBufferPointer { stream.rasterizer.draw(drawables, camera: stream.world.camera, into: $0) }
        return frame
    }
}

/// Why a plan run cannot start or a report cannot be verified.
public enum PlanError: Error, CustomStringConvertible, Equatable {
    case unsupportedScene(String, String)
    case invalidArgument(String)
    case modelMismatch(String)
    case report(String, String)

    public var description: String {
        switch self {
        case let .unsupportedScene(scene, needs): return "scene \(scene) cannot be planned in: it needs \(needs)"
        case let .invalidArgument(message): return message
        case let .modelMismatch(message): return message
        case let .report(file, message): return "\(file): \(message)"
        }
    }
}
