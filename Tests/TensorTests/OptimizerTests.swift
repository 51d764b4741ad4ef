import XCTest
import Foundation
@testable import Tensor

/// Optimisers against their textbook update rules, schedules, clipping and EMA.
final class OptimizerTests: XCTestCase {
    func testAdamWMatchesReferenceUpdate() throws {
        let p = try Tensor([0.5, -1, 2], shape: [3], requiresGrad: true)
        let opt = AdamW([(name: "p", tensor: p)], learningRate: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05)
        var ref: [Double] = [0.5, -1, 2], m = [Double](repeating: 0, count: 3), v = m
        let grads: [[Float]] = [[1, -2, 0.5], [0.3, 0.3, -4], [-1, 0, 2]]
        for (t, g) in grads.enumerated() {
            p.grad = try Tensor(g, shape: [3])
            try opt.step()
            for i in 0..<3 {   // torch.optim.AdamW
                ref[i] *= 1 - 0.1 * 0.05
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.99 * v[i] + 0.01 * Double(g[i]) * Double(g[i])
                let bc1 = 1 - pow(0.9, Double(t + 1)), bc2 = 1 - pow(0.99, Double(t + 1))
                ref[i] -= 0.1 / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + 1e-8)
            }
        }
        assertClose(p.scalars, ref.map { Float($0) }, tol: 1e-5, "AdamW")
        XCTAssertEqual(opt.stepCount, 3)
    }

    func testAdamWSkipsParametersWithoutGradAndHonoursDecayFilter() throws {
        let a = try Tensor([1], shape: [1], requiresGrad: true), b = try Tensor([1], shape: [1], requiresGrad: true)
        let opt = AdamW([(name: "w", tensor: a), (name: "bias", tensor: b)], learningRate: 0.1, weightDecay: 0.5,
                        decays: { !$0.hasSuffix("bias") })
        a.grad = Tensor.zeros([1]); b.grad = Tensor.zeros([1])
        try opt.step()
        XCTAssertEqual(a.scalars[0], 0.95, accuracy: 1e-6)   // decayed only
        XCTAssertEqual(b.scalars[0], 1, accuracy: 1e-6)      // no decay for biases
        b.grad = nil
        a.grad = Tensor.zeros([1])
        try opt.step()
        XCTAssertEqual(b.scalars[0], 1)
    }

    func testOptimiserStateRoundTrip() throws {
        var rng = RNG(seed: 4)
        let lin = Linear(3, 2, rng: &rng)
        let opt = AdamW(lin.parameters)
        for _ in 0..<2 {
            lin.zeroGrad()
            try Tensor.mse(lin(Tensor.randn([4, 3], rng: &rng)), Tensor.zeros([4, 2])).backward()
            try opt.step()
        }
        let s = opt.state()
        XCTAssertEqual(s.metadata["step"], "2")
        XCTAssertEqual(s.tensors.map(\.name), ["m.weight", "v.weight", "m.bias", "v.bias"])
        let fresh = AdamW(lin.parameters)
        try fresh.loadState(tensors: Dictionary(uniqueKeysWithValues: s.tensors.map { ($0.name, $0.tensor) }), metadata: s.metadata)
        XCTAssertEqual(fresh.stepCount, 2)
        XCTAssertEqual(fresh.m[0].scalars, opt.m[0].scalars)
        XCTAssertThrowsError(try fresh.loadState(tensors: [:], metadata: ["step": "1"])) { e in
            XCTAssertTrue("\(e)".contains("missing 'm.weight'"), "\(e)")
        }
    }

    func testSchedules() {
        let lr = WarmupCosine(peak: 1, warmupSteps: 10, totalSteps: 110, floorRatio: 0.1)
        XCTAssertEqual(lr(0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(lr(9), 1, accuracy: 1e-6)
        XCTAssertEqual(lr(60), 0.55, accuracy: 1e-5)
        XCTAssertEqual(lr(110), 0.1, accuracy: 1e-6)
        XCTAssertEqual(lr(500), 0.1, accuracy: 1e-6)
        let m = MomentumSchedule(start: 0.996, end: 1, totalSteps: 100)
        XCTAssertEqual(m(0), 0.996, accuracy: 1e-7)
        XCTAssertEqual(m(50), 0.998, accuracy: 1e-7)
        XCTAssertEqual(m(1000), 1, accuracy: 1e-7)
    }

    func testClipGradNorm() throws {
        let a = try Tensor([0], shape: [1], requiresGrad: true), b = try Tensor([0, 0], shape: [2], requiresGrad: true)
        a.grad = try Tensor([3], shape: [1]); b.grad = try Tensor([0, 4], shape: [2])
        let params = [(name: "a", tensor: a), (name: "b", tensor: b)]
        XCTAssertEqual(clipGradNorm(params, maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.scalars[1], 0.8, accuracy: 1e-5)
        XCTAssertEqual(clipGradNorm(params, maxNorm: 10), 1, accuracy: 1e-4)   // under the limit: unchanged
        XCTAssertEqual(a.grad!.scalars[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(clipGradNorm(params, maxNorm: 0), 1, accuracy: 1e-4)    // 0: never clipped
        XCTAssertEqual(b.grad!.scalars[1], 0.8, accuracy: 1e-5)
    }

    func testEMA() throws {
        var rng = RNG(seed: 1)
        let online = Linear(2, 2, rng: &rng), target = Linear(2, 2, rng: &rng)
        let ema = try EMA(online: online, target: target)
        XCTAssertEqual(target.weight.scalars, online.weight.scalars, "starts as a copy")
        XCTAssertFalse(target.weight.requiresGrad)
        let before = target.weight.scalars
        online.weight.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] += 1 } }
        try ema.update(from: online, momentum: 0.75)
        assertClose(target.weight.scalars, before.map { $0 + 0.25 }, tol: 1e-6, "EMA")
    }
}
