import Common
import Observation
import Tensor
import XCTest
@testable import WorldModel

/// `objective.novel_colours`: colours no frame shows are drawn far from the batch's and asked to spread evenly.
final class NovelColoursTests: XCTestCase {
    private func palette(_ rgb: [[Float]]) throws -> Tensor {
        try Tensor(rgb.flatMap { $0.map { $0 / 255 } }, shape: [rgb.count, 3])
    }

    /// The term's state for frames of `channels` whose first batches showed `seen` (8 bits a channel).
    private func novel(_ seen: [[UInt8]], channels: Int = 3, distance: Int = 48) throws -> NovelColours {
        var config = TrainingConfig()
        try config.override(["objective.novel_colours=1", "objective.novel_colour_distance=\(distance)"])
        var data = ToyBounce.description(size: 16, balls: 4)
        data.channels = channels
        let info = ModelInfo(data: data, seenColours: NovelColours.cells(of: seen.flatMap { $0 }, channels: channels))
        return try XCTUnwrap(NovelColours(config: config, info: info))
    }

    func testPixelsAndDrawnColoursShareOneGrid() {
        // Seen cells come from 8-bit pixels, drawn colours are floats: both go through `level`, v / 8 for a pixel v.
        for v in 0...255 { XCTAssertEqual(NovelColours.level(Float(v) / 256), v / 8) }
        XCTAssertEqual(NovelColours.level(1), NovelColours.levels - 1)
        let pixel: [UInt8] = [7, 8, 255]
        XCTAssertEqual(pixel.withUnsafeBufferPointer { NovelColours.cell($0.baseAddress!, channels: 3) }, (0 * 32 + 1) * 32 + 31)
    }

    func testDrawnColoursStayFarFromEverySeenColourAndAreSeeded() throws {
        let seen: [[UInt8]] = [[0, 0, 0], [230, 64, 60], [60, 200, 80], [115, 32, 30]]
        let batch: [UInt8] = [255, 255, 255, 230, 64, 60]                         // white only in this batch
        let term = try novel(seen)
        var rng = RNG(seed: 9), again = RNG(seed: 9)
        let drawn = try XCTUnwrap(term.draw(avoiding: batch, rng: &rng))
        XCTAssertEqual(drawn.shape[1], 3)
        XCTAssertGreaterThan(drawn.shape[0], NovelColours.candidates / 2, "most of the cube is far from five colours")
        XCTAssertLessThanOrEqual(drawn.shape[0], NovelColours.candidates)
        let d = drawn.scalars
        var nearest = Float.infinity
        for r in 0..<drawn.shape[0] {
            for colour in seen + [[255, 255, 255]] {
                let dist = (0..<3).map { k in d[r * 3 + k] * 255 - Float(colour[k]) }.reduce(0) { $0 + $1 * $1 }.squareRoot()
                XCTAssertGreaterThanOrEqual(dist, term.distance)
                nearest = min(nearest, dist)
            }
        }
        XCTAssertLessThan(nearest, term.distance + 30, "the grid keeps candidates out by about the distance, not far more")
        XCTAssertEqual(try XCTUnwrap(term.draw(avoiding: batch, rng: &again)).scalars, d)
        // Farther: fewer candidates survive, each at least the new distance away.
        let wide = try novel(seen, distance: 100)
        let w = try XCTUnwrap(wide.draw(avoiding: batch, rng: &rng))
        XCTAssertLessThan(w.shape[0], drawn.shape[0])
        for r in 0..<w.shape[0] {
            for colour in seen + [[255, 255, 255]] {
                let dist = (0..<3).map { k in w.scalars[r * 3 + k] * 255 - Float(colour[k]) }.reduce(0) { $0 + $1 * $1 }.squareRoot()
                XCTAssertGreaterThanOrEqual(dist, 100)
            }
        }
        // Colours every 32 levels fill the cube: nothing is far enough, so no term rather than an empty tensor.
        let levels: [UInt8] = Array(stride(from: 0, through: 255, by: 32)).map { UInt8($0) }
        let full = try novel(levels.flatMap { r in levels.flatMap { g in levels.map { [r, g, $0] } } })
        XCTAssertNil(try full.draw(avoiding: [], rng: &rng))
        // Grey frames: one channel, the distance scaled by √(1/3).
        let grey = try novel([[0], [128], [255]], channels: 1)
        let g = try XCTUnwrap(grey.draw(avoiding: [], rng: &rng)).scalars
        for v in g { for s in [0, 128, 255] as [Float] { XCTAssertGreaterThanOrEqual(abs(v * 255 - s), grey.distance / Float(3).squareRoot()) } }
        // Off by default.
        XCTAssertNil(NovelColours(config: TrainingConfig(), info: ModelInfo(data: ToyBounce.description())))
    }

