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

/// Sub-cell translation of map channels by bilinear or cubic B-spline sampling.
extension Tensor {
    /// Moves every channel map of every sample by its own displacement.
    ///
    /// maps [N, H, W, C] (NHWC), shifts [N, C, 2] as (dx, dy) in cells (+x along a row, +y down the rows):
    /// out[n, y, x, c] = maps[n, ·, ·, c] sampled bilinearly at (y − dy, x − dx), zero outside the map.
    /// Why: an object predictor that moves each object's mask keeps its shape and mass, and only has to
    /// learn the displacement; away from the border the centroid moves by exactly (dx, dy).
    /// `kernel` says how it samples between cells (bilinear by default).
    public static func translate(_ maps: Tensor, by shifts: Tensor, kernel: TranslateKernel = .bilinear) throws -> Tensor {
        guard maps.rank == 4, shifts.shape == [maps.shape[0], maps.shape[3], 2] else {
            throw TensorError.shapeMismatch(op: "translate", lhs: maps.shape, rhs: shifts.shape)
        }
        if kernel != .bilinear { return try translateCubic(maps, by: shifts, spread: kernel.cubicSpread) }
        let grid = TranslateGrid(n: maps.shape[0], h: maps.shape[1], w: maps.shape[2], c: maps.shape[3], shifts: shifts.ptr)
        let out = Tensor(result: maps.shape)
        let src = maps.ptr
        translateForward(grid, src, into: out.ptr)
        return try record(out, "translate", [maps, shifts]) { _, g in
            let gp = g.ptr
            // Both gradients in one pass over the taps.
            let dMaps = maps.requiresGrad ? Tensor(uninitialized: maps.shape) : nil
            let dShifts = shifts.requiresGrad ? Tensor(uninitialized: shifts.shape) : nil
            translateBackward(grid, src, gp, maps: dMaps?.ptr, shifts: dShifts?.ptr)
            if let dMaps { maps.accumulateGrad(from: dMaps, fresh: true) }
            if let dShifts { shifts.accumulateGrad(from: dShifts, fresh: true) }
        }
    }

    /// `translate` with a four-tap cubic kernel of the given spread: forward and both gradients in CBLAS/maps.h, per
    /// sample in parallel.
    private static func translateCubic(_ maps: Tensor, by shifts: Tensor, spread: Float) throws -> Tensor {
        let grid = TranslateGrid(n: maps.shape[0], h: maps.shape[1], w: maps.shape[2], c: maps.shape[3], shifts: shifts.ptr)
        let out = Tensor(result: maps.shape)
        let src = maps.ptr, dst = out.ptr, plane = grid.plane
        Parallel.forEach(grid.n) { i in
            grid.withTaps(sample: i) { ox, oy, _, fractions in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * plane) { scratch in
                    tk_cubic_forward(src + i * plane, dst + i * plane, Int32(grid.h), Int32(grid.w), Int32(grid.c),
                                       ox, oy, fractions, spread, scratch.baseAddress!)
                }
            }
        }
        return try record(out, "translate", [maps, shifts]) { _, g in
            let gp = g.ptr
            let dMaps = maps.requiresGrad ? Tensor(uninitialized: maps.shape) : nil
            let dShifts = shifts.requiresGrad ? Tensor(uninitialized: shifts.shape) : nil
            let dm = dMaps?.ptr, ds = dShifts?.ptr, c = grid.c
            Parallel.forEach(grid.n) { i in
                grid.withTaps(sample: i) { ox, oy, _, fractions in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: 5 * plane) { scratch in
                        tk_cubic_backward(src + i * plane, gp + i * plane, dm.map { $0 + i * plane }, ds.map { $0 + 2 * i * c },
                                            Int32(grid.h), Int32(grid.w), Int32(c), ox, oy, fractions, spread, scratch.baseAddress!)
                    }
                }
            }
            if let dMaps { maps.accumulateGrad(from: dMaps, fresh: true) }
            if let dShifts { shifts.accumulateGrad(from: dShifts, fresh: true) }
        }
    }

    /// out = Σ over the four taps of weight × source cell, per sample in parallel (CBLAS/maps.h).
    private static func translateForward(_ grid: TranslateGrid, _ src: UnsafeMutablePointer<Float>,
                                         into dst: UnsafeMutablePointer<Float>) {
        let plane = grid.plane
        Parallel.forEach(grid.n) { i in
            grid.withTaps(sample: i) { ox, oy, weights, _ in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * plane) { scratch in
                    tk_translate_forward(src + i * plane, dst + i * plane, Int32(grid.h), Int32(grid.w), Int32(grid.c),
                                         ox, oy, weights, scratch.baseAddress!)
                }
            }
        }
    }

    /// Both gradients, each where wanted: the maps' (every output cell's gradient sent back to its four taps, into
    /// `maps`, overwritten) and the shifts' (per sample and channel, the sum over cells of the output gradient times
    /// the bilinear sample's slope along x and y, written into `shifts`), per sample in parallel (CBLAS/maps.h).
    private static func translateBackward(_ grid: TranslateGrid, _ src: UnsafeMutablePointer<Float>, _ gp: UnsafeMutablePointer<Float>,
                                          maps dm: UnsafeMutablePointer<Float>?, shifts ds: UnsafeMutablePointer<Float>?) {
        let plane = grid.plane, c = grid.c
        Parallel.forEach(grid.n) { i in
            grid.withTaps(sample: i) { ox, oy, weights, fractions in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * plane) { scratch in
                    tk_translate_backward(src + i * plane, gp + i * plane, dm.map { $0 + i * plane }, ds.map { $0 + 2 * i * c },
                                          Int32(grid.h), Int32(grid.w), Int32(c), ox, oy, weights, fractions, scratch.baseAddress!)
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
