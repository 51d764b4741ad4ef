import Foundation
import Tensor
import XCTest
@testable import WorldModel

/// `model.predictor.turning`: the objects predictor turns each map about its centroid by the turn its orientation made
/// over the last step (plus a learned correction), and its gradients match finite differences.
final class TurningPredictorTests: XCTestCase {
    private func network() throws -> WorldNetwork {
        let config = try ToyBounce.config([
            "model.encoder.channels=[8,4]", "model.encoder.kernels=[1,1]", "model.encoder.strides=[1,1]",
            "model.encoder.pool=2", "model.encoder.output=softmax", "model.encoder.normalise=mass",
            "objective.target=infomax", "decoder.channels=[8]", "model.predictor.kind=objects",
            "model.predictor.channels=12", "model.predictor.turning=true",
        ])
        return try WorldNetwork(config: config, info: ToyBounce.modelInfo())
    }

    /// Maps [n, h·w·c]: per (sample, channel) a Gaussian bar (σ 1.6 cells along, 0.6 across; a disc where `bar` is false)
    /// of mass 1 centred at (x, y), its long axis at `angle` (radians, from +x towards +y).
    private func bars(_ net: WorldNetwork, _ specs: [[(x: Float, y: Float, angle: Float, bar: Bool)]]) throws -> Tensor {
        let h = net.mapHeight, w = net.mapWidth, c = net.mapChannels
        var v = [Float](repeating: 0, count: specs.count * h * w * c)
        for (n, sample) in specs.enumerated() {
            for (k, s) in sample.enumerated() {
                let along: Float = s.bar ? 1.6 : 0.9, across: Float = s.bar ? 0.6 : 0.9
                var total: Float = 0
                var cells = [Float](repeating: 0, count: h * w)
                for y in 0..<h { for x in 0..<w {
                    let dx = Float(x) - s.x, dy = Float(y) - s.y
                    let u = dx * cosf(s.angle) + dy * sinf(s.angle), t = -dx * sinf(s.angle) + dy * cosf(s.angle)
                    cells[y * w + x] = expf(-u * u / (2 * along * along) - t * t / (2 * across * across)); total += cells[y * w + x]
                } }
                for i in 0..<(h * w) { v[(n * h * w + i) * c + k] = cells[i] / total }
            }
        }
        return try Tensor(v, shape: [specs.count, h * w * c])
    }

    /// Mass, centroid and orientation (½ arg μ₂) of one channel's map.
    private func shape(_ net: WorldNetwork, _ z: [Float], sample n: Int, channel k: Int) -> (m: Double, x: Double, y: Double, angle: Double) {
        let h = net.mapHeight, w = net.mapWidth, c = net.mapChannels
        var m = 0.0, mx = 0.0, my = 0.0
        for y in 0..<h { for x in 0..<w { let v = Double(z[((n * h + y) * w + x) * c + k]); m += v; mx += v * Double(x); my += v * Double(y) } }
        mx /= m; my /= m
        var re = 0.0, im = 0.0
        for y in 0..<h { for x in 0..<w {
            let v = Double(z[((n * h + y) * w + x) * c + k]), dx = Double(x) - mx, dy = Double(y) - my
            re += v * (dx * dx - dy * dy); im += v * 2 * dx * dy
        } }
        return (m, mx, my, atan2(im, re) / 2)
    }

