import Common
import XCTest
@testable import WorldModel

/// The evaluator end to end on doubles whose right answers are known.
final class EvaluatorTests: XCTestCase {
    func testHandComputedRollout() throws {
        // One body, x = 0, 1, 3, 6 (accelerating), y = 0. History 2 → one window at t0 = 1, K = 2.
        // Constant-velocity oracle predicts 2 then 3; truth is 3 then 6.
        let data = SyntheticEpisodes(positions: [[[(0, 0)], [(1, 0)], [(3, 0)], [(6, 0)]]], seeds: [7])
        let result = try Evaluator(model: OracleModel(bodies: 1), options: EvaluationOptions(horizon: 2))
            .evaluate(data.source(), name: "hand")
        XCTAssertEqual(result.windows, 1)
        XCTAssertEqual(result.positionErrors.model, [1, 3])
        XCTAssertEqual(result.positionErrors.copyLast, [2, 5])
        XCTAssertEqual(result.positionErrors.constantVelocity, [1, 3])
        XCTAssertEqual(result.positionErrors.stateConstantVelocity, [1, 3])
        XCTAssertEqual(result.latentError, [0.5, 4.5])          // ‖(2,0) − (3,0)‖² / 2, ‖(3,0) − (6,0)‖² / 2
        XCTAssertEqual(result.latentErrorCopyLast, [2, 12.5])
        XCTAssertEqual(result.positionR2, 1)                    // the probe reads positions exactly
        XCTAssertTrue(result.positionR2PerCoordinate[1].isNaN)  // y never varies
        XCTAssertNil(result.positionErrorsCollision)            // no collision record in the data
        XCTAssertEqual(result.ranking[1]?.model.poolSize, 1)
        XCTAssertNil(result.ranking[5])                         // beyond the horizon
    }

    func testRolloutTellsTheModelWhenItsLatestLatentIsAPrediction() throws {
        // Same episode; the model extrapolates twice as far from its own predictions. Step 1 reads encoded latents
        // only (prediction 2, unchanged); step 2 reads (1, ẑ = 2) and predicts 2 + 2·1 = 4 against the truth 6.
        let data = SyntheticEpisodes(positions: [[[(0, 0)], [(1, 0)], [(3, 0)], [(6, 0)]]], seeds: [7])
        let model = OracleModel(bodies: 1)
        model.gainFromPredicted = 2
        let result = try Evaluator(model: model, options: EvaluationOptions(horizon: 2)).evaluate(data.source(), name: "hand")
        XCTAssertEqual(result.positionErrors.model, [1, 2])
        XCTAssertEqual(result.latentError, [0.5, 2])
    }

    func testBouncingBallsMatchPrivilegedReference() throws {
        let data = bouncingEpisodes(episodes: 24, steps: 26, bodies: 3, seed: 1)
        let result = try Evaluator(model: OracleModel(bodies: 3)).evaluate(data.source(), name: "bounce")
        XCTAssertEqual(result.episodes, 24)
        XCTAssertEqual(result.predictionEpisodes, 24)
        XCTAssertEqual(result.windows, 24 * 2)                  // t0 = 1 and 11; 21 + 10 > 25
        XCTAssertEqual(result.probeFrames, 24 * 26)
        // The oracle's probe is exact, so probe-based references equal the state-based one.
        for k in 0..<10 {
            XCTAssertEqual(result.positionErrors.model[k], result.positionErrors.stateConstantVelocity[k], accuracy: 1e-5)
            XCTAssertEqual(result.positionErrors.constantVelocity[k], result.positionErrors.stateConstantVelocity[k], accuracy: 1e-5)
        }
        // Straight flight is extrapolated exactly; every error comes from bounces.
        let collision = try XCTUnwrap(result.positionErrorsCollision)
        let free = try XCTUnwrap(result.positionErrorsNoCollision)
        XCTAssertEqual(collision.samples + free.samples, result.positionErrors.samples)
        XCTAssertEqual(result.positionErrors.samples, 24 * 2 * 3)
        XCTAssertGreaterThan(collision.samples, 0)
        XCTAssertGreaterThan(free.samples, 0)
        for k in 0..<10 { XCTAssertEqual(free.model[k], 0, accuracy: 1e-4) }
        XCTAssertGreaterThan(collision.model[9], 0.1)
        XCTAssertGreaterThan(free.copyLast[9], free.copyLast[0])
        XCTAssertEqual(result.positionR2, 1, accuracy: 1e-12)
        XCTAssertEqual(result.ranking[1]?.model.hitsAt1, 1)
        XCTAssertEqual(result.ranking[10]?.model.poolSize, 24)
        XCTAssertGreaterThan(result.latentStdMin, 0.5)
        XCTAssertTrue(result.surprise.isEmpty)
    }

    func testResultDoesNotDependOnSharding() throws {
        let data = bouncingEpisodes(episodes: 10, steps: 23, bodies: 2, seed: 3)
        let model = OracleModel(bodies: 2)
        let whole = try Evaluator(model: model).evaluate(data.source(), name: "d")
        let sharded = try Evaluator(model: model).evaluate(data.source(batchSize: 3), name: "d")
        let chunked = try Evaluator(model: model, options: EvaluationOptions(maximumBatch: 5)).evaluate(data.source(batchSize: 4), name: "d")
        XCTAssertEqual(whole.json(), sharded.json())
        XCTAssertEqual(whole.json(), chunked.json())
    }

