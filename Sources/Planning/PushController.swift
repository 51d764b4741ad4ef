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

    /// The last plan: its predicted path `[T, 2, 2]` (actor, body per observation), its cost and its wall time.
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
        heldFor = 0; lastPlan = nil; planMilliseconds = []
        if let predictor {
            try predictor.begin(episode: episode, frame: Array(stream.frame), states: Array(stream.states),
                                goalFrame: task.goalFrame(stream: stream, episode: episode))
        }
    }

    /// The action for the current observation of `stream` (planning anew when the held action has run out).
    public func action(stream: ObservationStream) throws -> SIMD2<Float> {
        switch kind {
        case .scripted:
            return stream.world.pushSteering(toward: episode.goal)
        case .random:
            if heldFor == 0 { held = SIMD2(rng.uniform(-1, 1), rng.uniform(-1, 1)); heldFor = settings.actionRepeat }
        case .model, .simulator:
            try planIfDue()
        }
        heldFor -= 1
        return held
    }

    /// Whether the next `action` plans anew (the held action has run out).
    public var plansAtNextAction: Bool { (kind == .model || kind == .simulator) && heldFor == 0 }

    /// Makes the plan the next `action` would make, now. It reads only the predictor's history, not the stream, so
    /// it can run on another thread between an observation and the next step; the next `action` then returns its
    /// first action, and the episode goes exactly as if `action` had planned.
    public func planIfDue() throws {
        guard plansAtNextAction else { return }
        held = try plan(); heldFor = settings.actionRepeat
    }

    /// After `stream` stepped with `action`.
    public func observe(stream: ObservationStream, action: SIMD2<Float>) throws {
        try predictor?.observe(frame: Array(stream.frame), states: Array(stream.states), action: action)
    }

    private func plan() throws -> SIMD2<Float> {
        guard let predictor else { return .zero }
        let started = DispatchTime.now().uptimeNanoseconds
        let r = settings.actionRepeat, t = settings.lookahead, goal = predictor.goal
        var bestPath: [Float] = [], bestCost = Float.infinity
        let chosen = try planner.plan { sequences, s in
            // Each planned action held for `actionRepeat` observations.
            var expanded = [Float](repeating: 0, count: s * t * 2)
            for i in 0..<s { for j in 0..<t {
                expanded[(i * t + j) * 2] = sequences[(i * settings.horizon + j / r) * 2]
                expanded[(i * t + j) * 2 + 1] = sequences[(i * settings.horizon + j / r) * 2 + 1]
            } }
            let paths = try predictor.paths(actions: expanded, samples: s, steps: t)
            let costs = cost(paths: paths, samples: s, steps: t, goal: goal)
            for i in 0..<s where costs[i] < bestCost {
                bestCost = costs[i]; bestPath = Array(paths[(i * t * 4)..<((i + 1) * t * 4)])
            }
            return costs
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        planMilliseconds.append(ms)
        lastPlan = LastPlan(path: bestPath, steps: t, cost: chosen.cost, milliseconds: ms, goal: goal)
        return SIMD2(chosen.actions[0], chosen.actions[1])
    }
}
