/// Coefficient of determination of a probe, accumulated over any number of batches.
///
/// Per coordinate c: R²_c = 1 − SS_res,c / SS_tot,c with SS_tot,c taken around the mean of the
/// evaluation targets of c. Pooled: R² = 1 − Σ_c SS_res,c / Σ_c SS_tot,c, i.e. the variance-weighted
/// mean of the per-coordinate values; this is the `probe.position_r2` headline. Means and SS_tot use
/// Welford updates in Double, so one pass over streamed shards gives the two-pass result.
public struct R2Accumulator: Sendable {
    public private(set) var count: [Int]
    private var mean: [Double]
    private var m2: [Double]
    private var residual: [Double]

    public init(coordinates: Int) {
        count = .init(repeating: 0, count: coordinates)
        mean = .init(repeating: 0, count: coordinates)
        m2 = .init(repeating: 0, count: coordinates)
        residual = .init(repeating: 0, count: coordinates)
    }

    public var coordinates: Int { count.count }

    /// Adds one observation of coordinate `c`.
    @inline(__always)
    public mutating func add(coordinate c: Int, target: Double, prediction: Double) {
        count[c] += 1
        let delta = target - mean[c]
        mean[c] += delta / Double(count[c])
        m2[c] += delta * (target - mean[c])
        let e = target - prediction
        residual[c] += e * e
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
