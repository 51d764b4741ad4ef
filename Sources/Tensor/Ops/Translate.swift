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
        let n = maps.shape[0], h = maps.shape[1], w = maps.shape[2], c = maps.shape[3]
        let out = Tensor(result: maps.shape)
        let src = maps.ptr, dst = out.ptr, sh = shifts.ptr
        let plane = h * w * c
        // Per (sample, channel): integer offset of the top-left source cell and the fractions.
        func taps(_ s: Int) -> (ox: Int, oy: Int, fx: Float, fy: Float) {
            let tx = -sh[2 * s], ty = -sh[2 * s + 1]
            let bx = tx.rounded(.down), by = ty.rounded(.down)
            return (Int(bx), Int(by), tx - bx, ty - by)
        }
        Parallel.forEach(n) { i in
            let p = src + i * plane, o = dst + i * plane
            for k in 0..<c {
                let (ox, oy, fx, fy) = taps(i * c + k)
                let w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx), w11 = fy * fx
                for y in 0..<h {
                    let y0 = y + oy, y1 = y0 + 1
                    let r0 = y0 >= 0 && y0 < h, r1 = y1 >= 0 && y1 < h
                    for x in 0..<w {
                        let x0 = x + ox, x1 = x0 + 1
                        let c0 = x0 >= 0 && x0 < w, c1 = x1 >= 0 && x1 < w
                        var v: Float = 0
                        if r0 && c0 { v += w00 * p[(y0 * w + x0) * c + k] }
                        if r0 && c1 { v += w01 * p[(y0 * w + x1) * c + k] }
                        if r1 && c0 { v += w10 * p[(y1 * w + x0) * c + k] }
                        if r1 && c1 { v += w11 * p[(y1 * w + x1) * c + k] }
                        o[(y * w + x) * c + k] = v
                    }
                }
            }
        }
        return try record(out, "translate", [maps, shifts]) { _, g in
            let gp = g.ptr
            if maps.requiresGrad {
                maps.accumulateGrad { d, acc in
                    if !acc { d.update(repeating: 0, count: maps.count) }
                    Parallel.forEach(n) { i in
                        let gi = gp + i * plane, di = d + i * plane
                        for k in 0..<c {
                            let (ox, oy, fx, fy) = taps(i * c + k)
                            let w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx), w11 = fy * fx
                            for y in 0..<h {
                                let y0 = y + oy, y1 = y0 + 1
                                let r0 = y0 >= 0 && y0 < h, r1 = y1 >= 0 && y1 < h
                                for x in 0..<w {
                                    let x0 = x + ox, x1 = x0 + 1
                                    let c0 = x0 >= 0 && x0 < w, c1 = x1 >= 0 && x1 < w
                                    let gv = gi[(y * w + x) * c + k]
                                    if r0 && c0 { di[(y0 * w + x0) * c + k] += w00 * gv }
                                    if r0 && c1 { di[(y0 * w + x1) * c + k] += w01 * gv }
                                    if r1 && c0 { di[(y1 * w + x0) * c + k] += w10 * gv }
                                    if r1 && c1 { di[(y1 * w + x1) * c + k] += w11 * gv }
                                }
                            }
                        }
                    }
                }
            }
            if shifts.requiresGrad {
                shifts.accumulateGrad { d, acc in
                    Parallel.forEach(n) { i in
                        let p = src + i * plane, gi = gp + i * plane
                        for k in 0..<c {
                            let (ox, oy, fx, fy) = taps(i * c + k)
                            var gx: Float = 0, gy: Float = 0
                            for y in 0..<h {
                                let y0 = y + oy, y1 = y0 + 1
                                let r0 = y0 >= 0 && y0 < h, r1 = y1 >= 0 && y1 < h
                                for x in 0..<w {
                                    let x0 = x + ox, x1 = x0 + 1
                                    let c0 = x0 >= 0 && x0 < w, c1 = x1 >= 0 && x1 < w
                                    let p00 = r0 && c0 ? p[(y0 * w + x0) * c + k] : 0
                                    let p01 = r0 && c1 ? p[(y0 * w + x1) * c + k] : 0
                                    let p10 = r1 && c0 ? p[(y1 * w + x0) * c + k] : 0
                                    let p11 = r1 && c1 ? p[(y1 * w + x1) * c + k] : 0
                                    let gv = gi[(y * w + x) * c + k]
                                    // out = Σ w·p with fx = frac(−dx), fy = frac(−dy): d/d(dx) = −d/d(fx).
                                    gx -= gv * ((1 - fy) * (p01 - p00) + fy * (p11 - p10))
                                    gy -= gv * ((1 - fx) * (p10 - p00) + fx * (p11 - p01))
                                }
                            }
                            let s = 2 * (i * c + k)
                            if acc { d[s] += gx; d[s + 1] += gy } else { d[s] = gx; d[s + 1] = gy }
                        }
                    }
                }
            }
        }
    }
}
