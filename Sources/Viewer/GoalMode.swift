import Foundation
import Observation
import Physics
import Planning

/// Goal mode (G, or `--goal X,Y`): the world model plans the pusher's actions towards a goal the user placed for the
/// pushed body, with the same controller `tumble plan` measures (`PushController`, kind `.model`). One `GoalRun` per
/// goal; the sandbox steps it (see `Sandbox+Goal`), the window draws it (see `Viewer+Goal`).
///
/// The controller plans one held action ahead (see `PushController`): when an action starts being held, the plan for
/// the next one is made on a worker thread while the held one steps the world, so the world keeps the scene's rate as
/// long as a plan takes less than the holding time; the step that needs it waits for it (`finishPlanning`). The
/// observations that arrive meanwhile are held back from the controller until the plan is collected, the controller's
/// predictor runs its own copy of the model, and everything the window draws is copied out on the main thread when a
/// plan is collected, so the two threads share nothing the worker reads while it runs.
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
    /// The last plan collected (the window draws this, never the controller's, which the worker may be writing).
    private(set) var lastPlan: PushController.LastPlan?
    /// Plans of this episode already counted in `plans`.
    private var countedPlans = 0
    /// The plan in flight on the worker, if any.
    private var inFlight: PlanJob?
    /// States when the plan in flight was started (its path's origin).
    private var inFlightStates: [Float] = []
    /// Observations made while a plan was in flight, for the controller once it is collected.
    private var heldBack: [(frame: [UInt8], states: [Float], action: SIMD2<Float>)] = []

    init(task: PushTask, controller: PushController, episode: PushEpisode, states: UnsafeBufferPointer<Float>) {
        self.task = task; self.controller = controller; self.episode = episode
        distance = task.distance(states: states, episode: episode)
    }

    deinit { inFlight?.wait() }

    var goal: SIMD2<Float> { episode.goal }
    var reached: Bool { reachedAtStep != nil }
    var meanPlanMilliseconds: Double? { plans > 0 ? planMilliseconds / Double(plans) : nil }
    /// Whether a plan was started on the worker and not yet collected.
    var isPlanning: Bool { inFlight != nil }
    /// Whether the next step would have to wait for the worker: it needs the plan in flight, and that is not finished.
    var planPending: Bool { controller.needsPlanAtNextAction && (inFlight.map { !$0.isDone } ?? false) }

    /// The controller begins an episode on `stream` (after the goal is placed, a reset or a jump).
    func begin(stream: ObservationStream) throws {
        try finishPlanning()
        try controller.begin(episode: episode, stream: stream)
        countedPlans = 0
        started = true
    }

    /// Waits for the plan in flight and takes in what it made, then gives the controller the observations held back
    /// meanwhile; rethrows the planner's error.
    func finishPlanning() throws {
        guard let job = inFlight else { return }
        inFlight = nil
        job.wait()
        inFlightStates.withUnsafeBufferPointer { collect(states: $0) }
        if let error = job.error { heldBack = []; throw error }
        let observations = heldBack
        heldBack = []
        for o in observations { try controller.observe(frame: o.frame, states: o.states, action: o.action) }
    }

    /// The actor's action for the current observation of `stream` (which the controller has begun on), or rest once
    /// the goal is reached. When it starts holding a new action, the plan for the one after is started on the worker
    /// from this observation (`states`: the world as observed).
    func action(stream: ObservationStream, states: UnsafeBufferPointer<Float>) throws -> SIMD2<Float> {
        guard !reached else { return .zero }
        if controller.needsPlanAtNextAction { try finishPlanning() }
        let a = try controller.action(stream: stream)
        // inFlight first: while a plan is in flight the worker writes the controller's `planDue`.
        if inFlight == nil, controller.planDue {
            inFlightStates = Array(states)
            inFlight = PlanJob(controller)
        }
        return a
    }

    /// After a step with `action`: the controller sees the observation, or it is held back while a plan is in flight.
    func observe(stream: ObservationStream, action: SIMD2<Float>) throws {
        if inFlight != nil {
            heldBack.append((Array(stream.frame), Array(stream.states), action))
        } else {
            try controller.observe(stream: stream, action: action)
        }
    }

    /// Counts plans the controller made since the last call, and copies out the latest for drawing.
    private func collect(states: UnsafeBufferPointer<Float>) {
        let made = controller.planMilliseconds
        guard made.count > countedPlans else { return }
        for ms in made[countedPlans...] { plans += 1; planMilliseconds += ms }
        countedPlans = made.count
        lastPlan = controller.lastPlan
        planOrigin = (SIMD2(states[6 * task.actorRow], states[6 * task.actorRow + 1]),
                      SIMD2(states[6 * task.pushedRow], states[6 * task.pushedRow + 1]))
    }

    /// After a step: the distance and whether the goal is reached, on the true state.
    func judge(states: UnsafeBufferPointer<Float>, step: Int) {
        distance = task.distance(states: states, episode: episode)
        if reachedAtStep == nil, task.succeeded(states: states, episode: episode) { reachedAtStep = step }
    }

    /// The plan's imagined path in world units: actor and body centre after each predicted observation.
    var imaginedPath: (actor: [SIMD2<Float>], body: [SIMD2<Float>])? {
        guard let p = lastPlan, p.steps > 0, p.path.count >= p.steps * 4 else { return nil }
        var actor: [SIMD2<Float>] = [], body: [SIMD2<Float>] = []
        for t in 0..<p.steps {
            actor.append(SIMD2(p.path[4 * t], p.path[4 * t + 1]))
            body.append(SIMD2(p.path[4 * t + 2], p.path[4 * t + 3]))
        }
        return (actor, body)
    }
}

/// One plan made on a worker thread. The controller is touched by no one else until `wait` returns (`GoalRun`
/// waits before every other use of it), which is what makes handing it over sound.
final class PlanJob: @unchecked Sendable {
    private let controller: PushController
    private let done = DispatchGroup()
    private(set) var error: Error?

    init(_ controller: PushController) {
        self.controller = controller
        done.enter()
        Self.worker.async { [self] in
            do { try controller.planIfDue() } catch { self.error = error }
            done.leave()
        }
    }

    func wait() { done.wait() }
    var isDone: Bool { done.wait(timeout: .now()) == .success }

    /// One serial worker for every goal run: plans never overlap each other.
    static let worker = DispatchQueue(label: "tumble.goal-planner", qos: .userInitiated)
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
