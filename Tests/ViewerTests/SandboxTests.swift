import Crypto
import Foundation
import Physics
import WorldModel
@testable import Viewer
import XCTest

/// The simulation behind the window, without SDL.
final class SandboxTests: XCTestCase {
    func sandbox(_ scene: Int = 0, model: ViewerModel? = nil, seed: UInt64 = 5, horizon: Int = 5) throws -> Sandbox {
        try Sandbox(scenes: TestScenes.all, sceneIndex: scene, seed: seed, model: model, horizon: horizon)
    }

    /// The true future read off the lead world is exactly what the shown world then does.
    func testTrueFutureMatchesWhatHappens() throws {
        for scene in [0, 1] {   // free balls; an actor under its policy
            let s = try sandbox(scene, horizon: 9)
            for _ in 0..<5 { s.step() }
            let predicted = s.trueFuture
            var actual: [[SIMD2<Float>]] = []
            for _ in 0..<9 {
                s.step()
                actual.append((0..<s.mask.count).map { s.position(of: $0) ?? SIMD2(repeating: .nan) })
            }
            for k in 0..<9 { XCTAssertEqual(predicted[k], actual[k], "scene \(scene), step \(k + 1)") }
        }
    }

    /// After an injected violation the lead replays and is exact again (the vanished body has no future).
    func testTrueFutureAfterViolationIsExact() throws {
        let s = try sandbox(horizon: 4)
        for _ in 0..<6 { s.step() }
        let v = try s.inject(.vanish)
        XCTAssertTrue(s.trueFuture.allSatisfy { $0[v.body].x.isNaN })
        let predicted = s.trueFuture
        for k in 0..<4 {
            s.step()
            let now = (0..<s.mask.count).map { s.position(of: $0) ?? SIMD2(repeating: .nan) }
            for b in now.indices where now[b].x.isFinite { XCTAssertEqual(predicted[k][b], now[b]) }
        }
    }

    /// Steering: the lead follows the user's held action, so the future is exact while the action is constant.
    func testTrueFutureUnderAHeldUserAction() throws {
        let s = try sandbox(1, horizon: 6)
        s.step()
        s.userAction = [0.7, -0.4]
        s.step()            // leaves the plan: the lead replays with the held action
        let predicted = s.trueFuture
        for k in 0..<6 {
            s.step()
            XCTAssertEqual(s.lastAction, [0.7, -0.4])
            let now = (0..<s.mask.count).map { s.position(of: $0)! }
            XCTAssertEqual(predicted[k], now, "step \(k + 1)")
        }
    }

    func testSameSeedSameFramesAndStates() throws {
        func run() throws -> String {
            let s = try sandbox(1, model: KinematicBaseline(), seed: 42)
            var h = SHA256()
            for _ in 0..<60 {
                s.step()
                s.frame.withUnsafeBytes { h.update(bufferPointer: $0) }
                s.states.withUnsafeBytes { h.update(bufferPointer: $0) }
                s.predictedFrame.withUnsafeBytes { h.update(bufferPointer: $0) }
            }
            return h.finalize().map { String(format: "%02x", $0) }.joined()
        }
        XCTAssertEqual(try run(), try run())
    }

    /// The window shows exactly what the rasteriser gives the recorder: same scene, seed, frame bytes.
    func testModelFrameIsTheRasterisersFrame() throws {
        let model = ScriptedModel()
        let s = try sandbox(model: model, seed: 9)
        for _ in 0..<3 { s.step() }
        let w = try World(scene: TestScenes.scene(TestScenes.bounce))
        w.reset(seed: 9)
        for _ in 0..<3 { w.step(action: nil) }
        var d: [Drawable] = []
        w.drawables(into: &d)
        var frame = [UInt8](repeating: 0, count: 64 * 64 * 3)
        frame.withUnsafeMutableBufferPointer { s.rasterizer.draw(d, camera: w.camera, into: $0) }
        XCTAssertEqual(model.lastFrame, frame)
        XCTAssertEqual(s.frame, frame)
    }