    func testSurprisePerViolationType() throws {
        // Pairs share a seed and the first frames; at frame 8 the impossible twin's body jumps
        // (teleport) or leaves to a far corner (vanish).
        var positions: [[[(Float, Float)]]] = []
        var frame: [Int32] = [], pair: [Int64] = [], type: [String] = [], seeds: [UInt64] = []
        for p in 0..<6 {
            let vx = Float(p + 1) * 0.05
            let clip = (0..<14).map { t in [(1 + vx * Float(t), 2)] as [(Float, Float)] }
            var broken = clip
            let kind = p % 2 == 0 ? "teleport" : "vanish"
            for t in 8..<14 { broken[t][0].0 += kind == "teleport" ? 3 : 50 }
            positions += [clip, broken]
            frame += [-1, 8]; pair += [Int64(p), Int64(p)]; type += [kind, kind]; seeds += [UInt64(100 + p), UInt64(100 + p)]
        }
        let data = SyntheticEpisodes(positions: positions, seeds: seeds, violationFrame: frame, pair: pair, violationType: type)
        let result = try Evaluator(model: OracleModel(bodies: 1)).evaluate(data.source(batchSize: 5), name: "v")
        XCTAssertEqual(result.surprise.map(\.type), ["teleport", "vanish"])
        for s in result.surprise {
            XCTAssertEqual(s.pairs, 3)
            XCTAssertEqual(s.pairwiseAccuracy[.max], 1)
            XCTAssertEqual(s.auroc[.max], 1)
            XCTAssertEqual(s.pairwiseAccuracy[.mean], 1)
            XCTAssertTrue((0...1).contains(s.pixelPairwiseAccuracy))
        }
        // Prediction metrics only ever see the possible clips.
        XCTAssertEqual(result.predictionEpisodes, 6)
        XCTAssertEqual(result.episodes, 12)
        for k in 0..<2 { XCTAssertEqual(result.positionErrors.model[k], 0, accuracy: 1e-5) }
    }

    func testMalformedPairsAreNamed() {
        let clip = (0..<14).map { t in [(Float(t), 0)] as [(Float, Float)] }
        let data = SyntheticEpisodes(positions: [clip, clip], seeds: [1, 1], violationFrame: [-1, -1],
                                     pair: [4, 4], violationType: ["vanish", "vanish"])
        XCTAssertThrowsError(try Evaluator(model: OracleModel(bodies: 1)).evaluate(data.source(), name: "v")) {
            XCTAssertEqual($0 as? EvaluationError, .malformedPair(pair: 4, problem: "two possible clips"))
        }
    }

    func testSeedOverlapIsRefusedBeforeAnyWork() {
        let data = bouncingEpisodes(episodes: 4, steps: 14, bodies: 1, seed: 5, firstSeed: 50)
        let model = OracleModel(bodies: 1)
        model.trainingSeeds = [1, 2, 52, 53]
        XCTAssertThrowsError(try Evaluator(model: model).evaluate(data.source(), name: "held-out")) { error in
            XCTAssertEqual(error as? EvaluationError, .seedOverlap(dataset: "held-out", overlapping: 2, examples: [52, 53]))
            XCTAssertTrue("\(error)".contains("held-out: 2 episode seeds also used in training"))
        }
        XCTAssertEqual(model.encodedFrames, 0)
    }

    func testIncompatibleDataIsRefusedBeforeAnyWork() {
        let model = OracleModel(bodies: 2)
        let wrongBodies = bouncingEpisodes(episodes: 2, steps: 14, bodies: 1, seed: 5)
        XCTAssertThrowsError(try Evaluator(model: model).evaluate(wrongBodies.source(), name: "d")) {
            XCTAssertTrue("\($0)".contains("frame shape"), "\($0)")
        }
        let short = bouncingEpisodes(episodes: 2, steps: 8, bodies: 2, seed: 5)
        XCTAssertThrowsError(try Evaluator(model: model).evaluate(short.source(), name: "d")) {
            XCTAssertEqual($0 as? EvaluationError, .episodesTooShort(steps: 8, needed: 12, horizon: 10))
        }
        XCTAssertEqual(model.encodedFrames, 0)
    }

    func testMalformedBatchAndBrokenModelFailLoudly() throws {
        let data = bouncingEpisodes(episodes: 2, steps: 12, bodies: 1, seed: 5)
        var source = data.source()
        source.batches[0].states.removeLast()
        XCTAssertThrowsError(try Evaluator(model: OracleModel(bodies: 1)).evaluate(source, name: "d")) {
            XCTAssertTrue("\($0)".contains("`states` has 143 values, expected 144"), "\($0)")
        }
        let poisoned = OracleModel(bodies: 1)
        poisoned.poisoned = true
        XCTAssertThrowsError(try Evaluator(model: poisoned).evaluate(data.source(), name: "d")) {
            XCTAssertEqual($0 as? EvaluationError, .nonFiniteModelOutput(call: "encode"))
        }
    }
}

extension EvaluationResult {
    /// The result in its report form, for comparing whole results including NaN (null) fields.
    func json() -> JSONValue {
        EvaluationReport(request: EvaluationRequest(checkpoint: "c", data: "d"), checkpointSHA256: "",
                         datasetManifestSHA256: "", tumbleVersion: "", model: [:], result: self).json()
    }
}
