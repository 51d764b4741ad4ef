import Tensor
import XCTest
@testable import WorldModel

/// The objects predictor: each channel's map moved by constant velocity plus a learned correction.
final class ObjectPredictorTests: XCTestCase {
    private func network(_ extra: [String] = []) throws -> WorldNetwork {
        let config = try ToyBounce.config([
            "model.encoder.channels=[8,4]", "model.encoder.kernels=[1,1]", "model.encoder.strides=[1,1]",
            "model.encoder.pool=2", "model.encoder.output=softmax", "model.encoder.normalise=mass",
            "objective.target=infomax", "decoder.channels=[8]", "model.predictor.kind=objects",
            "model.predictor.channels=12",
        ] + extra)
        return try WorldNetwork(config: config, info: ToyBounce.modelInfo())
    }

    /// Maps [n, h, w, c] with one 2×2 blob (mass 1) per channel at the given top-left cells.
    private func blobs(_ net: WorldNetwork, _ corners: [[(x: Int, y: Int)]]) throws -> Tensor {
        let h = net.mapHeight, w = net.mapWidth, c = net.mapChannels
        var v = [Float](repeating: 0, count: corners.count * h * w * c)
        for (n, sample) in corners.enumerated() {
            for (k, corner) in sample.enumerated() {
                for (dy, dx, weight) in [(0, 0, 0.4), (0, 1, 0.3), (1, 0, 0.2), (1, 1, 0.1)] as [(Int, Int, Float)] {
                    v[((n * h + corner.y + dy) * w + corner.x + dx) * c + k] = weight
                }
            }
        }
        return try Tensor(v, shape: [corners.count, h * w * c])
    }

    private func centroid(_ net: WorldNetwork, _ z: [Float], sample n: Int, channel k: Int) -> (Double, Double, Double) {
        let h = net.mapHeight, w = net.mapWidth, c = net.mapChannels
        var m = 0.0, mx = 0.0, my = 0.0
        for y in 0..<h { for x in 0..<w {
            let v = Double(z[((n * h + y) * w + x) * c + k]); m += v; mx += v * Double(x); my += v * Double(y)
        } }
        return (m, mx / m, my / m)
    }

