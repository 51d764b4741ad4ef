import Common
import Foundation

/// Affine resampling of map channels by bilinear sampling.
extension Tensor {
    /// Moves every channel map of every sample by its own affine map.
    ///
    /// maps [N, H, W, C] (NHWC), transforms [N, C, 6] as (a, b, e, c, d, f): out[n, y, x, k] = maps[n, ·, ·, k]
    /// sampled bilinearly at (a·x + b·y + e, c·x + d·y + f), in cells (+x along a row, +y down the rows), zero
    /// outside the map. Why: a body that turns needs its map turned about its centre, which `translate` (the exact
    /// and cheaper form for pure shifts, whose taps are the same for every cell) cannot do.
    public static func warp(_ maps: Tensor, by transforms: Tensor) throws -> Tensor {
        guard maps.rank == 4, transforms.shape == [maps.shape[0], maps.shape[3], 6] else {
            throw TensorError.shapeMismatch(op: "warp", lhs: maps.shape, rhs: transforms.shape)
        }
        let grid = WarpGrid(n: maps.shape[0], h: maps.shape[1], w: maps.shape[2], c: maps.shape[3], transforms: transforms.ptr)
        let out = Tensor(result: maps.shape)
        let src = maps.ptr, dst = out.ptr
        Parallel.forEach(grid.n) { i in
            let p = src + i * grid.plane, o = dst + i * grid.plane
            for k in 0..<grid.c {
                for y in 0..<grid.h { for x in 0..<grid.w {
                    let t = grid.taps(i, k, y, x)
                    var v: Float = 0
                    if t.i00 >= 0 { v += t.w00 * p[t.i00] }
                    if t.i01 >= 0 { v += t.w01 * p[t.i01] }
                    if t.i10 >= 0 { v += t.w10 * p[t.i10] }
                    if t.i11 >= 0 { v += t.w11 * p[t.i11] }
                    o[(y * grid.w + x) * grid.c + k] = v
                } }
            }
        }
        return try record(out, "warp", [maps, transforms]) { _, g in
            let dMaps = maps.requiresGrad ? Tensor.zeros(maps.shape) : nil
            let dTransforms = transforms.requiresGrad ? Tensor(uninitialized: transforms.shape) : nil
            warpBackward(grid, src, g.ptr, maps: dMaps?.ptr, transforms: dTransforms?.ptr)
            if let dMaps { maps.accumulateGrad(from: dMaps, fresh: true) }
            if let dTransforms { transforms.accumulateGrad(from: dTransforms, fresh: true) }
        }
    }

    /// Both gradients, each where wanted: the maps' (each output cell's gradient scattered onto its four taps, into
    /// zeroed `maps`) and the transforms' (per sample and channel, the output gradient times the bilinear sample's
    /// slope along x and y, times the cell's (x, y, 1), summed over cells, written into `transforms`).
    private static func warpBackward(_ grid: WarpGrid, _ src: UnsafeMutablePointer<Float>, _ gp: UnsafeMutablePointer<Float>,
                                     maps dm: UnsafeMutablePointer<Float>?, transforms dt: UnsafeMutablePointer<Float>?) {
        Parallel.forEach(grid.n) { i in
            let p = src + i * grid.plane, gi = gp + i * grid.plane, di = dm.map { $0 + i * grid.plane }
            for k in 0..<grid.c {
                var sa: Float = 0, sb: Float = 0, se: Float = 0, sc: Float = 0, sd: Float = 0, sf: Float = 0
                for y in 0..<grid.h { for x in 0..<grid.w {
                    let t = grid.taps(i, k, y, x)
                    let gv = gi[(y * grid.w + x) * grid.c + k]
                    if let di {
                        if t.i00 >= 0 { di[t.i00] += t.w00 * gv }
                        if t.i01 >= 0 { di[t.i01] += t.w01 * gv }
                        if t.i10 >= 0 { di[t.i10] += t.w10 * gv }
                        if t.i11 >= 0 { di[t.i11] += t.w11 * gv }
                    }
                    if dt != nil {
                        let p00 = t.i00 >= 0 ? p[t.i00] : 0, p01 = t.i01 >= 0 ? p[t.i01] : 0
                        let p10 = t.i10 >= 0 ? p[t.i10] : 0, p11 = t.i11 >= 0 ? p[t.i11] : 0
                        let sx = gv * ((1 - t.fy) * (p01 - p00) + t.fy * (p11 - p10))
                        let sy = gv * ((1 - t.fx) * (p10 - p00) + t.fx * (p11 - p01))
                        let fx = Float(x), fy = Float(y)
                        sa += sx * fx; sb += sx * fy; se += sx
                        sc += sy * fx; sd += sy * fy; sf += sy
                    }
                } }
                if let dt {
                    let o = dt + 6 * (i * grid.c + k)
                    o[0] = sa; o[1] = sb; o[2] = se; o[3] = sc; o[4] = sd; o[5] = sf
                }
            }
        }
    }
}

/// The sizes of a warp, [N, H, W, C] maps, and its transforms [N, C, 6]: the forward pass and both gradients
/// sample the same four taps, so they are worked out here once.
struct WarpGrid {
    let n: Int, h: Int, w: Int, c: Int
    /// The transforms' values, (a, b, e, c, d, f) per (sample, channel).
    let transforms: UnsafeMutablePointer<Float>
    /// Floats per sample.
    var plane: Int { h * w * c }

    /// The four taps of output cell (y, x) of sample `i`, channel `k`: offsets into the sample's map (−1 outside
    /// it), their bilinear weights, and the fractions.
    @inline(__always)
    func taps(_ i: Int, _ k: Int, _ y: Int, _ x: Int)
        -> (i00: Int, i01: Int, i10: Int, i11: Int, w00: Float, w01: Float, w10: Float, w11: Float, fx: Float, fy: Float) {
        let t = transforms + 6 * (i * c + k), fx0 = Float(x), fy0 = Float(y)
        let sx = t[0] * fx0 + t[1] * fy0 + t[2], sy = t[3] * fx0 + t[4] * fy0 + t[5]
        // Far outside the map: no tap (also keeps Int conversion of huge or non-finite values away).
        guard sx > -2, sy > -2, sx < Float(w + 1), sy < Float(h + 1) else { return (-1, -1, -1, -1, 0, 0, 0, 0, 0, 0) }
        let bx = sx.rounded(.down), by = sy.rounded(.down)
        let fx = sx - bx, fy = sy - by, x0 = Int(bx), y0 = Int(by)
        let r0 = y0 >= 0 && y0 < h, r1 = y0 + 1 >= 0 && y0 + 1 < h
        let c0 = x0 >= 0 && x0 < w, c1 = x0 + 1 >= 0 && x0 + 1 < w
        let base = (y0 * w + x0) * c + k
        return (r0 && c0 ? base : -1, r0 && c1 ? base + c : -1, r1 && c0 ? base + w * c : -1, r1 && c1 ? base + (w + 1) * c : -1,
                (1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx, fx, fy)
    }
}
