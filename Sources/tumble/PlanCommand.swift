import ArgumentParser
import Foundation
import Planning

/// `tumble plan`: the world model steers the pusher to goals it is shown as frames, beside the simulator as model,
/// random actions and the scripted controller on the same held-out episodes; `--verify REPORT` re-runs a report.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan with a world model towards goal frames (sampling MPC), or verify a plan report by re-running it.",
        discussion: """
        Each episode starts from a held-out layout (episode seeds follow `tumble record`'s rule from --seed, refused if training used any) and shows the planner a goal frame: its first frame with the pushed body moved to a goal pose. The planner samples action sequences, rolls each through the model from the latents of the last two frames, scores the predicted paths against the goal frame's latent (both read by the model's linear read-out), executes the first action for --action-repeat observations and plans again, until the body's centre is within 1 world unit of the goal (true state) or --steps observations have passed. The same episodes run with the simulator as the model (same planner and samples), random actions and the scene's scripted controller. The JSON report holds the checkpoint's SHA-256, every input, success with a 95 % bootstrap interval, planning time per action, and per-episode outcomes; --verify re-runs it and checks every number but the times.

        Examples:
          tumble plan --checkpoint Assets/models/push.safetensors --scene push --episodes 200 --seed 4242 --json plan.json
          tumble plan --verify plan.json
        """)

    @Option(help: "Checkpoint of a model of the scene (a .safetensors file written by `tumble train`).")
    var checkpoint: String?

    @Option(help: "Scene with an actor that pushes a body (shipped name or file).")
    var scene = "push"

    @Option(help: "Episodes (held-out starts and goals).")
    var episodes = 200

    @Option(help: "Seed base of the episodes.")
    var seed: UInt64?

    @Option(help: "cem or mppi.")
    var planner = "cem"

    @Option(help: "Candidate action sequences per round.")
    var samples = PlannerSettings().samples

    @Option(help: "Planned actions per sequence (each held for --action-repeat observations).")
    var horizon = PlannerSettings().horizon

    @Option(help: "Rounds of sampling per plan.")
    var iterations = PlannerSettings().iterations

    @Option(help: "Observations each planned action is held for before planning again.")
    var actionRepeat = PlannerSettings().actionRepeat

    @Option(help: "Observations an episode may take.")
    var steps = PlanRequest(checkpoint: "", scene: "", episodes: 1, seed: 0).stepBudget

    @Option(help: "Also require the pushed body's angle within this many radians of the goal's (modulo its symmetry).")
    var angleTolerance: Float?

    @Flag(help: "Skip the baselines (simulator as model, random, scripted): the same as --controllers model.")
    var noBaselines = false

    @Option(help: "Comma-separated controllers to run, in order: model, simulator, random, scripted (default: all four).")
    var controllers: String?

    @Option(help: "Write the report as JSON here (atomically).")
    var json: String?

    @Option(help: "Re-run the inputs recorded in this report and check every number but the wall-clock times.")
    var verify: String?

    @Option(help: "With --verify: relative tolerance for model-derived numbers.")
    var tolerance: Double = 1e-4

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func validate() throws {
        if verify != nil {
            if checkpoint != nil || json != nil || seed != nil { throw ValidationError("--verify REPORT takes no other inputs: it re-runs the report's own") }
            return
        }
        guard checkpoint != nil, seed != nil else { throw ValidationError("give --checkpoint FILE --seed K (or --verify REPORT)") }
        if let controllers, let bad = controllers.split(separator: ",").first(where: { ControllerKind(rawValue: String($0)) == nil }) {
            throw ValidationError("--controllers: `\(bad)` is not one of \(ControllerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if controllers != nil && noBaselines { throw ValidationError("give --controllers or --no-baselines, not both") }
        guard PlannerKind(rawValue: planner) != nil else {
            throw ValidationError("--planner must be one of \(PlannerKind.allCases.map(\.rawValue).joined(separator: ", ")), got \(planner)")
        }
        if let problem = request().problem { throw ValidationError(problem) }
    }

    func request() -> PlanRequest {
        var r = PlanRequest(checkpoint: checkpoint ?? "", scene: scene, episodes: episodes, seed: seed ?? 0)
        r.planner.kind = PlannerKind(rawValue: planner) ?? .cem
        r.planner.samples = samples; r.planner.horizon = horizon; r.planner.iterations = iterations
        r.planner.actionRepeat = actionRepeat
        r.stepBudget = steps; r.angleTolerance = angleTolerance
        if let controllers {
            r.controllers = controllers.split(separator: ",").map { ControllerKind(rawValue: String($0)) ?? .model }
        } else if noBaselines {
            r.controllers = [.model]
        }
        r.command = (["tumble"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        return r
    }

    func run() throws {
        let started = Date()
        let progress: ((ControllerKind, Int, Int) -> Void)? = quiet ? nil : { kind, done, total in
            if done == total || done % 10 == 0 {
                FileHandle.standardError.write(Data("plan: \(kind.rawValue) \(done)/\(total) episodes\n".utf8))
            }
        }
        if let verify {
            let outcome = try PlanSession.verify(report: URL(fileURLWithPath: verify), tumbleVersion: TumbleVersion.string,
                                                 tolerance: tolerance, progress: progress)
            for note in outcome.notes { print("note: \(note)") }
            guard outcome.differences.isEmpty else {
                for d in outcome.differences { print("differs: \(d)") }
                throw ExitCode.failure
            }
            print("verified \(verify): checkpoint hash matches; \(outcome.identical) numbers identical, \(outcome.withinTolerance) within relative tolerance \(tolerance)")
            return
        }
        let report = try PlanSession.run(request(), json: json, tumbleVersion: TumbleVersion.string, progress: progress)
        print(report.table(), terminator: "")
        if !quiet {
            let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
            FileHandle.standardError.write(Data("plan: done in \(seconds) s\(json.map { "; wrote \($0)" } ?? "")\n".utf8))
        }
    }
}
