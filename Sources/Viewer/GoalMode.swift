import Foundation
import Observation
import Physics
import Planning

/// Goal mode (G, or `--goal X,Y`): the world model plans the pusher's actions towards a goal the user placed for the
/// pushed body, with the same controller `tumble plan` measures (`PushController`, kind `.model`). One `GoalRun` per
/// goal; the sandbox steps it (see `Sandbox+Goal`), the window draws it (see `Viewer+Goal`).
final class GoalRun {
    let task: PushTask
    let controller: PushController
    let episode: PushEpisode
    /// Whether the controller has the current episode's history. False after the goal is placed, a reset or a jump
    /// along the timeline: it begins at the next step, from the observation that step renders.
    var started = false
    /// The observation (world step index) at which the body first reached the goal; the pusher rests from then on.
    var reachedAtStep: Int?
    /// Distance of the pushed body's centre from the goal (true state, world units).
    var distance: Float
    /// Plans made since the goal was placed, and their summed wall time.
    private(set) var plans = 0
    private(set) var planMilliseconds: Double = 0
    /// Where the actor and the body were when the last plan was made: its imagined path starts there.
    private(set) var planOrigin: (actor: SIMD2<Float>, body: SIMD2<Float>)?

    init(task: PushTask, controller: PushController, episode: PushEpisode, states: UnsafeBufferPointer<Float>) {
        self.task = task; self.controller = controller; self.episode = episode
        distance = task.distance(states: states, episode: episode)
    }

    var goal: SIMD2<Float> { episode.goal }
    var lastPlan: PushController.LastPlan? { controller.lastPlan }
    var reached: Bool { reachedAtStep != nil }
    var meanPlanMilliseconds: Double? { plans > 0 ? planMilliseconds / Double(plans) : nil }

    /// The actor's action for the current observation of `stream` (which the controller has begun on): the plan's,
    /// or rest once the goal is reached.
    func action(stream: ObservationStream, states: UnsafeBufferPointer<Float>) throws -> SIMD2<Float> {
        guard !reached else { return .zero }
        let before = controller.planMilliseconds.count
        let a = try controller.action(stream: stream)
        if controller.planMilliseconds.count > before, let ms = controller.planMilliseconds.last {
            plans += 1
            planMilliseconds += ms
            planOrigin = (SIMD2(states[6 * task.actorRow], states[6 * task.actorRow + 1]),
                          SIMD2(states[6 * task.pushedRow], states[6 * task.pushedRow + 1]))
        }
        return a
    }

    /// After a step: the distance and whether the goal is reached, on the true state.
    func judge(states: UnsafeBufferPointer<Float>, step: Int) {
        distance = task.distance(states: states, episode: episode)
        if reachedAtStep == nil, task.succeeded(states: states, episode: episode) { reachedAtStep = step }
    }

    /// The plan's imagined path in world units: actor and body centre after each predicted observation.
    var imaginedPath: (actor: [SIMD2<Float>], body: [SIMD2<Float>])? {
        guard let p = controller.lastPlan, p.steps > 0, p.path.count >= p.steps * 4 else { return nil }
        var actor: [SIMD2<Float>] = [], body: [SIMD2<Float>] = []
        for t in 0..<p.steps {
            actor.append(SIMD2(p.path[4 * t], p.path[4 * t + 1]))
            body.append(SIMD2(p.path[4 * t + 2], p.path[4 * t + 3]))
        }
        return (actor, body)
    }
}

/// How a goal run ended, for `tumble view`'s headless line and tests.
public struct GoalSummary: Equatable {
    public var goal: SIMD2<Float>
    /// Final distance of the pushed body's centre from the goal (world units) and the radius success needs.
    public var distance: Float
    public var successRadius: Float
    /// The observation at which the goal was reached, nil if it was not.
    public var reachedAtStep: Int?
    public var plans: Int
    public var meanPlanMilliseconds: Double?
}

/// `--goal X,Y`: the pushed body's goal centre in world units.
public enum GoalOption {
    /// Parses `X,Y` (two finite numbers); the error names the flag and what was expected.
    public static func parse(_ text: String) throws -> SIMD2<Float> {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let x = Float(parts[0]), let y = Float(parts[1]), x.isFinite, y.isFinite else {
            throw GoalError("--goal expects X,Y in world units (the pushed body's goal centre, e.g. --goal 14,14), got '\(text)'")
        }
        return SIMD2(x, y)
    }

    /// Parses `X,Y` and checks that `scene` can be planned in and that the goal lies inside its world.
    public static func parse(_ text: String, scene: Scene) throws -> SIMD2<Float> {
        let goal = try parse(text)
        do { _ = try PushTask(scene: scene) } catch {
            throw GoalError("--goal: \(GoalError.unsupported(scene).message)")
        }
        let c = scene.cameraRect
        guard (c.minX...c.maxX).contains(goal.x), (c.minY...c.maxY).contains(goal.y) else {
            throw GoalError("--goal \(text) lies outside \(scene.name)'s world: expected x in \(fmt(c.minX))…\(fmt(c.maxX)) and y in \(fmt(c.minY))…\(fmt(c.maxY))")
        }
        return goal
    }

    static func fmt(_ v: Float) -> String { String(format: "%g", Double(v)) }
}

/// Why goal mode cannot start (or continue); the text is what the HUD and the command line show.
public struct GoalError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func unsupported(_ scene: Scene) -> GoalError {
        GoalError("scene \(scene.name) cannot be planned in: goal mode needs an actor that pushes a body (as in push)")
    }
}
