import Common
/// Scores for telling possible clips from their impossible twins (IntPhys-style matched pairs,
/// protocol of the 2025 V-JEPA intuitive-physics study; chance is 0.5 for both numbers).
public enum SurpriseMetrics {
    /// How a clip's per-step surprise (1-step latent prediction error) becomes one number.
    public enum Reduction: String, CaseIterable, Sendable {
        /// Largest per-step surprise in the clip (the headline definition).
        case max
        /// Mean of the per-step surprises.
        case mean
    }

    /// Reduces per-step surprises of one clip. Empty input gives NaN.
    public static func clipSurprise(_ steps: ArraySlice<Double>, _ reduction: Reduction) -> Double {
        guard !steps.isEmpty else { return .nan }
        switch reduction {
        case .max: return steps.max()!
        case .mean: return steps.reduce(0, +) / Double(steps.count)
        }
    }

    /// Fraction of pairs where the possible clip is strictly less surprising than its impossible twin;
    /// an exact tie counts one half. NaN when there are no pairs.
    public static func pairwiseAccuracy(possible: [Double], impossible: [Double]) -> Double {
        precondition(possible.count == impossible.count, "pairwise accuracy: one possible clip per impossible clip")
        guard !possible.isEmpty else { return .nan }
        var score = 0.0
        for (p, q) in zip(possible, impossible) {
            if p < q { score += 1 } else if p == q { score += 0.5 }
        }
        return score / Double(possible.count)
    }

    /// Area under the ROC curve for "impossible scores higher", computed as the tie-aware
    /// Mann–Whitney statistic: P(s_impossible > s_possible) + ½ P(equal), with mid-ranks for ties.
    /// NaN when either class is empty.
    public static func auroc(negatives: [Double], positives: [Double]) -> Double {
        let nNeg = negatives.count, nPos = positives.count
        guard nNeg > 0, nPos > 0 else { return .nan }
        // (value, isPositive) sorted by value; mid-ranks over tie groups.
        var all = [(Double, Bool)]()
        all.reserveCapacity(nNeg + nPos)
        for v in negatives { all.append((v, false)) }
        for v in positives { all.append((v, true)) }
        all.sort { $0.0 < $1.0 }
        var positiveRankSum = 0.0
        var i = 0
        while i < all.count {
            var j = i
            while j + 1 < all.count && all[j + 1].0 == all[i].0 { j += 1 }
            let midRank = Double(i + j) / 2 + 1   // ranks are 1-based
            for k in i...j where all[k].1 { positiveRankSum += midRank }
            i = j + 1
        }
        let u = positiveRankSum - Double(nPos) * Double(nPos + 1) / 2
        return u / (Double(nPos) * Double(nNeg))
    }

    /// Percentile bootstrap 95 % interval of `statistic` over `count` items (pairs): `resamples` draws of
    /// `count` indices with replacement from SplitMix64(`seed`), so a re-run (`eval --verify`) gives the same
    /// bounds. [lo, hi]; [NaN, NaN] when there is nothing to resample.
    public static func bootstrap95(count: Int, seed: UInt64, resamples: Int = 2000, _ statistic: ([Int]) -> Double) -> [Double] {
        guard count > 0 else { return [.nan, .nan] }
        var rng = SplitMix64(seed: seed)
        var values = [Double]()
        values.reserveCapacity(resamples)
        var sample = [Int](repeating: 0, count: count)
        for _ in 0..<resamples {
            for i in 0..<count { sample[i] = Int(rng.next() % UInt64(count)) }
            let v = statistic(sample)
            if !v.isNaN { values.append(v) }
        }
        guard !values.isEmpty else { return [.nan, .nan] }
        values.sort()
        let lo = values[Int((0.025 * Double(values.count)).rounded(.down))]
        let hi = values[min(values.count - 1, Int((0.975 * Double(values.count)).rounded(.up)) - 1)]
        return [lo, hi]
    }

    /// Wilson score 95 % interval of a proportion `p` over `n` trials, [lo, hi]. Unlike a bootstrap it does
    /// not collapse to a point when every pair is right (32 of 32 gives [0.89, 1.00]).
    public static func wilson95(_ p: Double, n: Int) -> [Double] {
        guard n > 0, p.isFinite else { return [.nan, .nan] }
        let z = 1.959964, nn = Double(n), z2 = z * z
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let half = z * ((p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()) / (1 + z2 / nn)
        return [max(0, centre - half), min(1, centre + half)]
    }

    /// A stable seed per violation type (FNV-1a of its name), so intervals do not depend on which other
    /// types a dataset holds.
    static func seed(for type: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in type.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
