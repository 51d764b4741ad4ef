import Common
import Foundation
import WorldModel

/// The outcome of `tumble plan`: the model planner's numbers beside its three baselines on the same episodes, with
/// the checkpoint's SHA-256 and every input needed to re-run it (`tumble plan --verify`).
public struct PlanReport {
    public var request: PlanRequest
    public var tumbleVersion: String
    public var checkpointSHA256: String
    public var sceneSHA256: String
    public var modelScene: String, modelStep: Int
    /// Per controller that ran, its episodes in order.
    public var outcomes: [ControllerKind: [EpisodeOutcome]]

    public func summary(_ kind: ControllerKind) -> PlanSummary? {
        outcomes[kind].map { PlanSummary($0, actionRepeat: request.planner.actionRepeat) }
    }

    /// Keys whose numbers are wall-clock times: reported, never verified.
    static let timingKeys: Set<String> = ["ms_per_action"]

    public func json() -> JSONValue {
        let p = request.planner
        var inputs: [(String, JSONValue)] = [
            ("checkpoint", .string(request.checkpoint)), ("scene", .string(request.scene)),
            ("episodes", .number(Double(request.episodes))), ("seed", .string(String(request.seed))),
            ("planner", .string(p.kind.rawValue)), ("samples", .number(Double(p.samples))),
            ("horizon", .number(Double(p.horizon))), ("iterations", .number(Double(p.iterations))),
            ("action_repeat", .number(Double(p.actionRepeat))), ("step_budget", .number(Double(request.stepBudget))),
            ("angle_tolerance", request.angleTolerance.map { .number(Double($0)) } ?? .null),
            ("controllers", .array(request.controllers.map { .string($0.rawValue) })),
        ]
        if let w = request.workingDirectory { inputs.append(("working_directory", .string(w))) }
        var out: [(String, JSONValue)] = [
            ("tumble_version", .string(tumbleVersion)),
            ("command", .string(request.command)),
            ("inputs", .object(inputs)),
            ("checkpoint_sha256", .string(checkpointSHA256)),
            ("scene_sha256", .string(sceneSHA256)),
            ("model", .object([("scene", .string(modelScene)), ("step", .number(Double(modelStep)))])),
        ]
        if let model = summary(.model) { out += model.json(timing: true) }
        var baselines: [(String, JSONValue)] = []
        for kind in [ControllerKind.simulator, .random, .scripted] {
            if let s = summary(kind) { baselines.append((kind.rawValue, .object(s.json(timing: kind == .simulator)))) }
        }
        if !baselines.isEmpty { out.append(("baselines", .object(baselines))) }
        if let episodes = outcomes[.model] ?? outcomes.values.first {
            out.append(("per_episode", .object([
                ("seed", .array(episodes.map { .string(String($0.episode.seed)) })),
                ("goal", .array(episodes.map { .array([.number(Double($0.episode.goal.x)), .number(Double($0.episode.goal.y)),
                                                       .number(Double($0.episode.goalAngle))]) })),
                ("success", .array(episodes.map { .bool($0.success) })),
                ("steps", .array(episodes.map { .number(Double($0.steps)) })),
                ("final_distance", .array(episodes.map { .finite(Double($0.finalDistance)) })),
            ])))
        }
        out.append(("definitions", .object(Self.definitions)))
        return .object(out)
    }

    static let definitions: [(String, JSONValue)] = [
        ("success", .string("the pushed body's centre within 1 world unit of the goal centre (and its angle within angle_tolerance, modulo its symmetry, when given), judged on the simulator's true state, within step_budget observations")),
        ("goal", .string("the episode's first frame with the pushed body moved to the goal pose; planners read it, never the goal state (except the scripted baseline and the simulator as model, which read true states)")),
        ("success_ci95", .string("percentile bootstrap 95 % interval over episodes, 2000 resamples, seeded")),
        ("ms_per_action", .string("wall time of one plan divided by the observations its first action is held for (action_repeat); median and 95th percentile over all plans; not verified (machine-dependent)")),
        ("steps_to_success", .string("median observations to success, over successful episodes")),
        ("final_distance", .string("median distance of the pushed body's centre from the goal at the end of an episode, world units")),
        ("baselines.simulator", .string("the same planner, samples and cost with Box2D as the path predictor, started from the true state before each candidate sequence: the success a perfect model would reach with this planner")),
        ("baselines.random", .string("uniform random actions in [-1, 1]², each held for action_repeat observations")),
        ("baselines.scripted", .string("the scene's scripted push controller on true states (privileged): behind the body, then through it")),
    ]

    /// A short table for the terminal.
    public func table() -> String {
        var lines = ["controller   success  95 % interval    ms/action (median, p95)  steps to success  final distance"]
        for kind in ControllerKind.allCases {
            guard let s = summary(kind) else { continue }
            let ms = s.msPerActionMedian.map { String(format: "%7.1f, %7.1f", $0, s.msPerActionP95 ?? .nan) } ?? "           —    "
            let steps = s.stepsToSuccessMedian.map { String(format: "%6.0f", $0) } ?? "     —"
            lines.append(String(format: "%-10@  %6.1f %%  [%5.1f, %5.1f] %%   %@          %@          %6.2f",
                                kind.rawValue as NSString, 100 * s.successRate, 100 * s.successCI95[0], 100 * s.successCI95[1],
                                ms as NSString, steps as NSString, s.finalDistanceMedian))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report without its wall-clock numbers, for comparing a re-run.
    static func withoutTiming(_ v: JSONValue) -> JSONValue {
        switch v {
        case let .object(pairs): return .object(pairs.filter { !timingKeys.contains($0.0) }.map { ($0.0, withoutTiming($0.1)) })
        case let .array(items): return .array(items.map(withoutTiming))
        default: return v
        }
    }
}
