import XCTest
@testable import Tensor

/// End to end: a small CNN learns to find a dot in a 16×16 image.
final class LearningTests: XCTestCase {
    /// Images [n, 16, 16, 1] with a soft dot at a random sub-pixel position, and its (x, y) / 15.
    func dots(_ n: Int, _ rng: inout RNG) throws -> (Tensor, Tensor) {
        var pixels = [Float](repeating: 0, count: n * 256), pos = [Float](repeating: 0, count: n * 2)
        for i in 0..<n {
            let cx = 2 + rng.uniform() * 11, cy = 2 + rng.uniform() * 11
            pos[2 * i] = cx / 15; pos[2 * i + 1] = cy / 15
            for y in 0..<16 { for x in 0..<16 {
                let d2 = (Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)
                pixels[i * 256 + y * 16 + x] = expf(-d2 / 2)
            } }
        }
        return (try Tensor(pixels, shape: [n, 16, 16, 1]), try Tensor(pos, shape: [n, 2]))
    }

    /// Stated accuracy: mean position error under 0.25 pixel on 256 held-out images after 300 AdamW steps.
    func testCNNRegressesDotPosition() throws {
        var rng = RNG(seed: 12)
        let model = Sequential([
            ("conv0", Conv2d(1, 16, kernel: 4, stride: 2, padding: 1, activation: .relu, rng: &rng)),   // 8×8
            ("conv1", Conv2d(16, 32, kernel: 4, stride: 2, padding: 1, activation: .relu, rng: &rng)),  // 4×4
            ("flat", Lambda.flatten),
            ("fc0", Linear(512, 64, activation: .relu, rng: &rng)),
            ("fc1", Linear(64, 2, rng: &rng)),
        ])
        let steps = 300
        let opt = AdamW(model.parameters, learningRate: 3e-3, weightDecay: 0)
        let schedule = WarmupCosine(peak: 3e-3, warmupSteps: 20, totalSteps: steps, floorRatio: 1e-4 / 3e-3)
        for s in 0..<steps {
            let (x, y) = try dots(64, &rng)
            let loss = try Tensor.mse(model(x), y)
            opt.zeroGrad()
            try loss.backward()
            opt.learningRate = Float(schedule(s))
            try opt.step()
        }
        let (x, y) = try dots(256, &rng)
        let pred = try Tensor.noGrad { try model(x) }
        let errPixels = try (pred - y).abs().mean().item() * 15
        print("dot regression: mean position error \(errPixels) px after \(steps) steps")
        XCTAssertLessThan(errPixels, 0.25, "mean position error \(errPixels) px")
    }
}
