import Tensor
import XCTest
@testable import WorldModel

/// A per-pixel encoder runs once per distinct colour (`PixelPalette`): the same function and the same
/// gradients as running it on every pixel.
final class PixelPaletteTests: XCTestCase {
    func testPaletteIndexesEveryPixelsColour() throws {
        let eps = ToyBounce.episodes(seeds: [3, 4], steps: 4)
        let palette = eps.frames.withUnsafeBufferPointer { PixelPalette(frames: $0, count: 8, height: 16, width: 16, channels: 3) }
        let colours = palette.colours.scalars
        XCTAssertEqual(palette.index.count, 8 * 16 * 16)
        XCTAssertEqual(Int(palette.counts.reduce(0, +)), 8 * 16 * 16)
        XCTAssertEqual(palette.colours.shape[0], Set(stride(from: 0, to: eps.frames.count, by: 3).map { eps.frames[$0..<($0 + 3)] }).count)
        for (p, row) in palette.index.enumerated() {
            for k in 0..<3 { XCTAssertEqual(colours[row * 3 + k], Float(eps.frames[p * 3 + k]) * (1 / 255)) }
        }
    }

    /// Many colours force the table to grow; the index must survive the rehash.
    func testPaletteGrowsPastItsFirstTable() {
        var frames = [UInt8]()
        for i in 0..<20_000 { frames += [UInt8(i & 0xFF), UInt8((i >> 8) & 0xFF), 7] }
        frames += frames[0..<30]
        let palette = frames.withUnsafeBufferPointer { PixelPalette(frames: $0, count: 1, height: 1, width: 20_010, channels: 3) }
        XCTAssertEqual(palette.colours.shape, [20_000, 3])
        XCTAssertEqual(Array(palette.index.suffix(10)), Array(0..<10))
        XCTAssertEqual(palette.counts[0], 2)
    }

    func testPaletteEncoderMatchesThePixelEncoderValueAndGradient() throws {
        let config = try ToyBounce.config([
            "model.encoder.channels=[8,4]", "model.encoder.kernels=[1,1]", "model.encoder.strides=[1,1]",
            "model.encoder.pool=2", "model.encoder.pool_sigma=1.5", "model.encoder.output=softmax", "model.encoder.normalise=mass",
            "model.encoder.softmax_temperature=0.5", "objective.target=infomax", "decoder.channels=[8]",
        ])
        let net = try WorldNetwork(config: config, info: ToyBounce.modelInfo())
        XCTAssertTrue(net.encoder.perPixel)
        let eps = ToyBounce.episodes(seeds: [41, 42], steps: 3)
        let weights = (0..<(6 * 16 * 16)).map { Float($0 % 7) }
        func run(_ input: EncoderInput) throws -> (latent: [Float], loss: Float, grads: [[Float]]) {
            net.zeroGrad()
            let (z, masks) = try net.encodeWithMasks(input)
            let masksRows = try XCTUnwrap(masks)
            let total = Float(weights.reduce(0, +))
            let motion = masksRows.rowWeights(try Tensor(weights.map { $0 / total }, shape: [1, weights.count]))
            // Sharpness 2 keeps the value clear of InfoMax's near-cancellation at sharpness 1, where float32
            // sums over every pixel differ from sums over colours by more than the tolerance.
            let reg = try Objective.infomax(masksRows.values, sharpness: 2, motionWeights: motion, motionShare: 0.5, shares: masksRows.shares)
            let loss = try reg + (z * z).sum()
            try loss.backward()
            return (z.scalars, try loss.item(), net.encoder.parameters.map { $0.tensor.grad!.scalars })
        }
        let pixels = try eps.frames.withUnsafeBufferPointer { try run(.images(net.encoder.images(frames: $0, count: 6, height: 16, width: 16))) }
        let palette = try eps.frames.withUnsafeBufferPointer { try run(net.input(frames: $0, count: 6)) }
        for (a, b) in zip(pixels.latent, palette.latent) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(pixels.loss, palette.loss, accuracy: 1e-4 * abs(pixels.loss))   // float32 sums over 1,536 pixels
        for (ga, gb) in zip(pixels.grads, palette.grads) {
            let scale = ga.map(abs).max()! + 1e-6
            for (a, b) in zip(ga, gb) { XCTAssertEqual(a, b, accuracy: 1e-3 * scale) }
        }
    }
}
