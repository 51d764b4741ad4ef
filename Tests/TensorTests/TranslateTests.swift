import XCTest
@testable import Tensor

/// `Tensor.translate`: exact integer moves, centroid moved by the displacement, zero fill at the border,
/// and its gradients (maps and shifts) against finite differences.
final class TranslateTests: XCTestCase {
    func testIntegerShiftMovesCellsAndFillsZeros() throws {
        // One 4×5 map with two channels; channel 0 moves by (+2, -1), channel 1 stays.
        let h = 4, w = 5
        var values = [Float](repeating: 0, count: h * w * 2)
        for i in 0..<(h * w) { values[2 * i] = Float(i + 1); values[2 * i + 1] = Float(100 + i) }
        let maps = try Tensor(values, shape: [1, h, w, 2])
        let out = try Tensor.translate(maps, by: Tensor([2, -1, 0, 0], shape: [1, 2, 2])).scalars
        for y in 0..<h { for x in 0..<w {
            let sy = y + 1, sx = x - 2    // out(y, x) = in(y − dy, x − dx)
            let expected: Float = sy < h && sx >= 0 ? Float(sy * w + sx + 1) : 0
            XCTAssertEqual(out[2 * (y * w + x)], expected, "channel 0 at (\(y), \(x))")
            XCTAssertEqual(out[2 * (y * w + x) + 1], Float(100 + y * w + x), "channel 1 at (\(y), \(x))")
        } }
    }

    func testFractionalShiftMovesCentroidAndKeepsMass() throws {
        let h = 12, w = 12
        var values = [Float](repeating: 0, count: h * w)
        for (y, x, v) in [(5, 5, 0.2), (5, 6, 0.3), (6, 5, 0.1), (6, 6, 0.4)] as [(Int, Int, Float)] { values[y * w + x] = v }
        let maps = try Tensor(values, shape: [1, h, w, 1])
        func moments(_ a: [Float]) -> (Double, Double, Double) {
            var m = 0.0, mx = 0.0, my = 0.0
            for y in 0..<h { for x in 0..<w { let v = Double(a[y * w + x]); m += v; mx += v * Double(x); my += v * Double(y) } }
            return (m, mx / m, my / m)
        }
        let before = moments(values)
        let after = moments(try Tensor.translate(maps, by: Tensor([1.3, -2.6], shape: [1, 1, 2])).scalars)
        XCTAssertEqual(after.0, before.0, accuracy: 1e-5, "mass is kept away from the border")
        XCTAssertEqual(after.1 - before.1, 1.3, accuracy: 1e-5)
        XCTAssertEqual(after.2 - before.2, -2.6, accuracy: 1e-5)
    }

    func testShapeMismatchIsAnError() throws {
        let maps = Tensor.zeros([2, 4, 4, 3])
        XCTAssertThrowsError(try Tensor.translate(maps, by: Tensor.zeros([2, 3, 3])))
        XCTAssertThrowsError(try Tensor.translate(maps, by: Tensor.zeros([1, 3, 2])))
    }

    func testGradients() throws {
        var rng = RNG(seed: 77)
        let maps = GradCheck.input([3, 6, 7, 4], &rng, lo: 0, hi: 1)
        // Shifts up to ±2.5 cells, including moves that push mass over the border; kept off integers,
        // where the bilinear weights have kinks.
        let raw = (0..<(3 * 4 * 2)).map { _ in Float(Int(rng.uniform() * 5) - 2) + 0.15 + 0.7 * rng.uniform() }
        let shifts = try Tensor(raw, shape: [3, 4, 2], requiresGrad: true)
        try GradCheck.check("translate", [maps, shifts], eps: 1e-3, samples: 60) { try Tensor.translate($0[0], by: $0[1]) }
    }
}
