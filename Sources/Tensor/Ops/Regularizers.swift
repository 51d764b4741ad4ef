import Common
import Foundation

/// Anti-collapse regularisers on a batch of latents z [N, D]: VICReg's variance and covariance terms
/// (Bardes et al.) and LeJEPA's SIGReg (Epps–Pulley normality test over random 1-D projections).
extension Tensor {
    /// Centres the columns of z [N, D]: returns (centred copy, N, D).
    static func centredColumns(_ z: Tensor, op: String) throws -> (Tensor, Int, Int) {
        guard z.rank == 2, z.shape[0] >= 2 else {
            throw TensorError.invalidArgument(op: op, message: "needs a batch [N ≥ 2, D], got shape \(z.shape)")
        }
        let n = z.shape[0], d = z.shape[1]
        let mean = [Float](unsafeUninitializedCapacity: d) { buf, c in
            buf.initialize(repeating: 0)
            reduceSum(z.ptr, [n, d], into: buf.baseAddress!, [d], accumulate: true)
            for j in 0..<d { buf[j] /= Float(n) }
            c = d
        }
        let xc = Tensor(uninitialized: [n, d])
        let zp = z.ptr, cp = xc.ptr
        for i in 0..<n { for j in 0..<d { cp[i * d + j] = zp[i * d + j] - mean[j] } }
        return (xc, n, d)
    }

    /// VICReg variance term: mean over dimensions of relu(gamma − sqrt(var + eps)), unbiased variance per
    /// dimension over the batch. Pushes every latent dimension's spread up to gamma.
    public static func vicregVariance(_ z: Tensor, gamma: Float = 1, eps: Float = 1e-4) throws -> Tensor {
        let (xc, n, d) = try centredColumns(z, op: "vicregVariance")
        var std = [Float](repeating: 0, count: d)
        let cp = xc.ptr
        for i in 0..<n { for j in 0..<d { std[j] += cp[i * d + j] * cp[i * d + j] } }
        var loss: Float = 0
        for j in 0..<d {
            std[j] = (std[j] / Float(n - 1) + eps).squareRoot()
            loss += Swift.max(gamma - std[j], 0)
        }
        let out = Tensor(result: [])
        out.ptr[0] = loss / Float(d)
        return try record(out, "vicregVariance", [z]) { [xc] _, g in
            withExtendedLifetime(xc) {}
            let gv = g.ptr[0]
            var coef = [Float](repeating: 0, count: d)
            for j in 0..<d where gamma - std[j] > 0 { coef[j] = -gv / Float(d) / (Float(n - 1) * std[j]) }
            z.accumulateGrad { dz, acc in
                for i in 0..<n {
                    for j in 0..<d {
                        let v = coef[j] * cp[i * d + j]
                        if acc { dz[i * d + j] += v } else { dz[i * d + j] = v }
                    }
                }
            }
        }
    }

    /// VICReg covariance term: sum of squared off-diagonal entries of the batch covariance, divided by D.
    /// Decorrelates latent dimensions.
    public static func vicregCovariance(_ z: Tensor) throws -> Tensor {
        let (xc, n, d) = try centredColumns(z, op: "vicregCovariance")
        let cov = Tensor(uninitialized: [d, d])
        BLAS.gemm(transA: true, transB: false, m: d, n: d, k: n, alpha: 1 / Float(n - 1), a: xc.ptr, lda: d,
                  b: xc.ptr, ldb: d, beta: 0, c: cov.ptr, ldc: d)
        let c = cov.ptr
        var loss: Double = 0
        for i in 0..<d { for j in 0..<d where i != j { loss += Double(c[i * d + j] * c[i * d + j]) } }
        let out = Tensor(result: [])
        out.ptr[0] = Float(loss / Double(d))
        return try record(out, "vicregCovariance", [z]) { [xc, cov] _, g in
            withExtendedLifetime(cov) {}
            // dL/dC = 2·C_offdiag / D ; dL/dXc = Xc · (dL/dC + dL/dCᵀ) / (N − 1) = 2 Xc·G/(N−1).
            let scale = g.ptr[0] * 2 / Float(d)
            let gmat = Tensor(uninitialized: [d, d])
            let gp = gmat.ptr
            for i in 0..<d { for j in 0..<d { gp[i * d + j] = i == j ? 0 : scale * c[i * d + j] } }
            let dxc = Tensor(uninitialized: [n, d])
            BLAS.gemm(transA: false, transB: false, m: n, n: d, k: d, alpha: 2 / Float(n - 1), a: xc.ptr, lda: d,
                      b: gp, ldb: d, beta: 0, c: dxc.ptr, ldc: d)
            // Through the centring: subtract each column's mean gradient.
            let dp = dxc.ptr
            var colMean = [Float](repeating: 0, count: d)
            for i in 0..<n { for j in 0..<d { colMean[j] += dp[i * d + j] } }
            for j in 0..<d { colMean[j] /= Float(n) }
            z.accumulateGrad { dz, acc in
                for i in 0..<n {
                    for j in 0..<d {
                        let v = dp[i * d + j] - colMean[j]
                        if acc { dz[i * d + j] += v } else { dz[i * d + j] = v }
                    }
                }
            }
        }
    }

