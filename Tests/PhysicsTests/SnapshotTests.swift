import XCTest
@testable import Physics

final class SnapshotTests: XCTestCase {
    /// Restoring must reproduce the continuation exactly, including actions and injected violations.
    func testRestoreReplaysExactly() throws {
        for name in ["push", "bounce"] {
            let w = try World(scene: try Scene.load(name))
            w.reset(seed: 77)
            for _ in 0..<30 { w.stepWithPolicy() }
            try w.inject(.teleport(body: 1, to: SIMD2(10, 10)))
            for _ in 0..<20 { w.stepWithPolicy() }
            let snap = w.snapshot()
            XCTAssertEqual(snap.step, 50)
            let statesAtSnapshot = w.states()
            let future = w.runHash(steps: 60)

            // Diverge (another violation), then come back.
            try w.inject(.vanish(body: 0))
            for _ in 0..<10 { w.stepWithPolicy() }
            w.restore(snap)
            XCTAssertEqual(w.stepIndex, 50)
            XCTAssertEqual(w.states(), statesAtSnapshot)
            XCTAssertTrue(w.bodyMask[0])
            XCTAssertEqual(w.runHash(steps: 60), future, "\(name): same future after restore")

            // A fresh world can restore it too.
            let other = try World(scene: w.scene)
            other.restore(snap)
            XCTAssertEqual(other.runHash(steps: 60), future)
        }
    }

    func testSnapshotsKnowTheirScene() throws {
        let a = try World(scene: try Scene.load("push")), b = try World(scene: try Scene.load("bounce"))
        XCTAssertFalse(b.canRestore(a.snapshot()))
        XCTAssertTrue(b.canRestore(b.snapshot()))
        XCTAssertTrue(try World(scene: try Scene.load("bounce")).canRestore(b.snapshot()))
    }
}
