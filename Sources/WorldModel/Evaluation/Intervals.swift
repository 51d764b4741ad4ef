import Common

/// 95 % intervals for the headline numbers of `tumble eval`, each over the units that are independent:
/// violation pairs for surprise, whole episodes for prediction errors.
public enum Intervals {
    /// Percentile bootstrap 95 % interval of `statistic` over `count` items (pairs, episodes): `resamples` draws of
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

}

/// Per-episode sums of the model's and copy-last's position errors at every rollout step, so intervals resample
/// whole episodes (an episode's windows and bodies are not independent samples).
struct EpisodeErrors {
    let horizon: Int
    private(set) var model: [[Double]] = [], copyLast: [[Double]] = [], counts: [[Int]] = []

    init(horizon: Int) { self.horizon = horizon }

    mutating func add(episode e: Int, step k: Int, model m: Double, copyLast c: Double) {
        while model.count <= e {
            model.append([Double](repeating: 0, count: horizon)); copyLast.append([Double](repeating: 0, count: horizon))
            counts.append([Int](repeating: 0, count: horizon))
        }
        model[e][k - 1] += m; copyLast[e][k - 1] += c; counts[e][k - 1] += 1
    }

    /// Per step k: 95 % bootstrap intervals over episodes of the model's mean error and of its ratio to
    /// copy-last's, [lo, hi] each; every step resamples the same episodes (one seed).
    func intervals(seed: UInt64 = 0xC1_95) -> (error: [[Double]], ratio: [[Double]]) {
        let n = model.count
        var error: [[Double]] = [], ratio: [[Double]] = []
        for k in 0..<horizon {
            func sums(_ idx: [Int]) -> (Double, Double, Int) {
                idx.reduce((0.0, 0.0, 0)) { ($0.0 + model[$1][k], $0.1 + copyLast[$1][k], $0.2 + counts[$1][k]) }
            }
            error.append(Intervals.bootstrap95(count: n, seed: seed) { idx in
                let s = sums(idx); return s.2 > 0 ? s.0 / Double(s.2) : .nan
            })
            ratio.append(Intervals.bootstrap95(count: n, seed: seed) { idx in
                let s = sums(idx); return s.1 > 0 ? s.0 / s.1 : .nan
            })
        }
        return (error, ratio)
    }
}
