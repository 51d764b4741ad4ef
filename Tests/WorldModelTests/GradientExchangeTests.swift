import Tensor
import XCTest
@testable import WorldModel

/// The data-parallel step's exchange: the heads' backward run first (so their gradients' sum can start while the
/// main backward runs) gives every parameter the bits one backward pass over the summed loss gives, and the two
/// buckets cover every parameter the optimisers step, once.
final class GradientExchangeTests: XCTestCase {
    func testHeadsFirstBackwardGivesTheFusedPassesGradientsBitForBit() throws {
        let config = try ToyBounce.config(["model.encoder.pool=2", "decoder.channels=[8,8]", "model.encoder.pool_sigma=1.5",
                                          "model.encoder.softmax_temperature=0.5"])
        let batch = ToyBounce.episodes(seeds: [5, 6, 7, 8], steps: config.clipLength)
        func gradients(overlap: Bool) throws -> [String: [Float]] {
            let network = try WorldNetwork(config: config, info: ToyBounce.modelInfo())
            let exchange = GradientExchange(ranks: .single, network: network, optimizers: Optimizers(network: network, config: config))
            var rng = RNG(seed: 1)
            network.zeroGrad()
            _ = try Objective.run(network: network, batch: batch, rng: &rng, overlap: overlap ? exchange : nil)
            return Dictionary(uniqueKeysWithValues: network.allParameters.compactMap { p in p.tensor.grad.map { (p.name, $0.scalars) } })
        }
        let fused = try gradients(overlap: false), split = try gradients(overlap: true)
        XCTAssertEqual(Set(fused.keys), Set(split.keys))
        XCTAssertTrue(fused.keys.contains { $0.hasPrefix("decoder.") } && fused.keys.contains { $0.hasPrefix("encoder.") }, "\(fused.keys)")
        for (name, g) in fused { XCTAssertEqual(split[name], g, name) }
    }

    func testTheTwoBucketsHoldEveryOptimisedParameterOnce() throws {
        let config = try ToyBounce.config([])
        let network = try WorldNetwork(config: config, info: ToyBounce.modelInfo())
        let optimizers = Optimizers(network: network, config: config)
        let exchange = GradientExchange(ranks: .single, network: network, optimizers: optimizers)
        let names = (exchange.heads + exchange.main).map(\.name)
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertEqual(Set(names), Set(optimizers.all.flatMap(\.optimizer.parameters).map(\.name)))
        XCTAssertTrue(exchange.heads.allSatisfy { $0.name.hasPrefix("probe.") || $0.name.hasPrefix("decoder.") }, "\(exchange.heads.map(\.name))")
        let floats = optimizers.all.flatMap(\.optimizer.parameters).reduce(0) { $0 + $1.tensor.count }
        XCTAssertEqual(exchange.bytes, (floats + GradientExchange.lossTerms + 2) * 4)
        // A plain run has nothing to exchange: the heads' sum starts nothing, and finishing averages over one rank.
        var losses = StepLosses(); losses.probe = 0.5
        try exchange.startHeads()
        _ = try exchange.finish(losses: &losses, votes: .init(time: true))
        XCTAssertEqual(losses.probe, 0.5)
        XCTAssertEqual(exchange.overlapped, 0)
    }
}
