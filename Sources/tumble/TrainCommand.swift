import ArgumentParser
import Foundation
import WorldModel

/// `tumble train`: a headless JEPA training run into a run directory (see `RunDirectory`).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the world model on a live scene stream or a recorded dataset.",
        discussion: """
        The run directory gets the resolved config (config.yaml), metrics.csv, train.log and
        checkpoints/step-N.safetensors + last.safetensors. --resume continues a stopped run to the
        same result as an uninterrupted one; it refuses a config that differs from the run's.
        Example: tumble train --scene bounce --out runs/bounce --minutes 15
        """)

    @Option(help: "Scene file (or shipped scene name) to stream fresh episodes from.")
    var scene: String?

    @Option(help: "Dataset directory written by `tumble record`.")
    var data: String?

    @Option(help: "Run directory (created; must be empty unless --resume).")
    var out: String

    @Option(help: "YAML config file (default: built-in defaults; with --resume: the run's config.yaml).")
    var config: String?

    @Option(help: "Stop after this many steps in total (sets train.steps).")
    var steps: Int?

    @Option(help: "Stop after this many minutes of this invocation (checkpointed; continue with --resume).")
    var minutes: Double?

    @Flag(help: "Continue the run in --out from its last checkpoint.")
    var resume = false

    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set optim.lr=3e-4 (repeatable).")
    var overrides: [String] = []

    @Flag(help: "No progress output (the run's train.log still gets every line).")
    var quiet = false

    func validate() throws {
        if (scene == nil) == (data == nil) { throw ValidationError("give exactly one of --scene FILE or --data DIR") }
        if steps != nil && minutes != nil { throw ValidationError("give --steps N or --minutes M, not both") }
        if let steps, steps < 1 { throw ValidationError("--steps must be ≥ 1, got \(steps)") }
        if let minutes, !(minutes > 0) || !minutes.isFinite { throw ValidationError("--minutes must be a positive number, got \(minutes)") }
    }

    func run() throws {
        let runURL = URL(fileURLWithPath: out)
        var resolved: TrainingConfig
        if let config {
            resolved = try TrainingConfig(contentsOf: URL(fileURLWithPath: config))
        } else if resume {
            resolved = try TrainingConfig(contentsOf: RunDirectory(runURL).config)
        } else {
            resolved = TrainingConfig()
        }
        var sets = overrides
        if let steps { sets.append("train.steps=\(steps)") }
        try resolved.override(sets)
        let source: TrainingData = scene.map { .scene($0) } ?? .dataset(URL(fileURLWithPath: data!))
        let summary = try Trainer.train(TrainOptions(data: source, run: runURL, config: resolved, minutes: minutes, resume: resume, quiet: quiet))
        print("\(summary.stoppedByTime ? "stopped (time)" : "finished") at step \(summary.step): \(summary.lastCheckpoint.path)")
    }
}
