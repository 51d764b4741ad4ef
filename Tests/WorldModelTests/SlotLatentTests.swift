import Tensor
import XCTest
@testable import WorldModel

/// The mask latent of the default model: softmax masks per pixel, mass-normalised maps, the
/// motion-weighted InfoMax regulariser and the slot predictor.
final class SlotLatentTests: XCTestCase {
    private func masks(_ rows: [[Float]]) throws -> Tensor {
        try Tensor(rows.flatMap { $0 }, shape: [rows.count, rows[0].count])
    }

    func testInfomaxPrefersDecisiveBalancedMasksOverCollapsedOnes() throws {
        let k = 4
        func onehot(_ i: Int) -> [Float] { (0..<k).map { $0 == i ? 1 : 0 } }
        // Decisive and balanced: H(p) = 0, H(p̄) = ln 4.
        let balanced = try Objective.infomax(masks((0..<8).map { onehot($0 % k) }), sharpness: 1).item()
        XCTAssertEqual(balanced, -Float(log(4.0)), accuracy: 1e-4)
        // Everything in one mask (collapse): H(p) = H(p̄) = 0.
        let collapsed = try Objective.infomax(masks((0..<8).map { _ in onehot(2) }), sharpness: 1).item()
        XCTAssertEqual(collapsed, 0, accuracy: 1e-4)
        // Uniform masks (the other collapse): H(p) = H(p̄) = ln 4, so the plain mutual information is 0 too.
        let uniform = try Objective.infomax(masks((0..<8).map { _ in [Float](repeating: 0.25, count: k) }), sharpness: 1).item()
        XCTAssertEqual(uniform, 0, accuracy: 1e-4)
        // Half the sharpness weight rewards soft masks: the uniform ones score -(1 - 0.5)·ln 4.
        let soft = try Objective.infomax(masks((0..<8).map { _ in [Float](repeating: 0.25, count: k) }), sharpness: 0.5).item()
        XCTAssertEqual(soft, -0.5 * Float(log(4.0)), accuracy: 1e-4)
    }

