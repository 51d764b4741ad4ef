import Common
import XCTest
@testable import WorldModel

/// Metric kernels against values computed by hand (and brute force where the kernel is clever).
final class MetricKernelTests: XCTestCase {
    // MARK: Ranking

    func testRankingByHand() {
        // Truth (0,0), (1,0), (0,1). Query 0 is nearest its own; query 1 at (0.4,0) is nearer truth 0
        // (0.16 < 0.36): rank 2; query 2 at (0.5,0.5) ties with all three (0.5 each): rank 3.
        let truth: [Float] = [0, 0, 1, 0, 0, 1]
        let predicted: [Float] = [0.1, 0, 0.4, 0, 0.5, 0.5]
        let s = RankingMetrics.score(predicted: predicted, truth: truth, count: 3, dimension: 2)
        XCTAssertEqual(s.poolSize, 3)
        XCTAssertEqual(s.hitsAt1, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(s.meanReciprocalRank, (1 + 1.0 / 2 + 1.0 / 3) / 3, accuracy: 1e-12)
    }

    func testRankingCollapsedLatentsScoreZeroHits() {
        // All latents equal: every candidate ties, ties count against, so Hits@1 = 0 and MRR = 1/n.
        let n = 5, d = 4
        let same = [Float](repeating: 0.25, count: n * d)
        let s = RankingMetrics.score(predicted: same, truth: same, count: n, dimension: d)
        XCTAssertEqual(s.hitsAt1, 0)
        XCTAssertEqual(s.meanReciprocalRank, 1.0 / Double(n), accuracy: 1e-12)
    }

    func testRankingPerfectPredictionsOnLargePoolUseBothCores() {
        var rng = SplitMix64(seed: 7)
        let n = 300, d = 16
        let truth = (0..<(n * d)).map { _ in Float(rng.unit()) }
        let s = RankingMetrics.score(predicted: truth, truth: truth, count: n, dimension: d)
        XCTAssertEqual(s.hitsAt1, 1)
        XCTAssertEqual(s.meanReciprocalRank, 1)
        XCTAssertEqual(s.poolSize, n)
    }

    // MARK: Surprise

    func testPairwiseAccuracyCountsTiesAsHalf() {
        // 1 < 2 right, 2 = 2 half, 3 > 1 wrong.
        XCTAssertEqual(SurpriseMetrics.pairwiseAccuracy(possible: [1, 2, 3], impossible: [2, 2, 1]), 0.5)
        XCTAssertTrue(SurpriseMetrics.pairwiseAccuracy(possible: [], impossible: []).isNaN)
    }

    func testAUROCByHand() {
        // Pairs (neg, pos): (1,2) 1, (2,2) ½, (1,3) 1, (2,3) 1 → 3.5 / 4.
        XCTAssertEqual(SurpriseMetrics.auroc(negatives: [1, 2], positives: [2, 3]), 0.875)
        XCTAssertEqual(SurpriseMetrics.auroc(negatives: [1, 2], positives: [3, 4]), 1)
        XCTAssertEqual(SurpriseMetrics.auroc(negatives: [3, 4], positives: [1, 2]), 0)
        XCTAssertEqual(SurpriseMetrics.auroc(negatives: [5, 5, 5], positives: [5, 5]), 0.5)
        XCTAssertTrue(SurpriseMetrics.auroc(negatives: [], positives: [1]).isNaN)
    }

    func testAUROCMatchesBruteForceWithManyTies() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20 {
            let neg = (0..<(1 + Int(rng.next() % 40))).map { _ in Double(rng.next() % 6) }
            let pos = (0..<(1 + Int(rng.next() % 40))).map { _ in Double(rng.next() % 6) + 1 }
            var u = 0.0
            for p in pos { for q in neg { u += p > q ? 1 : (p == q ? 0.5 : 0) } }
            XCTAssertEqual(SurpriseMetrics.auroc(negatives: neg, positives: pos),
                           u / Double(pos.count * neg.count), accuracy: 1e-12)
        }
    }

