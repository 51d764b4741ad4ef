import XCTest
@testable import Tensor

/// Module naming (the checkpoint contract), shapes and initialisation.
final class ModuleTests: XCTestCase {
    func testReferenceEncoderNamesAndShapes() throws {
        var rng = RNG(seed: 1)
        let enc = ConvEncoder(rng: &rng)
        XCTAssertEqual(enc.parameters.map(\.name), ["conv0.weight", "conv0.bias", "conv1.weight", "conv1.bias", "conv2.weight",
                                                    "conv2.bias", "conv3.weight", "conv3.bias", "head.weight", "head.bias"])
        XCTAssertEqual(enc.head.weight.shape, [128, 2048])
        XCTAssertEqual(enc.parameterCount, 3 * 32 * 16 + 32 + 32 * 64 * 16 + 64 + 64 * 64 * 16 + 64 + 64 * 128 * 16 + 128 + 2048 * 128 + 128)
        let z = try enc(Tensor.randn([3, 64, 64, 3], rng: &rng))
        XCTAssertEqual(z.shape, [3, 128])
        let dec = ConvDecoder(rng: &rng)
        XCTAssertEqual(try dec(z).shape, [3, 64, 64, 3])
        XCTAssertEqual(dec.parameters.first?.name, "head.weight")
        XCTAssertEqual(dec.parameters.last?.name, "deconv3.bias")
        let mlp = MLP([258, 512, 512, 128], rng: &rng)
        XCTAssertEqual(mlp.parameters.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"])
        XCTAssertEqual(enc.prefixed("encoder", enc).first?.name, "encoder.conv0.weight")
        XCTAssertEqual(GRUCell(inputSize: 3, hiddenSize: 4, rng: &rng).parameters.map(\.name), ["ih.weight", "ih.bias", "hh.weight", "hh.bias"])
    }

    func testDeterministicInitialisation() throws {
        var a = RNG(seed: 42), b = RNG(seed: 42)
        XCTAssertEqual(ConvEncoder(rng: &a).head.weight.scalars, ConvEncoder(rng: &b).head.weight.scalars)
        XCTAssertEqual(a, b, "same draws consumed")
        var r = RNG(seed: 1)
        let lin = Linear(100, 10, rng: &r)
        let bound = 1 / Float(100).squareRoot()
        XCTAssertTrue(lin.weight.scalars.allSatisfy { abs($0) <= bound })
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
