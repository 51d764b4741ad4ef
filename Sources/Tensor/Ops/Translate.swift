import CBLAS
import Common
import Foundation

/// How `Tensor.translate` samples between cells.
public enum TranslateKernel: String, Sendable, CaseIterable {
    /// The four nearest cells, weights (1 − f, f) per axis: a whole-cell move is exact, a fractional one blurs by
    /// f (1 − f) cells² per axis and skews the map towards the nearer cell.
    case bilinear
    /// Sixteen cells, the uniform cubic B-spline's weights per axis: every move blurs by 1/3 cell² per axis, evenly
    /// about the new centroid (see `tk_cubic_weights` in CBLAS/maps.h).
    case cubicBSpline = "bspline"
    /// Sixteen cells, cubic Lagrange weights per axis: no blur to third order (a smooth map moves almost unchanged),
    /// at the price of small negative weights beside the two nearest cells.
    case cubic

    /// The spread the four-tap kernel adds per axis (cells²), for the cubic kinds.
    var cubicSpread: Float { self == .cubicBSpline ? 1.0 / 3 : 0 }
}

/// Sub-cell translation of map channels by bilinear or cubic sampling.
extension Tensor {
    /// Moves every channel map of every sample by its own displacement.
    ///
    /// maps [N, H, W, C] (NHWC), shifts [N, C, 2] as (dx, dy) in cells (+x along a row, +y down the rows):
    /// out[n, y, x, c] = maps[n, ·, ·, c] sampled at (y − dy, x − dx) with `kernel`'s weights, zero outside the map.
    /// Why: an object predictor that moves each object's mask keeps its shape and mass, and only has to
    /// learn the displacement; away from the border the centroid moves by exactly (dx, dy).
    public static func translate(_ maps: Tensor, by shifts: Tensor, kernel: TranslateKernel = .bilinear) throws -> Tensor {
        guard maps.rank == 4, shifts.shape == [maps.shape[0], maps.shape[3], 2] else {
            throw TensorError.shapeMismatch(op: "translate", lhs: maps.shape, rhs: shifts.shape)
        }
        let grid = TranslateGrid(n: maps.shape[0], h: maps.shape[1], w: maps.shape[2], c: maps.shape[3], shifts: shifts.ptr)
        let out = Tensor(result: maps.shape)
        let src = maps.ptr
        translateForward(grid, kernel, src, into: out.ptr)
        return try record(out, "translate", [maps, shifts]) { _, g in
            let gp = g.ptr
            // Both gradients in one pass over the taps.
            let dMaps = maps.requiresGrad ? Tensor(uninitialized: maps.shape) : nil
            let dShifts = shifts.requiresGrad ? Tensor(uninitialized: shifts.shape) : nil
            translateBackward(grid, kernel, src, gp, maps: dMaps?.ptr, shifts: dShifts?.ptr)
            if let dMaps { maps.accumulateGrad(from: dMaps, fresh: true) }
            if let dShifts { shifts.accumulateGrad(from: dShifts, fresh: true) }
        }
    }

