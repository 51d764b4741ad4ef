import Common

/// Hits@1 and mean reciprocal rank, C-SWM protocol: every predicted latent is ranked by L2 distance
/// against the pool of all encoded true latents at the same step (one per episode); its own true
/// latent is the correct answer.
///
/// Ties count against the query (rank = 1 + number of other pool entries at distance ≤ the true one),
/// so a collapsed model whose latents are all equal scores Hits@1 = 0, not 1.
public struct RankingScore: Equatable, Sendable {
    /// Fraction of queries whose own true latent is strictly the nearest.
    public var hitsAt1: Double
    /// Mean of 1 / rank over queries.
    public var meanReciprocalRank: Double
    /// Number of candidates each query is ranked against (= number of queries).
    public var poolSize: Int
}

public enum RankingMetrics {
    /// Ranks `predicted[i]` against all rows of `truth`; row i of `truth` is the right answer.
    /// - Parameters:
    ///   - predicted: [count, dimension] row-major.
    ///   - truth: [count, dimension] row-major.
    public static func score(predicted: [Float], truth: [Float], count: Int, dimension: Int) -> RankingScore {
        precondition(predicted.count == count * dimension && truth.count == count * dimension,
                     "ranking: buffers must be [count, dimension]")
        guard count > 0 else { return RankingScore(hitsAt1: .nan, meanReciprocalRank: .nan, poolSize: 0) }
        var ranks = [Int](repeating: 0, count: count)
        predicted.withUnsafeBufferPointer { p in
            truth.withUnsafeBufferPointer { t in
                ranks.withUnsafeMutableBufferPointer { r in
                    let pBase = p.baseAddress!, tBase = t.baseAddress!, rBase = r.baseAddress!
                    Parallel.forEach(count, minimumChunk: 16) { i in
                        let q = pBase + i * dimension
                        let own = squaredDistance(q, tBase + i * dimension, dimension)
                        var rank = 1
                        for j in 0..<count where j != i {
                            if squaredDistance(q, tBase + j * dimension, dimension) <= own { rank += 1 }
                        }
                        rBase[i] = rank
                    }
                }
            }
        }
        var hits = 0
        var reciprocal = 0.0
        for rank in ranks {
            if rank == 1 { hits += 1 }
            reciprocal += 1.0 / Double(rank)
        }
        return RankingScore(hitsAt1: Double(hits) / Double(count),
                            meanReciprocalRank: reciprocal / Double(count),
                            poolSize: count)
    }
}

/// Σ (a - b)² accumulated in Double so rankings do not depend on summation rounding.
@inline(__always)
func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    var s0 = 0.0, s1 = 0.0
    var i = 0
    while i + 1 < n {
        let d0 = Double(a[i]) - Double(b[i])
        let d1 = Double(a[i + 1]) - Double(b[i + 1])
        s0 += d0 * d0
        s1 += d1 * d1
        i += 2
    }
    if i < n { let d = Double(a[i]) - Double(b[i]); s0 += d * d }
    return s0 + s1
}
