import XCTest
@testable import Physics

/// Mouse-style pulls (`World.pull`): they bring light and heavy bodies alike to the pointer without exploding,
/// and they are replayed exactly by snapshot/restore.
final class PullTests: XCTestCase {
    /// A feather and an anvil 4000 times heavier, under gravity, in a closed box.
    static let weights = """
        name: weights
        world: {width: 20, height: 20}
        gravity: [0, -9.81]
        observeEvery: 4
        camera: {resolution: 64, color: rgb}
        walls:
          - {type: frame, thickness: 0.5, friction: 0.6, color: [110, 110, 120]}
        bodies:
          - {name: feather, shape: circle, radius: 0.5, position: {x: 5, y: 2}, density: 0.05, friction: 0.5, color: [240, 240, 240]}
          - {name: anvil, shape: box, width: 2, height: 2, position: {x: 14, y: 2}, density: 200, friction: 0.6, color: [90, 90, 90]}
        violations: [vanish, teleport]
        """

    private func weights() throws -> World { try World(scene: try Scene(yaml: Self.weights, file: "weights.yaml")) }

    private func assertFinite(_ w: World, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(w.states().allSatisfy(\.isFinite), "non-finite state", file: file, line: line)
    }

    func testLightAndHeavyBodiesFollowThePullAndSettle() throws {
        let w = try weights()
        for (row, target) in [(0, SIMD2<Float>(8, 12)), (1, SIMD2<Float>(12, 14))] {
            w.reset(seed: 1)
            let start = w.position(row)
            try w.pull(body: row, toward: target)
            XCTAssertEqual(w.pulledBody, row)
            XCTAssertEqual(w.pullTarget, target)
            var worstSpeed: Float = 0, overshoot: Float = 0
            let way = (target - start) / length(target - start)
            for _ in 0..<45 {                                  // 3 s at 15 Hz
                w.stepWithPolicy()
                worstSpeed = max(worstSpeed, length(w.velocity(row)))
                overshoot = max(overshoot, ((w.position(row) - target) * way).sum())
            }
            assertFinite(w)
            XCTAssertLessThan(length(w.position(row) - target), 0.1, "body \(row) did not reach the pointer")
            XCTAssertLessThan(length(w.velocity(row)), 0.2, "body \(row) still moving at the pointer")
            // The body travels like the carrot it follows: never much faster, and it does not swing past.
            XCTAssertLessThan(worstSpeed, World.pullMaxSpeed * 1.2, "body \(row) was flung")
            XCTAssertLessThan(overshoot, 0.5, "body \(row) swung past the pointer")
            // Let go: it falls back to the floor.
            w.releasePull()
            XCTAssertNil(w.pulledBody)
            for _ in 0..<45 { w.stepWithPolicy() }
            XCTAssertLessThan(w.position(row).y, 2, "body \(row) did not fall after release")
        }
    }

    /// A target far outside the box: the capped force pins the body to the wall; it never tunnels or blows up.
    func testFarTargetPinsTheBodyToTheWallWithoutExploding() throws {
        let w = try weights()
        for row in 0..<2 {
            w.reset(seed: 2)
            try w.pull(body: row, toward: SIMD2(1_000, 500))
            for _ in 0..<60 {
                w.stepWithPolicy()
                let p = w.position(row)
                XCTAssertTrue(p.x > 0 && p.x < 20 && p.y > 0 && p.y < 20, "body \(row) left the box: \(p)")
            }
            assertFinite(w)
            XCTAssertLessThan(length(w.velocity(row)), 1, "body \(row) not at rest against the corner")
        }
    }

    /// An off-centre grab makes the body hang from the grabbed point, so it turns like under a mouse.
    func testOffCentreGrabSwingsTheBody() throws {
        let w = try weights()
        w.reset(seed: 3)
        let start = w.position(1)
        try w.pull(body: 1, toward: SIMD2(14, 12), grabbingAt: start + SIMD2(0.9, 0.9))
        for _ in 0..<60 { w.stepWithPolicy() }
        let angle = w.states()[6 * 1 + 2]
        XCTAssertGreaterThan(abs(angle), 0.3, "hanging from a corner should turn the box")
        // The grabbed corner, not the centre, is at the target.
        XCTAssertGreaterThan(length(w.position(1) - SIMD2(14, 12)), 0.8)
        assertFinite(w)
    }

    func testBadPullsAreClearErrors() throws {
        let w = try weights()
        XCTAssertThrowsError(try w.pull(body: 2, toward: .zero)) {
            XCTAssertEqual($0 as? WorldError, .noSuchBody(2, bodyCount: 2))
        }
        XCTAssertThrowsError(try w.pull(body: 0, toward: SIMD2(.nan, 1))) {
            XCTAssertTrue("\($0)".contains("pull target"), "\($0)")
        }
        try w.pull(body: 0, toward: SIMD2(5, 5))
        try w.inject(.vanish(body: 0))
        XCTAssertNil(w.pulledBody, "a vanished body is let go")
        XCTAssertThrowsError(try w.pull(body: 0, toward: SIMD2(5, 5))) { XCTAssertEqual($0 as? WorldError, .bodyAbsent(0)) }
        w.releasePull()   // nothing to release: no effect
        XCTAssertEqual(w.snapshot().events.filter { if case .pull(.release) = $0.event { return true }; return false }.count, 0)
    }

