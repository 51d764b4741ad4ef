import XCTest
@testable import Tensor

/// Model + optimiser + RNG checkpoints: exact resume, and clear refusals for the wrong architecture.
final class CheckpointTests: XCTestCase {
    /// A small regression model and its optimiser, deterministic from `seed`.
    final class Run {
        let model: Sequential
        let opt: AdamW
        var rng: RNG
        init(seed: UInt64) {
            var r = RNG(seed: seed)
            model = Sequential([("conv", Conv2d(1, 4, kernel: 3, stride: 2, padding: 1, activation: .relu, rng: &r)),
                                ("flat", Lambda.flatten), ("fc", Linear(36, 2, rng: &r))])
            opt = AdamW(model.parameters, learningRate: 1e-2)
            rng = r
        }
        func step() throws {
            let x = Tensor.randn([8, 6, 6, 1], rng: &rng), y = Tensor.randn([8, 2], rng: &rng)
            let loss = try Tensor.mse(model(x), y)
            opt.zeroGrad()
            try loss.backward()
            try opt.step()
        }
        func checkpoint() -> Checkpoint {
            var c = Checkpoint()
            c.add(model, prefix: "model.")
            c.add(opt, prefix: "optim.")
            c.add(rng, key: "rng")
            c.metadata["step"] = String(opt.stepCount)
            return c
        }
        var bytes: [UInt8] { get throws { try SafeTensors.encode(checkpoint().tensors, metadata: checkpoint().metadata) } }
    }

    func testResumeIsExact() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("last.safetensors")
        let straight = Run(seed: 3)
        for _ in 0..<6 { try straight.step() }

        let first = Run(seed: 3)
        for _ in 0..<3 { try first.step() }
        try first.checkpoint().save(to: url)

        let resumed = Run(seed: 999)   // different init: everything must come from the file
        let c = try Checkpoint.load(from: url)
        try c.restore(resumed.model, prefix: "model.")
        try c.restore(resumed.opt, prefix: "optim.")
        resumed.rng = try c.rng("rng")
        XCTAssertEqual(resumed.opt.stepCount, 3)
        for _ in 0..<3 { try resumed.step() }
        XCTAssertEqual(try resumed.bytes, try straight.bytes, "resumed run differs from the uninterrupted one")
    }

    func testSameSeedSameBytes() throws {
        let a = Run(seed: 5), b = Run(seed: 5)
        for _ in 0..<3 { try a.step(); try b.step() }
        XCTAssertEqual(try a.bytes, try b.bytes)
        let c = Run(seed: 6)
        for _ in 0..<3 { try c.step() }
        XCTAssertNotEqual(try a.bytes, try c.bytes)
    }

    func testRefusesOtherArchitecture() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("ckpt.safetensors")
        try Run(seed: 1).checkpoint().save(to: url)
        let c = try Checkpoint.load(from: url)
        var r = RNG(seed: 1)
        let wider = Sequential([("conv", Conv2d(1, 8, kernel: 3, stride: 2, padding: 1, rng: &r)), ("fc", Linear(72, 2, rng: &r))])
        XCTAssertThrowsError(try c.restore(wider, prefix: "model.")) { e in
            XCTAssertTrue("\(e)".contains(url.path) && "\(e)".contains("'model.conv.weight' has shape [4, 3, 3, 1], expected [8, 3, 3, 1]"), "\(e)")
        }
        let other = Sequential([("conv", Conv2d(1, 4, kernel: 3, rng: &r)), ("head", Linear(36, 2, rng: &r))])
        XCTAssertThrowsError(try c.restore(other, prefix: "model.")) { e in
            XCTAssertTrue("\(e)".contains("missing 2 parameter(s): model.head.weight, model.head.bias"), "\(e)")
        }
        let smaller = Sequential([("conv", Conv2d(1, 4, kernel: 3, rng: &r))])
        XCTAssertThrowsError(try c.restore(smaller, prefix: "model.")) { e in
            XCTAssertTrue("\(e)".contains("unexpected parameter(s) for this architecture: model.fc.bias, model.fc.weight"), "\(e)")
        }
        let run = Run(seed: 2)
        var broken = Checkpoint()
        broken.add(run.opt, prefix: "optim.")
        broken.metadata["optim.step"] = "x"
        XCTAssertThrowsError(try broken.restore(run.opt, prefix: "optim.")) { e in XCTAssertTrue("\(e)".contains("'step'"), "\(e)") }
        XCTAssertThrowsError(try c.rng("nothing")) { e in XCTAssertTrue("\(e)".contains("'nothing'"), "\(e)") }
    }
}
