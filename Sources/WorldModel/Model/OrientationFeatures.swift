import Foundation

/// What the angle read-out sees of a spatial latent: per channel map, its mass, centroid and the orientation of
/// its shape. A linear map of z cannot read an angle (turning a box about its centre leaves every linear read of its
/// map but the second moments' cross terms changing with its position), so the read-out is linear in these
/// fixed, parameter-free functions of z instead:
/// - mass m and centroid (x̄, ȳ): pinned chains' angles follow from where their links are;
/// - the complex central moments μ_n = Σ p (d_x + i d_y)^n for n = 2 and 4, raw and divided by Σ p |d|^n: arg μ_n = nφ
///   for a shape with n-fold symmetry, so (Re, Im) of μ₂ track (cos 2θ, sin 2θ) of a box and μ₄ those of a square.
///   Isotropic blurring (the encoder's Gaussian pooling) leaves μ_n for n ≥ 1 unchanged, so the pooled map keeps them.
/// With `projections` (`probe.angle_features: projections`), also:
/// - the direction of each shape, (μ₂, μ₄) divided by their norms (softened by a fixed ε, so a round map reads ≈ 0):
///   (cos 2θ, sin 2θ) of a box whatever its size, where the raw moments scale with it;
/// - each map's (cos 2φ, sin 2φ) times every map's centroid. A link's angle θ (one-fold: which end is which) is the
///   direction from its parent's end to its centre, a linear function d of centroids; d projected on the link's own
///   axis, ((1 + cos 2φ) d_x + sin 2φ d_y, sin 2φ d_x + (1 − cos 2φ) d_y) / 2, is linear in these products, and it keeps
///   the axis, which the shape gives sharply, and the sign, which the centroids give.
/// With a window (`probe.angle_window`, σ in map cells), the moments of orders 2 and 4 weigh each cell by a Gaussian of
/// its distance from the map's centroid: the softmax leaves every map a faint floor over the whole frame, and an n-th
/// moment weighs that floor by its distance to the n-th power, so a far, square frame of leakage can outweigh a small
/// shape's own orientation. The window is round, so it adds no direction of its own.
/// Coordinates are in map widths, centred on the map. Non-spatial latents are read as they are.
struct OrientationFeatures {
    let height: Int, width: Int, channels: Int
    var projections = false
    /// σ of the moments' window in map cells (0: no window).
    var window: Float = 0
    /// Features per channel.
    static let perChannel = 11
    /// With projections: direction features per channel, and the softening of their norms (of μ₂/Σp|d|², μ₄/Σp|d|⁴).
    static let perChannelDirection = 4
    static let directionEpsilon: (second: Float, fourth: Float) = (0.02, 0.005)

    var count: Int {
        channels * Self.perChannel + (projections ? channels * Self.perChannelDirection + 4 * channels * channels : 0)
    }

    /// Features [rows, count] of latents [rows, h·w·C] (channel last, as the encoder lays them out).
    func callAsFunction(_ z: [Float], rows: Int) -> [Float] {
        let p = height * width, c = channels, f = Self.perChannel, total = count
        var out = [Float](repeating: 0, count: rows * total)
        let scale = 1 / Float(max(width, height)), cx = Float(width - 1) / 2, cy = Float(height - 1) / 2
        // exp(−r²/2σ²) with r in map widths: 1/(2σ²), σ converted from cells.
        let sigma = Double(window * scale), inverseWindow = window > 0 ? 1 / (2 * sigma * sigma) : 0
        z.withUnsafeBufferPointer { zp in out.withUnsafeMutableBufferPointer { op in
            for r in 0..<rows {
                let row = zp.baseAddress! + r * p * c
                for ch in 0..<c {
                    var m: Double = 0, sx: Double = 0, sy: Double = 0
                    for cell in 0..<p {
                        let v = Double(row[cell * c + ch])
                        m += v; sx += v * Double((Float(cell % width) - cx) * scale); sy += v * Double((Float(cell / width) - cy) * scale)
                    }
                    var denominator = m + 0.01
                    let mx = sx / denominator, my = sy / denominator
                    // Central complex moments of orders 2 and 4, and their radial norms.
                    var re2: Double = 0, im2: Double = 0, n2: Double = 0, re4: Double = 0, im4: Double = 0, n4: Double = 0
                    var windowed: Double = 0
                    for cell in 0..<p {
                        var v = Double(row[cell * c + ch])
                        if v == 0 { continue }
                        let dx = Double((Float(cell % width) - cx) * scale) - mx, dy = Double((Float(cell / width) - cy) * scale) - my
                        let a = dx * dx - dy * dy, b = 2 * dx * dy, r2 = dx * dx + dy * dy
                        if inverseWindow > 0 { v *= Foundation.exp(-r2 * inverseWindow); windowed += v }
                        re2 += v * a; im2 += v * b; n2 += v * r2
                        re4 += v * (a * a - b * b); im4 += v * 2 * a * b; n4 += v * r2 * r2
                    }
                    if inverseWindow > 0 { denominator = windowed + 0.01 }
                    re2 /= denominator; im2 /= denominator; n2 /= denominator
                    re4 /= denominator; im4 /= denominator; n4 /= denominator
                    let o = op.baseAddress! + r * total + ch * f
                    o[0] = Float(m); o[1] = Float(mx); o[2] = Float(my)
                    o[3] = Float(re2 * 100); o[4] = Float(im2 * 100)
                    o[5] = Float(re2 / (n2 + 1e-6)); o[6] = Float(im2 / (n2 + 1e-6))
                    o[7] = Float(re4 * 1e4); o[8] = Float(im4 * 1e4)
                    o[9] = Float(re4 / (n4 + 1e-9)); o[10] = Float(im4 / (n4 + 1e-9))
                }
                if projections { appendProjections(op.baseAddress! + r * total) }
            }
        } }
        return out
    }

    /// Writes the direction and product features after the per-channel block of one row.
    private func appendProjections(_ row: UnsafeMutablePointer<Float>) {
        let c = channels, f = Self.perChannel, (e2, e4) = Self.directionEpsilon
        let directions = row + c * f, products = directions + c * Self.perChannelDirection
        for ch in 0..<c {
            let m = row + ch * f, d = directions + ch * Self.perChannelDirection
            let n2 = (m[5] * m[5] + m[6] * m[6] + e2 * e2).squareRoot(), n4 = (m[9] * m[9] + m[10] * m[10] + e4 * e4).squareRoot()
            d[0] = m[5] / n2; d[1] = m[6] / n2; d[2] = m[9] / n4; d[3] = m[10] / n4
        }
        // [cos 2φ_i · x̄_j, cos 2φ_i · ȳ_j, sin 2φ_i · x̄_j, sin 2φ_i · ȳ_j] over i, then j.
        for i in 0..<c {
            let cos2 = directions[i * Self.perChannelDirection], sin2 = directions[i * Self.perChannelDirection + 1]
            for j in 0..<c {
                let x = row[j * f + 1], y = row[j * f + 2], o = products + (i * c + j) * 4
                o[0] = cos2 * x; o[1] = cos2 * y; o[2] = sin2 * x; o[3] = sin2 * y
            }
        }
    }
}