    func testLossIsZeroForAnEvenSpreadAndGrowsAsARowConcentrates() throws {
        let k = 4
        let even = try NovelColours.loss(Tensor(Array(repeating: 0.25, count: 2 * k), shape: [2, k]))
        XCTAssertEqual(try even.item(), 0, accuracy: 1e-5)
        let leaning = try NovelColours.loss(Tensor([0.7, 0.1, 0.1, 0.1], shape: [1, k]))
        let decided = try NovelColours.loss(Tensor([0.97, 0.01, 0.01, 0.01], shape: [1, k]))
        XCTAssertGreaterThan(try leaning.item(), 0.1)
        XCTAssertGreaterThan(try decided.item(), try leaning.item())
    }

    /// The term moves unseen colours out of the masks they start in, while the batch's colours keep theirs.
    func testTrainingSpreadsAnUnseenColourAndKeepsTheSeenOnes() throws {
        var config = TrainingConfig()
        try config.override(["objective.novel_colours=1"])
        let network = try WorldNetwork(config: config, info: ModelInfo(data: ToyBounce.description(size: 16, balls: 4)))
        let batch = ToyBounce.episodes(seeds: [1, 2, 3], steps: 4, size: 16, balls: 4)
        XCTAssertEqual(try ColourSeparation.run(network: network, batch: batch), 5)
        let seen = try palette([[0, 0, 0]] + ToyBounce.colors.map { [Float($0.0), Float($0.1), Float($0.2)] })
        // Colours at least 100 from every seen one (as an immutability violation's are): magenta, cyan, purple, pale pink.
        let unseen = try palette([[255, 0, 255], [0, 255, 255], [128, 0, 128], [255, 190, 220]])
        let c = network.mapChannels
        func masks(_ colours: Tensor) throws -> [Float] { try network.encoder.perColour(colours).scalars }
        func largest(_ m: [Float]) -> [Float] { stride(from: 0, to: m.count, by: c).map { m[$0..<($0 + c)].max()! } }
        for p in largest(try masks(unseen)) { XCTAssertGreaterThan(p, 0.5, "the start puts each unseen colour in one mask") }
        let winners = try masks(seen)
        let parameters = network.encoder.parameters(prefix: "encoder.")
        let adam = AdamW(parameters, learningRate: 0.01, weightDecay: 0)
        var rng = RNG(seed: 3)
        for _ in 0..<200 {
            for p in parameters { p.tensor.zeroGrad() }
            // The term beside the colour start's own pull on the seen colours (InfoMax's role in training).
            let keep = try ((network.encoder.perColour(seen) + 1e-8).log() * Tensor(winners.map { -$0 }, shape: [5, c])).sum()
            let term = try XCTUnwrap(network.novelColours?.term(encoder: network.encoder, frames: batch.frames, masks: nil, rng: &rng))
            try (keep + term).backward()
            try adam.step()
        }
        for p in largest(try masks(unseen)) { XCTAssertLessThan(p, 0.25, "each unseen colour spread over the masks") }
        let after = try masks(seen)
        for r in 0..<5 {
            let k = (0..<c).max { winners[r * c + $0] < winners[r * c + $1] }!
            XCTAssertGreaterThan(after[r * c + k], 0.9, "seen colour \(r) keeps its mask")
        }
    }

    func testLargestMaskWeighsColoursByTheirPixels() throws {
        // Two colours: the first (3 of 4 pixels) mostly in mask 2, the second (1 pixel) all in mask 0.
        let frames: [UInt8] = [10, 10, 10, 10, 10, 10, 10, 10, 10, 200, 0, 0]
        let p = frames.withUnsafeBufferPointer { PixelPalette(frames: $0, count: 1, height: 2, width: 2, channels: 3) }
        let first = p.index[0], rows = try Tensor(first == 0 ? [0.3, 0, 0.7, 1, 0, 0] : [1, 0, 0, 0.3, 0, 0.7], shape: [2, 3])
        XCTAssertEqual(NovelColours.largestMask(MaskRows(values: rows, palette: p, height: 2, width: 2)), 2)
        let flipped = try Tensor(first == 0 ? [0.6, 0, 0.4, 1, 0, 0] : [1, 0, 0, 0.6, 0, 0.4], shape: [2, 3])
        XCTAssertEqual(NovelColours.largestMask(MaskRows(values: flipped, palette: p, height: 2, width: 2)), 0)
    }

    func testBackgroundLossIsALogSoftmaxWhoseGradientSurvivesSaturation() throws {
        let logits = try Tensor([0, 1, 2, 60, 0, 0], shape: [2, 3], requiresGrad: true)
        let loss = try NovelColours.backgroundLoss(logits: logits, background: 1)
        let p0 = exp(1.0) / (exp(0.0) + exp(1.0) + exp(2.0))
        let expected = -(log(p0) + (0 - 60 - log(1 + 2 * exp(-60.0)))) / 2
        XCTAssertEqual(Double(try loss.item()), expected, accuracy: 1e-4)
        try loss.backward()
        // d/dl of −log softmax_b is softmax − onehot(b), halved by the mean: the saturated row still pulls with −½.
        let g = try XCTUnwrap(logits.grad).scalars
        XCTAssertEqual(g[4], -0.5, accuracy: 1e-5)
        XCTAssertEqual(g[3], 0.5, accuracy: 1e-5)
        XCTAssertEqual(g[1], Float((p0 - 1) / 2), accuracy: 1e-5)
    }