    func testMotionShareCountsMovingPixelsAsMuchAsTheBackground() throws {
        // 6 background pixels in mask 0, two moving object pixels in masks 1 and 2.
        let rows: [[Float]] = [[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
        let plain = try Objective.infomax(masks(rows), sharpness: 1).item()
        let pbar: [Double] = [0.75, 0.125, 0.125]
        XCTAssertEqual(Double(plain), pbar.reduce(0) { $0 + $1 * log($1) }, accuracy: 1e-4)
        // All the motion weight on the two object pixels; half of the marginal from it.
        let w = try Tensor([0, 0, 0, 0, 0, 0, 0.5, 0.5], shape: [1, 8])
        let mixed = try Objective.infomax(masks(rows), sharpness: 1, motionWeights: w, motionShare: 0.5).item()
        let q: [Double] = [0.375, 0.3125, 0.3125]
        XCTAssertEqual(Double(mixed), q.reduce(0) { $0 + $1 * log($1) }, accuracy: 1e-4)
        XCTAssertLessThan(mixed, plain, "weighting by motion must reward separating the moving objects more")
        // Merging the two objects into one mask costs more with the motion share than without.
        var merged = rows; merged[7] = [0, 1, 0]
        let mergeCostPlain = try Objective.infomax(masks(merged), sharpness: 1).item() - plain
        let mergeCostMotion = try Objective.infomax(masks(merged), sharpness: 1, motionWeights: w, motionShare: 0.5).item() - mixed
        XCTAssertGreaterThan(mergeCostMotion, 2 * mergeCostPlain)
    }

    func testMixtureWeightingMakesAMovingBodyPayForBeingIndecisive() throws {
        // 7 background pixels in mask 0 and one moving pixel, either decisive (mask 1) or spread over 4 masks.
        let background = [[Float]](repeating: [1, 0, 0, 0], count: 7)
        let decisive = try masks(background + [[0, 1, 0, 0]]), spread = try masks(background + [[0.25, 0.25, 0.25, 0.25]])
        let w = try Tensor([0, 0, 0, 0, 0, 0, 0, 1], shape: [1, 8])
        func score(_ m: Tensor, mixture: Bool) throws -> Double {
            Double(try Objective.infomax(m, sharpness: 1, motionWeights: w, motionShare: 0.5, mixtureWeighting: mixture).item())
        }
        func entropy(_ p: [Double]) -> Double { -p.filter { $0 > 0 }.reduce(0) { $0 + $1 * log($1) } }
        // Pixel weighting: the spread pixel's H(p) = ln 4 counts 1/8, yet half the marginal is its spread mass.
        let pbar: [Double] = [0.5 * 7 / 8 + 0.5 * 0.25 + 0.5 * 0.25 / 8, 0.5 * 0.25 + 0.5 * 0.25 / 8,
                              0.5 * 0.25 + 0.5 * 0.25 / 8, 0.5 * 0.25 + 0.5 * 0.25 / 8]
        XCTAssertEqual(try score(spread, mixture: false), log(4) / 8 - entropy(pbar), accuracy: 1e-4)
        XCTAssertLessThan(try score(spread, mixture: false), try score(decisive, mixture: false),
                          "pixel weighting rewards spreading the lone moving body")
        // Mixture weighting: its H(p) counts with the same (1/2)(1/8) + 1/2 weight as its mass in the marginal.
        XCTAssertEqual(try score(spread, mixture: true), log(4) * (0.5 / 8 + 0.5) - entropy(pbar), accuracy: 1e-4)
        XCTAssertLessThan(try score(decisive, mixture: true), try score(spread, mixture: true),
                          "mixture weighting makes the decisive mask the better one")
    }

    func testMotionWeightsFollowChangedPixelsAndSumToOne() throws {
        let data = DataDescription(height: 4, width: 4, channels: 3, bodies: 1, actionDimension: 0, sceneName: "t", sceneSHA256: "",
                                   observationHz: 15)
        let info = ModelInfo(data: data)
        // One clip of 3 frames; one pixel (row 1, col 2) lights up in frame 1 only.
        var frames = [UInt8](repeating: 0, count: 3 * 4 * 4 * 3)
        for k in 0..<3 { frames[(1 * 16 + 1 * 4 + 2) * 3 + k] = 200 }
        let layout = EpisodeLayout(steps: 3, data)
        let batch = EpisodeBatch(layout: layout, episodes: 1, frames: frames, states: [Float](repeating: 0, count: 3 * 6), actions: [], seeds: [0])
        let w = try XCTUnwrap(Objective.motionWeights(batch: batch, info: info, maskHeight: 4, maskWidth: 4)).scalars
        XCTAssertEqual(w.count, 3 * 16)
        XCTAssertEqual(Double(w.reduce(0, +)), 1, accuracy: 1e-5)
        let lit = [0 * 16 + 6, 1 * 16 + 6, 2 * 16 + 6]
        for (i, v) in w.enumerated() where !lit.contains(i) { XCTAssertEqual(v, 0, "pixel \(i) never changed") }
        // Frame 1 differs from both neighbours, frames 0 and 2 from one each.
        XCTAssertEqual(w[lit[1]], 2 * w[lit[0]], accuracy: 1e-6)
        XCTAssertEqual(w[lit[0]], w[lit[2]], accuracy: 1e-6)
        // A 2× strided mask map pools the weights into its cells.
        let pooled = try XCTUnwrap(Objective.motionWeights(batch: batch, info: info, maskHeight: 2, maskWidth: 2)).scalars
        XCTAssertEqual(pooled[1 * 4 + 1], w[lit[1]], accuracy: 1e-6)   // (1, 2) lies in cell (0, 1)
        // Nothing moves: no weights.
        let still = EpisodeBatch(layout: layout, episodes: 1, frames: [UInt8](repeating: 9, count: frames.count), states: batch.states,
                                 actions: [], seeds: [0])
        XCTAssertNil(Objective.motionWeights(batch: still, info: info, maskHeight: 4, maskWidth: 4))
    }

    private func slotNetwork(_ extra: [String] = []) throws -> WorldNetwork {
        let config = try ToyBounce.config([
            "model.encoder.channels=[8,4]", "model.encoder.kernels=[1,1]", "model.encoder.strides=[1,1]",
            "model.encoder.pool=2", "model.encoder.output=softmax", "model.encoder.normalise=mass",
            "model.encoder.softmax_temperature=0.5", "objective.target=infomax", "decoder.channels=[8]",
        ] + extra)
        return try WorldNetwork(config: config, info: ToyBounce.modelInfo())
    }

    func testMassNormalisedChannelsAreDistributionsWhoseCentroidIsLinear() throws {
        try checkMassNormalisedChannels(try slotNetwork(["model.encoder.pool_sigma=0"]), pixelsPerUnit: 4)
    }

    /// Gaussian pooling hands each pixel's whole mass to the cells (box pooling averages 2×2 pixels).
    func testGaussianPooledChannelsKeepTheirMass() throws {
        let net = try slotNetwork(["model.encoder.pool_sigma=1.5"])
        XCTAssertNotNil(net.encoder.gaussianPool)
        try checkMassNormalisedChannels(net, pixelsPerUnit: 1)
    }

    private func checkMassNormalisedChannels(_ net: WorldNetwork, pixelsPerUnit: Float) throws {
        let eps = ToyBounce.episodes(seeds: [41, 42], steps: 3)
        let x = eps.frames.withUnsafeBufferPointer { net.input(frames: $0, count: 6) }
        let (z, masks) = try Tensor.noGrad { try net.encodeWithMasks(x) }
        let m = try XCTUnwrap(masks).perPixel().scalars, zs = z.scalars
        let c = net.mapChannels, cells = net.mapHeight * net.mapWidth
        XCTAssertEqual(z.shape, [6, cells * c])
        let eps0 = Float(net.config.encoderNormaliseEps)
        for f in 0..<6 {
            for k in 0..<c {
                // Mass of channel k: the pixel sum / 4 when mean-pooled 2×2, the pixel sum with Gaussian weights.
                var mass: Float = 0
                for p in 0..<(16 * 16) { mass += m[(f * 256 + p) * c + k] }
                mass /= pixelsPerUnit
                var total: Float = 0
                for cell in 0..<cells { total += zs[(f * cells + cell) * c + k] }
                XCTAssertEqual(total, mass / (mass + eps0), accuracy: 1e-4, "frame \(f) channel \(k)")
            }
        }
    }

    func testConfigRefusesInfomaxWithoutMasksAndMassWithoutAMap() {
        XCTAssertThrowsError(try ToyBounce.config(["objective.target=infomax", "model.encoder.output=linear", "model.encoder.normalise=none"])) { error in
            XCTAssertTrue("\(error)".contains("objective.target"), "\(error)")
            XCTAssertTrue("\(error)".contains("softmax"), "\(error)")
        }
        XCTAssertThrowsError(try ToyBounce.config(["objective.target=sigreg", "model.encoder.output=linear", "model.encoder.normalise=mass"])) { error in
            XCTAssertTrue("\(error)".contains("model.encoder.normalise"), "\(error)")
            XCTAssertTrue("\(error)".contains("softmax"), "\(error)")
        }
        XCTAssertThrowsError(try ToyBounce.config(["model.latent=keypoints", "model.predictor.kind=slots"])) { error in
            XCTAssertTrue("\(error)".contains("model.predictor.kind"), "\(error)")
        }
    }

    func testInfomaxTrainingPutsEachBallInItsOwnMask() throws {
        let dir = ToyBounce.temporaryDirectory("infomax")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try ToyBounce.config([
            "model.encoder.channels=[16,6]", "model.encoder.kernels=[1,1]", "model.encoder.strides=[1,1]",
            "model.encoder.pool=2", "model.encoder.output=softmax", "model.encoder.normalise=mass",
            "model.encoder.softmax_temperature=0.3", "objective.target=infomax", "objective.infomax_weight=1",
            "decoder.channels=[8]", "optim.lr=5e-3", "optim.schedule_steps=150", "train.steps=150",
            "train.log_every=50", "train.checkpoint_every=150", "data.batch_clips=8",
        ])
        _ = try Trainer.train(TrainOptions(data: .scene("toy"), run: dir, config: config, quiet: true),
                              source: ToyBounce.liveSource(seedBase: 11))
        let model = try TrainedModel.load(checkpoint: RunDirectory(dir).lastCheckpoint)
        // Three flat 16×16 frames: background, ball colour 0, ball colour 1. Each frame's latent says
        // which mask took it: the channel holding (almost) all of the mass.
        var frames = [UInt8]()
        for colour in [(UInt8(0), UInt8(0), UInt8(0)), ToyBounce.colors[0], ToyBounce.colors[1]] {
            for _ in 0..<(16 * 16) { frames += [colour.0, colour.1, colour.2] }
        }
        let z = try model.encode(frames: frames)
        let c = 6, cells = z.count / 3 / c
        var owner = [Int]()
        for f in 0..<3 {
            var totals = [Float](repeating: 0, count: c)
            for cell in 0..<cells { for k in 0..<c { totals[k] += z[(f * cells + cell) * c + k] } }
            owner.append(totals.indices.max { totals[$0] < totals[$1] }!)
            XCTAssertGreaterThan(totals[owner[f]], 0.9, "frame \(f): a decisive mask")
        }
        XCTAssertEqual(Set(owner).count, 3, "background and both balls each in their own mask, got \(owner)")
    }
}
