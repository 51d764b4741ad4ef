import Foundation
import Observation
import Physics
import WorldModel

extension BenchSuite {
    /// The product's training loop: `Trainer` itself, heads, logging and data included.
    static var training: BenchSuite { BenchSuite(name: "train", run: TrainingBench.run) }
}

/// `tumble train` as a user runs it, timed over its step loop (`TrainSummary.loopFramesPerSecond`): the
/// shipped and the reference configs on a recorded bounce dataset (the simulator is not in the figure), and
/// the shipped config streaming from the simulator (`--scene bounce`). Each figure is the best of `runs` runs, as
/// the engine's is the best of its steps: one 30-step run on a shared 2-core machine moved by ±15 % from run to run.
enum TrainingBench {
    static let steps = 30
    static let runs = 3

    static func run() throws -> [BenchFigure] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-bench-train-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        var o = RecordOptions(scene: try Scene.load("bounce"), output: root.appendingPathComponent("data"), tumbleVersion: TumbleVersion.string)
        o.episodes = 64; o.steps = 32; o.resolution = 64; o.episodesPerShard = 32; o.seed = 1
        _ = try Recorder(options: o).run()

        var figures: [BenchFigure] = []
        for (name, file) in [("default", "Assets/default-config.yaml"), ("reference", "Assets/reference-config.yaml")] {
            let fps = try loop(config: file, data: .dataset(o.output), run: root.appendingPathComponent(name))
            figures.append(BenchFigure(key: "train_frames_per_s.\(name)", value: fps,
                                       unit: "frames/s, tumble train --config \(file) on recorded data (best of \(runs) runs of \(steps) steps, heads included)"))
        }
        let streaming = try loop(config: "Assets/default-config.yaml", data: .scene("bounce"), run: root.appendingPathComponent("streaming"))
        figures.append(BenchFigure(key: "train_frames_per_s.default_streaming", value: streaming,
                                   unit: "frames/s, the same with --scene bounce (simulated while training; best of \(runs) runs)"))
        return figures
    }

    /// Loop frames per second of the best of `runs` `steps`-step runs of `config` (from the checkout) on `data`.
    static func loop(config file: String, data: TrainingData, run: URL) throws -> Double {
        try (0..<runs).map { try once(config: file, data: data, run: run.appendingPathComponent("run-\($0)")) }.max()!
    }

    static func once(config file: String, data: TrainingData, run: URL) throws -> Double {
        guard let url = shippedAsset(file) else {
            throw ValidationErrorPassthrough(message: "tumble bench --only train needs \(file) from the checkout; run it from there")
        }
        var config = try TrainingConfig(contentsOf: url)
        try config.override(["train.steps=\(steps)", "train.log_every=\(steps)", "train.checkpoint_every=\(steps)", "probe.refit_batches=0"])
        return try Trainer.train(TrainOptions(data: data, run: run, config: config, quiet: true)).loopFramesPerSecond
    }
}