    /// Mouse moves between two steps collapse in the log; the collapsed log still replays bit-exactly.
    func testMovesBetweenStepsCollapseInTheLog() throws {
        let w = try weights()
        try w.pull(body: 1, toward: SIMD2(10, 10))
        try w.pull(body: 1, toward: SIMD2(11, 10))           // same interval: folded into the grab
        w.stepWithPolicy()
        for x in stride(from: Float(11), through: 14, by: 0.5) { try w.pull(body: 1, toward: SIMD2(x, 12)) }
        try w.pull(body: 1, toward: SIMD2(14, 12))           // unchanged target: nothing to log
        XCTAssertEqual(w.snapshot().events.map(\.event), [
            .pull(.grab(body: 1, at: SIMD2(14, 2), target: SIMD2(11, 10))), .pull(.move(target: SIMD2(14, 12))),
        ])
    }

    /// Snapshot/restore with pulls (grab, many moves, release, a second grab, a vanish of the pulled body) in the
    /// log: the restored world continues byte for byte like the original, a fresh world too.
    func testRestoreReplaysPullsExactly() throws {
        for name in ["bounce", "tower"] {
            let w = try World(scene: try Scene.load(name))
            w.reset(seed: 31)
            for _ in 0..<8 { w.stepWithPolicy() }
            try w.pull(body: 0, toward: SIMD2(10, 10), grabbingAt: w.position(0) + SIMD2(0.1, -0.1))
            for i in 0..<20 {
                try w.pull(body: 0, toward: SIMD2(10 + Float(i) * 0.2, 10))
                try w.pull(body: 0, toward: SIMD2(10 + Float(i) * 0.25, 10.5))
                w.stepWithPolicy()
            }
            w.releasePull()
            for _ in 0..<5 { w.stepWithPolicy() }
            try w.pull(body: 2, toward: SIMD2(6, 14))
            for _ in 0..<6 { w.stepWithPolicy() }
            try w.pull(body: 1, toward: SIMD2(4, 4))           // switches bodies
            try w.inject(.teleport(body: 3, to: SIMD2(15, 15)))
            for _ in 0..<6 { w.stepWithPolicy() }
            try w.pull(body: 1, toward: SIMD2(5, 4))
            let snap = w.snapshot()
            XCTAssertEqual(snap.step, 45)
            let statesAtSnapshot = w.states()
            let future = w.runHash(steps: 40)                   // with the pull still held

            // Diverge: let go, pull something else, vanish the pulled body; then come back.
            w.releasePull()
            try w.pull(body: 4, toward: SIMD2(2, 18))
            try w.inject(.vanish(body: 4))
            for _ in 0..<10 { w.stepWithPolicy() }
            w.restore(snap)
            XCTAssertEqual(w.stepIndex, 45)
            XCTAssertEqual(w.pulledBody, 1, "\(name): the pull in effect is restored")
            XCTAssertEqual(w.pullTarget, SIMD2(5, 4))
            XCTAssertEqual(w.states(), statesAtSnapshot, "\(name)")
            XCTAssertEqual(w.snapshot(), snap, "\(name): the replayed log is the same log")
            XCTAssertEqual(w.runHash(steps: 40), future, "\(name): same future after restore")

            let other = try World(scene: w.scene)
            other.restore(snap)
            XCTAssertEqual(other.runHash(steps: 40), future, "\(name): a fresh world restores it too")

            // The pull really acted: without it the future differs.
            other.restore(snap)
            other.releasePull()
            XCTAssertNotEqual(other.runHash(steps: 40), future)
        }
    }

    /// A vanish of the pulled body releases it as part of the vanish; replay keeps that order.
    func testRestoreAcrossAVanishOfThePulledBody() throws {
        let w = try World(scene: try Scene.load("bounce"))
        w.reset(seed: 4)
        try w.pull(body: 3, toward: SIMD2(10, 10))
        for _ in 0..<5 { w.stepWithPolicy() }
        try w.inject(.vanish(body: 3))
        try w.pull(body: 2, toward: SIMD2(4, 4))
        for _ in 0..<5 { w.stepWithPolicy() }
        let snap = w.snapshot(), states = w.states(), future = w.runHash(steps: 30)
        let other = try World(scene: w.scene)
        other.restore(snap)
        XCTAssertEqual(other.states(), states)
        XCTAssertEqual(other.pulledBody, 2)
        XCTAssertFalse(other.bodyMask[3])
        XCTAssertEqual(other.runHash(steps: 30), future)
    }
}
