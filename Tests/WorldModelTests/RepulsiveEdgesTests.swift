import Common
import Tensor
import XCTest
@testable import WorldModel

/// `model.predictor.edges: repulsive`: a map is only ever pushed away from the others, whatever the weights, the
/// velocities and the actions; and the predictor with it runs forward and backward.
final class RepulsiveEdgesTests: XCTestCase {
    let shape = LatentShape(height: 16, width: 16, channels: 3, dimension: 768, actions: 2, isSpatial: true)

    func predictor(seed: UInt64, turning: Bool = false) throws -> ObjectsPredictor {
        var config = TrainingConfig()
        try config.override(["model.predictor.edges=repulsive", "model.predictor.action_maps=actor"]
                            + (turning ? ["model.predictor.turning=true"] : []))
        var rng = RNG(seed: seed)
        return ObjectsPredictor(config: config, shape: shape, rng: &rng)
    }

    func testPushesOnlyEverPointAwayFromTheOtherMap() throws {
        var draws = RNG(seed: 99)
        var pushed = 0
        for seed in 0..<20 {
            let p = try predictor(seed: UInt64(seed))
            XCTAssertEqual(p.node1.weight.shape[1], TrainingConfig().predictorChannels, "no free messages beside the node")
            // Half the draws start the push's size at 1, so the test also sees pushes that are surely on.
            if seed % 2 == 0 { p.repulsion!.size.bias!.withUnsafeMutableBufferPointer { $0[0] = 1 } }
            // Map 0 at (5, 6); map 1 one to two cells right of it, a little above or below; map 2 far away and empty.
            let dx = 1 + draws.uniform(), dy = draws.uniform() - 0.5
            let centroid = try Tensor([5, 6, 5 + dx, 6 + dy, 14, 14], shape: [1, 3, 2])
            let mass = try Tensor([1, 0.8, 0], shape: [1, 3, 1])
            let random = { (n: Int) in (0..<n).map { _ in 2 * draws.uniform() - 1 } }
            let velocity = try Tensor(random(6), shape: [1, 3, 2])
            let actions = try Tensor([0, 0] + random(2) + [0, 0], shape: [1, 3, 2])
            let variance = try Tensor(random(6).map { 1 + $0 }, shape: [1, 3, 2])
            let push = try p.pushes(centroid: centroid, mass: mass, variance: variance, velocity: velocity,
                                    actions: actions, scale: 0.125).scalars
            // On map 0 the push is a non-negative multiple of (c0 − c1) = (−dx, −dy); on map 1 of (dx, dy).
            for (i, sign) in [(0, Float(-1)), (1, Float(1))] {
                let px = push[2 * i], py = push[2 * i + 1]
                XCTAssertEqual(px * dy - py * dx, 0, accuracy: 1e-6, "along the line between the centroids")
                XCTAssertGreaterThanOrEqual(sign * px, 0, "away from the other map, never towards it (seed \(seed))")
                if sign * px > 1e-4 { pushed += 1 }
            }
            // 12 cells off, the reach is exp(−145/18) ≈ 3·10⁻⁴ (a size of 1 at the start, a push of about a cell when near).
            XCTAssertLessThan(abs(push[4]) + abs(push[5]), 5e-3, "the far map hardly feels maps 12 cells off")
        }
        XCTAssertGreaterThanOrEqual(pushed, 20, "the pushes the test checks are not all zero")
    }

    /// The same scene turned a quarter turn gets the same pushes turned with it: a push learned in one direction holds
    /// in every other.
    func testPushesTurnWithTheScene() throws {
        let p = try predictor(seed: 7)
        p.repulsion!.size.bias!.withUnsafeMutableBufferPointer { $0[0] = 1 }
        // Map axes: x along columns, y down rows; a quarter turn takes (x, y) to (−y, x) about the origin. A force's y
        // runs up, so in force axes the same turn takes (a, b) to (b, −a).
        let c: [Float] = [5, 6, 6.2, 6.7, 9, 4], v: [Float] = [0.3, -0.1, -0.2, 0.4, 0, 0.1], a: [Float] = [0, 0, 0.7, -0.4, 0, 0]
        let turn = { (xy: [Float]) in stride(from: 0, to: xy.count, by: 2).flatMap { [-xy[$0 + 1], xy[$0]] } }
        let turnForce = { (ab: [Float]) in stride(from: 0, to: ab.count, by: 2).flatMap { [ab[$0 + 1], -ab[$0]] } }
        let mass = try Tensor([1, 0.8, 0.5], shape: [1, 3, 1])
        let variance: [Float] = [1.2, 0.8, 1, 1, 2, 0.5]
        let swapped = stride(from: 0, to: 6, by: 2).flatMap { [variance[$0 + 1], variance[$0]] }
        let push = try p.pushes(centroid: Tensor(c, shape: [1, 3, 2]), mass: mass, variance: Tensor(variance, shape: [1, 3, 2]),
                                velocity: Tensor(v, shape: [1, 3, 2]), actions: Tensor(a, shape: [1, 3, 2]), scale: 0.125).scalars
        let turned = try p.pushes(centroid: Tensor(turn(c), shape: [1, 3, 2]), mass: mass, variance: Tensor(swapped, shape: [1, 3, 2]),
                                  velocity: Tensor(turn(v), shape: [1, 3, 2]), actions: Tensor(turnForce(a), shape: [1, 3, 2]),
                                  scale: 0.125).scalars
        XCTAssertGreaterThan(push.map(abs).max()!, 1e-3, "the pushes compared are not all zero")
        for (x, y) in zip(turn(push), turned) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }

