import Common
import Observation
import Physics
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

    /// `colour_init_batches`: a body's colour in one episode of four (8 px, 0.098 % of all pixels, 0.39 % of its
    /// episode's) counts as frequent by its episode's share; a rim blend of 1 px an episode (0.049 % either way) does not.
    func testAColourOfFewEpisodesCountsByTheEpisodesThatShowIt() throws {
        let side = 32, frames = 8, episodeFrames = 2
        var pixels = [UInt8](repeating: 0, count: frames * side * side * 3)
        func paint(frame: Int, pixel: Int, _ rgb: [UInt8]) { for k in 0..<3 { pixels[(frame * side * side + pixel) * 3 + k] = rgb[k] } }
        for p in 0..<400 { for f in 0..<frames { paint(frame: f, pixel: p, [30, 90, 200]) } }   // a large body everywhere
        for f in 0..<2 { for p in 500..<504 { paint(frame: f, pixel: p, [230, 180, 200]) } }    // episode 0 only
        for e in 0..<4 { paint(frame: e * episodeFrames, pixel: 600, [120, 60, 60]) }           // one rim pixel an episode
        let palette = pixels.withUnsafeBufferPointer { PixelPalette(frames: $0, count: frames, height: side, width: side, channels: 3) }
        func rgb(_ row: Int) -> [Int] { (0..<3).map { Int((palette.colours.scalars[row * 3 + $0] * 255).rounded()) } }
        XCTAssertEqual(ColourSeparation.frequentColours(palette, masks: 24).map(rgb), [[0, 0, 0], [30, 90, 200]])
        XCTAssertEqual(ColourSeparation.frequentColours(palette, masks: 24, episodeFrames: episodeFrames).map(rgb),
                       [[0, 0, 0], [30, 90, 200], [230, 180, 200]])
        XCTAssertEqual(ColourSeparation.frequentColours(palette, masks: 2, episodeFrames: episodeFrames).count, 2, "at most one per mask")
        let shown = ColourSeparation.shownPixels(palette, episodeFrames: episodeFrames)
        let pink = try XCTUnwrap((0..<shown.count).first { rgb($0) == [230, 180, 200] })
        XCTAssertEqual(shown[pink], Float(episodeFrames * side * side), "one episode's pixels")
    }

    /// The colours are counted over the first batches the run trains on: batch 0, then batches 1… exactly as training
    /// draws them later (a copy of the generator), joined in order.
    func testColourSampleIsTheRunsFirstBatches() throws {
        let config = try ToyBounce.config(["model.encoder.colour_init=true", "model.encoder.colour_init_batches=3"])
        let source = try ClipSampler.make(.scene("billiards"), config: config)
        var rng = SplitMix64(seed: 9)
        let first = try source.batch(clips: config.batchClips, length: config.clipLength, batchIndex: 0, rng: &rng)
        let sample = try TrainingSession.colourSample(first: first, source: source, config: config, rng: rng)
        XCTAssertEqual(sample.episodes, 3 * config.batchClips)
        var later = rng
        let batches = try [first] + (1...2).map { try source.batch(clips: config.batchClips, length: config.clipLength, batchIndex: $0, rng: &later) }
        XCTAssertEqual(sample.frames, batches.flatMap(\.frames))
        XCTAssertEqual(sample.seeds, batches.flatMap(\.seeds))
        XCTAssertEqual(Set(sample.seeds).count, sample.seeds.count, "fresh episodes, none twice")
        let one = try ToyBounce.config(["model.encoder.colour_init=true"])
        XCTAssertEqual(try TrainingSession.colourSample(first: first, source: source, config: one, rng: rng).frames, first.frames)
        XCTAssertThrowsError(try ToyBounce.config(["model.encoder.colour_init_batches=2"])) { error in
            XCTAssertTrue("\(error)".contains("model.encoder.colour_init_batches"), "\(error)")
        }
    }

    /// Joined batches keep their order; an optional field survives only when every batch has it.
    func testJoinedBatchesKeepTheirOrder() {
        let a = ToyBounce.episodes(seeds: [1, 2], steps: 3, size: 8, balls: 2), b = ToyBounce.episodes(seeds: [3], steps: 3, size: 8, balls: 2)
        var withMask = b
        withMask.mask = [true, false]
        let joined = EpisodeBatch(joining: [a, b])
        XCTAssertEqual(joined.episodes, 3)
        XCTAssertEqual(joined.frames, a.frames + b.frames)
        XCTAssertEqual(joined.states, a.states + b.states)
        XCTAssertEqual(joined.seeds, [1, 2, 3])
        XCTAssertNil(EpisodeBatch(joining: [a, withMask]).mask)
        XCTAssertEqual(EpisodeBatch(joining: [withMask, withMask]).mask, [true, false, true, false])
    }
}