    func testUncorrectedPredictorMovesEveryMaskAtItsOwnVelocity() throws {
        let net = try network()
        XCTAssertEqual(net.mapChannels, 4)
        XCTAssertGreaterThanOrEqual(net.mapWidth, 8)
        for name in ["predictor.out.weight", "predictor.out.bias"] {
            net[name].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        // Channel 0 moves +1 in x, channel 1 moves −1 in y, channels 2 and 3 stand still.
        let previous = try blobs(net, [[(2, 2), (5, 5), (1, 5), (4, 1)]])
        let current = try blobs(net, [[(3, 2), (5, 4), (1, 5), (4, 1)]])
        let next = try Tensor.noGrad { try net.predict(previous: previous, current: current, actions: nil) }.scalars
        let now = current.scalars
        // Centroids are read with a 1 % floor on the mass (mass 1 here), so velocities come out ×1/1.01.
        let expected: [(Double, Double)] = [(1 / 1.01, 0), (0, -1 / 1.01), (0, 0), (0, 0)]
        for (k, (vx, vy)) in expected.enumerated() {
            let before = centroid(net, now, sample: 0, channel: k), after = centroid(net, next, sample: 0, channel: k)
            XCTAssertEqual(after.0, 1, accuracy: 1e-5, "channel \(k) keeps its mass")
            XCTAssertEqual(after.1 - before.1, vx, accuracy: 1e-4, "channel \(k) x velocity")
            XCTAssertEqual(after.2 - before.2, vy, accuracy: 1e-4, "channel \(k) y velocity")
        }
        // Standing channels come back bit for bit.
        let c = net.mapChannels
        for i in stride(from: 2, to: now.count, by: c) { XCTAssertEqual(next[i], now[i]); XCTAssertEqual(next[i + 1], now[i + 1]) }
    }

    func testRolloutResamplingMovesPredictedMapsOnly() throws {
        // Channel 0 moves by about 0.6 of a cell, where bilinear and cubic samples differ.
        func moved(_ extra: [String]) throws -> (training: [Float], fromPredicted: [Float], rollout: [Float], second: [Float]) {
            let net = try network(extra)
            for name in ["predictor.out.weight", "predictor.out.bias"] {
                net[name].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            }
            let previous = try blobs(net, [[(2, 2), (5, 5), (1, 5), (4, 1)]])
            let current = try (previous * 0.4 + blobs(net, [[(3, 2), (5, 5), (1, 5), (4, 1)]]) * 0.6)
            let (training, fromPredicted) = try Tensor.noGrad {
                (try net.predict(previous: previous, current: current, actions: nil).scalars,
                 try net.predict(previous: previous, current: current, actions: nil, fromPredicted: true).scalars)
            }
            let rollout = try net.rollout(previous: previous.scalars, current: current.scalars, actions: [], steps: 2,
                                          info: ToyBounce.modelInfo())
            let second = try Tensor.noGrad {
                try net.predict(previous: current, current: Tensor(training, shape: current.shape), actions: nil, fromPredicted: true).scalars
            }
            return (training, fromPredicted, rollout, second)
        }
        let bilinear = try moved([]), cubic = try moved(["model.predictor.resampling=cubic"])
        let split = try moved(["model.predictor.rollout_resampling=cubic"])
        XCTAssertEqual(bilinear.training, bilinear.fromPredicted, "same by default")
        XCTAssertNotEqual(bilinear.training, cubic.training, "the kernels differ on a fractional move")
        XCTAssertEqual(split.training, bilinear.training, "the training loss and one-step predictions keep model.predictor.resampling")
        XCTAssertEqual(split.fromPredicted, cubic.fromPredicted, "a predicted map is moved with rollout_resampling")
        // A rollout's first step reads encoded maps (training kernel); its second moves the first's prediction.
        let d = bilinear.training.count
        XCTAssertEqual(Array(split.rollout[0..<d]), bilinear.training)
        XCTAssertEqual(Array(split.rollout[0..<d]), Array(bilinear.rollout[0..<d]))
        XCTAssertEqual(Array(split.rollout[d...]), split.second)
        XCTAssertNotEqual(split.second, bilinear.second)
    }

    func testPredictorIsEquivariantToChannelOrder() throws {
        let net = try network()
        var rng = RNG(seed: 3)
        let d = net.latentDimension
        let prev = Tensor.uniform([2, d], low: 0, high: 0.1, rng: &rng), cur = Tensor.uniform([2, d], low: 0, high: 0.1, rng: &rng)
        try PredictorChecks.assertChannelEquivariant(net, previous: prev, current: cur, swapping: 0, 2, accuracy: 1e-6)
    }

    func testGradientsMatchFiniteDifferences() throws {
        let net = try network()
        var rng = RNG(seed: 11)
        let d = net.latentDimension
        // Blob-like positive maps; the current maps are the previous ones moved by fractional amounts, so every
        // shift stays clear of whole cells, where bilinear sampling has kinks.
        let prev = try blobs(net, [[(2, 2), (5, 5), (1, 5), (4, 1)], [(5, 3), (2, 2), (3, 5), (1, 1)]])
        let moves: [Float] = [0.4, 0.3, -0.35, 0.6, 0.45, -0.4, 0.3, 0.55, -0.6, 0.35, 0.4, 0.45, 0.3, -0.45, 0.55, 0.35]
        let h = net.mapHeight, w = net.mapWidth, c = net.mapChannels
        let cur = try Tensor.translate(prev.reshaped([2, h, w, c]), by: Tensor(moves, shape: [2, c, 2])).reshaped([2, d])
        let noise = Tensor.uniform([2, d], low: 0, high: 0.005, rng: &rng)
        let p0 = try Tensor((prev + noise).scalars, shape: [2, d], requiresGrad: true)
        let c0 = try Tensor((cur + noise).scalars, shape: [2, d], requiresGrad: true)
        let target = Tensor.uniform([2, d], low: 0, high: 0.2, rng: &rng)
        try PredictorChecks.assertPredictorGradients(net, previous: p0, current: c0, target: target, parameters: [
            "predictor.node.0.weight", "predictor.edge.source.weight", "predictor.edge.target.weight", "predictor.edge.1.weight",
            "predictor.node.1.weight", "predictor.out.weight", "predictor.out.bias"])
    }

    /// `blobs`, with the channels in `wide` replaced by a Gaussian of σ 1.5 cells (mass 1) at the same corner + (1, 1):
    /// a spread of about 4 cells², above `model.predictor.mixing_spread` 2, where a 2×2 blob spreads about 0.45.
    private func maps(_ net: WorldNetwork, _ corners: [[(x: Int, y: Int)]], wide: Set<Int>, shift: Float = 0) throws -> Tensor {
        let h = net.mapHeight, w = net.mapWidth, c = net.mapChannels
        var v = try blobs(net, corners).scalars
        for (n, sample) in corners.enumerated() {
            for k in wide {
                let cx = Float(sample[k].x + 1) + shift, cy = Float(sample[k].y + 1)
                var cells = (0..<(h * w)).map { i -> Float in
                    let dx = Float(i % w) - cx, dy = Float(i / w) - cy
                    return expf(-(dx * dx + dy * dy) / (2 * 1.5 * 1.5))
                }
                let total = cells.reduce(0, +)
                cells = cells.map { $0 / total }
                for i in 0..<(h * w) { v[(n * h * w + i) * c + k] = cells[i] }
            }
        }
        return try Tensor(v, shape: [corners.count, h * w * c])
    }

    /// `model.predictor.mixing`: W starts at zero, so the predictor gives the unmixed prediction bit for bit. A W that
    /// moves channel 0's share into the wide channel 3 makes channel 3 channel 0's moved map, while the same share
    /// meant for the compact channel 1 is gated off; a W that only scales a map is undone, since maps keep their mass.
    func testMixingStartsAsTheIdentityRebuildsWideMapsAndKeepsMasses() throws {
        let plain = try network(), mixing = try network(["model.predictor.mixing=true"])
        XCTAssertEqual(mixing["predictor.mix"].shape, [4, 4])
        let previous = try maps(plain, [[(2, 2), (5, 5), (1, 5), (3, 2)]], wide: [3])
        let current = try maps(plain, [[(3, 2), (5, 4), (1, 4), (3, 2)]], wide: [3], shift: 0.3)
        func predict(_ net: WorldNetwork) throws -> [Float] {
            try Tensor.noGrad { try net.predict(previous: previous, current: current, actions: nil) }.scalars
        }
        let unmixed = try predict(plain)
        XCTAssertEqual(try predict(mixing), unmixed)
        let unit = 1 / ObjectsPredictor.mixScale, v = mixing["predictor.mix"]
        v.withUnsafeMutableBufferPointer { v in v[0 * 4 + 3] = unit; v[3 * 4 + 3] = -unit; v[0 * 4 + 1] = unit }
        let mixed = try predict(mixing)
        // Channel 3 keeps its own mass, which its move across the map's edge made a little less than channel 0's.
        let mass = (0..<4).map { k in stride(from: k, to: unmixed.count, by: 4).reduce(Float(0)) { $0 + unmixed[$1] } }
        XCTAssertLessThan(mass[3], 0.999)
        for cell in 0..<(mixed.count / 4) {
            for k in 0..<3 { XCTAssertEqual(mixed[cell * 4 + k], unmixed[cell * 4 + k], accuracy: 1e-6, "channel \(k) keeps its own map") }
            XCTAssertEqual(mixed[cell * 4 + 3], unmixed[cell * 4] * mass[3] / mass[0], accuracy: 1e-6, "channel 3 is channel 0's moved map")
        }
        v.withUnsafeMutableBufferPointer { v in v.update(repeating: 0); v[3 * 4 + 3] = 3 * unit }
        let scaled = try predict(mixing)
        for i in scaled.indices { XCTAssertEqual(scaled[i], unmixed[i], accuracy: 1e-6, "a map 4 × heavier is scaled back") }
    }

    /// The mixing gate's spread is σx² + σy² wherever the map sits; the moments' 1 % mass floor would grow it with x² + y².
    func testSpreadIsTheSameWhereverTheMapSits() throws {
        let net = try network()
        let z = try blobs(net, [[(0, 0), (6, 6), (0, 6), (6, 0)]])
        let moments = MapMoments(height: net.mapHeight, width: net.mapWidth, channels: net.mapChannels)
        let spread = try moments.spread(z).scalars
        for k in 0..<4 { XCTAssertEqual(spread[k], 0.24 + 0.21, accuracy: 1e-5, "channel \(k)") }
        let floored = try moments(z).variance.scalars
        XCTAssertGreaterThan(floored[2] + floored[3], 1, "the floored variance of the blob at (6, 6)")
    }

    func testMixingGradientsMatchFiniteDifferences() throws {
        let net = try network(["model.predictor.mixing=true"])
        var rng = RNG(seed: 12)
        let d = net.latentDimension
        net["predictor.mix"].withUnsafeMutableBufferPointer { v in for i in v.indices { v[i] = Float(i % 5) - 2 } }
        // Channels 2 and 3 wide (mixed), 0 and 1 compact (kept): both sides of the gate, each far from its step.
        let corners: [[(x: Int, y: Int)]] = [[(2, 2), (5, 5), (1, 4), (4, 1)], [(5, 3), (2, 2), (3, 4), (1, 1)]]
        let h = net.mapHeight, w = net.mapWidth, c = net.mapChannels
        let prev = try maps(net, corners, wide: [2, 3])
        // Fractional moves keep every shift clear of whole cells, where bilinear sampling has kinks.
        let moves: [Float] = [0.4, 0.3, -0.35, 0.6, 0.45, -0.4, 0.3, 0.55, -0.6, 0.35, 0.4, 0.45, 0.3, -0.45, 0.55, 0.35]
        let cur = try Tensor.translate(prev.reshaped([2, h, w, c]), by: Tensor(moves, shape: [2, c, 2])).reshaped([2, d])
        // Little noise: spread over every cell it would widen the compact maps' spread towards the gate's step, whose
        // dependence on the maps the gradient leaves out (the gate reads detached moments).
        let noise = Tensor.uniform([2, d], low: 0, high: 1e-4, rng: &rng)
        let p0 = try Tensor((prev + noise).scalars, shape: [2, d], requiresGrad: true)
        let c0 = try Tensor((cur + noise).scalars, shape: [2, d], requiresGrad: true)
        let target = Tensor.uniform([2, d], low: 0, high: 0.2, rng: &rng)
        try PredictorChecks.assertPredictorGradients(net, previous: p0, current: c0, target: target, parameters: [
            "predictor.mix", "predictor.node.1.weight", "predictor.out.weight"])
    }

    func testCentroidLossIsTheMassWeightedSquaredCentroidDistance() throws {
        // One sample, 8×8 map, 2 channels: channel 0 a unit mass at cell (x 2, y 3) in p and at (5, 3) in q; channel 1
        // empty in q, so it has no centroid to match whatever p holds there.
        let moments = MapMoments(height: 8, width: 8, channels: 2)
        var p = [Float](repeating: 0, count: 8 * 8 * 2), q = p
        p[(3 * 8 + 2) * 2] = 1; q[(3 * 8 + 5) * 2] = 1
        p[(6 * 8 + 6) * 2 + 1] = 1
        let loss = try moments.centroidLoss(Tensor(p, shape: [1, 128]), Tensor(q, shape: [1, 128])).item()
        // Centroids divide by mass + 0.01; the mean runs over 1 × 2 channels × 2 axes.
        XCTAssertEqual(Double(loss), Double(3 / Float(1.01)) * Double(3 / Float(1.01)) / 4, accuracy: 1e-5)
        XCTAssertEqual(try moments.centroidLoss(Tensor(q, shape: [1, 128]), Tensor(q, shape: [1, 128])).item(), 0)
        // Its gradient moves the predicted mass toward the target's centroid: more gain on the far side.
        let pt = try Tensor(p.map { $0 * 0.5 + 0.01 }, shape: [1, 128], requiresGrad: true)
        try moments.centroidLoss(pt, Tensor(q, shape: [1, 128])).backward()
        let g = try XCTUnwrap(pt.grad).scalars
        XCTAssertLessThan(g[(3 * 8 + 7) * 2], g[(3 * 8 + 0) * 2], "mass at x = 7 lowers the loss, mass at x = 0 raises it")
    }

    func testObjectsPredictorNeedsAMap() {
        XCTAssertThrowsError(try ToyBounce.config(["model.latent=global", "model.predictor.kind=objects"])) { error in
            XCTAssertTrue("\(error)".contains("model.predictor.kind"), "\(error)")
        }
        XCTAssertThrowsError(try ToyBounce.config(["model.predictor.kind=objects", "model.predictor.extrapolate=true"])) { error in
            XCTAssertTrue("\(error)".contains("model.predictor.extrapolate"), "\(error)")
        }
    }
}