    /// `objective.novel_colour_target: background`: the unseen colours go into the batch's largest mask (the black
    /// background here), and the seen colours keep theirs.
    func testBackgroundTargetMovesUnseenColoursIntoTheLargestMask() throws {
        var config = TrainingConfig()
        try config.override(["objective.novel_colours=1", "objective.novel_colour_target=background"])
        let network = try WorldNetwork(config: config, info: ModelInfo(data: ToyBounce.description(size: 16, balls: 4)))
        let batch = ToyBounce.episodes(seeds: [1, 2, 3], steps: 4, size: 16, balls: 4)
        XCTAssertEqual(try ColourSeparation.run(network: network, batch: batch), 5)
        let input = batch.frames.withUnsafeBufferPointer { network.input(frames: $0, count: 12) }
        let background = try NovelColours.largestMask(XCTUnwrap(network.encodeWithMasks(input).masks))
        let black = try network.encoder.perColour(palette([[0, 0, 0]])).scalars
        XCTAssertEqual(black.indices.max { black[$0] < black[$1] }, background, "the background is the largest mask")
        let unseen = try palette([[255, 0, 255], [0, 255, 255], [128, 0, 128], [255, 190, 220]])
        let seen = try palette(ToyBounce.colors.map { [Float($0.0), Float($0.1), Float($0.2)] })
        let c = network.mapChannels, winners = try network.encoder.perColour(seen).scalars
        let parameters = network.encoder.parameters(prefix: "encoder.")
        let adam = AdamW(parameters, learningRate: 0.01, weightDecay: 0)
        var rng = RNG(seed: 3)
        for _ in 0..<200 {
            for p in parameters { p.tensor.zeroGrad() }
            let (_, masks) = try network.encodeWithMasks(input)
            let keep = try ((network.encoder.perColour(seen) + 1e-8).log() * Tensor(winners.map { -$0 }, shape: [4, c])).sum()
            let term = try XCTUnwrap(network.novelColours?.term(encoder: network.encoder, frames: batch.frames, masks: masks, rng: &rng))
            try (keep + term).backward()
            try adam.step()
        }
        let after = try network.encoder.perColour(unseen).scalars
        for r in 0..<4 { XCTAssertGreaterThan(after[r * c + background], 0.9, "unseen colour \(r) went into the background") }
        let kept = try network.encoder.perColour(seen).scalars
        for r in 0..<4 {
            let k = (0..<c).max { winners[r * c + $0] < winners[r * c + $1] }!
            XCTAssertNotEqual(k, background)
            XCTAssertGreaterThan(kept[r * c + k], 0.9, "seen colour \(r) keeps its mask")
        }
    }

    func testTheStepAddsTheTermOnlyWhenWeighted() throws {
        let batch = ToyBounce.episodes(seeds: [4, 5], steps: 8, size: 16, balls: 2)
        func step(_ settings: [String]) throws -> (StepLosses, RNG) {
            var config = TrainingConfig()
            try config.override(settings)
            let network = try WorldNetwork(config: config, info: ModelInfo(data: ToyBounce.description(size: 16, balls: 2)))
            var rng = RNG(seed: 1)
            let (losses, _) = try Objective.run(network: network, batch: batch, rng: &rng)
            return (losses, rng)
        }
        let (plain, plainRNG) = try step([])
        let (weighted, weightedRNG) = try step(["objective.novel_colours=0.5"])
        XCTAssertEqual(plainRNG, RNG(seed: 1), "off, the term draws nothing: every other model keeps its bits")
        XCTAssertNotEqual(weightedRNG, RNG(seed: 1))
        XCTAssertEqual(weighted.prediction, plain.prediction)
        XCTAssertGreaterThan(weighted.regulariser, plain.regulariser + 1e-3, "the start is decisive off the data too")
    }

    func testNeedsAPerPixelSoftmaxEncoder() {
        var config = TrainingConfig()
        XCTAssertThrowsError(try config.override(["model.encoder.kernels=[3,1]", "objective.novel_colours=0.1"])) { error in
            XCTAssertEqual((error as? ConfigError)?.key, "objective.novel_colours")
            XCTAssertTrue("\(error)".contains("per-pixel encoder"), "\(error)")
        }
        // A distance without the term is allowed (and unused), so `--set objective.novel_colours=0` turns a recipe's term off.
        var fresh = TrainingConfig()
        XCTAssertNoThrow(try fresh.override(["objective.novel_colour_distance=100"]))
        XCTAssertNil(NovelColours(config: fresh, info: ModelInfo(data: ToyBounce.description())))
    }
}
