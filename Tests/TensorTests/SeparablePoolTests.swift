import XCTest
@testable import Tensor

/// `Tensor.separablePool` and Gaussian pooling weights: box pooling reproduced, mass kept, centroids
/// mapped linearly, and the gradient against finite differences.
final class SeparablePoolTests: XCTestCase {
    func testBoxWeightsMatchAveragePooling() throws {
        var rng = RNG(seed: 5)
        let x = Tensor.uniform([2, 8, 12, 3], low: -1, high: 1, rng: &rng)
        func box(_ inputs: Int, _ factor: Int) -> Tensor.PoolingAxis {
            var w = [Float](repeating: 0, count: inputs / factor * inputs)
            for o in 0..<(inputs / factor) { for i in (o * factor)..<((o + 1) * factor) { w[o * inputs + i] = 1 / Float(factor) } }
            return Tensor.PoolingAxis(outputs: inputs / factor, inputs: inputs, weights: w)
        }
        let pooled = try Tensor.separablePool(x, rows: box(8, 4), cols: box(12, 4)).scalars
        let reference = try x.reshaped([2, 2, 4, 3, 4, 3]).mean(axes: [2, 4]).scalars
        XCTAssertEqual(pooled.count, reference.count)
        for (a, b) in zip(pooled, reference) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testGaussianPoolingKeepsMassAndMapsCentroidsLinearly() throws {
        let axis = Tensor.PoolingAxis.gaussian(inputs: 64, factor: 4, sigma: 3)
        XCTAssertEqual(axis.outputs, 16)
        // Every input's weights over the outputs sum to 1 (mass is kept)…
        var columnSums = [Double](repeating: 0, count: 64)
        var centroid = [Double](repeating: 0, count: 64)
        for (o, taps) in axis.taps.enumerated() { for (i, w) in taps { columnSums[i] += Double(w); centroid[i] += Double(w) * Double(o) } }
        for i in 0..<64 { XCTAssertEqual(columnSums[i], 1, accuracy: 1e-5, "input \(i)") }
        // …and away from the border an input at pixel i lands at cell (i + ½)/4 − ½ on average, to within
        // 1 % of a cell (the truncated, renormalised Gaussian wobbles slightly with the pixel's phase).
        for i in 12..<52 { XCTAssertEqual(centroid[i], (Double(i) + 0.5) / 4 - 0.5, accuracy: 0.01, "input \(i)") }
        // A one-pixel dot spreads over several cells (the point of the smoothing).
        var dot = [Float](repeating: 0, count: 64 * 64)
        dot[30 * 64 + 30] = 1
        let pooled = try Tensor.separablePool(Tensor(dot, shape: [1, 64, 64, 1]), rows: axis, cols: axis).scalars
        XCTAssertEqual(pooled.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertGreaterThan(pooled.filter { $0 > 0.01 }.count, 4)
    }

    func testShapeMismatchIsAnError() {
        let axis = Tensor.PoolingAxis.gaussian(inputs: 16, factor: 4, sigma: 2)
        XCTAssertThrowsError(try Tensor.separablePool(Tensor.zeros([1, 12, 16, 2]), rows: axis, cols: axis))
        XCTAssertThrowsError(try Tensor.separablePool(Tensor.zeros([16, 16, 2]), rows: axis, cols: axis))
    }

    func testGradient() throws {
        var rng = RNG(seed: 9)
        let rows = Tensor.PoolingAxis.gaussian(inputs: 12, factor: 3, sigma: 1.5)
        let cols = Tensor.PoolingAxis.gaussian(inputs: 8, factor: 2, sigma: 1)
        let x = GradCheck.input([2, 12, 8, 3], &rng)
        try GradCheck.check("separablePool", [x], samples: 60) { try Tensor.separablePool($0[0], rows: rows, cols: cols) }
    }
}
