import Foundation
import XCTest

/// `tumble view --learn`: live learning from the command line, and a new model from scratch when the checkpoint
/// cannot learn here.
final class ViewLearnCommandTests: XCTestCase {
    private let env = ["SDL_VIDEODRIVER": "dummy", "DISPLAY": ""]

    func testLearnOnASceneTheShippedModelCannotTrainOnStartsFromScratch() throws {
        let dir = try temporaryDirectory("view-learn", for: self)
        // The shipped model watches bounce (no actions); push has an actor, so its predictor cannot learn push.
        let r = try TumbleProcess.tumble(["view", "push", "--learn", "--frames", "60"], in: dir, environment: env)
        XCTAssertSucceeded(r, "tumble view push --learn --frames 60")
        XCTAssertTrue(r.stderr.contains("from scratch") && r.stderr.contains("action"), r.output)
        XCTAssertTrue(r.stdout.contains("drew 60 frames") && r.stdout.contains("live learning:"), r.output)
    }

    func testMissingCheckpointWithLearnIsANewModelWithoutItAnError() throws {
        let dir = try temporaryDirectory("view-learn-missing", for: self)
        let ok = try TumbleProcess.tumble(["view", "bounce", "--checkpoint", "gone.safetensors", "--learn", "--frames", "20"], in: dir, environment: env)
        XCTAssertSucceeded(ok, "tumble view bounce --checkpoint gone.safetensors --learn")
        XCTAssertTrue(ok.stderr.contains("gone.safetensors") && ok.stderr.contains("from scratch"), ok.output)
        let bad = try TumbleProcess.tumble(["view", "bounce", "--checkpoint", "gone.safetensors", "--frames", "20"], in: dir, environment: env)
        XCTAssertFailed(bad, "tumble view bounce --checkpoint gone.safetensors")
        XCTAssertTrue(bad.stderr.contains("gone.safetensors") && !bad.stderr.contains("from scratch"), bad.output)
    }
}
