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
