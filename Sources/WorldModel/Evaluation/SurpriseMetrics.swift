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

    /// Percentile of the possible clips' surprise above which a single clip is called impossible.
    public static let absoluteThresholdPercentile = 90.0

    /// The `p`-th percentile with linear interpolation between order statistics (NumPy's default). NaN when empty.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let x = p / 100 * Double(sorted.count - 1)
        let lo = Int(x.rounded(.down)), hi = min(sorted.count - 1, lo + 1)
        return sorted[lo] + (x - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Absolute accuracy, IntPhys-style: each clip alone is called impossible when its surprise is above `threshold`;
    /// the fraction of all given clips (possible and impossible) called right. NaN when there are none.
    public static func absoluteAccuracy(possible: [Double], impossible: [Double], threshold: Double) -> Double {
        let n = possible.count + impossible.count
        guard n > 0 else { return .nan }
        let right = possible.filter { $0 <= threshold }.count + impossible.filter { $0 > threshold }.count
        return Double(right) / Double(n)
    }

    /// A stable seed per violation type (FNV-1a of its name), so intervals do not depend on which other
    /// types a dataset holds.
    static func seed(for type: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in type.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
