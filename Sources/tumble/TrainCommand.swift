import ArgumentParser
import Foundation
import WorldModel

/// `tumble train`: a headless JEPA training run into a run directory (see `RunDirectory`).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the world model on a live scene stream or a recorded dataset.",
        discussion: """
        The run directory gets run.json (the data source), the resolved config (config.yaml), metrics.csv, train.log, checkpoints/step-N.safetensors + last.safetensors and, at the end of every run (also one stopped by --minutes or a diverging loss), report.html: one self-contained page with plots of the loss terms and collapse monitors, and frames of fresh episodes beside the model's decoded predictions.

        --resume continues a stopped run to the same result as an uninterrupted one, on the data named in run.json; it refuses a config that differs from the run's, and a --scene/--data that names other data. --report rewrites report.html from the run's metrics and last checkpoint, also while the run trains.

        Under `mpirun -np K` or `srun --mpi=pmix` it trains data-parallel: each rank computes 1/K of every batch, two allreduces a step average the gradients (the probe's and decoder's while the main backward runs, then the rest), rank 0 writes the run. The run directory and data must be at the same path on every node. TUMBLE_MPI_TIMEOUT (seconds, default 300) bounds a rank's wait for the others; SIGUSR1 to mpirun (which forwards it) stops every rank after the same step, checkpointed.

        Examples:
          tumble train --scene bounce --out runs/bounce --minutes 15
          tumble train --out runs/bounce --resume --minutes 15
          tumble train --out runs/bounce --report
        """)

    @Option(help: "Scene file (or shipped scene name) to stream fresh episodes from (with --resume or --report: default the run's, from RUN/run.json).")
    var scene: String?

    @Option(help: "Dataset directory written by `tumble record` (with --resume or --report: default the run's, from RUN/run.json).")
    var data: String?

    @Option(help: "Run directory (created; must be empty unless --resume or --report).")
    var out: String

    @Option(help: "YAML config file (default: built-in defaults; with --resume: the run's config.yaml).")
    var config: String?

    @Option(parsing: .unconditional, help: "Stop after this many steps in total (sets train.steps).")
    var steps: Int?

    @Option(parsing: .unconditional, help: "Stop after this many minutes of this invocation (checkpointed; continue with --resume).")
    var minutes: Double?

    @Flag(help: "Continue the run in --out from its last checkpoint.")
    var resume = false

    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set optim.lr=3e-4 (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Only (re)write RUN/report.html from the run's metrics.csv and last checkpoint (also while it trains), then exit.")
    var report = false

    @Flag(help: "No progress output (the run's train.log still gets every line).")
    var quiet = false

    @Flag(help: "Time every op of the run's steps and print where a step's time goes on stderr at the end.")
    var profile = false

    func validate() throws {
        if scene != nil && data != nil { throw ValidationError("give --scene FILE or --data DIR, not both") }
        if report {
            let others = [(config != nil, "--config"), (steps != nil, "--steps"), (minutes != nil, "--minutes"),
                          (resume, "--resume"), (!overrides.isEmpty, "--set")].filter(\.0).map(\.1)
            if !others.isEmpty {
                throw ValidationError("--report only reads the run in --out; it takes no \(others.joined(separator: ", "))")
            }
            return
        }
        if scene == nil && data == nil && !resume {
            throw ValidationError("give --scene FILE or --data DIR (only --resume may leave them out: RUN/run.json names the run's data)")
        }
        if steps != nil && minutes != nil { throw ValidationError("give --steps N or --minutes M, not both") }
        if let steps, steps < 1 { throw ValidationError("--steps must be ≥ 1, got \(steps)") }
        if let minutes, !(minutes > 0) || !minutes.isFinite { throw ValidationError("--minutes must be a positive number, got \(minutes)") }
    }

    func run() throws {
        let runURL = URL(fileURLWithPath: out)
        let run = RunDirectory(runURL)
        let given: TrainingData? = scene.map { .scene($0) } ?? data.map { .dataset(URL(fileURLWithPath: $0, isDirectory: true)) }
        if report {
            guard FileManager.default.fileExists(atPath: run.config.path) else {
                throw RunError.runDirectory(path: run.url.path, message: "--report needs a run directory with config.yaml; none found")
            }
            let page = try RunReport.write(run: run.url, data: try given ?? RunRecord.read(run.record)?.data)
            print("wrote \(page.path)")
            return
        }

        var resolved: TrainingConfig
        if let config {
            resolved = try TrainingConfig(contentsOf: URL(fileURLWithPath: config))
        } else if resume {
            guard FileManager.default.fileExists(atPath: run.config.path) || !FileManager.default.fileExists(atPath: run.record.path) else {
                throw RunError.runDirectory(path: run.url.path, message: "holds no config.yaml: the run stopped before training began; start it again with its --scene/--data (without --resume), the directory is reused")
            }
            resolved = try TrainingConfig(contentsOf: run.config)
        } else {
            resolved = TrainingConfig()
        }
        var sets = overrides
        if let steps { sets.append("train.steps=\(steps)") }
        try resolved.override(sets)
        let recorded = resume ? try RunRecord.read(run.record) : nil
        let source = try resume ? resumeSource(given: given, recorded: recorded, run: run) : given!

        // MPI ends (MPI_Finalize) only after a run that succeeded: a rank that fails exits without it, and the
        // launcher then stops the others instead of leaving them waiting for it.
        let ranks = try Ranks.launch()
        let summary: TrainSummary
        StopRequest.shared.install()
        do {
            summary = try Trainer.train(TrainOptions(data: source, run: runURL, config: resolved, minutes: minutes, resume: resume, quiet: quiet,
                                                        profile: profile, ranks: ranks))
        } catch let error as RunError {
            // A diverged run keeps its last good checkpoint; its page shows the curves up to the blow-up. Every rank
            // refuses the same step (the losses are averaged first), so all end MPI together, none torn down mid-write.
            if case .divergence = error {
                if ranks.isLeader, let page = try? RunReport.write(run: run.url, data: source) {
                    FileHandle.standardError.write(Data("report (up to the divergence): \(page.path)\n".utf8))
                }
                ranks.finish()
                if !ranks.isLeader { throw ExitCode.failure }   // rank 0 prints the same message
            }
            throw error
        }
        guard ranks.isLeader else { ranks.finish(); return }
        // A run made before run.json existed gets one now that its data has trained it.
        if resume && recorded == nil { try RunRecord(source).write(to: run.record) }
        let how = summary.stoppedBySignal.map { "stopped (\(StopRequest.name($0)))" } ?? (summary.stoppedByTime ? "stopped (time)" : "finished")
        print("\(how) at step \(summary.step): \(summary.lastCheckpoint.path)")
        do {
            let page = try RunReport.write(run: run.url, data: source)
            print("report: \(page.path)")
        } catch {
            throw RunError.io(path: run.report.path, message: "training ended, but the report page could not be written: \(error) "
                              + "(the checkpoint is saved; retry with `tumble train --out \(out) --report`)")
        }
        ranks.finish()
        // Stopped by a signal: saved and reported, but the shell should still see the interruption.
        if let signal = summary.stoppedBySignal { throw ExitCode(128 + signal) }
    }

    /// The data a resumed run continues on: run.json's; a --scene/--data that names other data is refused.
    private func resumeSource(given: TrainingData?, recorded: RunRecord?, run: RunDirectory) throws -> TrainingData {
        switch (given, recorded) {
        case let (given?, recorded?):
            let asked = RunRecord(given)
            guard asked.sameData(as: recorded) else {
                throw RunError.runDirectory(path: run.record.path, message: "--resume refused: the run trains on \(recorded.commandLine), "
                                            + "not \(asked.commandLine); leave out --scene/--data to continue on the run's data")
            }
            return recorded.data
        case let (nil, recorded?):
            return recorded.data
        case let (given?, nil):
            return given
        case (nil, nil):
            throw RunError.runDirectory(path: run.record.path, message: "not found (the run predates run.json): give its --scene or --data once with --resume")
        }
    }
}