    func testClipSurpriseReductions() {
        let steps: ArraySlice<Double> = [0.1, 0.7, 0.4]
        XCTAssertEqual(SurpriseMetrics.clipSurprise(steps, .max), 0.7)
        XCTAssertEqual(SurpriseMetrics.clipSurprise(steps, .mean), 0.4, accuracy: 1e-12)
        XCTAssertTrue(SurpriseMetrics.clipSurprise([], .max).isNaN)
    }

    // MARK: Pixel baseline

    func testPixelBaselineIsLargestMeanAbsoluteFrameDifference() {
        // Frames of 2×2×1: |[0,10,20,30] − [10,10,20,0]| = 10,0,0,30 → mean 10; then no change → 0.
        let frames: [UInt8] = [0, 10, 20, 30, 10, 10, 20, 0, 10, 10, 20, 0]
        frames.withUnsafeBufferPointer { f in
            XCTAssertEqual(PixelBaseline.stepDifferences(f, steps: 3, frameSize: 4), [10, 0])
            XCTAssertEqual(PixelBaseline.clipScore(f, steps: 3, frameSize: 4), 10)
            XCTAssertEqual(PixelBaseline.clipScore(f, steps: 1, frameSize: 4), 0)
        }
    }

    func testPixelBaselineFullRangeDoesNotOverflow() {
        let size = 64 * 64 * 3
        let frames = [UInt8](repeating: 255, count: size) + [UInt8](repeating: 0, count: size)
        frames.withUnsafeBufferPointer { XCTAssertEqual(PixelBaseline.clipScore($0, steps: 2, frameSize: size), 255) }
    }

    // MARK: Probe

    func testR2ByHandPerCoordinateAndPooled() {
        // Coordinate 0: targets 1,2,3,4 (mean 2.5, SS_tot 5), predictions 1,2,3,5 (SS_res 1) → 0.8.
        // Coordinate 1: targets 0,0,2,2 (SS_tot 4), predictions 1,1,1,1 (SS_res 4) → 0.
        var acc = R2Accumulator(coordinates: 2)
        for (t, p) in zip([1.0, 2, 3, 4], [1.0, 2, 3, 5]) { acc.add(coordinate: 0, target: t, prediction: p) }
        for (t, p) in zip([0.0, 0, 2, 2], [1.0, 1, 1, 1]) { acc.add(coordinate: 1, target: t, prediction: p) }
        XCTAssertEqual(acc.perCoordinate[0], 0.8, accuracy: 1e-12)
        XCTAssertEqual(acc.perCoordinate[1], 0, accuracy: 1e-12)
        XCTAssertEqual(acc.pooled, 1 - 5.0 / 9, accuracy: 1e-12)   // 1 − (1 + 4) / (5 + 4)
    }

    func testR2UndefinedForConstantTargets() {
        var acc = R2Accumulator(coordinates: 1)
        for _ in 0..<3 { acc.add(coordinate: 0, target: 2, prediction: 2) }
        XCTAssertTrue(acc.perCoordinate[0].isNaN)
        XCTAssertTrue(acc.pooled.isNaN)
    }

    func testR2StableForLargeOffsets() {
        // Welford keeps precision where Σy² − (Σy)²/n would cancel: targets 1e6 + {0, 1}.
        var acc = R2Accumulator(coordinates: 1)
        for i in 0..<10_000 { acc.add(coordinate: 0, target: 1e6 + Double(i % 2), prediction: 1e6 + 0.5) }
        XCTAssertEqual(acc.pooled, 0, accuracy: 1e-9)
    }

