import Tensor
import XCTest
@testable import WorldModel

/// `model.encoder.instances`: same-coloured bodies cut into maps of their own, in order of x.
final class InstanceSplitTests: XCTestCase {
    /// Per-pixel masks [1, 8, 8, 3]: channel 1 holds two square bodies (right one first in memory order), channel 0
    /// the background, channel 2 nothing.
    private func masks() throws -> Tensor {
        var v = [Float](repeating: 0, count: 64 * 3)
        for p in 0..<64 { v[p * 3] = 1 }
        for (x0, y0) in [(5, 1), (1, 4)] {
            for y in y0..<(y0 + 2) { for x in x0..<(x0 + 2) { v[(y * 8 + x) * 3] = 0.1; v[(y * 8 + x) * 3 + 1] = 0.9 } }
        }
        return try Tensor(v, shape: [1, 8, 8, 3])
    }

    func testTwoBodiesOfOneMaskGetOneMapEachInOrderOfX() throws {
        let split = InstanceSplit(masks: 3, channels: [1], instances: 2)
        XCTAssertEqual(split.outputChannels, 4)
        let h = try masks(), out = try split.apply(h).scalars, input = h.scalars
        for p in 0..<64 {
            let x = p % 8
            XCTAssertEqual(out[p * 4], input[p * 3])                        // unsplit masks pass unchanged
            XCTAssertEqual(out[p * 4 + 2], input[p * 3 + 2])
            // Every pixel of mask 1 goes to the nearer body: the left one (x 1–2) keeps channel 1, the right one
            // (x 5–6) gets the appended channel 3.
            let left = x < 4
            XCTAssertEqual(out[p * 4 + 1], left ? input[p * 3 + 1] : 0, "pixel \(p)")
            XCTAssertEqual(out[p * 4 + 3], left ? 0 : input[p * 3 + 1], "pixel \(p)")
        }
        // One body: it keeps the mask's channel, the second map is empty.
        var one = h.scalars
        for y in 1..<3 { for x in 5..<7 { one[(y * 8 + x) * 3 + 1] = 0 } }
        let single = try split.apply(try Tensor(one, shape: [1, 8, 8, 3])).scalars
        XCTAssertEqual((0..<64).map { single[$0 * 4 + 3] }.reduce(0, +), 0)
        XCTAssertEqual((0..<64).map { single[$0 * 4 + 1] }.reduce(0, +), 3.6, accuracy: 1e-5)
    }

    func testMoreBodiesThanMapsShareTheLastMap() throws {
        var v = try masks().scalars
        for y in 6..<8 { for x in 4..<6 { v[(y * 8 + x) * 3 + 1] = 0.9 } }   // a third body, x 4–5
        let out = try InstanceSplit(masks: 3, channels: [1], instances: 2).apply(try Tensor(v, shape: [1, 8, 8, 3])).scalars
        XCTAssertEqual(out[(6 * 8 + 4) * 4 + 3], 0.9)                        // the middle body joins the right one's map
        XCTAssertEqual(out[(4 * 8 + 1) * 4 + 1], 0.9)                        // the left body keeps channel 1
    }

