import Common
import Physics
import Tensor
import XCTest
@testable import WorldModel

/// `model.predictor.action_maps: actor`: the action goes to the map of the body it pushes, found from pixels and
/// actions alone, and nowhere else.
final class ActionMapChoiceTests: XCTestCase {
    func testTheActionGoesToThePushersMapOnly() throws {
        let scene = try Scene.load("push")
        let live = try LiveEpisodes(scene: scene, seedBase: 3, episodes: 8, steps: 8, perBatch: 8)
        let batch = try live.batch(0)
        var config = TrainingConfig()
        try config.override(["model.encoder.colour_init=true", "model.predictor.action_maps=actor"])
        let network = try WorldNetwork(config: config, info: ModelInfo(data: live.layout.data))
        try ColourSeparation.run(network: network, batch: batch)
        let predictor = try XCTUnwrap(network.predictor as? ObjectsPredictor)
        XCTAssertEqual(try XCTUnwrap(predictor.actionMap).scalars, [Float](repeating: 1, count: network.mapChannels),
                       "before the choice every map has the action, as with `all`")
        let chosen = try XCTUnwrap(try ActionMapChoice.run(network: network, batch: batch))
        // The pusher's colour lands in the chosen map.
        let yellow = try Tensor([240, 200, 40].map { Float($0) / 255 }, shape: [1, 3])
        let masks = try network.encoder.perColour(yellow).scalars
        XCTAssertEqual(chosen, masks.indices.max { masks[$0] < masks[$1] }!)
        var oneHot = [Float](repeating: 0, count: network.mapChannels)
        oneHot[chosen] = 1
        XCTAssertEqual(predictor.actionMap?.scalars, oneHot)
        XCTAssertTrue(predictor.parameters.contains { $0.name == "action_map" }, "saved with the checkpoint")
        XCTAssertFalse(predictor.actionMap!.requiresGrad, "fixed: no optimiser moves it")
        // The default gives every map the action and has no such tensor, so other checkpoints keep their bytes.
        let plain = try WorldNetwork(config: TrainingConfig(), info: ModelInfo(data: live.layout.data))
        XCTAssertFalse(plain.predictor.parameters.contains { $0.name == "action_map" })
        XCTAssertNil(try ActionMapChoice.run(network: plain, batch: batch))
    }
}
