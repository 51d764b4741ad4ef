import CBLAS
import Common
import Foundation

/// Sub-cell translation of map channels by bilinear sampling.
extension Tensor {
    /// Moves every channel map of every sample by its own displacement.
    ///
    /// maps [N, H, W, C] (NHWC), shifts [N, C, 2] as (dx, dy) in cells (+x along a row, +y down the rows):
    /// out[n, y, x, c] = maps[n, ·, ·, c] sampled bilinearly at (y − dy, x − dx), zero outside the map.
    /// Why: an object predictor that moves each object's mask keeps its shape and mass, and only has to
    /// learn the displacement; away from the border the centroid moves by exactly (dx, dy).
    public static func translate(_ maps: Tensor, by shifts: Tensor) throws -> Tensor {
        guard maps.rank == 4, shifts.shape == [maps.shape[0], maps.shape[3], 2] else {
            throw TensorError.shapeMismatch(op: "translate", lhs: maps.shape, rhs: shifts.shape)
        }
        let grid = TranslateGrid(n: maps.shape[0], h: maps.shape[1], w: maps.shape[2], c: maps.shape[3], shifts: shifts.ptr)
        let out = Tensor(result: maps.shape)
        let src = maps.ptr
        translateForward(grid, src, into: out.ptr)
        return try record(out, "translate", [maps, shifts]) { _, g in
            let gp = g.ptr
            // Both gradients in one pass over the taps.
            let dMaps = maps.requiresGrad ? Tensor.zeros(maps.shape) : nil
            let dShifts = shifts.requiresGrad ? Tensor(uninitialized: shifts.shape) : nil
            translateBackward(grid, src, gp, maps: dMaps?.ptr, shifts: dShifts?.ptr)
            if let dMaps { maps.accumulateGrad(from: dMaps, fresh: true) }
            if let dShifts { shifts.accumulateGrad(from: dShifts, fresh: true) }
        }
    }

    /// out = Σ over the four taps of weight × source cell, per sample in parallel (CBLAS/maps.h).
    private static func translateForward(_ grid: TranslateGrid, _ src: UnsafeMutablePointer<Float>,
                                         into dst: UnsafeMutablePointer<Float>) {
        let c = grid.c, plane = grid.plane
        Parallel.forEach(grid.n) { i in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * c) { offsets in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * c) { weights in
                    for k in 0..<c {
                        let (ox, oy, fx, fy) = grid.taps(i * c + k)
                        // Beyond ±2²⁰ cells every tap is outside the map either way; the bound keeps the C index sums in range.
                        offsets[k] = Int32(max(-1 << 20, min(1 << 20, ox))); offsets[c + k] = Int32(max(-1 << 20, min(1 << 20, oy)))
                        weights[4 * k] = (1 - fy) * (1 - fx); weights[4 * k + 1] = (1 - fy) * fx
                        weights[4 * k + 2] = fy * (1 - fx); weights[4 * k + 3] = fy * fx
                    }
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * plane) { scratch in
                        tk_translate_forward(src + i * plane, dst + i * plane, Int32(grid.h), Int32(grid.w), Int32(c),
                                             offsets.baseAddress!, offsets.baseAddress! + c, weights.baseAddress!, scratch.baseAddress!)
                    }
                }
            }
        }
    }

    /// Both gradients, each where wanted: the maps' (every output cell's gradient scattered back onto its four
    /// taps, into zeroed `maps`) and the shifts' (per sample and channel, the sum over cells of the output
    /// gradient times the bilinear sample's slope along x and y, written into `shifts`).
    private static func translateBackward(_ grid: TranslateGrid, _ src: UnsafeMutablePointer<Float>, _ gp: UnsafeMutablePointer<Float>,
                                          maps dm: UnsafeMutablePointer<Float>?, shifts ds: UnsafeMutablePointer<Float>?) {
        let h = grid.h, w = grid.w, c = grid.c, plane = grid.plane
        Parallel.forEach(grid.n) { i in
            let p = src + i * plane, gi = gp + i * plane, di = dm.map { $0 + i * plane }
            for k in 0..<c {
                let (ox, oy, fx, fy) = grid.taps(i * c + k)
                let w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx), w11 = fy * fx
                var gx: Float = 0, gy: Float = 0
                for y in 0..<h { for x in 0..<w {
                    let (i00, i01, i10, i11) = grid.corners(y, x, ox, oy)
                    let gv = gi[(y * w + x) * c + k]
                    if let di {
                        if i00 >= 0 { di[i00 + k] += w00 * gv }
                        if i01 >= 0 { di[i01 + k] += w01 * gv }
                        if i10 >= 0 { di[i10 + k] += w10 * gv }
                        if i11 >= 0 { di[i11 + k] += w11 * gv }
                    }
                    if ds != nil {
                        let p00 = i00 >= 0 ? p[i00 + k] : 0, p01 = i01 >= 0 ? p[i01 + k] : 0
                        let p10 = i10 >= 0 ? p[i10 + k] : 0, p11 = i11 >= 0 ? p[i11 + k] : 0
                        // out = Σ w·p with fx = frac(−dx), fy = frac(−dy): d/d(dx) = −d/d(fx).
                        gx -= gv * ((1 - fy) * (p01 - p00) + fy * (p11 - p10))
                        gy -= gv * ((1 - fx) * (p10 - p00) + fx * (p11 - p01))
                    }
                } }
                if let ds { ds[2 * (i * c + k)] = gx; ds[2 * (i * c + k) + 1] = gy }
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

    /// Offsets of the four taps of output cell (y, x) in a sample's map (channel 0), −1 outside the map.
    @inline(__always) func corners(_ y: Int, _ x: Int, _ ox: Int, _ oy: Int) -> (Int, Int, Int, Int) {
        let y0 = y + oy, x0 = x + ox
        let r0 = y0 >= 0 && y0 < h, r1 = y0 + 1 >= 0 && y0 + 1 < h
        let c0 = x0 >= 0 && x0 < w, c1 = x0 + 1 >= 0 && x0 + 1 < w
        let base = (y0 * w + x0) * c
        return (r0 && c0 ? base : -1, r0 && c1 ? base + c : -1, r1 && c0 ? base + w * c : -1, r1 && c1 ? base + (w + 1) * c : -1)
    }
}
