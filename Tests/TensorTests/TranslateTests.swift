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

    /// A 12×12 map with a 2×2 blob of mass 1 at cells (5…6, 5…6).
    private static let side = 12
    private static let blobValues: [Float] = {
        var values = [Float](repeating: 0, count: side * side)
        for (y, x, v) in [(5, 5, 0.2), (5, 6, 0.3), (6, 5, 0.1), (6, 6, 0.4)] as [(Int, Int, Float)] { values[y * side + x] = v }
        return values
    }()

    /// Mass and centroid (x, y) of a 12×12 map.
    private static func moments(_ a: [Float]) -> (Double, Double, Double) {
        var m = 0.0, mx = 0.0, my = 0.0
        for y in 0..<side { for x in 0..<side { let v = Double(a[y * side + x]); m += v; mx += v * Double(x); my += v * Double(y) } }
        return (m, mx / m, my / m)
    }

    func testFractionalShiftMovesCentroidAndKeepsMass() throws {
        let maps = try Tensor(Self.blobValues, shape: [1, Self.side, Self.side, 1])
        let before = Self.moments(Self.blobValues)
        let after = Self.moments(try Tensor.translate(maps, by: Tensor([1.3, -2.6], shape: [1, 1, 2])).scalars)
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

    func testCubicGradients() throws {
        for kernel in [TranslateKernel.cubicBSpline, .cubic] {
            var rng = RNG(seed: 78)
            let maps = GradCheck.input([3, 6, 7, 4], &rng, lo: 0, hi: 1)
            // Shifts up to ±2.5 cells, some pushing mass over the border; off integers, where the weights' slopes
            // (Lagrange) or third derivatives (B-spline) jump.
            let raw = (0..<(3 * 4 * 2)).map { _ in Float(Int(rng.uniform() * 5) - 2) + 0.15 + 0.7 * rng.uniform() }
            let shifts = try Tensor(raw, shape: [3, 4, 2], requiresGrad: true)
            try GradCheck.check("translate \(kernel)", [maps, shifts], eps: 1e-3, samples: 60) {
                try Tensor.translate($0[0], by: $0[1], kernel: kernel)
            }
        }
    }

    func testCubicMovesCentroidKeepsMassAndIsContinuousAcrossWholeCells() throws {
        let n = Self.side, values = Self.blobValues
        let maps = try Tensor(values, shape: [1, n, n, 1])
        let before = Self.moments(values)
        for kernel in [TranslateKernel.cubicBSpline, .cubic] {
            let after = Self.moments(try Tensor.translate(maps, by: Tensor([1.3, -2.6], shape: [1, 1, 2]), kernel: kernel).scalars)
            XCTAssertEqual(after.0, before.0, accuracy: 1e-5, "\(kernel): mass is kept away from the border")
            XCTAssertEqual(after.1 - before.1, 1.3, accuracy: 1e-5, "\(kernel)")
            XCTAssertEqual(after.2 - before.2, -2.6, accuracy: 1e-5, "\(kernel)")
            // A move of 1 − ε and one of 1 + ε give (nearly) the same map: the weights join up at whole cells.
            let below = try Tensor.translate(maps, by: Tensor([0.9999, 0], shape: [1, 1, 2]), kernel: kernel).scalars
            let above = try Tensor.translate(maps, by: Tensor([1.0001, 0], shape: [1, 1, 2]), kernel: kernel).scalars
            for i in below.indices { XCTAssertEqual(below[i], above[i], accuracy: 1e-3, "\(kernel)") }
        }
        // Lagrange weights move by a whole cell exactly (the B-spline's blur even then).
        let whole = try Tensor.translate(maps, by: Tensor([2, -1], shape: [1, 1, 2]), kernel: .cubic).scalars
        for y in 0..<n { for x in 0..<n {
            XCTAssertEqual(whole[y * n + x], y + 1 < n && x >= 2 ? values[(y + 1) * n + x - 2] : 0, accuracy: 1e-6)
        } }
    }

    /// Why the cubic kernels exist: a blob moved five times by a fraction of a cell should still be nearest, in L2,
    /// to the blob drawn where it went, not to the one drawn a step earlier. Bilinear moves skew it towards the
    /// nearer cell, so its peak trails and the earlier frame often wins; cubic moves keep it symmetric.
    func testRepeatedCubicMovesKeepTheMapOnTime() throws {
        let n = 16
        func blob(_ cx: Double, _ cy: Double) -> [Float] {
            var v = [Float](repeating: 0, count: n * n)
            for y in 0..<n { for x in 0..<n { v[y * n + x] = Float(exp(-(pow(Double(x) - cx, 2) + pow(Double(y) - cy, 2)) / 1.62)) } }
            let s = v.reduce(0, +); return v.map { $0 / s }
        }
        func late(_ kernel: TranslateKernel) throws -> Int {
            var rng = RNG(seed: 5)
            var count = 0
            for _ in 0..<60 {
                let speed = 0.15 + 0.3 * Double(rng.uniform()), angle = 2 * Double.pi * Double(rng.uniform())
                let vx = speed * cos(angle), vy = speed * sin(angle)
                let x0 = 6 + 3 * Double(rng.uniform()), y0 = 6 + 3 * Double(rng.uniform())
                var p = try Tensor(blob(x0, y0), shape: [1, n, n, 1])
                let shift = try Tensor([Float(vx), Float(vy)], shape: [1, 1, 2])
                for _ in 0..<5 { p = try Tensor.translate(p, by: shift, kernel: kernel) }
                func distance(_ k: Double) -> Double {
                    zip(p.scalars, blob(x0 + k * vx, y0 + k * vy)).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
                }
                if distance(4) <= distance(5) { count += 1 }
            }
            return count
        }
        XCTAssertEqual(try late(.cubicBSpline), 0, "B-spline moves stay on time")
        XCTAssertEqual(try late(.cubic), 0, "cubic Lagrange moves stay on time")
        XCTAssertGreaterThan(try late(.bilinear), 10, "bilinear moves fall a step behind in a sizeable share")
    }
}
