import XCTest
@testable import Tensor

/// Module naming (the checkpoint contract), shapes and initialisation.
final class ModuleTests: XCTestCase {
    func testLayerNamesShapesAndInitialisation() throws {
        var rng = RNG(seed: 1)
        let conv = Conv2d(3, 8, kernel: 4, stride: 2, padding: 1, rng: &rng)
        XCTAssertEqual(conv.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(conv.weight.shape, [8, 4, 4, 3])
        XCTAssertEqual(try conv(Tensor.randn([2, 16, 16, 3], rng: &rng)).shape, [2, 8, 8, 8])
        let deconv = ConvTranspose2d(8, 4, kernel: 4, stride: 2, padding: 1, rng: &rng)
        XCTAssertEqual(deconv.weight.shape, [8, 4, 4, 4])
        XCTAssertEqual(Sequential([("a", conv), ("b", deconv)]).parameters.map(\.name), ["a.weight", "a.bias", "b.weight", "b.bias"])
        XCTAssertEqual(conv.prefixed("encoder", conv).first?.name, "encoder.weight")
        XCTAssertEqual(GRUCell(inputSize: 3, hiddenSize: 4, rng: &rng).parameters.map(\.name), ["ih.weight", "ih.bias", "hh.weight", "hh.bias"])
        let residual = Linear(100, 10, initialise: .residual(0.1), rng: &rng)
        XCTAssertTrue(residual.weight.scalars.allSatisfy { abs($0) <= 0.01 } && residual.weight.scalars.contains { $0 != 0 })
        XCTAssertEqual(residual.bias!.scalars, [Float](repeating: 0, count: 10))
        XCTAssertEqual(Conv2d(2, 3, kernel: 1, initialise: LayerInit(constantBias: 0.5), rng: &rng).bias!.scalars, [0.5, 0.5, 0.5])
    }

    func testDeterministicInitialisation() throws {
        var a = RNG(seed: 42), b = RNG(seed: 42)
        XCTAssertEqual(Conv2d(3, 8, kernel: 3, rng: &a).weight.scalars, Conv2d(3, 8, kernel: 3, rng: &b).weight.scalars)
        XCTAssertEqual(a, b, "same draws consumed")
        var r = RNG(seed: 1)
        let lin = Linear(100, 10, rng: &r)
        let bound = 1 / Float(100).squareRoot()
        XCTAssertTrue(lin.weight.scalars.allSatisfy { abs($0) <= bound })
        // Zero and constant starts draw nothing, so the layers built after them start the same.
        var c = RNG(seed: 5), d = RNG(seed: 5)
        _ = Linear(7, 3, initialise: .zero, rng: &c)
        XCTAssertEqual(c, d, "a zero layer draws no random numbers")
        _ = Linear(7, 3, initialise: .residual(), rng: &c)
        _ = Tensor.uniform([3, 7], low: -1, high: 1, rng: &d)
        XCTAssertEqual(c, d, "a residual layer draws its weights only")
        // A GRU draws every tensor once, all within ±1/sqrt(hidden).
        var g = RNG(seed: 9)
        let gru = GRUCell(inputSize: 5, hiddenSize: 16, rng: &g)
        XCTAssertTrue(gru.parameters.allSatisfy { $0.tensor.scalars.allSatisfy { abs($0) <= 0.25 } })
    }

    func testRNG() throws {
        var r = RNG(seed: 9)
        let s = r.stateString
        let draws = (0..<5).map { _ in r.next() }
        var back = try RNG(stateString: s)
        XCTAssertEqual((0..<5).map { _ in back.next() }, draws)
        XCTAssertThrowsError(try RNG(stateString: "xyz"))
        XCTAssertThrowsError(try RNG(stateString: String(repeating: "0", count: 64)))
        var n = RNG(seed: 3)
        let xs = (0..<20000).map { _ in Double(n.normal()) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        XCTAssertEqual(Set(n.permutation(10)), Set(0..<10))
        var f1 = n.fork(stream: 1), f2 = n.fork(stream: 2)
        XCTAssertNotEqual(f1.next(), f2.next())
    }

    func testLoadValidatesNamesAndShapes() throws {
        var rng = RNG(seed: 1)
        let lin = Linear(3, 2, rng: &rng)
        XCTAssertThrowsError(try lin.load(["weight": Tensor.zeros([2, 3])], source: "x.safetensors")) { e in
            XCTAssertEqual("\(e)", "x.safetensors: missing 1 parameter(s): bias")
        }
        XCTAssertThrowsError(try lin.load(["weight": Tensor.zeros([3, 2]), "bias": Tensor.zeros([2])], source: "x")) { e in
            XCTAssertEqual("\(e)", "x: tensor 'weight' has shape [3, 2], expected [2, 3]")
        }
        try lin.load(["weight": Tensor.ones([2, 3]), "bias": Tensor.zeros([2])])
        XCTAssertEqual(lin.weight.scalars, [1, 1, 1, 1, 1, 1])
    }
}

/// Latent statistics used as collapse monitors.
final class StatisticsTests: XCTestCase {
    func testEigenvaluesAndEffectiveRank() throws {
        let m = try Tensor([2, 1, 0, 1, 2, 0, 0, 0, 5], shape: [3, 3])
        assertClose(try m.symmetricEigenvalues(), [1, 3, 5], tol: 1e-5, "eigenvalues")
        var rng = RNG(seed: 3)
        let spread = Tensor.randn([512, 8], rng: &rng)
        XCTAssertGreaterThan(try Tensor.effectiveRank(spread), 7.5)
        // All samples on one line: rank 1, however large the spread along it.
        let line = try Tensor.randn([512, 1], rng: &rng).matmul(Tensor([1, 2, 3, 4, 5, 6, 7, 8], shape: [1, 8]))
        XCTAssertEqual(try Tensor.effectiveRank(line), 1, accuracy: 0.05)
    }
}