    /// The cut is a constant 0/1 gate: the gradient reaches each mask value through the one map it went to.
    func testGradientReachesTheMaskValuesThroughTheCut() throws {
        let split = InstanceSplit(masks: 3, channels: [1], instances: 2)
        let h = try masks()
        h.requiresGrad = true
        let weights = (0..<(64 * 4)).map { Float(($0 * 7) % 11) - 5 }
        let w = try Tensor(weights, shape: [1, 8, 8, 4])
        try (split.apply(h) * w).sum().backward()
        let grad = try XCTUnwrap(h.grad).scalars
        // The loss is linear in h: its exact gradient is the weight of the map each value lands in, the map of the
        // body whose centre (left (1.5, 4.5), right (5.5, 1.5)) is nearer the pixel, or 0 beyond its reach (3 pixels:
        // half the 2-pixel body plus the margin).
        var cut = 0
        for p in 0..<64 {
            XCTAssertEqual(grad[p * 3], weights[p * 4])
            XCTAssertEqual(grad[p * 3 + 2], weights[p * 4 + 2])
            let x = Float(p % 8), y = Float(p / 8)
            let toRight = (x - 5.5) * (x - 5.5) + (y - 1.5) * (y - 1.5), toLeft = (x - 1.5) * (x - 1.5) + (y - 4.5) * (y - 4.5)
            let expected = min(toLeft, toRight) > 9 ? 0 : weights[p * 4 + (toRight < toLeft ? 3 : 1)]
            if min(toLeft, toRight) > 9 { cut += 1 }
            XCTAssertEqual(grad[p * 3 + 1], expected, "pixel \(p)")
        }
        XCTAssertGreaterThan(cut, 0)
    }

    /// Colours to split: small moving bodies repeated in one frame; not a wall that a slope cuts in two, nor pieces of
    /// a line.
    func testSplitMasksFindsRepeatedMovingBodiesOnly() throws {
        let w = 32, grey: [UInt8] = [170, 160, 150], wall: [UInt8] = [110, 110, 120], red: [UInt8] = [230, 80, 60]
        let edge: [UInt8] = [125, 100, 75]
        var frames = [UInt8](repeating: 0, count: 2 * w * w * 3)
        func paint(_ f: Int, _ x: Range<Int>, _ y: Range<Int>, _ c: [UInt8]) {
            for yy in y { for xx in x { for k in 0..<3 { frames[((f * w + yy) * w + xx) * 3 + k] = c[k] } } }
        }
        for f in 0..<2 {
            paint(f, 0..<14, 0..<2, wall); paint(f, 16..<32, 0..<2, wall)   // a wall cut in two, each part 14–16 wide
            paint(f, 3..<6, 10 + f..<13 + f, grey); paint(f, 20..<23, 20 + f..<23 + f, grey)   // two falling pebbles
            paint(f, 10 + f..<13 + f, 25..<28, red)                          // one rolling ball
            paint(f, 26..<30, 8..<9, edge); paint(f, (2 + f)..<(6 + f), 14..<15, edge) // two pieces of an edge, one moving
        }
        let palette = frames.withUnsafeBufferPointer { PixelPalette(frames: $0, count: 2, height: w, width: w, channels: 3) }
        let frequent = ColourSeparation.frequentColours(palette, masks: 8), values = palette.colours.scalars
        func mask(_ c: [UInt8]) -> Int? {
            frequent.firstIndex { row in (0..<3).allSatisfy { values[row * 3 + $0] == Float(c[$0]) * (1 / 255) } }
        }
        XCTAssertNotNil(mask(wall)); XCTAssertNotNil(mask(red)); XCTAssertNotNil(mask(edge))
        let split = InstanceSplit.splitMasks(palette: palette, frequent: frequent, clipLength: 2)
        XCTAssertEqual(split.map(\.mask), [try XCTUnwrap(mask(grey))])
        XCTAssertEqual(split.first?.spread ?? 0, 2.0 / 3, accuracy: 1e-5)     // a 3×3 square: variance (9 − 1) / 12 per axis
        // The same two frames as two clips of one frame each: no motion seen, nothing split.
        XCTAssertTrue(InstanceSplit.splitMasks(palette: palette, frequent: frequent, clipLength: 1).isEmpty)
    }

    func testInstancesNeedTheColourStart() throws {
        XCTAssertThrowsError(try ToyBounce.config(["model.encoder.instances=2"])) { error in
            XCTAssertTrue("\(error)".contains("model.encoder.instances"), "\(error)")
        }
        XCTAssertNoThrow(try ToyBounce.config(["model.encoder.instances=2", "model.encoder.colour_init=true"]))
    }

