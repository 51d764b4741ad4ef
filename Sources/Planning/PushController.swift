import Common
import Foundation
import Observation
import Physics

/// What drives the actor in a plan episode.
public enum ControllerKind: String, Codable, Sendable, CaseIterable {
    /// MPC with the world model as path predictor (what `tumble plan` measures).
    case model
    /// The same planner, same samples, with the simulator as path predictor: the ceiling for the model.
    case simulator
    /// Uniform random actions, each held for the planner's action repeat.
    case random
    /// The scene's scripted push controller on true states (privileged).
    case scripted
}

/// Chooses the actor's action at every observation of an episode: by sampling MPC over a path predictor, at random,
/// or by the scripted controller. One per thread; `begin` starts each episode.
///
/// The planner works one held action ahead: when an action starts being held (for `actionRepeat` observations), the
/// plan for the next one is made from that observation, its paths starting with the held action. So a plan has the
/// whole holding time to be made, and a window keeps stepping at the scene's rate while it is made (`planIfDue` on a
/// worker). The first action of an episode is rest, held while the first plan is made.
public final class PushController {
    public let kind: ControllerKind
    public let task: PushTask
    public let settings: PlannerSettings
    public var cost = PushCost()
    let predictor: PathPredictor?
    let planner: SamplingPlanner
    private var rng = SplitMix64(seed: 0)
    private var episode = PushEpisode(seed: 0, goal: .zero, goalAngle: 0)
    private var held = SIMD2<Float>(0, 0), heldFor = 0
    /// The action planned for when the held one runs out, and whether that plan is still to be made.
    private(set) var next: SIMD2<Float>?
    private var due = false

    /// The last plan: its predicted path `[T, 2, 2]` (actor, body per observation from the one it was made at: the
    /// held action's observations, then the plan's), its cost and its wall time.
    public struct LastPlan {
        public var path: [Float]
        public var steps: Int
        public var cost: Float
        public var milliseconds: Double
        /// The goal centre as the predictor reads it.
        public var goal: SIMD2<Float>
    }
    public private(set) var lastPlan: LastPlan?
    /// Wall time of every plan this episode, milliseconds.
    public private(set) var planMilliseconds: [Double] = []

    /// `predictor` is required for `.model` and `.simulator` and ignored otherwise.
    public init(kind: ControllerKind, task: PushTask, settings: PlannerSettings, predictor: PathPredictor?) {
        precondition((kind == .model || kind == .simulator) == (predictor != nil), "a planning controller needs a path predictor")
        self.kind = kind; self.task = task; self.settings = settings; self.predictor = predictor
        planner = SamplingPlanner(settings: settings, seed: 0)
    }

    /// Starts an episode on `stream`, which has just been reset to `episode.seed`.
    public func begin(episode: PushEpisode, stream: ObservationStream) throws {
        self.episode = episode
        let seed = SplitMix64.derive(episode.seed, 0x91A4)
        rng = SplitMix64(seed: seed)
        planner.reset(seed: seed)
        heldFor = 0; next = nil; due = false; lastPlan = nil; planMilliseconds = []
        if let predictor {
            try predictor.begin(episode: episode, frame: Array(stream.frame), states: Array(stream.states),
                                goalFrame: task.goalFrame(stream: stream, episode: episode))
        }
    }

    /// The action for the current observation of `stream`. When the held action has run out, the one planned for now
    /// is held next (made here if `planIfDue` was not called), and a plan for the one after it becomes due.
    public func action(stream: ObservationStream) throws -> SIMD2<Float> {
        switch kind {
        case .scripted:
            return stream.world.pushSteering(toward: episode.goal)
        case .random:
            if heldFor == 0 { held = SIMD2(rng.uniform(-1, 1), rng.uniform(-1, 1)); heldFor = settings.actionRepeat }
        case .model, .simulator:
            if heldFor == 0 {
                try planIfDue()
                held = next ?? .zero; next = nil
                heldFor = settings.actionRepeat
                due = true
            }
        }
        heldFor -= 1
        return held
    }

    /// Whether the next `action` starts holding a new action, the one the plan in progress makes.
    public var needsPlanAtNextAction: Bool { (kind == .model || kind == .simulator) && heldFor == 0 }
    /// Whether a plan is due: the one for when the held action runs out, from the observation it started at.
    public var planDue: Bool { due }

    /// Makes the due plan. It reads only the predictor's history and the held action, not the stream, so it can run on
    /// another thread while the held action steps the world (the caller holds the observations back from the
    /// predictor until it is done); the episode goes exactly as if it were made in line.
    public func planIfDue() throws {
        guard due else { return }
        next = try plan(); due = false
    }

    /// After `stream` stepped with `action`.
    public func observe(stream: ObservationStream, action: SIMD2<Float>) throws {
        try observe(frame: Array(stream.frame), states: Array(stream.states), action: action)
    }

    /// After the world stepped with `action` to an observation with this frame and these states.
    public func observe(frame: [UInt8], states: [Float], action: SIMD2<Float>) throws {
        try predictor?.observe(frame: frame, states: states, action: action)
    }

    private func plan() throws -> SIMD2<Float> {
        guard let predictor else { return .zero }
        let started = DispatchTime.now().uptimeNanoseconds
        let r = settings.actionRepeat, t = settings.lookahead, goal = predictor.goal
        let prefix = (0..<r).flatMap { _ in [held.x, held.y] }, n = r + t
        var bestPath: [Float] = [], bestCost = Float.infinity
        let chosen = try planner.plan { sequences, s in
            // Each planned action held for `actionRepeat` observations.
            var expanded = [Float](repeating: 0, count: s * t * 2)
            for i in 0..<s { for j in 0..<t {
                expanded[(i * t + j) * 2] = sequences[(i * settings.horizon + j / r) * 2]
                expanded[(i * t + j) * 2 + 1] = sequences[(i * settings.horizon + j / r) * 2 + 1]
            } }
            let paths = try predictor.paths(prefix: prefix, actions: expanded, samples: s, steps: t)
            // Scored on the plan's own observations; the held action's lead up to them is the same for every sample.
            var planned = [Float](); planned.reserveCapacity(s * t * 4)
            for i in 0..<s { planned += paths[((i * n + r) * 4)..<((i + 1) * n * 4)] }
            let costs = cost(paths: planned, samples: s, steps: t, goal: goal)
            for i in 0..<s where costs[i] < bestCost {
                bestCost = costs[i]; bestPath = Array(paths[(i * n * 4)..<((i + 1) * n * 4)])
            }
            return costs
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        planMilliseconds.append(ms)
        lastPlan = LastPlan(path: bestPath, steps: n, cost: chosen.cost, milliseconds: ms, goal: goal)
        return SIMD2(chosen.actions[0], chosen.actions[1])
    }
}
