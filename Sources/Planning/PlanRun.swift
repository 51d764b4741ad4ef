import Common
import Foundation
import Observation
import Physics
import WorldModel

/// What `tumble plan` was asked: every input the report needs to be re-run.
public struct PlanRequest: Equatable, Sendable {
    public var checkpoint: String
    /// Shipped scene name or scene file.
    public var scene: String
    public var episodes: Int
    /// Seed base of the start states (episode seeds follow `tumble record`'s rule) and of the goals.
    public var seed: UInt64
    public var planner = PlannerSettings()
    /// Observations an episode may take before it counts as failed.
    public var stepBudget = 300
    public var angleTolerance: Float?
    /// Which controllers run on the episodes, in this order (the model planner and its three baselines by default).
    public var controllers: [ControllerKind] = ControllerKind.allCases
    /// The command line, for the report.
    public var command = ""
    /// Directory the command ran in, relative to the report's directory (set when the report is written).
    public var workingDirectory: String?

    public init(checkpoint: String, scene: String, episodes: Int, seed: UInt64) {
        self.checkpoint = checkpoint; self.scene = scene; self.episodes = episodes; self.seed = seed
    }

    /// Why the request cannot run, or nil.
    public var problem: String? {
        if !(1...100_000).contains(episodes) { return "--episodes must be 1…100000, got \(episodes)" }
        if !(1...100_000).contains(stepBudget) { return "--steps must be 1…100000, got \(stepBudget)" }
        if let a = angleTolerance, !(a > 0 && a <= .pi) { return "--angle-tolerance must be in (0, π] radians, got \(a)" }
        if controllers.isEmpty || Set(controllers).count != controllers.count { return "--controllers must name each of model, simulator, random, scripted at most once, and at least one" }
        return planner.problem
    }
}

/// How one episode ended.
public struct EpisodeOutcome: Equatable, Sendable {
    public var episode: PushEpisode
    public var success: Bool
    /// Observations taken (to success, or the budget).
    public var steps: Int
    /// Distance of the pushed body's centre from the goal at the end (world units, true state).
    public var finalDistance: Float
    /// Wall time of each plan, milliseconds (planning controllers only).
    public var planMilliseconds: [Double]
}

/// Runs plan episodes: one controller over a list of episodes, on the scene's observation stream at the model's
/// resolution.
public final class PlanRunner {
    public let task: PushTask
    public let stream: ObservationStream

    public init(task: PushTask, resolution: Int) throws {
        self.task = task
        stream = try ObservationStream(scene: task.scene, resolution: resolution)
    }

    /// Episodes `0..<count` of seed base `base`.
    public func episodes(base: UInt64, count: Int) -> [PushEpisode] {
        (0..<count).map { task.episode(base: base, index: $0, world: stream.world) }
    }

    /// One episode: the controller acts until the body is at the goal or `budget` observations have passed.
    /// `watch` sees the stream after every step (the window draws from it).
    public func run(_ controller: PushController, episode: PushEpisode, budget: Int,
                    watch: ((ObservationStream) -> Void)? = nil) throws -> EpisodeOutcome {
        stream.reset(seed: episode.seed)
        try controller.begin(episode: episode, stream: stream)
        var steps = 0
        var action: [Float] = [0, 0]
        while steps < budget && !task.succeeded(states: stream.states, episode: episode) {
            let a = try controller.action(stream: stream)
            try controller.planIfDue()
            action[0] = a.x; action[1] = a.y
            action.withUnsafeBufferPointer { stream.step(action: $0) }
            steps += 1
            try controller.observe(stream: stream, action: a)
            watch?(stream)
        }
        return EpisodeOutcome(episode: episode, success: task.succeeded(states: stream.states, episode: episode), steps: steps,
                              finalDistance: task.distance(states: stream.states, episode: episode),
                              planMilliseconds: controller.planMilliseconds)
    }
}
