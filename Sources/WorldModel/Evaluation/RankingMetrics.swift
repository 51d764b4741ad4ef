import Common

/// Hits@1 and mean reciprocal rank: each predicted latent is ranked by L2 distance against a pool of
/// encoded true latents, one of which is its right answer.
///
/// Ties count against the query (rank = 1 + number of other pool entries at distance ≤ the true one),
/// so a collapsed model whose latents are all equal scores Hits@1 = 0, not 1.
public struct RankingScore: Equatable, Sendable {
    /// Fraction of queries whose own true latent is strictly the nearest.
    public var hitsAt1: Double
    /// Mean of 1 / rank over queries.
    public var meanReciprocalRank: Double
    /// Number of candidates each query is ranked against.
    public var poolSize: Int

    public init(hitsAt1: Double, meanReciprocalRank: Double, poolSize: Int) {
        self.hitsAt1 = hitsAt1; self.meanReciprocalRank = meanReciprocalRank; self.poolSize = poolSize
    }

    /// Scores from the ranks of the right answers (1 = nearest).
    init(ranks: [Int], poolSize: Int) {
        guard !ranks.isEmpty else { self.init(hitsAt1: .nan, meanReciprocalRank: .nan, poolSize: poolSize); return }
        let n = Double(ranks.count)
        self.init(hitsAt1: Double(ranks.filter { $0 == 1 }.count) / n,
                  meanReciprocalRank: ranks.reduce(0) { $0 + 1 / Double($1) } / n, poolSize: poolSize)
    }
}

public enum RankingMetrics {
    /// C-SWM protocol: ranks `predicted[i]` against all rows of `truth`; row i of `truth` is the right answer.
    /// - Parameters:
    ///   - predicted: [count, dimension] row-major.
    ///   - truth: [count, dimension] row-major.
    public static func score(predicted: [Float], truth: [Float], count: Int, dimension: Int) -> RankingScore {
        RankingScore(ranks: ranks(predicted: predicted, truth: truth, count: count, dimension: dimension), poolSize: count)
    }

    /// The rank of each query's own true row among all rows of `truth` (see `score`).
    public static func ranks(predicted: [Float], truth: [Float], count: Int, dimension: Int) -> [Int] {
        precondition(predicted.count == count * dimension && truth.count == count * dimension,
                     "ranking: buffers must be [count, dimension]")
        var ranks = [Int](repeating: 0, count: count)
        predicted.withUnsafeBufferPointer { p in
            truth.withUnsafeBufferPointer { t in
                ranks.withUnsafeMutableBufferPointer { r in
                    let pBase = p.baseAddress!, tBase = t.baseAddress!, rBase = r.baseAddress!
                    Parallel.forEach(count, minimumChunk: 16) { i in
                        rBase[i] = rank(of: pBase + i * dimension, among: tBase, count: count, answer: i, dimension: dimension)
                    }
                }
            }
        }
        return ranks
    }

    /// 1 + the number of rows of `candidates` other than `answer` at squared distance ≤ the answer's from `query`.
    static func rank(of query: UnsafePointer<Float>, among candidates: UnsafePointer<Float>, count: Int, answer: Int,
                     dimension: Int) -> Int {
        let own = squaredDistance(query, candidates + answer * dimension, dimension)
        var rank = 1
        for j in 0..<count where j != answer {
            if squaredDistance(query, candidates + j * dimension, dimension) <= own { rank += 1 }
        }
        return rank
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
