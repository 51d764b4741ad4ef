import Foundation

/// Collapse watch on a batch of latents laid out [B, C, P], or [B, P, C] with `channelsLast`
/// (P = positions of a spatial map, 1 for a global latent). The absolute per-unit standard deviation is what reveals an EMA collapse: the
/// effective rank alone can read healthy while every std shrinks toward zero.
public struct CollapseStats: Equatable, Sendable {
    /// Mean over units (C·P) of each unit's std across the batch.
    public var stdMean: Double
    /// Smallest per-unit std across the batch.
    public var stdMin: Double
    /// Fraction of units whose std is below 1 % of `stdMean` (or exactly 0): dead units.
    public var deadFraction: Double
    /// exp(entropy) of the normalised eigenvalues of the C×C channel covariance (RankMe); 1...C.
    public var effectiveRank: Double
}

public enum CollapseMonitor {
    public static func measure(_ z: UnsafeBufferPointer<Float>, batch: Int, channels: Int, positions: Int, channelsLast: Bool = false) -> CollapseStats {
        precondition(z.count == batch * channels * positions && batch >= 2)
        let units = channels * positions
        // Per-unit std over the batch (two passes in Double for accuracy).
        var mean = [Double](repeating: 0, count: units)
        for b in 0..<batch { let row = b * units; for u in 0..<units { mean[u] += Double(z[row + u]) } }
        for u in 0..<units { mean[u] /= Double(batch) }
        var variance = [Double](repeating: 0, count: units)
        for b in 0..<batch { let row = b * units; for u in 0..<units { let d = Double(z[row + u]) - mean[u]; variance[u] += d * d } }
        var stdSum = 0.0, stdMin = Double.infinity
        var stds = [Double](repeating: 0, count: units)
        for u in 0..<units { let s = (variance[u] / Double(batch - 1)).squareRoot(); stds[u] = s; stdSum += s; stdMin = min(stdMin, s) }
        let stdMean = stdSum / Double(units)
        let dead = stds.filter { $0 == 0 || $0 < 0.01 * stdMean }.count

        // Channel covariance over all B·P samples, centred per channel.
        let samples = batch * positions
        var cmean = [Double](repeating: 0, count: channels)
        @inline(__always) func at(_ b: Int, _ c: Int, _ p: Int) -> Int {
            channelsLast ? (b * positions + p) * channels + c : (b * channels + c) * positions + p
        }
        for b in 0..<batch { for c in 0..<channels { for p in 0..<positions { cmean[c] += Double(z[at(b, c, p)]) } } }
        for c in 0..<channels { cmean[c] /= Double(samples) }
        var cov = [Double](repeating: 0, count: channels * channels)
        var column = [Double](repeating: 0, count: channels)
        for b in 0..<batch {
            for p in 0..<positions {
                for c in 0..<channels { column[c] = Double(z[at(b, c, p)]) - cmean[c] }
                for i in 0..<channels { let ci = column[i]; if ci == 0 { continue }; for j in i..<channels { cov[i * channels + j] += ci * column[j] } }
            }
        }
        for i in 0..<channels { for j in i..<channels { let v = cov[i * channels + j] / Double(max(1, samples - 1)); cov[i * channels + j] = v; cov[j * channels + i] = v } }
        let eig = SymmetricEigen.eigenvalues(cov, n: channels)
        let positive = eig.map { max(0, $0) }
        let total = positive.reduce(0, +)
        var rank = 0.0
        if total > 0 {
            var entropy = 0.0
            for l in positive where l > 0 { let p = l / total; entropy -= p * log(p) }
            rank = exp(entropy)
        }
        return CollapseStats(stdMean: stdMean, stdMin: stdMin, deadFraction: Double(dead) / Double(units), effectiveRank: rank)
    }
}

/// Eigenvalues of a small symmetric matrix by cyclic Jacobi rotations (exact to Double rounding; the
/// matrices here are at most a few hundred wide, so O(n³) per sweep is cheap).
enum SymmetricEigen {
    static func eigenvalues(_ matrix: [Double], n: Int) -> [Double] {
        precondition(matrix.count == n * n)
        var a = matrix
        for _ in 0..<60 {
            var off = 0.0, diag = 0.0
            for i in 0..<n { diag += a[i * n + i] * a[i * n + i]; for j in (i + 1)..<max(i + 1, n) { off += a[i * n + j] * a[i * n + j] } }
            if off <= 1e-22 * max(diag, 1e-300) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) {
                    let apq = a[p * n + q]
                    if abs(apq) < 1e-300 { continue }
                    let app = a[p * n + p], aqq = a[q * n + q]
                    let theta = (aqq - app) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                }
            }
        }
        return (0..<n).map { a[$0 * n + $0] }.sorted(by: >)
    }
}
