import Common
import XCTest
@testable import WorldModel

/// The rankings that catch a predictor behind in time, IntPhys absolute accuracy and the untrained baseline.
final class HarderMetricsTests: XCTestCase {
    /// Straight-line episodes with distinct velocities: constant velocity is exact, so the timing answer is known.
    func straightEpisodes(_ count: Int, steps: Int = 24) -> SyntheticEpisodes {
        let positions = (0..<count).map { e in
            (0..<steps).map { t in [(Float(e) * 30 + 0.1 * Float(e + 1) * Float(t), 0.2 * Float(t))] as [(Float, Float)] }
        }
        return SyntheticEpisodes(positions: positions, seeds: (0..<count).map { UInt64(500 + $0) })
    }

    func testTimingRankingSeparatesAnExactPredictorFromALaggingOne() throws {
        let data = straightEpisodes(6)
        let exact = try Evaluator(model: OracleModel(bodies: 1)).evaluate(data.source(batchSize: 4), name: "s")
        XCTAssertEqual(exact.windows, 6 * 2)                   // t0 = 1, 11; T = 24
        for k in [1, 5, 10] {
            let timing = try XCTUnwrap(exact.timingRanking[k])
            XCTAssertEqual(timing.model.hitsAt1, 1)
            XCTAssertEqual(timing.model.poolSize, 24)          // the episode's frames
            XCTAssertEqual(timing.queries, 12)                 // every window
            XCTAssertEqual(timing.copyLast.hitsAt1, 0)         // z(t0) is nearest to frame t0, never t0 + k
            XCTAssertEqual(timing.constantVelocity.hitsAt1, 1) // straight lines: extrapolation is exact
            let pooled = try XCTUnwrap(exact.pooledRanking[k])
            XCTAssertEqual(pooled.model.hitsAt1, 1)
            XCTAssertEqual(pooled.model.poolSize, 12)          // every window of every episode
            XCTAssertEqual(exact.ranking[k]?.model.poolSize, 6) // C-SWM: first windows only
        }
        // 0.4 of the velocity: the first prediction lies nearer frame t0 than t0 + 1, and fed its own predictions the
        // rollout slows geometrically (to z(t0) + ⅔ v), never reaching frame t0 + 1.
        let lagging = OracleModel(bodies: 1)
        lagging.gain = 0.4
        let behind = try Evaluator(model: lagging).evaluate(data.source(), name: "s")
        for k in [1, 5, 10] {
            XCTAssertEqual(behind.timingRanking[k]?.model.hitsAt1, 0, "k = \(k)")
            XCTAssertEqual(behind.ranking[k]?.model.hitsAt1, 1, "k = \(k): the easy ranking cannot see the lag")
        }
        XCTAssertEqual(behind.timingRanking[10]?.hitsAt1CI95, [0, 0])
    }

