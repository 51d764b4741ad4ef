import Common
import Tensor
import XCTest
@testable import WorldModel

/// `model.predictor.contacts`: each map's neighbourhood sums, checked against a hand computation.
final class ContactFeaturesTests: XCTestCase {
    func testNeighbourhoodSumsMatchAHandComputationAndIgnoreSelfAndEmptyMaps() throws {
        var config = TrainingConfig()
        try config.override(["model.predictor.contacts=true"])
        var rng = RNG(seed: 1)
        let shape = LatentShape(height: 16, width: 16, channels: 3, dimension: 768, actions: 2, isSpatial: true)
        let p = ObjectsPredictor(config: config, shape: shape, rng: &rng)
        XCTAssertTrue(p.parameters.contains { $0.name == "contact.weight" })
        // Map 0 at (2, 2), map 1 one cell to the right, map 2 far away and empty (mass 0).
        let centroid = try Tensor([2, 2, 3, 2, 14, 14], shape: [1, 3, 2])
        let mass = try Tensor([1, 0.5, 0], shape: [1, 3, 1])
        let velocity = try Tensor([0, 0, 0.25, 0, 1, 1], shape: [1, 3, 2])
        let actions = try Tensor([0, 0, 1, -1, 1, 1], shape: [1, 3, 2])
        let f = try p.contactFeatures(centroid: centroid, mass: mass, velocity: velocity, actions: actions, scale: 0.125).scalars
        XCTAssertEqual(f.count, 3 * 2 * 11)
        for (w, width) in ObjectsPredictor.contactWidths.enumerated() {
            let k = expf(-1 / (2 * width * width))                     // distance 1 between maps 0 and 1
            let o = w * 11                                             // map 0's block for this width
            XCTAssertEqual(f[o], 0.5 * k, accuracy: 1e-6, "weight: map 1's mass times the kernel; map 2 is empty, self excluded")
            XCTAssertEqual(f[o + 1], 0.5 * k * 1 * 0.125, accuracy: 1e-6, "offset to map 1, scaled")
            XCTAssertEqual(f[o + 2], 0, accuracy: 1e-6)
            XCTAssertEqual(f[o + 3], 0.5 * k * 0.5, accuracy: 1e-6, "map 1's velocity ×2")
            XCTAssertEqual(f[o + 5], 0.5 * k * 1, accuracy: 1e-6, "map 1's action")
            XCTAssertEqual(f[o + 6], -0.5 * k, accuracy: 1e-6)
            // Map 1 sees map 0 (mass 1) one cell to its left.
            XCTAssertEqual(f[22 + o], k, accuracy: 1e-6)
            XCTAssertEqual(f[22 + o + 1], -k * 0.125, accuracy: 1e-6)
            // Pushes on map 0 from map 1 (one cell to its right, u = (1, 0)): its velocity (0.5, 0) heads away, no push;
            // its action (1, −1) in map axes is (1, 1): also away along x, no push.
            XCTAssertEqual(f[o + 7], 0, accuracy: 1e-6); XCTAssertEqual(f[o + 9], 0, accuracy: 1e-6)
            // On map 1 from map 0 (u = (−1, 0)): map 0 is still, so no push either.
            XCTAssertEqual(f[22 + o + 7], 0, accuracy: 1e-6)
        }
        // Without the setting there is no contact layer, and the node layer keeps its shape.
        let plain = ObjectsPredictor(config: TrainingConfig(), shape: shape, rng: &rng)
        XCTAssertNil(plain.contact)
        XCTAssertEqual(plain.node1.weight.shape[1], 2 * TrainingConfig().predictorChannels)
    }
}
