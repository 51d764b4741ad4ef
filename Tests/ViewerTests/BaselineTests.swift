import Foundation
@testable import Viewer
import XCTest

/// The kinematic baseline (the window's honest test double) and live learning.
final class BaselineTests: XCTestCase {
    func testConstantVelocityIsExactInFreeFlight() throws {
        let m = KinematicBaseline()
        let s = try Sandbox(scenes: TestScenes.all, sceneIndex: 0, seed: 4, model: m, horizon: 1)
        var agree = 0, total = 0
        for _ in 0..<20 {
            let guess = s.imagined[0]
            s.step()
            for b in 0..<s.mask.count {
                guard let p = s.position(of: b) else { continue }
                total += 1
                if length(guess[b] - p) < 0.02 { agree += 1 }    // off only where a bounce happened
            }
        }
        XCTAssertGreaterThan(Double(agree) / Double(total), 0.8)
        XCTAssertTrue(m.label.contains("not a learned model"))
    }

    func testLiveLearningFindsGravity() throws {
        let m = KinematicBaseline()
        let s = try Sandbox(scenes: TestScenes.all, sceneIndex: 2, seed: 2, model: m, horizon: 3)
        for _ in 0..<20 { s.step() }     // 1.3 s: the balls are still in flight
        let learner = LiveLearner(model: m)
        var firstLosses: [Float] = []
        learner.start()
        let deadline = Date().addingTimeInterval(10)
        while learner.stepCount < 300 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
            if firstLosses.count < 20 { firstLosses += learner.drainLosses() }
        }
        learner.stopAndWait()
        XCTAssertFalse(learner.isRunning)
        XCTAssertGreaterThanOrEqual(learner.stepCount, 300)
        let g = m.learnedAcceleration
        XCTAssertEqual(g.x, 0, accuracy: 1.5)
        XCTAssertEqual(g.y, -9.81, accuracy: 2.0, "learned \(g)")
        let late = learner.drainLosses().suffix(50)
        XCTAssertLessThan(late.reduce(0, +) / Float(late.count), firstLosses.prefix(5).reduce(0, +) / 5)
        XCTAssertTrue(m.label.contains("learned gravity"))
    }

    func testSurpriseIsPixelErrorOfThePredictedPicture() throws {
        let m = KinematicBaseline()
        let s = try Sandbox(scenes: TestScenes.all, sceneIndex: 0, seed: 8, model: m, horizon: 1)
        for _ in 0..<3 { s.step() }
        var sum: Float = 0
        for i in 0..<s.frame.count { let d = Float(s.frame[i]) - Float(s.predictedFrame[i]); sum += d * d }
        let expected = sum / Float(s.frame.count) / (255 * 255) * 100
        XCTAssertEqual(try XCTUnwrap(s.surprise), expected, accuracy: 1e-5)
    }
}