    /// Epps–Pulley statistic of each column of h [N, K] against a standard normal, averaged over columns:
    /// N · ∫ |φ̂(t) − e^{−t²/2}|² e^{−t²/2} dt by the trapezoid rule on `knots` points of [0, tMax]
    /// (the integrand is even, so the half-line weights are doubled), as in LeJEPA's reference code.
    public static func eppsPulley(_ h: Tensor, knots: Int = 17, tMax: Float = 3) throws -> Tensor {
        guard h.rank == 2, h.shape[0] >= 1 else {
            throw TensorError.invalidArgument(op: "eppsPulley", message: "needs samples [N, K], got shape \(h.shape)")
        }
        guard knots >= 2, tMax > 0 else {
            throw TensorError.invalidArgument(op: "eppsPulley", message: "needs knots ≥ 2 and tMax > 0, got \(knots), \(tMax)")
        }
        let n = h.shape[0], kk = h.shape[1]
        let dt = tMax / Float(knots - 1)
        let t = (0..<knots).map { Float($0) * dt }
        let phi = t.map { expf(-$0 * $0 / 2) }
        let w = (0..<knots).map { i in (i == 0 || i == knots - 1 ? dt : 2 * dt) * phi[i] }
        // C[k, t], S[k, t]: empirical characteristic function, real and imaginary parts.
        var cs = [Float](repeating: 0, count: kk * knots)
        var sn = [Float](repeating: 0, count: kk * knots)
        let hp = h.ptr
        cs.withUnsafeMutableBufferPointer { cb in
            sn.withUnsafeMutableBufferPointer { sb in
                let cpp = cb.baseAddress!, spp = sb.baseAddress!
                Parallel.forEach(kk) { k in
                    for i in 0..<n {
                        // cos/sin of x·t on the evenly spaced knots by the angle-addition recurrence: two
                        // trigonometric calls per sample instead of two per knot.
                        let x = hp[i * kk + k]
                        let c1 = cosf(x * dt), s1 = sinf(x * dt)
                        var c: Float = 1, sn: Float = 0
                        for ti in 0..<knots {
                            cpp[k * knots + ti] += c
                            spp[k * knots + ti] += sn
                            (c, sn) = (c * c1 - sn * s1, sn * c1 + c * s1)
                        }
                    }
                    for ti in 0..<knots { cpp[k * knots + ti] /= Float(n); spp[k * knots + ti] /= Float(n) }
                }
            }
        }
        var total: Double = 0
        for k in 0..<kk {
            for ti in 0..<knots {
                let c = cs[k * knots + ti] - phi[ti], s = sn[k * knots + ti]
                total += Double(w[ti] * (c * c + s * s))
            }
        }
        let out = Tensor(result: [])
        out.ptr[0] = Float(total * Double(n) / Double(kk))
        return try record(out, "eppsPulley", [h]) { _, g in
            let scale = g.ptr[0] * 2 / Float(kk)
            h.accumulateGrad { dh, acc in
                cs.withUnsafeBufferPointer { cb in
                    sn.withUnsafeBufferPointer { sb in
                        let cpp = cb.baseAddress!, spp = sb.baseAddress!
                        Parallel.forEach(kk) { k in
                            for i in 0..<n {
                                let x = hp[i * kk + k]
                                let c1 = cosf(x * dt), s1 = sinf(x * dt)
                                var c: Float = 1, sn: Float = 0, v: Float = 0
                                for ti in 0..<knots {
                                    v += w[ti] * t[ti] * (-(cpp[k * knots + ti] - phi[ti]) * sn + spp[k * knots + ti] * c)
                                    (c, sn) = (c * c1 - sn * s1, sn * c1 + c * s1)
                                }
                                if acc { dh[i * kk + k] += scale * v } else { dh[i * kk + k] = scale * v }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `count` random unit directions in D dimensions, as columns of a [D, count] matrix (for `sigreg`).
    public static func randomDirections(dimension d: Int, count: Int, rng: inout RNG) -> Tensor {
        let a = Tensor.randn([d, count], rng: &rng)
        let p = a.ptr
        for k in 0..<count {
            var s: Float = 0
            for i in 0..<d { s += p[i * count + k] * p[i * count + k] }
            let inv = 1 / Swift.max(s.squareRoot(), 1e-12)
            for i in 0..<d { p[i * count + k] *= inv }
        }
        return a
    }

    /// SIGReg (LeJEPA): the Epps–Pulley statistic of z [N, D] projected onto the unit columns of
    /// `directions` [D, K] (draw fresh ones each step with `randomDirections`). Small when z looks like an
    /// isotropic standard normal, large when it collapses.
    public static func sigreg(_ z: Tensor, directions: Tensor, knots: Int = 17, tMax: Float = 3) throws -> Tensor {
        try eppsPulley(z.matmul(directions), knots: knots, tMax: tMax)
    }
}