    func testUncorrectedPredictorKeepsTurningAndMoving() throws {
        let net = try network()
        XCTAssertGreaterThanOrEqual(net.mapWidth, 8)
        for name in ["predictor.out.weight", "predictor.out.bias"] { net[name].withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        XCTAssertEqual(net["predictor.out.bias"].shape, [3], "the read-out gives a turn beside the shift")
        let mid = Float(net.mapWidth - 1) / 2
        // Channel 0 turns by +0.2 rad and moves +0.5 in x; channel 1 turns by −0.15 in place; channel 2 is a disc moving
        // −0.5 in y; channel 3 is a bar standing still.
        let previous = try bars(net, [[(mid - 0.5, mid, 0.1, true), (mid, mid - 1, 0.9, true), (mid, mid + 1, 0, false), (mid + 1, mid + 1, 1.3, true)]])
        let current = try bars(net, [[(mid, mid, 0.3, true), (mid, mid - 1, 0.75, true), (mid, mid + 0.5, 0, false), (mid + 1, mid + 1, 1.3, true)]])
        let next = try Tensor.noGrad { try net.predict(previous: previous, current: current, actions: nil) }.scalars
        let now = current.scalars
        let then = previous.scalars
        let nominal: [(turn: Double, dx: Double, dy: Double)] = [(0.2, 0.5, 0), (-0.15, 0, 0), (0, 0, -0.5), (0, 0, 0)]
        for (k, e) in nominal.enumerated() {
            // What the maps show (the border clips the bars a little), and what the prediction does with it.
            let first = shape(net, then, sample: 0, channel: k), before = shape(net, now, sample: 0, channel: k)
            let after = shape(net, next, sample: 0, channel: k)
            XCTAssertEqual(before.x - first.x, e.dx, accuracy: 0.1, "fixture: channel \(k) x motion")
            XCTAssertEqual(after.m, before.m, accuracy: 0.03, "channel \(k) keeps its mass")
            XCTAssertEqual(after.x - before.x, before.x - first.x, accuracy: 0.05, "channel \(k) keeps its x velocity")
            XCTAssertEqual(after.y - before.y, before.y - first.y, accuracy: 0.05, "channel \(k) keeps its y velocity")
            // ½ sin 2θ is a little short of θ, and bilinear resampling blurs; a disc's orientation is undefined.
            guard k != 2 else { continue }
            XCTAssertEqual(before.angle - first.angle, e.turn, accuracy: 0.03, "fixture: channel \(k) turn")
            XCTAssertEqual(after.angle - before.angle, before.angle - first.angle, accuracy: 0.04, "channel \(k) keeps turning")
        }
    }

    func testTurnAboutCentroidIsAShiftWithoutATurn() throws {
        let centroid = try Tensor([3, 4], shape: [1, 1, 2]), shift = try Tensor([0.5, -1], shape: [1, 1, 2])
        let t = try ObjectsPredictor.turnAbout(centroid, by: Tensor.zeros([1, 1, 1]), thenShift: shift).scalars
        XCTAssertEqual(t, [1, 0, -0.5, 0, 1, 1])
        // A quarter turn: the new centroid's cell samples the old centroid.
        let q = try ObjectsPredictor.turnAbout(centroid, by: Tensor([Float.pi / 2], shape: [1, 1, 1]), thenShift: shift).scalars
        let px: Float = 3.5, py: Float = 3
        XCTAssertEqual(q[0] * px + q[1] * py + q[2], 3, accuracy: 1e-5)
        XCTAssertEqual(q[3] * px + q[4] * py + q[5], 4, accuracy: 1e-5)
    }

    func testGradientsMatchFiniteDifferences() throws {
        let net = try network()
        var rng = RNG(seed: 12)
        let d = net.latentDimension, mid = Float(net.mapWidth - 1) / 2
        let prev = try bars(net, [[(mid - 1.3, mid - 0.7, 0.2, true), (mid + 1.1, mid + 0.6, 1.1, true), (mid - 0.4, mid + 1.7, 0, false), (mid + 0.8, mid - 1.6, 2.0, true)],
                                  [(mid + 0.3, mid - 1.1, -0.4, true), (mid - 1.6, mid + 0.2, 0.6, true), (mid + 1.4, mid + 1.3, 0, false), (mid - 0.2, mid - 0.3, 1.6, true)]])
        let cur = try bars(net, [[(mid - 0.9, mid - 0.5, 0.35, true), (mid + 0.8, mid + 0.9, 0.95, true), (mid - 0.1, mid + 1.4, 0, false), (mid + 0.8, mid - 1.2, 2.2, true)],
                                 [(mid + 0.6, mid - 0.8, -0.2, true), (mid - 1.3, mid + 0.5, 0.45, true), (mid + 1.1, mid + 1.0, 0, false), (mid + 0.1, mid - 0.1, 1.75, true)]])
        let noise = Tensor.uniform([2, d], low: 0, high: 0.002, rng: &rng)
        let p0 = try Tensor((prev + noise).scalars, shape: [2, d], requiresGrad: true)
        let c0 = try Tensor((cur + noise).scalars, shape: [2, d], requiresGrad: true)
        let target = Tensor.uniform([2, d], low: 0, high: 0.05, rng: &rng)
        try PredictorChecks.assertPredictorGradients(net, previous: p0, current: c0, target: target, parameters: [
            "predictor.node.0.weight", "predictor.edge.source.weight", "predictor.node.1.weight", "predictor.out.weight", "predictor.out.bias"])
    }
}
