import Foundation
import XCTest

/// `tumble view --learn`: live learning from the command line, and a new model from scratch when the checkpoint
/// cannot learn here.
final class ViewLearnCommandTests: XCTestCase {
    private let env = ["SDL_VIDEODRIVER": "dummy", "DISPLAY": ""]

    func testLearnOnASceneTheCheckpointCannotTrainOnStartsFromScratch() throws {
        let dir = try temporaryDirectory("view-learn", for: self)
        // Bounce's model has no actions; push has an actor, so its predictor cannot learn push.
        // 240 frames are 60 observations of push: clips for the learner thread well before the window stops.
        let bounce = TumbleProcess.packageRoot.appendingPathComponent("Assets/default-model.safetensors").path
        let r = try TumbleProcess.tumble(["view", "push", "--checkpoint", bounce, "--learn", "--frames", "240"], in: dir, environment: env)
        XCTAssertSucceeded(r, "tumble view push --checkpoint bounce's model --learn --frames 240")
        XCTAssertTrue(r.stderr.contains("from scratch") && r.stderr.contains("action"), r.output)
        XCTAssertTrue(r.stdout.contains("drew 240 frames") && r.stdout.contains("new model learning from scratch"), r.output)
        let (steps, loss) = try Self.learning(in: r.stdout)
        XCTAssertGreaterThanOrEqual(steps, 1, "the new model took an online step:\n\(r.output)")
        XCTAssertTrue(loss.isFinite, "its last loss is finite:\n\(r.output)")
    }

    /// The shipped model fine-tunes its predictor online: steps with a finite loss, counted in its HUD label.
    func testLearnWithTheShippedModelFineTunesIt() throws {
        let dir = try temporaryDirectory("view-learn-shipped", for: self)
        let r = try TumbleProcess.tumble(["view", "bounce", "--learn", "--frames", "240"], in: dir, environment: env)
        XCTAssertSucceeded(r, "tumble view bounce --learn --frames 240")
        let (steps, loss) = try Self.learning(in: r.stdout)
        XCTAssertGreaterThanOrEqual(steps, 1, "the shipped model took an online step:\n\(r.output)")
        XCTAssertTrue(loss.isFinite, "its last loss is finite:\n\(r.output)")
        XCTAssertTrue(r.stdout.contains("· step 1500 + \(steps) online"), "the HUD label counts the online steps:\n\(r.output)")
    }

    /// Steps and last loss from the headless summary, "…; live learning: N steps in … , last loss L; model: …".
    static func learning(in stdout: String) throws -> (steps: Int, loss: Double) {
        let steps = try XCTUnwrap(stdout.firstMatch(of: #/live learning: ([0-9]+) steps/#), "no step count in:\n\(stdout)")
        let loss = try XCTUnwrap(stdout.firstMatch(of: #/last loss ([^;\s]+)/#), "no last loss in:\n\(stdout)")
        return (Int(steps.1)!, Double(loss.1) ?? .nan)
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
