import XCTest
@testable import Tensor

/// `Tensor.warp`: the identity and pure shifts agree with `translate`, a quarter turn moves cells where it should,
/// a turn about the centroid keeps mass and centroid, and its gradients (maps and transforms) match finite differences.
final class WarpTests: XCTestCase {
    func testShiftsAgreeWithTranslate() throws {
        var rng = RNG(seed: 5)
        let maps = GradCheck.input([2, 6, 7, 3], &rng, lo: 0, hi: 1)
        let moves: [Float] = [1.3, -0.4, 0, 0, -2.2, 0.7, 0.5, 0.5, 3, -1, -0.25, 1.75]
        var affine = [Float]()
        for s in 0..<6 { affine += [1, 0, -moves[2 * s], 0, 1, -moves[2 * s + 1]] }
        let warped = try Tensor.warp(maps, by: Tensor(affine, shape: [2, 3, 6])).scalars
        let shifted = try Tensor.translate(maps, by: Tensor(moves, shape: [2, 3, 2])).scalars
        for i in warped.indices { XCTAssertEqual(warped[i], shifted[i], accuracy: 1e-5, "cell \(i)") }
    }

    func testQuarterTurnMovesCells() throws {
        // 5×5 map, turned a quarter about the centre cell (2, 2): out(x, y) = in(y, 4 − x), i.e. a = 0, b = 1, e = 0,
        // c = −1, d = 0, f = 4.
        var values = [Float](repeating: 0, count: 25)
        for i in 0..<25 { values[i] = Float(i + 1) }
        let out = try Tensor.warp(Tensor(values, shape: [1, 5, 5, 1]), by: Tensor([0, 1, 0, -1, 0, 4], shape: [1, 1, 6])).scalars
        for y in 0..<5 { for x in 0..<5 {
            XCTAssertEqual(out[y * 5 + x], values[(4 - x) * 5 + y], accuracy: 1e-6, "cell (\(x), \(y))")
        } }
    }

    func testTurnAboutCentroidKeepsMassAndCentroid() throws {
        let h = 16, w = 16
        var values = [Float](repeating: 0, count: h * w)
        // An elongated blob along x centred near (7.3, 8.1).
        for y in 0..<h { for x in 0..<w {
            let dx = Float(x) - 7.3, dy = Float(y) - 8.1
            values[y * w + x] = expf(-(dx * dx) / 4 - (dy * dy) / 0.8)
        } }
        func moments(_ a: [Float]) -> (m: Double, x: Double, y: Double, cross: Double) {
            var m = 0.0, mx = 0.0, my = 0.0
            for y in 0..<h { for x in 0..<w { let v = Double(a[y * w + x]); m += v; mx += v * Double(x); my += v * Double(y) } }
            mx /= m; my /= m
            var cross = 0.0
            for y in 0..<h { for x in 0..<w { cross += Double(a[y * w + x]) * (Double(x) - mx) * (Double(y) - my) } }
            return (m, mx, my, cross / m)
        }
        let before = moments(values)
        let angle: Float = 0.4, cx = Float(before.x), cy = Float(before.y)
        // Source = R(−angle)(p − c) + c.
        let a = cosf(angle), b = sinf(angle)
        let t: [Float] = [a, b, cx - a * cx - b * cy, -b, a, cy + b * cx - a * cy]
        let after = moments(try Tensor.warp(Tensor(values, shape: [1, h, w, 1]), by: Tensor(t, shape: [1, 1, 6])).scalars)
        XCTAssertEqual(after.m, before.m, accuracy: 0.02 * before.m, "mass is kept away from the border")
        XCTAssertEqual(after.x, before.x, accuracy: 0.02)
        XCTAssertEqual(after.y, before.y, accuracy: 0.02)
        XCTAssertEqual(before.cross, 0, accuracy: 1e-3, "the blob starts along x")
        XCTAssertGreaterThan(after.cross, 0.3, "turned from +x towards +y (down the rows)")
    }

    func testShapeMismatchIsAnError() throws {
        let maps = Tensor.zeros([2, 4, 4, 3])
        XCTAssertThrowsError(try Tensor.warp(maps, by: Tensor.zeros([2, 3, 2])))
        XCTAssertThrowsError(try Tensor.warp(maps, by: Tensor.zeros([1, 3, 6])))
    }

    func testNonFiniteTransformSamplesNothing() throws {
        let maps = Tensor.ones([1, 3, 3, 1])
        let out = try Tensor.warp(maps, by: Tensor([.nan, 0, 0, 0, 1, 0], shape: [1, 1, 6])).scalars
        XCTAssertEqual(out, [Float](repeating: 0, count: 9))
    }

    func testGradients() throws {
        var rng = RNG(seed: 78)
        let maps = GradCheck.input([2, 6, 7, 3], &rng, lo: 0, hi: 1)
        // Turns up to ±0.5 rad about the middle plus shifts, some pushing mass over the border. The sample points
        // are kept off integers, where the bilinear weights have kinks, by an irrational-ish offset.
        var raw = [Float]()
        for _ in 0..<6 {
            let angle = (rng.uniform() - 0.5), a = cosf(angle), b = sinf(angle)
            raw += [a, b, 0.37 + 3 * (rng.uniform() - 0.5), -b, a, 0.61 + 3 * (rng.uniform() - 0.5)]
        }
        let transforms = try Tensor(raw, shape: [2, 3, 6], requiresGrad: true)
        try GradCheck.check("warp", [maps, transforms], eps: 1e-3, samples: 80) { try Tensor.warp($0[0], by: $0[1]) }
    }
}