    func testR2IntervalResamplesWholeEpisodes() throws {
        // 40 episodes of 2 coordinates, noisier in some episodes than others. The interval must be the bootstrap of
        // the R² recomputed from scratch on each resample of whole episodes (same seed, so the same resamples).
        var rng = SplitMix64(seed: 11)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) - 0.5 }
        var data: [[(c: Int, t: Double, p: Double)]] = []
        var acc = R2Accumulator(coordinates: 2)
        for e in 0..<40 {
            let noise = e % 5 == 0 ? 1.5 : 0.2
            var rows: [(c: Int, t: Double, p: Double)] = []
            for f in 0..<10 {
                let c = f % 2, t = 3 * uniform() + Double(c) * 100, p = t + noise * uniform()
                rows.append((c, t, p))
                acc.add(coordinate: c, target: t, prediction: p, episode: e)
            }
            data.append(rows)
        }
        let interval = acc.interval95(seed: 7)
        let expected = Intervals.bootstrap95(count: data.count, seed: 7) { idx in
            var fresh = R2Accumulator(coordinates: 2)
            for e in idx { for r in data[e] { fresh.add(coordinate: r.c, target: r.t, prediction: r.p) } }
            return fresh.pooled
        }
        XCTAssertEqual(acc.episodes, 40)
        XCTAssertEqual(interval[0], expected[0], accuracy: 1e-9)
        XCTAssertEqual(interval[1], expected[1], accuracy: 1e-9)
        XCTAssertLessThan(interval[0], acc.pooled)
        XCTAssertGreaterThan(interval[1], acc.pooled)
        XCTAssertEqual(interval, acc.interval95(seed: 7))   // seeded: --verify reproduces it
    }

    func testR2IntervalCountsTrailingEmptyEpisodes() {
        // 30 episodes evaluated, the last 10 with no observation (no turning body). Each is one draw of the bootstrap,
        // as an empty episode in the middle is: the interval equals a brute-force bootstrap over all 30.
        var rng = SplitMix64(seed: 5)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) - 0.5 }
        var data: [[(t: Double, p: Double)]] = []
        var acc = R2Accumulator(coordinates: 1)
        for e in 0..<20 {
            let noise = e % 3 == 0 ? 2.0 : 0.3
            let rows = (0..<6).map { _ in let t = 4 * uniform(); return (t: t, p: t + noise * uniform()) }
            for r in rows { acc.add(coordinate: 0, target: r.t, prediction: r.p, episode: e) }
            data.append(rows)
        }
        data += Array(repeating: [], count: 10)
        let expected = Intervals.bootstrap95(count: 30, seed: 3) { idx in
            var fresh = R2Accumulator(coordinates: 1)
            for e in idx { for r in data[e] { fresh.add(coordinate: 0, target: r.t, prediction: r.p) } }
            return fresh.pooled
        }
        let interval = acc.interval95(episodes: 30, seed: 3)
        XCTAssertEqual(acc.episodes, 20)
        XCTAssertEqual(interval[0], expected[0], accuracy: 1e-9)
        XCTAssertEqual(interval[1], expected[1], accuracy: 1e-9)
        // Counted only up to the last observed episode, the pool would be 20 draws: a different interval.
        XCTAssertNotEqual(interval, acc.interval95(seed: 3))
        XCTAssertEqual(acc.interval95(episodes: 20, seed: 3), acc.interval95(seed: 3))
    }

    func testR2IntervalStableForLargeOffsets() {
        // Per-episode sums are kept around the coordinate's first target, so 1e6 offsets do not cancel them away.
        var acc = R2Accumulator(coordinates: 1)
        for i in 0..<10_000 { acc.add(coordinate: 0, target: 1e6 + Double(i % 2), prediction: 1e6 + 0.5, episode: i / 100) }
        let interval = acc.interval95()
        XCTAssertEqual(interval[0], 0, accuracy: 1e-9)
        XCTAssertEqual(interval[1], 0, accuracy: 1e-9)
    }

    func testDistanceAndLatentErrorAccumulators() {
        var dist = DistanceAccumulator(horizon: 2)
        dist.add(step: 1, px: 3, py: 4, tx: 0, ty: 0)
        dist.add(step: 1, px: 1, py: 1, tx: 1, ty: 1)
        XCTAssertEqual(dist.means[0], 2.5)
        XCTAssertTrue(dist.means[1].isNaN)

        var lat = LatentErrorAccumulator(horizon: 1)
        let a: [Float] = [1, 2, 3], b: [Float] = [1, 0, 0]   // (0 + 4 + 9) / 3
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            lat.add(step: 1, predicted: pa.baseAddress!, target: pb.baseAddress!, dimension: 3)
        } }
        XCTAssertEqual(lat.means[0], 13.0 / 3, accuracy: 1e-12)
    }

    /// The surprise intervals: seeded (a re-run gives the same bounds), around the estimate, degenerate when
    /// every pair agrees, and narrower with more pairs.
    func testBootstrapIntervalIsSeededAndSensible() {
        let wins = (0..<32).map { $0 % 8 != 0 }            // 28 of 32 pairs right: accuracy 0.875
        func accuracy(_ w: [Bool]) -> ([Int]) -> Double { { idx in Double(idx.filter { w[$0] }.count) / Double(idx.count) } }
        let a = Intervals.bootstrap95(count: 32, seed: 7, accuracy(wins))
        XCTAssertEqual(a, Intervals.bootstrap95(count: 32, seed: 7, accuracy(wins)))
        XCTAssertLessThan(a[0], 0.875); XCTAssertGreaterThan(a[1], 0.875); XCTAssertLessThanOrEqual(a[1], 1)
        XCTAssertGreaterThan(a[0], 0.65)
        XCTAssertEqual(Intervals.bootstrap95(count: 32, seed: 7, accuracy([Bool](repeating: true, count: 32))), [1, 1])
        let many = (0..<512).map { $0 % 8 != 0 }
        let b = Intervals.bootstrap95(count: 512, seed: 7, accuracy(many))
        XCTAssertLessThan(b[1] - b[0], (a[1] - a[0]) / 2)
        XCTAssertTrue(Intervals.bootstrap95(count: 0, seed: 7, accuracy([])).allSatisfy(\.isNaN))
        XCTAssertNotEqual(SurpriseMetrics.seed(for: "vanish"), SurpriseMetrics.seed(for: "teleport"))
        // Wilson: 32 of 32 right still leaves room below 1; 16 of 32 is centred on 0.5.
        let perfect = Intervals.wilson95(1, n: 32)
        XCTAssertEqual(perfect[0], 0.8928, accuracy: 1e-3); XCTAssertEqual(perfect[1], 1)
        let half = Intervals.wilson95(0.5, n: 32)
        XCTAssertEqual(half[0] + half[1], 1, accuracy: 1e-12); XCTAssertEqual(half[0], 0.3361, accuracy: 1e-3)
    }

    /// Intervals over episodes resample whole episodes: identical episodes give a point, and the ratio's
    /// interval brackets the pooled ratio.
    func testEpisodeErrorIntervals() {
        var same = EpisodeErrors(horizon: 2)
        for e in 0..<10 { for k in 1...2 { same.add(episode: e, step: k, model: Double(k), copyLast: 4) } }
        let a = same.intervals()
        XCTAssertEqual(a.error, [[1, 1], [2, 2]])
        XCTAssertEqual(a.ratio, [[0.25, 0.25], [0.5, 0.5]])
        var mixed = EpisodeErrors(horizon: 1)
        for e in 0..<40 { for _ in 0..<3 { mixed.add(episode: e, step: 1, model: e % 2 == 0 ? 1 : 3, copyLast: 4) } }
        let b = mixed.intervals()
        XCTAssertLessThan(b.error[0][0], 2); XCTAssertGreaterThan(b.error[0][1], 2)
        XCTAssertLessThan(b.ratio[0][0], 0.5); XCTAssertGreaterThan(b.ratio[0][1], 0.5)
        XCTAssertEqual(b.error, mixed.intervals().error)
    }
}
