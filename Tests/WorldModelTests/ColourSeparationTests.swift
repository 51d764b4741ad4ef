import Tensor
import XCTest
@testable import WorldModel

/// `model.encoder.colour_init`: every frequent colour starts in a mask of its own.
final class ColourSeparationTests: XCTestCase {
    func testFrequentColoursGetDistinctDecisiveMasks() throws {
        let network = try WorldNetwork(config: TrainingConfig(), info: ModelInfo(data: ToyBounce.description(size: 16, balls: 4)))
        let batch = ToyBounce.episodes(seeds: [1, 2, 3], steps: 4, size: 16, balls: 4)
        let rgb = [(UInt8(0), UInt8(0), UInt8(0))] + ToyBounce.colors                  // the background is black
        let colours = try Tensor(rgb.flatMap { [Float($0.0), Float($0.1), Float($0.2)] }.map { $0 / 255 }, shape: [5, 3])
        XCTAssertEqual(try ColourSeparation.run(network: network, batch: batch), 5)   // background and four balls
        let masks = try network.encoder.perColour(colours).scalars, c = network.mapChannels
        let winners = (0..<5).map { r in (0..<c).max { masks[r * c + $0] < masks[r * c + $1] }! }
        XCTAssertEqual(Set(winners).count, 5, "masks \(winners)")
        for r in 0..<5 { XCTAssertGreaterThan(masks[r * c + winners[r]], 0.9) }
        // Not per-pixel (a 3×3 kernel): nothing to separate, nothing changes.
        var config = TrainingConfig()
        try config.override(["model.encoder.kernels=[3,1]"])
        let other = try WorldNetwork(config: config, info: ModelInfo(data: ToyBounce.description(size: 16, balls: 4)))
        let before = other.encoder.parameters(prefix: "").map { $0.tensor.scalars }
        XCTAssertEqual(try ColourSeparation.run(network: other, batch: batch), 0)
        XCTAssertEqual(other.encoder.parameters(prefix: "").map { $0.tensor.scalars }, before)
    }
}