    /// out = Σ over the taps of weight × source cell, per sample in parallel (CBLAS/maps.h).
    private static func translateForward(_ grid: TranslateGrid, _ kernel: TranslateKernel, _ src: UnsafeMutablePointer<Float>,
                                         into dst: UnsafeMutablePointer<Float>) {
        let plane = grid.plane, h = Int32(grid.h), w = Int32(grid.w), c = Int32(grid.c)
        let scratchFloats = (kernel == .bilinear ? 2 : 3) * plane
        Parallel.forEach(grid.n) { i in
            grid.withTaps(sample: i) { ox, oy, weights, fractions in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchFloats) { scratch in
                    if kernel == .bilinear {
                        tk_translate_forward(src + i * plane, dst + i * plane, h, w, c, ox, oy, weights, scratch.baseAddress!)
                    } else {
                        tk_cubic_forward(src + i * plane, dst + i * plane, h, w, c, ox, oy, fractions, kernel.cubicSpread,
                                         scratch.baseAddress!)
                    }
                }
            }
        }
    }

    /// Both gradients, each where wanted: the maps' (every output cell's gradient sent back to its taps, into
    /// `maps`, overwritten) and the shifts' (per sample and channel, the sum over cells of the output gradient times
    /// the sample's slope along x and y, written into `shifts`), per sample in parallel (CBLAS/maps.h).
    private static func translateBackward(_ grid: TranslateGrid, _ kernel: TranslateKernel, _ src: UnsafeMutablePointer<Float>,
                                          _ gp: UnsafeMutablePointer<Float>,
                                          maps dm: UnsafeMutablePointer<Float>?, shifts ds: UnsafeMutablePointer<Float>?) {
        let plane = grid.plane, c = grid.c, h = Int32(grid.h), w = Int32(grid.w)
        let scratchFloats = (kernel == .bilinear ? 3 : 5) * plane
        Parallel.forEach(grid.n) { i in
            grid.withTaps(sample: i) { ox, oy, weights, fractions in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchFloats) { scratch in
                    let dmi = dm.map { $0 + i * plane }, dsi = ds.map { $0 + 2 * i * c }
                    if kernel == .bilinear {
                        tk_translate_backward(src + i * plane, gp + i * plane, dmi, dsi, h, w, Int32(c), ox, oy, weights, fractions,
                                              scratch.baseAddress!)
                    } else {
                        tk_cubic_backward(src + i * plane, gp + i * plane, dmi, dsi, h, w, Int32(c), ox, oy, fractions,
                                          kernel.cubicSpread, scratch.baseAddress!)
                    }
                }
            }
        }
    }
}

/// The sizes of a translate, [N, H, W, C] maps, and its shifts [N, C, 2]: the forward pass and both gradients
/// sample the same four taps, so they are worked out here once.
struct TranslateGrid {
    let n: Int, h: Int, w: Int, c: Int
    /// The shifts' values, (dx, dy) per (sample, channel).
    let shifts: UnsafeMutablePointer<Float>
    /// Floats per sample.
    var plane: Int { h * w * c }

    /// Per (sample, channel) `s`: integer offset of the top-left source cell and the fractions.
    func taps(_ s: Int) -> (ox: Int, oy: Int, fx: Float, fy: Float) {
        let tx = -shifts[2 * s], ty = -shifts[2 * s + 1]
        let bx = tx.rounded(.down), by = ty.rounded(.down)
        return (Int(bx), Int(by), tx - bx, ty - by)
    }

    /// Sample `i`'s taps for the C kernels: per channel the integer offsets (x, y), the four weights (w00, w01, w10,
    /// w11) and the fractions (fx, fy).
    func withTaps<R>(sample i: Int, _ body: (UnsafePointer<Int32>, UnsafePointer<Int32>, UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * c) { offsets in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 6 * c) { values in
                for k in 0..<c {
                    let (ox, oy, fx, fy) = taps(i * c + k)
                    // Beyond ±2²⁰ cells every tap is outside the map either way; the bound keeps the C index sums in range.
                    offsets[k] = Int32(max(-1 << 20, min(1 << 20, ox))); offsets[c + k] = Int32(max(-1 << 20, min(1 << 20, oy)))
                    values[4 * k] = (1 - fy) * (1 - fx); values[4 * k + 1] = (1 - fy) * fx
                    values[4 * k + 2] = fy * (1 - fx); values[4 * k + 3] = fy * fx
                    values[4 * c + 2 * k] = fx; values[4 * c + 2 * k + 1] = fy
                }
                let o = UnsafePointer(offsets.baseAddress!), v = UnsafePointer(values.baseAddress!)
                return body(o, o + c, v, v + 4 * c)
            }
        }
    }
}
