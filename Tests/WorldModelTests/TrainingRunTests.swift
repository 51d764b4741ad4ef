import Crypto
import XCTest
@testable import WorldModel

final class TrainingRunTests: XCTestCase {
    private func train(_ run: URL, _ config: TrainingConfig, resume: Bool = false, source: ClipSampler? = nil) throws -> TrainSummary {
        let options = TrainOptions(data: .scene("toy"), run: run, config: config, resume: resume, quiet: true)
        return try Trainer.train(options, source: source ?? ToyBounce.liveSource())
    }

    func testRunDirectoryHoldsConfigMetricsLogAndCheckpoints() throws {
        let dir = ToyBounce.temporaryDirectory("layout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try ToyBounce.config()
        let summary = try train(dir, config)
        XCTAssertEqual(summary.step, 6)
        let run = RunDirectory(dir)
        XCTAssertEqual(try TrainingConfig(contentsOf: run.config), config)
        let metrics = try readMetrics(run.metrics)
        XCTAssertEqual(metrics["step"], [2, 4, 6])
        XCTAssertTrue(metrics["loss"]!.allSatisfy { $0.isFinite })
        XCTAssertTrue(metrics["loss_pred"]!.allSatisfy { $0.isFinite && $0 > 0 })
        XCTAssertTrue(metrics["latent_std_mean"]!.allSatisfy { $0 > 0 })
        XCTAssertTrue(metrics["effective_rank"]!.allSatisfy { $0 >= 1 && $0 <= 8 })
        for name in ["step-3.safetensors", "step-6.safetensors", "last.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.checkpoints.appendingPathComponent(name).path), name)
        }
        let log = try String(contentsOf: run.log, encoding: .utf8)
        XCTAssertTrue(log.contains("step 6/6"), log)
        XCTAssertEqual(try Data(contentsOf: run.lastCheckpoint), try Data(contentsOf: run.checkpoint(step: 6)))
    }

    func testResumedRunEndsByteIdenticalToAnUninterruptedOne() throws {
        // The third draws novel colours each step (tensor RNG) far from the colours of the first batches, which the
        // checkpoint keeps: a resumed run must draw the same ones.
        let perPixel = ["model.encoder.kernels=[1,1]", "model.encoder.strides=[1,1]", "model.encoder.output=softmax",
                        "objective.target=infomax", "objective.novel_colours=0.1", "model.encoder.pool=2"]
        for (target, overrides) in [("vicreg", ["objective.target=vicreg"]), ("ema", ["objective.target=ema"]), ("novel colours", perPixel)] {
            let a = ToyBounce.temporaryDirectory("full"), b = ToyBounce.temporaryDirectory("halves")
            defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
            let config = try ToyBounce.config(overrides)
            _ = try train(a, config)
            var half = config
            try half.override(["train.steps=3"])
            XCTAssertEqual(try train(b, half).step, 3)
            XCTAssertEqual(try train(b, config, resume: true).step, 6)
            let full = try Data(contentsOf: RunDirectory(a).lastCheckpoint)
            let resumed = try Data(contentsOf: RunDirectory(b).lastCheckpoint)
            XCTAssertEqual(full.count, resumed.count, target)
            XCTAssertTrue(full == resumed, "\(target): resumed checkpoint differs from the uninterrupted one")
            if target == "novel colours" {
                let seen = try ModelCheckpoint.readContents(RunDirectory(b).lastCheckpoint).info.seenColours
                XCTAssertFalse(seen.isEmpty, "the first batches' colours are in the checkpoint")
            }
            // The half run also logged its last step (3); every step the full run logged matches.
            let fullRows = try readMetrics(RunDirectory(a).metrics), halfRows = try readMetrics(RunDirectory(b).metrics)
            XCTAssertEqual(halfRows["step"], [2, 3, 4, 6])
            XCTAssertEqual(fullRows["loss"], [0, 2, 3].map { halfRows["loss"]![$0] })
        }
    }

    func testSameSeedSameBytes() throws {
        let a = ToyBounce.temporaryDirectory("seedA"), b = ToyBounce.temporaryDirectory("seedB")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        var config = try ToyBounce.config()
        try config.override(["train.steps=2"])
        _ = try train(a, config); _ = try train(b, config)
        XCTAssertEqual(try Data(contentsOf: RunDirectory(a).lastCheckpoint), try Data(contentsOf: RunDirectory(b).lastCheckpoint))
    }

    func testResumeRefusesAChangedConfigAndAFreshRunRefusesAUsedDirectory() throws {
        let dir = ToyBounce.temporaryDirectory("refuse")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try ToyBounce.config()
        try config.override(["train.steps=3"])
        _ = try train(dir, config)
        let before = try Data(contentsOf: RunDirectory(dir).lastCheckpoint)
        var changed = config
        try changed.override(["optim.lr=0.5"])
        XCTAssertThrowsError(try train(dir, changed, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("--resume refused"), "\(error)")
            XCTAssertTrue("\(error)".contains("optim.lr"), "\(error)")
        }
        XCTAssertThrowsError(try train(dir, config)) { XCTAssertTrue("\($0)".contains("is not empty"), "\($0)") }
        XCTAssertEqual(try Data(contentsOf: RunDirectory(dir).lastCheckpoint), before)
        XCTAssertThrowsError(try train(ToyBounce.temporaryDirectory("none"), config, resume: true)) {
            XCTAssertTrue("\($0)".contains("--resume needs"), "\($0)")
        }
    }

    func testExplodingLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let dir = ToyBounce.temporaryDirectory("diverge")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try ToyBounce.config()
        try config.override(["train.steps=3"])
        _ = try train(dir, config)
        let good = try Data(contentsOf: RunDirectory(dir).lastCheckpoint)
        try config.override(["train.steps=6", "train.max_loss=1e-12"])
        XCTAssertThrowsError(try train(dir, config, resume: true)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("training stopped at step 4"), text)
            XCTAssertTrue(text.contains("exceeded train.max_loss"), text)
            XCTAssertTrue(text.contains("last good checkpoint is kept"), text)
        }
        XCTAssertEqual(try Data(contentsOf: RunDirectory(dir).lastCheckpoint), good)
    }
}
