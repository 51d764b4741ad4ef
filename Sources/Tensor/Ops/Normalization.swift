import Common
import Foundation

/// LayerNorm and softmax over the last axis, each a single fused op with its own backward.
extension Tensor {
    /// (x − mean) / sqrt(var + eps) · gamma + beta over the last axis (biased variance, as in PyTorch).
    public static func layerNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        guard x.rank >= 1 else { throw TensorError.invalidArgument(op: "layerNorm", message: "needs rank ≥ 1, got a scalar") }
        let d = x.shape.last!, rows = x.count / max(d, 1)
        if let gamma, gamma.shape != [d] { throw TensorError.shapeMismatch(op: "layerNorm(gamma)", lhs: x.shape, rhs: gamma.shape) }
        if let beta, beta.shape != [d] { throw TensorError.shapeMismatch(op: "layerNorm(beta)", lhs: x.shape, rhs: beta.shape) }
        let out = Tensor(result: x.shape)
        let xhat = Tensor(uninitialized: x.shape)     // normalised input, kept for backward
        let rstd = Tensor(uninitialized: [rows])
        let xp = x.ptr, yp = out.ptr, hp = xhat.ptr, rp = rstd.ptr
        let gp = gamma?.ptr, bp = beta?.ptr
        Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(d, 1))) { s, e in
            for r in s..<e {
                let xr = xp + r * d, hr = hp + r * d, yr = yp + r * d
                var mean: Float = 0
                for j in 0..<d { mean += xr[j] }
                mean /= Float(d)
                var v: Float = 0
                for j in 0..<d { let c = xr[j] - mean; v += c * c }
                let rs = 1 / (v / Float(d) + eps).squareRoot()
                rp[r] = rs
                for j in 0..<d {
                    let h = (xr[j] - mean) * rs
                    hr[j] = h
                    yr[j] = h * (gp?[j] ?? 1) + (bp?[j] ?? 0)
                }
            }
        }
        let inputs = [x] + [gamma, beta].compactMap { $0 }
        return try record(out, "layerNorm", inputs) { [xhat, rstd] _, g in
            withExtendedLifetime((xhat, rstd)) {}
            let dy = g.ptr
            if let gamma, gamma.requiresGrad {
                gamma.accumulateGrad { dg, acc in
                    if !acc { dg.initialize(repeating: 0, count: d) }
                    for r in 0..<rows { let gr = dy + r * d, hr = hp + r * d; for j in 0..<d { dg[j] += gr[j] * hr[j] } }
                }
            }
            if let beta, beta.requiresGrad {
                beta.accumulateGrad { db, acc in reduceSum(dy, [rows, d], into: db, [d], accumulate: acc) }
            }
            if x.requiresGrad {
                x.accumulateGrad { dx, acc in
                    Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(d, 1))) { s, e in
                        for r in s..<e {
                            let gr = dy + r * d, hr = hp + r * d, dr = dx + r * d
                            var m1: Float = 0, m2: Float = 0
                            for j in 0..<d { let dh = gr[j] * (gp?[j] ?? 1); m1 += dh; m2 += dh * hr[j] }
                            m1 /= Float(d); m2 /= Float(d)
                            let rs = rp[r]
                            for j in 0..<d {
                                let v = rs * (gr[j] * (gp?[j] ?? 1) - m1 - hr[j] * m2)
                                if acc { dr[j] += v } else { dr[j] = v }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Softmax over the last axis (max-subtracted for stability).
    public func softmax() throws -> Tensor {
        guard rank >= 1 else { throw TensorError.invalidArgument(op: "softmax", message: "needs rank ≥ 1, got a scalar") }
        let d = shape.last!, rows = count / max(d, 1)
        let out = Tensor(result: shape)
        let xp = ptr, yp = out.ptr
        Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(d, 1))) { s, e in
            for r in s..<e {
                let xr = xp + r * d, yr = yp + r * d
                var m = -Float.infinity
                for j in 0..<d { m = Swift.max(m, xr[j]) }
                var z: Float = 0
                for j in 0..<d { let v = expf(xr[j] - m); yr[j] = v; z += v }
                let inv = 1 / z
                for j in 0..<d { yr[j] *= inv }
            }
        }
        return try Tensor.record(out, "softmax", [self]) { [self] out, g in
            let gp = g.ptr, yp = out.ptr
            accumulateGrad { dx, acc in
                for r in 0..<rows {
                    let gr = gp + r * d, yr = yp + r * d, dr = dx + r * d
                    var dot: Float = 0
                    for j in 0..<d { dot += gr[j] * yr[j] }
                    for j in 0..<d { let v = yr[j] * (gr[j] - dot); if acc { dr[j] += v } else { dr[j] = v } }
                }
            }
        }
    }
}
