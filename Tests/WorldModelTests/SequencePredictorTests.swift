import Tensor
import XCTest
@testable import WorldModel

/// The GRU sequence predictor: the tensor engine's GRU equations, its gradients, and that it reads the history.
final class SequencePredictorTests: XCTestCase {
    private func network(actions: Int = 0) throws -> WorldNetwork {
        let config = try ToyBounce.config(["model.latent=global", "model.global_dim=12", "model.predictor.kind=gru",
                                           "model.predictor.hidden=[7]", "objective.target=vicreg",
                                           "model.encoder.output=linear", "model.encoder.normalise=none"])
        return try WorldNetwork(config: config, info: ToyBounce.modelInfo(actions: actions))
    }

    func testMatchesTheTensorEnginesGRUCell() throws {
        let net = try network()
        var rng = RNG(seed: 4)
        let prev = Tensor.randn([3, 12], rng: &rng), cur = Tensor.randn([3, 12], rng: &rng)
        // The same weights in a GRUCell module, run as a sequence from a zero state.
        let cell = GRUCell(inputSize: 12, hiddenSize: 7, rng: &rng)
        for (name, t) in cell.parameters { try t.assign(net["predictor.gru." + name]) }
        let h = try cell.sequence(Tensor.stack([prev, cur], axis: 1)).select(axis: 1, index: 1)
        let expected = try cur + Tensor.linear(h, weight: net["predictor.out.weight"], bias: net["predictor.out.bias"])
        let got = try Tensor.noGrad { try net.predict(previous: prev, current: cur, actions: nil) }
        for (a, b) in zip(got.scalars, expected.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // The history matters: another z(t−1) gives another prediction.
        let other = try Tensor.noGrad { try net.predict(previous: Tensor.randn([3, 12], rng: &rng), current: cur, actions: nil) }
        XCTAssertGreaterThan(zip(other.scalars, got.scalars).map { abs($0 - $1) }.max()!, 1e-4)
    }

    func testGradientsMatchFiniteDifferences() throws {
        let net = try network(actions: 2)
        var rng = RNG(seed: 8)
        let prev = try Tensor(Tensor.randn([2, 12], rng: &rng).scalars, shape: [2, 12], requiresGrad: true)
        let cur = try Tensor(Tensor.randn([2, 12], rng: &rng).scalars, shape: [2, 12], requiresGrad: true)
        let actions = Tensor.randn([2, 2], rng: &rng), target = Tensor.randn([2, 12], rng: &rng)
        net["predictor.out.weight"].withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] *= 10 } }
        net.zeroGrad()
        try Tensor.mse(net.predict(previous: prev, current: cur, actions: actions), target).backward()
        let targetValues = target.scalars
        func exactLoss() throws -> Double {
            let out = try Tensor.noGrad { try net.predict(previous: prev, current: cur, actions: actions) }.scalars
            return zip(out, targetValues).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(out.count)
        }
        let checked: [(String, Tensor)] = ["predictor.gru.ih.weight", "predictor.gru.hh.weight", "predictor.gru.ih.bias",
                                           "predictor.gru.hh.bias", "predictor.out.weight"].map { ($0, net[$0]) }
            + [("previous", prev), ("current", cur)]
        try PredictorChecks.assertGradients(checked, step: 1e-2, absolute: 1e-4, relative: 2e-2, loss: exactLoss)
    }
}
