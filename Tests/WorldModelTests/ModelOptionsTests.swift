import Tensor
import XCTest
@testable import WorldModel

/// Every option a config can name builds a network that trains: a few optimiser steps of the full objective on
/// toy clips with actions, each leaving finite losses and moved weights, and a checkpoint that reads back.
final class ModelOptionsTests: XCTestCase {
    /// Toy clips with two action values per frame, so action planes, action rows and inverse dynamics all run.
    private func batch(_ config: TrainingConfig) -> EpisodeBatch {
        var episodes = ToyBounce.episodes(seeds: [5, 6, 7, 8], steps: config.clipLength)
        var rng = RNG(seed: 3)
        episodes.actions = (0..<(4 * config.clipLength * 2)).map { _ in rng.uniform() * 2 - 1 }
        episodes.layout.actionDimension = 2
        return episodes
    }

    private func trainSteps(_ overrides: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let config = try ToyBounce.config(["objective.inverse_dynamics=0.5"] + overrides)
        let network = try WorldNetwork(config: config, info: ToyBounce.modelInfo(actions: 2))
        let optimizers = Optimizers(network: network, config: config)
        let before = network.online.map { $0.tensor.scalars }
        var rng = RNG(seed: 1)
        for step in 0..<3 {
            network.zeroGrad()
            let (losses, _) = try Objective.run(network: network, batch: batch(config), rng: &rng)
            XCTAssertTrue(losses.total.isFinite && losses.prediction.isFinite && losses.inverseDynamics > 0,
                          "\(overrides) step \(step): \(losses)", file: file, line: line)
            _ = optimizers.clipMain(maxNorm: config.gradClip)
            try optimizers.stepAll()
            try network.updateTarget(momentum: config.emaMomentum(at: step))
        }
        let moved = zip(before, network.online).filter { $0.0 != $0.1.tensor.scalars }.map(\.1.name)
        XCTAssertTrue(moved.contains { $0.hasPrefix("encoder.") } && moved.contains { $0.hasPrefix("predictor.") } && moved.contains("idm.weight"),
                      "\(overrides): moved \(moved)", file: file, line: line)
        let contents = ModelCheckpoint.Contents(config: config, info: network.info, step: 3, seeds: .list([]), dataRNG: 0, tensorRNG: rng)
        let read = try ModelCheckpoint.readContents(ModelCheckpoint.encode(contents, network: network, optimizers: optimizers), path: "options")
        let copy = try WorldNetwork(config: read.config, info: read.info)
        try ModelCheckpoint.copyParameters(read.tensors, into: copy, path: "options")
        XCTAssertEqual(copy.allParameters.map { $0.tensor.scalars }, network.allParameters.map { $0.tensor.scalars }, file: file, line: line)
    }

    private let flat = ["model.encoder.output=linear", "model.encoder.normalise=none", "objective.target=vicreg"]

    func testEveryPredictorKindOnEveryLatentItFits() throws {
        for kind in PredictorKind.allCases {
            for latent in [LatentKind.spatial, .global, .keypoints] where kind.incompatibility(with: latent) == nil {
                let base = latent == .spatial
                    ? ["model.encoder.pool=2", "decoder.channels=[8,8]", "model.encoder.pool_sigma=1.5", "model.encoder.softmax_temperature=0.5", "objective.target=infomax"]
                    : flat + ["model.global_dim=16"]
                try trainSteps(base + ["model.latent=\(latent.rawValue)", "model.predictor.kind=\(kind.rawValue)",
                                       "model.predictor.hidden=[16]"])
            }
        }
    }

    func testEveryTargetLossAndInputOption() throws {
        for target in ["ema", "vicreg", "sigreg"] {
            try trainSteps(["model.predictor.kind=conv", "model.encoder.output=linear", "model.encoder.normalise=none",
                            "objective.target=\(target)"])
        }
        for loss in ["mse", "l1", "smooth_l1"] {
            try trainSteps(flat + ["model.latent=global", "model.predictor.kind=mlp", "model.predictor.hidden=[16]",
                                   "objective.loss=\(loss)", "model.coord_channels=true"])
        }
        try trainSteps(["model.predictor.kind=objects", "model.encoder.pool=2", "decoder.channels=[8,8]", "model.encoder.pool_sigma=0",
                        "objective.infomax_motion=0", "objective.rollout_steps=0"])
    }

    func testRetiredAndMismatchedOptionsAreRefusedByName() {
        for (override, key) in [("model.predictor.extrapolate=true", "model.predictor.extrapolate"),
                                ("model.predictor.kind=slots", "model.predictor.kind"),
                                ("model.latent=global", "model.predictor.kind")] {
            XCTAssertThrowsError(try ToyBounce.config(["model.predictor.kind=objects", override]), override) { error in
                XCTAssertTrue("\(error)".contains(key), "\(override): \(error)")
            }
        }
    }
}