    /// The "predicted" panel shows the prediction made one step before the frame it is compared with.
    func testPredictedFrameLagsOneStep() throws {
        let model = ScriptedModel()
        let s = try sandbox(model: model)
        XCTAssertFalse(s.hasPredictedFrame)
        let first = s.frame
        s.step()
        XCTAssertTrue(s.hasPredictedFrame)
        XCTAssertEqual(s.predictedFrame, first.map { 255 &- $0 }, "prediction for this frame was decoded from the last one")
        var diff: [UInt8] = []
        s.differenceImage(into: &diff)
        XCTAssertEqual(diff.count, 64 * 64 * 3)
        XCTAssertGreaterThan(diff.reduce(0) { $0 + Int($1) }, 0)
    }

    func testActorRowAndHitTesting() throws {
        let s = try sandbox(1)
        let actor = try XCTUnwrap(s.actorBody)
        XCTAssertEqual(actor, 0, "pusher is the first dynamic entry")
        let p = try XCTUnwrap(s.position(of: actor))
        XCTAssertEqual(s.body(at: p), actor)
        XCTAssertNil(s.body(at: SIMD2(-5, -5)))
        XCTAssertNil(try sandbox(0).actorBody)
        let a = try XCTUnwrap(s.steeringAction(towards: p + SIMD2(10, 0)))
        XCTAssertEqual(a[0], 1, accuracy: 1e-6, "far target: full push")
        XCTAssertLessThanOrEqual(abs(a[1]), 1)
    }

    func testModelWithUnreadableFrameSizeIsRejected() throws {
        let m = ScriptedModel()
        m.frameSize = (64, 64, 4)
        XCTAssertThrowsError(try sandbox(model: m)) { error in
            XCTAssertTrue("\(error)".contains("channels"), "\(error)")
        }
    }

    func testUnsupportedViolationIsReportedNotFatal() throws {
        let s = try sandbox(2)   // toss: vanish only
        XCTAssertThrowsError(try s.inject(.teleport)) { error in
            XCTAssertTrue("\(error)".contains("teleport"), "\(error)")
        }
    }
}

/// A real (tiny, briefly trained) checkpoint through the adapter: the window's whole model path.
final class TrainedModelAdapterTests: XCTestCase {
    private static var checkpoint: (dir: URL, file: URL)?

    private func checkpoint() throws -> URL {
        if let c = Self.checkpoint { return c.file }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-viewer-model-\(UUID().uuidString)")
        let summary = try Trainer.train(TrainOptions(data: .scene("push"), run: dir, config: try LiveLearningTests.tinyConfig(), quiet: true))
        Self.checkpoint = (dir, summary.lastCheckpoint)
        return summary.lastCheckpoint
    }

    override class func tearDown() { if let d = checkpoint?.dir { try? FileManager.default.removeItem(at: d) } }

    func testCheckpointDrivesGhostsDecoderAndSurprise() throws {
        let adapter = try TrainedModelAdapter.load(checkpoint: try checkpoint())
        XCTAssertTrue(adapter.label.contains(String(adapter.model.checkpointSHA256.prefix(12))))
        XCTAssertEqual(adapter.frameSize.channels, 3)
        let s = try Sandbox(scenes: TestScenes.all, sceneIndex: 1, seed: 3, model: adapter, horizon: 4)
        XCTAssertEqual(s.imagined.count, 4)
        XCTAssertEqual(s.imagined[0].count, adapter.model.info.bodies)
        XCTAssertNil(s.surprise)
        s.step()
        s.step()
        XCTAssertNotNil(s.surprise)
        XCTAssertTrue(s.hasPredictedFrame, "the decoder's picture of the predicted frame")
        XCTAssertTrue(s.imagined.allSatisfy { $0.allSatisfy { $0.x.isFinite && $0.y.isFinite } })
        // Deterministic: the same episode gives the same surprise.
        let t = try Sandbox(scenes: TestScenes.all, sceneIndex: 1, seed: 3, model: TrainedModelAdapter.load(checkpoint: try checkpoint()), horizon: 4)
        t.step(); t.step()
        XCTAssertEqual(t.surprise, s.surprise)
    }

    func testUnreadableCheckpointIsAClearError() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-checkpoint-\(getpid()).safetensors")
        try Data("hello".utf8).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        XCTAssertThrowsError(try TrainedModelAdapter.load(checkpoint: bad)) { error in
            XCTAssertTrue("\(error)".contains(bad.lastPathComponent), "\(error)")
        }
    }
}
