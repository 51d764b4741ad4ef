/// Coefficient of determination of a probe, accumulated over any number of batches.
///
/// Per coordinate c: R²_c = 1 − SS_res,c / SS_tot,c with SS_tot,c taken around the mean of the
/// evaluation targets of c. Pooled: R² = 1 − Σ_c SS_res,c / Σ_c SS_tot,c, i.e. the variance-weighted
/// mean of the per-coordinate values; this is the `probe.position_r2` headline. Means and SS_tot use
/// Welford updates in Double, so one pass over streamed shards gives the two-pass result.
///
/// Each observation also names its episode: an episode's frames are not independent samples, so the
/// interval resamples whole episodes from per-episode sums (targets shifted by the coordinate's first
/// value, so the sums stay well conditioned far from the origin).
public struct R2Accumulator: Sendable {
    public private(set) var count: [Int]
    private var mean: [Double]
    private var m2: [Double]
    private var residual: [Double]
    private var shift: [Double?]
    /// Per episode and coordinate: count, Σ(y − shift), Σ(y − shift)², Σ residual².
    private var episodeSums: [[EpisodeSums]] = []

    struct EpisodeSums: Sendable {
        var n = 0.0, s1 = 0.0, s2 = 0.0, residual = 0.0
    }

    public init(coordinates: Int) {
        count = .init(repeating: 0, count: coordinates)
        mean = .init(repeating: 0, count: coordinates)
        m2 = .init(repeating: 0, count: coordinates)
        residual = .init(repeating: 0, count: coordinates)
        shift = .init(repeating: nil, count: coordinates)
    }

    public var coordinates: Int { count.count }

    /// Adds one observation of coordinate `c` from episode `episode` (0-based, dataset order).
    @inline(__always)
    public mutating func add(coordinate c: Int, target: Double, prediction: Double, episode: Int = 0) {
        count[c] += 1
        let delta = target - mean[c]
        mean[c] += delta / Double(count[c])
        m2[c] += delta * (target - mean[c])
        let e = target - prediction
        residual[c] += e * e
        if shift[c] == nil { shift[c] = target }
        while episodeSums.count <= episode {
            episodeSums.append(.init(repeating: EpisodeSums(), count: coordinates))
        }
        let y = target - shift[c]!
        episodeSums[episode][c].n += 1
        episodeSums[episode][c].s1 += y
        episodeSums[episode][c].s2 += y * y
        episodeSums[episode][c].residual += e * e
    }

    /// R² of each coordinate (NaN where the targets never vary or were never seen).
    public var perCoordinate: [Double] {
        (0..<coordinates).map { c in m2[c] > 0 ? 1 - residual[c] / m2[c] : .nan }
    }

    /// Pooled R² over all coordinates (NaN if no coordinate varies).
    public var pooled: Double {
        let tot = m2.reduce(0, +)
        return tot > 0 ? 1 - residual.reduce(0, +) / tot : .nan
    }

    /// Episodes observed: up to the last one with an observation.
    public var episodes: Int { episodeSums.count }

    /// 95 % percentile bootstrap interval of `pooled` over episodes, [lo, hi] (fixed seed, so `--verify`
    /// reproduces it). Probe weights are held fixed: this is the spread of the score over test episodes.
    /// `episodes` is how many were evaluated: those without an observation are draws too, wherever they fall, so
    /// an episode with no turning body counts the same at the end of a dataset as in its middle.
    public func interval95(episodes evaluated: Int = 0, seed: UInt64 = 0xC1_95, resamples: Int = 2000) -> [Double] {
        let cs = coordinates
        let sums = episodeSums + Array(repeating: Array(repeating: EpisodeSums(), count: cs), count: max(0, evaluated - episodeSums.count))
        return Intervals.bootstrap95(count: sums.count, seed: seed, resamples: resamples) { idx in
            var total = [EpisodeSums](repeating: EpisodeSums(), count: cs)
            for e in idx {
                for c in 0..<cs {
                    let s = sums[e][c]
                    total[c].n += s.n; total[c].s1 += s.s1; total[c].s2 += s.s2; total[c].residual += s.residual
                }
            }
            var res = 0.0, tot = 0.0
            for t in total where t.n > 0 {
                res += t.residual
                tot += max(0, t.s2 - t.s1 * t.s1 / t.n)
            }
            return tot > 0 ? 1 - res / tot : .nan
        }
    }
}

/// Mean Euclidean position error (world units) per rollout step k = 1…K, accumulated in Double.
public struct DistanceAccumulator: Sendable {
    public private(set) var sums: [Double]
    public private(set) var counts: [Int]

    public init(horizon: Int) {
        sums = .init(repeating: 0, count: horizon)
        counts = .init(repeating: 0, count: horizon)
    }

    /// Adds the distance between predicted (px, py) and true (tx, ty) at step k (1-based).
    @inline(__always)
    public mutating func add(step k: Int, px: Double, py: Double, tx: Double, ty: Double) {
        let dx = px - tx, dy = py - ty
        sums[k - 1] += (dx * dx + dy * dy).squareRoot()
        counts[k - 1] += 1
    }

    /// Mean distance at each step k = 1…K (NaN where nothing was added).
    public var means: [Double] {
        zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
    }
}

/// Mean squared latent error per rollout step, averaged over latent dimensions and samples.
public struct LatentErrorAccumulator: Sendable {
    public private(set) var sums: [Double]
    public private(set) var counts: [Int]

    public init(horizon: Int) {
        sums = .init(repeating: 0, count: horizon)
        counts = .init(repeating: 0, count: horizon)
    }

    /// Adds rows of [rows, dimension] prediction vs target at step k (1-based):
    /// each row contributes ‖ẑ − z‖² / D.
    public mutating func add(step k: Int, predicted: UnsafePointer<Float>, target: UnsafePointer<Float>, dimension: Int) {
        sums[k - 1] += squaredDistance(predicted, target, dimension) / Double(dimension)
        counts[k - 1] += 1
    }

    public var means: [Double] {
        zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
    }
}