    /// The split masks travel in the checkpoint's info, and the network's latent grows by their extra maps.
    func testNetworkWithSplitMasks() throws {
        let config = try ToyBounce.config([
            "model.encoder.channels=[8,4]", "model.encoder.kernels=[1,1]", "model.encoder.strides=[1,1]",
            "model.encoder.pool=2", "model.encoder.output=softmax", "model.encoder.normalise=mass", "objective.target=infomax",
            "decoder.channels=[8]", "model.encoder.colour_init=true", "model.encoder.instances=3",
        ])
        var info = ToyBounce.modelInfo()
        info.instanceMasks = [2]
        info.instanceSpreads = [1.5]
        let decoded = try JSONDecoder().decode(ModelInfo.self, from: try JSONEncoder().encode(info))
        XCTAssertEqual(decoded.instanceMasks, [2])
        XCTAssertEqual(decoded.instanceSpreads, [1.5])
        XCTAssertEqual(try JSONDecoder().decode(ModelInfo.self, from: try JSONEncoder().encode(ToyBounce.modelInfo())).instanceMasks, [])
        let net = try WorldNetwork(config: config, info: decoded)
        XCTAssertEqual(net.encoder.maskChannels, 4)
        XCTAssertEqual(net.mapChannels, 6)
        let eps = ToyBounce.episodes(seeds: [5], steps: 2)
        let z = try eps.frames.withUnsafeBufferPointer { try net.encodeWithMasks(net.input(frames: $0, count: 2)).latent }
        XCTAssertEqual(z.shape, [2, 8 * 8 * 6])
        info.instanceMasks = [4]
        XCTAssertThrowsError(try WorldNetwork(config: config, info: info))
        info.instanceMasks = [2]
        info.instanceSpreads = [1.5, 2]                                    // one spread too many
        XCTAssertThrowsError(try WorldNetwork(config: config, info: info)) { error in
            XCTAssertTrue("\(error)".contains("2 instance spreads for 1 instance masks"), "\(error)")
        }
    }

    /// Two bodies that touch make one region; one spreading more than 3 times the widest single body seen is cut in two
    /// across its long axis.
    func testTouchingBodiesAreCutApartWhenTheirRegionSpreadsTooFar() throws {
        var v = [Float](repeating: 0, count: 64 * 3)
        for p in 0..<64 { v[p * 3] = 1 }
        for y in 3..<5 { for x in 1..<7 { v[(y * 8 + x) * 3] = 0.1; v[(y * 8 + x) * 3 + 1] = 0.9 } }    // 6 × 2: two 3 × 2 bodies
        let h = try Tensor(v, shape: [1, 8, 8, 3])
        // One body spread up to 2/3 px² (a 3-wide body): the 6-wide region (35/12 px² > 3 × 2/3) is two.
        let cut = try InstanceSplit(masks: 3, channels: [1], instances: 2, spreads: [2.0 / 3]).apply(h).scalars
        XCTAssertEqual(cut[(3 * 8 + 2) * 4 + 1], 0.9); XCTAssertEqual(cut[(3 * 8 + 2) * 4 + 3], 0)
        XCTAssertEqual(cut[(3 * 8 + 5) * 4 + 1], 0); XCTAssertEqual(cut[(3 * 8 + 5) * 4 + 3], 0.9)
        // Without the spread (or with a wide one) the region stays whole.
        for split in [InstanceSplit(masks: 3, channels: [1], instances: 2), InstanceSplit(masks: 3, channels: [1], instances: 2, spreads: [1])] {
            let whole = try split.apply(h).scalars
            XCTAssertEqual(whole[(3 * 8 + 5) * 4 + 1], 0.9); XCTAssertEqual(whole[(3 * 8 + 5) * 4 + 3], 0)
        }
        let region = InstanceSplit.Region(points: (0..<6).map { SIMD2(Float($0), 0) })
        XCTAssertEqual(region.spread.variance, 35.0 / 12, accuracy: 1e-5)
        XCTAssertEqual(region.halves().map(\.points.count), [3, 3])
    }
}
