import ArgumentParser
import Common
import Foundation
import Observation
import WorldModel

/// `tumble eval`: the model's numbers beside its baselines on held-out episodes, with the hashes and
/// command needed to re-run them; `tumble eval --verify REPORT` re-runs and checks every number.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on held-out data, or verify a report by re-running it.",
        discussion: """
        Reports latent prediction error (k = 1…K), linear-probe position R² and position error in world units beside copy-last and constant-velocity baselines (also split by whether the body collides within the horizon), Hits@1 and MRR at 1, 5 and 10 steps (C-SWM: one query per episode; pooled: every window against every window; timing: every window against its own episode's frames) beside latent copy-last and constant velocity, and on violation datasets surprise pairwise (relative) accuracy, absolute accuracy and AUROC per violation type beside a model-free pixel-difference detector and the same network untrained (--untrained initialisations, mean ± 1.96 SD). Headline numbers carry 95 % intervals. Refuses data whose episode seeds were used in training. The JSON report carries the checkpoint and manifest SHA-256, the Tumble version, the exact command and the directory it ran in (relative to the report), so --verify resolves the command's relative paths from any directory.

        Examples:
          tumble eval --checkpoint runs/bounce/checkpoints/last.safetensors --data data/bounce-test --json report.json
          tumble eval --checkpoint runs/bounce/checkpoints/last.safetensors --scene bounce --episodes 128 --seed 777
          tumble eval --verify report.json
        """)

    @Option(help: "Checkpoint written by `tumble train` (a .safetensors file).")
    var checkpoint: String?

    @Option(help: "Held-out dataset directory written by `tumble record` (plain or --violations).")
    var data: String?

    @Option(help: "Instead of --data: fresh episodes of this scene (shipped name or file), exactly those `tumble record SCENE --seed K` would write, simulated on the fly.")
    var scene: String?

    @Option(help: "With --scene: number of episodes.")
    var episodes: Int = 128

    @Option(help: "With --scene: frames per episode.")
    var steps: Int = 32

    @Option(help: "With --scene: the seed base (episode seeds follow `tumble record`'s rule).")
    var seed: UInt64?

    @Option(help: "Write the report as JSON here (atomically).")
    var json: String?

    @Option(help: "On violation datasets: also write every clip's surprise as CSV here (atomically): pair, type, violation frame, seed, surprise (max, mean), pixel score and the per-step surprise.")
    var clips: String?

    @Option(help: "Rollout horizon K in steps.")
    var horizon: Int = 10

    @Option(help: "On violation datasets: random initialisations of the same network, never trained, scored beside the model (0: none).")
    var untrained: Int = EvaluationOptions.defaultUntrainedSeeds.count

    @Option(help: "Re-run the command recorded in this report and check every number and hash.")
    var verify: String?

    @Option(help: "With --verify: relative tolerance for model-derived numbers, with an absolute floor of a hundredth of it near zero (hashes, counts and model-free numbers must match exactly).")
    var tolerance: Double = 1e-4

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func validate() throws {
        if verify != nil {
            if checkpoint != nil || data != nil || scene != nil || json != nil || clips != nil {
                throw ValidationError("--verify REPORT takes no other inputs: it re-runs the command recorded in the report")
            }
            if !(tolerance >= 0) { throw ValidationError("--tolerance must be ≥ 0, got \(tolerance)") }
            return
        }
        guard checkpoint != nil, (data == nil) != (scene == nil) else {
            throw ValidationError("give --checkpoint FILE and either --data DIR or --scene SCENE --seed K (or --verify REPORT)")
        }
        if scene != nil {
            guard seed != nil else { throw ValidationError("--scene needs --seed K: the seed base of the held-out episodes") }
            if !(1...1_000_000).contains(episodes) { throw ValidationError("--episodes must be 1…1000000, got \(episodes)") }
            if !(2...100_000).contains(steps) { throw ValidationError("--steps must be 2…100000, got \(steps)") }
        }
        if clips != nil && scene != nil {
            throw ValidationError("--clips needs a violation dataset (--data DIR recorded with --violations); --scene episodes have no violations")
        }
        if horizon < 1 { throw ValidationError("--horizon must be ≥ 1, got \(horizon)") }
        if !(0...100).contains(untrained) { throw ValidationError("--untrained must be 0…100, got \(untrained)") }
    }

    func run() throws {
        let started = Date()
        let progress: ((Int, Int) -> Void)? = quiet ? nil : { done, total in
            FileHandle.standardError.write(Data("eval: batch \(done)/\(total)\n".utf8))
        }
        let loadModel: EvaluationRun.ModelLoader = { try TrainedModel.load(checkpoint: $0) }
        let openData: EvaluationRun.DataOpener = { try DatasetEpisodes(directory: $0) }

        if let verify {
            let outcome = try EvaluationRun.verify(report: URL(fileURLWithPath: verify), tumbleVersion: TumbleVersion.string,
                                                   loadModel: loadModel, openData: openData,
                                                   tolerance: tolerance, progress: progress)
            for note in outcome.notes { print("note: \(note)") }
            print("verified \(verify): checkpoint and dataset manifest hashes match; "
                  + "\(outcome.identical) numbers identical, \(outcome.withinTolerance) within relative tolerance \(tolerance)")
            return
        }

        if let clips {
            let url = URL(fileURLWithPath: clips)
            if json.map({ URL(fileURLWithPath: $0).standardizedFileURL == url.standardizedFileURL }) == true {
                throw ValidationError("--clips \(clips) is the --json report's path")
            }
            try EvaluationRun.checkWritable(url, option: "--clips")
            // A plain dataset has no surprise to write: say so before encoding anything (a manifest that cannot be
            // read gets the evaluation's own error below).
            let manifest = URL(fileURLWithPath: data!, isDirectory: true).appendingPathComponent("manifest.json")
            if let m = try? DatasetManifest.read(manifest), m.violations == nil {
                throw ValidationError("--clips \(clips): \(data!) was recorded without --violations, so it has no surprise to write")
            }
        }
        let live = scene.map { EvaluationRequest.Live(scene: $0, episodes: episodes, steps: steps, seed: seed!) }
        var request = EvaluationRequest(checkpoint: checkpoint!, data: data ?? "", horizon: horizon, json: json, live: live)
        request.untrained = untrained
        let report = try EvaluationRun.run(request, tumbleVersion: TumbleVersion.string,
                                           loadModel: loadModel, openData: openData, progress: progress)
        print(report.table(), terminator: "")
        if let clips {
            guard let table = report.clipTable() else {
                throw ValidationError("--clips \(clips): \(data ?? "the data") has no violation clips, so there is no surprise to write")
            }
            try AtomicFile.write(Data(table.utf8), to: URL(fileURLWithPath: clips))
        }
        if !quiet {
            let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
            FileHandle.standardError.write(Data("eval: done in \(seconds) s\(json.map { "; wrote \($0)" } ?? "")\n".utf8))
        }
    }
}