    /// Inference (no graph) runs the pairs through one C kernel (`Tensor.repulsivePushes`); training builds them from
    /// graph ops. Both compute the same pushes.
    func testTheInferenceKernelMatchesTheGraph() throws {
        let shape = LatentShape(height: 16, width: 16, channels: 5, dimension: 1280, actions: 2, isSpatial: true)
        var config = TrainingConfig()
        try config.override(["model.predictor.edges=repulsive"])
        var rng = RNG(seed: 11)
        let p = ObjectsPredictor(config: config, shape: shape, rng: &rng)
        var draws = RNG(seed: 12)
        let random = { (n: Int, lo: Float, hi: Float) in (0..<n).map { _ in lo + (hi - lo) * draws.uniform() } }
        let m = 3, c = 5
        let centroid = try Tensor(random(m * c * 2, 3, 9), shape: [m, c, 2])
        let mass = try Tensor(random(m * c, 0, 1), shape: [m, c, 1])
        let variance = try Tensor(random(m * c * 2, 0.5, 2), shape: [m, c, 2])
        let velocity = try Tensor(random(m * c * 2, -0.5, 0.5), shape: [m, c, 2])
        let actions = try Tensor(random(m * c * 2, -1, 1), shape: [m, c, 2])
        let graph = try p.pushes(centroid: centroid, mass: mass, variance: variance, velocity: velocity, actions: actions, scale: 0.125)
        let kernel = try Tensor.noGrad {
            try p.pushes(centroid: centroid, mass: mass, variance: variance, velocity: velocity, actions: actions, scale: 0.125)
        }
        XCTAssertEqual(kernel.shape, [m, c, 2])
        XCTAssertGreaterThan(graph.scalars.map(abs).max()!, 1e-3, "the pushes compared are not all zero")
        for (a, b) in zip(graph.scalars, kernel.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6 + 1e-5 * abs(a)) }
    }

    func testThePredictorWithRepulsiveEdgesTrainsItsEdgeLayers() throws {
        for turning in [false, true] {
            let p = try predictor(seed: 3, turning: turning)
            p.repulsion!.size.bias!.withUnsafeMutableBufferPointer { $0[0] = 1 }
            var rng = RNG(seed: 5)
            // Two frames of three blobs each; the blobs of maps 0 and 1 touch.
            func frame(_ shift: Float) throws -> Tensor {
                var z = [Float](repeating: 0, count: 768)
                for (k, (x, y)) in [(5 + shift, 6), (6.5 + shift, 6), (12, 11)].enumerated() {
                    for r in 0..<16 { for c in 0..<16 {
                        let d2 = (Float(c) - Float(x)) * (Float(c) - Float(x)) + (Float(r) - Float(y)) * (Float(r) - Float(y))
                        z[(r * 16 + c) * 3 + k] = expf(-d2 / 2) + 0.01 * rng.uniform()
                    } }
                }
                return try Tensor(z, shape: [1, 768])
            }
            let actions = try Tensor([0.5, -1], shape: [1, 2])
            let next = try p.predict(previous: frame(0), current: frame(0.5), actions: actions)
            XCTAssertEqual(next.shape, [1, 768])
            try next.square().sum().backward()
            for name in ["edge.relative.weight", "edge.size.weight", "edge.1.weight", "edge.source.weight"] {
                let g = try XCTUnwrap(p.parameters.first { $0.name == name }?.tensor.grad, name).scalars
                XCTAssertGreaterThan(g.map(abs).max()!, 0, "\(name) learns (turning: \(turning))")
            }
        }
    }
}