    func testAbsoluteAccuracyThresholdsAtTheNinetiethPercentileOfPossibleClips() {
        XCTAssertEqual(SurpriseMetrics.percentile([3, 1, 2, 4, 5, 6, 7, 8, 9, 10], 90), 9.1, accuracy: 1e-12)
        XCTAssertEqual(SurpriseMetrics.percentile([5], 90), 5)
        XCTAssertTrue(SurpriseMetrics.percentile([], 90).isNaN)
        // Threshold 9.1: possible 1…10 → 9 right; impossible 0, 9.5, 20, 30 → 3 right; 12 of 14.
        let possible: [Double] = Array(1...10).map(Double.init), impossible: [Double] = [0, 9.5, 20, 30]
        XCTAssertEqual(SurpriseMetrics.absoluteAccuracy(possible: possible, impossible: impossible, threshold: 9.1), 12.0 / 14)
        XCTAssertTrue(SurpriseMetrics.absoluteAccuracy(possible: [], impossible: [], threshold: 1).isNaN)
        let m = MeanSD([1, 2, 3, 4])
        XCTAssertEqual(m.mean, 2.5)
        XCTAssertEqual(m.sd, (5.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.range95[1], 2.5 + 1.96 * (5.0 / 3).squareRoot(), accuracy: 1e-12)
    }

    /// Teleports and jumps of growing size, so surprise orders differ between models of different gains.
    func violationEpisodes() -> SyntheticEpisodes {
        var positions: [[[(Float, Float)]]] = []
        var frame: [Int32] = [], pair: [Int64] = [], type: [String] = [], seeds: [UInt64] = []
        var rng = SplitMix64(seed: 9)
        for p in 0..<16 {
            let vx = Float(rng.unit()) * 0.6 - 0.3, ax = Float(rng.unit()) * 0.05
            let clip = (0..<14).map { t in [(1 + vx * Float(t) + ax * Float(t * t), 2)] as [(Float, Float)] }
            var broken = clip
            let kind = p % 2 == 0 ? "teleport" : "immutability"
            let jump = Float(p) * 0.08
            for t in 7..<14 { broken[t][0].1 += jump }
            positions += [clip, broken]
            frame += [-1, 7]; pair += [Int64(p), Int64(p)]; type += [kind, kind]; seeds += [UInt64(100 + p), UInt64(100 + p)]
        }
        return SyntheticEpisodes(positions: positions, seeds: seeds, violationFrame: frame, pair: pair, violationType: type)
    }

    func testUntrainedBaselineIsTheMeanOverItsInitialisations() throws {
        let data = violationEpisodes()
        let gains: [UInt64: Float] = [1: 0, 2: 0.5, 3: 2, 4: 3, 5: -1]
        let model = OracleModel(bodies: 1)
        model.untrainedFactory = { seed in let m = OracleModel(bodies: 1); m.gain = gains[seed]!; return m }
        let result = try Evaluator(model: model).evaluate(data.source(batchSize: 6), name: "v")
        XCTAssertEqual(model.untrainedRequests, [1, 2, 3, 4, 5])
        XCTAssertEqual(result.untrainedSeeds, [1, 2, 3, 4, 5])
        XCTAssertEqual(result.possibleClips, 16)
        for s in result.surprise {
            let u = try XCTUnwrap(s.untrained)
            XCTAssertEqual(u.initialisations, 5)
            // Each initialisation evaluated on its own gives the numbers the band is made of.
            var accuracy: [Double] = [], absolute: [Double] = []
            for seed in 1...5 as ClosedRange<UInt64> {
                let alone = OracleModel(bodies: 1)
                alone.gain = gains[seed]!
                let r = try Evaluator(model: alone).evaluate(data.source(), name: "v")
                let same = try XCTUnwrap(r.surprise.first { $0.type == s.type })
                accuracy.append(same.pairwiseAccuracy[.max]!)
                absolute.append(same.absoluteAccuracy[.max]!)
            }
            XCTAssertEqual(u.pairwiseAccuracy[.max], MeanSD(accuracy))
            XCTAssertEqual(u.absoluteAccuracy[.max], MeanSD(absolute))
            XCTAssertGreaterThan(u.pairwiseAccuracy[.max]!.sd, 0, "the initialisations differ")
            // Absolute accuracy of the model itself, by hand from its threshold.
            XCTAssertEqual(s.absoluteAccuracy[.max]!, try absoluteByHand(data: data, type: s.type, threshold: result.surpriseThreshold[.max]!))
        }
        // A model that offers no untrained copy reports none, and the report says so.
        let plain = try Evaluator(model: OracleModel(bodies: 1)).evaluate(data.source(), name: "v")
        XCTAssertNil(plain.surprise[0].untrained)
        XCTAssertEqual(plain.json()["untrained_seeds"], .array([]))
        XCTAssertEqual(result.json()["surprise"]?["teleport"]?["untrained"]?["initialisations"], .number(5))
    }

    /// The headline surprise of each clip recomputed here: max over t ≥ 2 of ‖ẑ(t) − z(t)‖² / D with ẑ = constant velocity.
    func absoluteByHand(data: SyntheticEpisodes, type: String, threshold: Double) throws -> Double {
        var right = 0, total = 0
        for e in 0..<data.episodes where data.violationType![e] == type {
            let y = data.positions[e].map { Double($0[0].1) }, x = data.positions[e].map { Double($0[0].0) }
            var worst = 0.0
            for t in 2..<data.steps {
                let px = Double(Float(x[t - 1]) + (Float(x[t - 1]) - Float(x[t - 2]))), py = Double(Float(y[t - 1]) + (Float(y[t - 1]) - Float(y[t - 2])))
                worst = max(worst, ((px - x[t]) * (px - x[t]) + (py - y[t]) * (py - y[t])) / 2)
            }
            let impossible = data.violationFrame![e] >= 0
            if (worst > threshold) == impossible { right += 1 }
            total += 1
        }
        return Double(right) / Double(total)
    }

    func testReportCarriesEveryNewNumberAndVerifyHoldsThemExactlyWhereModelFree() throws {
        let data = straightEpisodes(5)
        let result = try Evaluator(model: OracleModel(bodies: 1)).evaluate(data.source(), name: "s")
        let json = result.json()
        for key in ["hits_at_1_ci95", "hits_baselines", "hits_queries", "pooled_hits_at_1", "pooled_hits_at_1_ci95", "pooled_mrr",
                    "pooled_pool_size", "pooled_baselines", "timing_hits_at_1", "timing_hits_at_1_ci95", "timing_mrr",
                    "timing_pool_size", "timing_queries", "timing_baselines", "surprise_threshold", "untrained_seeds"] {
            XCTAssertNotNil(json[key], key)
        }
        XCTAssertEqual(json["timing_pool_size"], .number(24))
        XCTAssertEqual(json["pooled_queries"], .number(10))
        XCTAssertNotNil(json["timing_baselines"]?["constant_velocity"]?["hits_at_1"]?["5"])
        // A changed pool size is a difference even within the model tolerance.
        var edited = json
        if case var .object(fields) = edited, let i = fields.firstIndex(where: { $0.0 == "timing_pool_size" }) {
            fields[i].1 = .number(24.0001); edited = .object(fields)
        }
        XCTAssertFalse(ReportVerifier().compare(stored: json, rerun: edited).differences.isEmpty)
        XCTAssertTrue(ReportVerifier().compare(stored: json, rerun: json).differences.isEmpty)
    }
}
