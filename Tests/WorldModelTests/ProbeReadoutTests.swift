import Common
import Foundation
import XCTest
@testable import WorldModel

/// Velocity and angle R², and the rollout with actions zeroed, on doubles whose right answers are known.
final class ProbeReadoutTests: XCTestCase {
    func testVelocityR2IsOneForAnExactProbeAndAbsentWithoutOne() throws {
        let data = bouncingEpisodes(episodes: 8, steps: 14, bodies: 2, seed: 3)
        let model = OracleModel(bodies: 2)
        XCTAssertNil(try Evaluator(model: model).evaluate(data.source(), name: "v").velocityR2)
        model.velocityProbe = true
        let result = try Evaluator(model: model).evaluate(data.source(), name: "v")
        XCTAssertEqual(try XCTUnwrap(result.velocityR2), 1, accuracy: 1e-9)
        XCTAssertNil(result.angleR2)                         // nothing turns in this data
        XCTAssertNil(result.positionErrorNoActions)          // and it has no actions
        let probe = try XCTUnwrap(report(result).json()["probe"])
        XCTAssertEqual(probe["velocity_r2"]?.doubleValue ?? .nan, 1, accuracy: 1e-9)
        XCTAssertEqual(probe["angle_r2"], .null)
        XCTAssertEqual(probe["position_error_no_actions"], .null)
    }

    func testAngleR2ScoresOnlyBodiesWhoseOrientationShows() throws {
        var data = bouncingEpisodes(episodes: 8, steps: 14, bodies: 2, seed: 4)
        data.orientationSymmetry = [0, 2]                    // body 0 a disc, body 1 a box (θ = x)
        let model = OracleModel(bodies: 2)
        model.angleProbe = [0, 2]
        let exact = try Evaluator(model: model).evaluate(data.source(), name: "a")
        XCTAssertEqual(try XCTUnwrap(exact.angleR2), 1, accuracy: 1e-6)
        // Read with the wrong symmetry (cos θ for a box whose θ and θ + π look the same) the R² drops.
        model.angleProbe = [0, 1]
        XCTAssertLessThan(try XCTUnwrap(Evaluator(model: model).evaluate(data.source(), name: "a").angleR2), 0.5)
        // A model without an angle read-out reports none, even on data where bodies turn.
        model.angleProbe = nil
        XCTAssertNil(try Evaluator(model: model).evaluate(data.source(), name: "a").angleR2)
    }

    func testAReadoutFittedForAnotherSymmetryIsRefusedBeforeAnyFrameIsRead() throws {
        var data = bouncingEpisodes(episodes: 2, steps: 14, bodies: 2, seed: 5)
        data.orientationSymmetry = [0, 4]                    // the scene now says a quarter turn shows
        let model = OracleModel(bodies: 2)
        model.angleProbe = [0, 2]
        model.fittedAngleSymmetry = [0, 2]                   // fitted when it said a half turn
        XCTAssertThrowsError(try Evaluator(model: model).evaluate(data.source(), name: "a")) { error in
            guard case let .incompatible(field, fitted, dataset)? = error as? EvaluationError else {
                return XCTFail("expected incompatible, got \(error)")
            }
            XCTAssertTrue(field.contains("rotational symmetry"), field)
            XCTAssertEqual(fitted, "[0, 2]")
            XCTAssertTrue(dataset.hasPrefix("[0, 4]"), dataset)
        }
        XCTAssertEqual(model.encodedFrames, 0)
        model.angleProbe = [0, 4]
        model.fittedAngleSymmetry = [0, 4]
        XCTAssertEqual(try XCTUnwrap(Evaluator(model: model).evaluate(data.source(), name: "a").angleR2), 1, accuracy: 1e-6)
    }

    func testRolloutWithActionsZeroedShowsHowMuchTheModelUsesThem() throws {
        // One body pushed +1 in x at every step by action 1: x = 0, 1, 2, …; the model adds its action to x.
        let steps = 8
        var data = SyntheticEpisodes(positions: [(0..<steps).map { [(Float($0), Float(0))] }], seeds: [9])
        data.actions = [Array(repeating: [1], count: steps)]
        let model = OracleModel(bodies: 1)
        model.actionDimension = 1
        model.gain = 0                                       // copies the last position; only the action moves it
        model.actionGain = 1
        let result = try Evaluator(model: model, options: EvaluationOptions(horizon: 3)).evaluate(data.source(), name: "push")
        XCTAssertEqual(result.positionErrors.model, [0, 0, 0])
        // Zeroed, the body stays where it was last seen: k steps behind.
        XCTAssertEqual(try XCTUnwrap(result.positionErrorNoActions), [1, 2, 3])
        let probe = try XCTUnwrap(report(result).json()["probe"])
        XCTAssertEqual(probe["ratio_to_no_actions"]?["3"]?.doubleValue, 0)
        XCTAssertTrue(report(result).table().contains("model with actions zeroed"))
    }

    private func report(_ result: EvaluationResult) -> EvaluationReport {
        EvaluationReport(request: EvaluationRequest(checkpoint: "c", data: "d", horizon: result.horizon), checkpointSHA256: "",
                         datasetManifestSHA256: "", tumbleVersion: "", model: [:], result: result)
    }
}
