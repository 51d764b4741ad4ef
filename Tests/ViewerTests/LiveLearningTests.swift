import CSDL2
import Foundation
import Physics
@testable import Viewer
import WorldModel
import XCTest

/// Live learning with a real (tiny) world model in the window: L starts the background learner, the
/// predictor trains on the frames shown, the window swaps in the new weights and plots the loss.
final class LiveLearningTests: XCTestCase {
    /// A tiny architecture for 64×64 frames (D = 32·32·8), quick to train.
    static func tinyConfig() throws -> TrainingConfig {
        var config = TrainingConfig()
        try config.override([
            "data.clip_length=5", "data.batch_clips=2",
            "model.encoder.channels=[8,8]", "model.encoder.kernels=[4,3]", "model.encoder.strides=[2,1]", "model.encoder.pool=1",
            "model.predictor.channels=8", "model.predictor.layers=2",
            "objective.rollout_steps=2", "decoder.channels=[8]",
            "optim.warmup_steps=1", "optim.schedule_steps=10",
            "train.steps=2", "train.log_every=1", "train.checkpoint_every=2",
        ])
        return config
    }

    private static var trained: (dir: URL, file: URL)?

    /// A checkpoint of the tiny architecture trained two steps on the shipped bounce scene.
    private func checkpoint() throws -> URL {
        if let c = Self.trained { return c.file }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-live-\(UUID().uuidString)")
        let summary = try Trainer.train(TrainOptions(data: .scene("bounce"), run: dir, config: try Self.tinyConfig(), quiet: true))
        Self.trained = (dir, summary.lastCheckpoint)
        return summary.lastCheckpoint
    }

    override class func tearDown() { if let d = trained?.dir { try? FileManager.default.removeItem(at: d) } }

    /// Advances the window while the background learner runs, until `done` or 60 s.
    private func run(_ v: Viewer, until done: () -> Bool) {
        let deadline = Date().addingTimeInterval(60)
        while !done() && Date() < deadline {
            v.advance(seconds: 1.0 / 60)
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    func testLKeyTrainsTheCheckpointsPredictorAndPlotsItsLoss() throws {
        let adapter = try TrainedModelAdapter.load(checkpoint: try checkpoint())
        XCTAssertTrue(adapter.supportsLearning)
        let learner = try XCTUnwrap(adapter.learner)
        XCTAssertFalse(learner.trainsEncoder, "a trained model fine-tunes its predictor; the encoder stays frozen")
        let v = try TestScenes.viewer(scene: 0, model: .model(adapter))
        let initial = adapter.model
        for _ in 0..<48 { v.advance(seconds: 1.0 / 60) }     // 12 observations into the buffer
        XCTAssertGreaterThanOrEqual(learner.bufferedFrames, 12)
        XCTAssertTrue(v.lossPlot.series.isEmpty)

        SyntheticInput.key(SDLK_l)
        v.pollEvents()
        let live = try XCTUnwrap(v.learner)
        XCTAssertTrue(live.isRunning)
        run(v) { live.stepCount >= 6 && !v.lossPlot.series.isEmpty }
        XCTAssertGreaterThanOrEqual(live.stepCount, 6)
        XCTAssertFalse(v.lossPlot.series.isEmpty, "the loss plot shows the training loss")
        XCTAssertTrue(v.lossPlot.series.values.allSatisfy { $0.isFinite && $0 > 0 })

        SyntheticInput.key(SDLK_l)
        v.pollEvents()
        XCTAssertFalse(live.isRunning)
        live.stopAndWait()

        // The window now draws with the trained weights: a newer snapshot, only the predictor changed.
        v.advance(seconds: 4.0 / 60)
        let now = adapter.model
        XCTAssertGreaterThan(now.step, initial.step)
        XCTAssertEqual(now.step - initial.step, learner.steps)
        XCTAssertTrue(adapter.label.contains("online"), adapter.label)
        XCTAssertNotEqual(try now.rollout(previous: [Float](repeating: 0.1, count: now.latentDimension),
                                          current: [Float](repeating: 0.2, count: now.latentDimension), actions: [], steps: 1),
                          try initial.rollout(previous: [Float](repeating: 0.1, count: now.latentDimension),
                                              current: [Float](repeating: 0.2, count: now.latentDimension), actions: [], steps: 1))
        let frame = Array(v.sandbox.frame)
        XCTAssertEqual(try now.encode(frames: frame), try initial.encode(frames: frame), "the encoder is frozen")
        _ = try v.render()
        XCTAssertTrue(v.lossPlot.title.contains("\(live.stepCount) steps"), v.lossPlot.title)
        XCTAssertNotNil(v.sandbox.imagined.first, "ghosts still drawn from the new weights")
    }

    func testFromScratchModelLearnsWithTheSandboxStates() throws {
        let scenes = try TestScenes.all
        let adapter = try TrainedModelAdapter(learningFromScratch: scenes[0], config: try Self.tinyConfig())
        XCTAssertTrue(adapter.isFromScratch)
        let learner = try XCTUnwrap(adapter.learner)
        XCTAssertTrue(learner.trainsEncoder)
        var o = ViewerOptions(scenes: scenes, sceneIndex: 0, seed: 5, model: .model(adapter))
        o.width = 640; o.height = 360; o.frames = 1_000_000; o.learn = true
        let v = try Viewer(options: o)
        let live = try XCTUnwrap(v.learner)
        XCTAssertTrue(live.isRunning, "--learn starts learning with the window")
        // Full-objective steps need the true states for the probe: they only happen if the sandbox feeds them.
        run(v) { live.stepCount >= 3 }
        live.stopAndWait()
        XCTAssertGreaterThanOrEqual(live.stepCount, 3)
        let m = learner.model
        XCTAssertNotEqual(m.info.stateMean, [0, 0, 0, 0], "probe normalisation from the sandbox's states")
        v.advance(seconds: 4.0 / 60)
        XCTAssertTrue(adapter.label.contains("from scratch"), adapter.label)
        XCTAssertTrue(v.sandbox.imagined.allSatisfy { $0.allSatisfy { $0.x.isFinite && $0.y.isFinite } })
    }
}
