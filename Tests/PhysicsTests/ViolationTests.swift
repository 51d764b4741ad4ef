import Common
import XCTest
@testable import Physics

final class ViolationTests: XCTestCase {
    private func bounce(seed: UInt64 = 5) throws -> World {
        let w = try World(scene: try Scene.load("bounce"))
        w.reset(seed: seed)
        for _ in 0..<10 { w.stepWithPolicy() }
        return w
    }

    func testVanishRemovesBodyFromStatesMaskAndDrawables() throws {
        let w = try bounce()
        var rng = SplitMix64(seed: 1)
        let v = try XCTUnwrap(w.planViolation(.vanish, rng: &rng))
        guard case let .vanish(row) = v else { return XCTFail("\(v)") }
        var drawn: [Drawable] = []
        w.drawables(into: &drawn)
        XCTAssertEqual(drawn.filter { $0.body == row }.count, 1)
        try w.inject(v)
        XCTAssertFalse(w.bodyMask[row])
        w.stepWithPolicy()
        XCTAssertEqual(Array(w.states()[6 * row..<6 * row + 6]), [0, 0, 0, 0, 0, 0])
        w.drawables(into: &drawn)
        XCTAssertTrue(drawn.allSatisfy { $0.body != row })
        XCTAssertEqual(drawn.filter { $0.body >= 0 }.count, 7)
        XCTAssertThrowsError(try w.inject(.vanish(body: row))) { XCTAssertEqual($0 as? WorldError, .bodyAbsent(row)) }
    }

    func testTeleportJumpsKeepingVelocity() throws {
        let w = try bounce()
        var rng = SplitMix64(seed: 2)
        let v = try XCTUnwrap(w.planViolation(.teleport, rng: &rng))
        guard case let .teleport(row, target) = v else { return XCTFail("\(v)") }
        let before = w.position(row), velocity = w.velocity(row)
        XCTAssertGreaterThanOrEqual(length(target - before), 20.0 / 3 - 1e-3, "at least a third of the view away")
        let view = w.camera
        XCTAssertTrue(target.x > view.minX && target.x < view.maxX && target.y > view.minY && target.y < view.maxY)
        try w.inject(v)
        XCTAssertEqual(w.position(row), target)
        XCTAssertEqual(w.velocity(row), velocity)
        w.stepWithPolicy()
        XCTAssertLessThan(length(w.position(row) - target), 1, "moves on normally from the new place")
    }

    func testPassThroughLeavesTheBoxWhileTheNormalBallBounces() throws {
        let normal = try bounce(seed: 11), violated = try bounce(seed: 11)
        var rng = SplitMix64(seed: 3)
        let v = try XCTUnwrap(violated.planViolation(.passThrough, rng: &rng))
        guard case let .passThrough(row) = v else { return XCTFail("\(v)") }
        try violated.inject(v)
        var escaped = false
        for _ in 0..<Int(World.passThroughHorizon * 15) + 30 {
            normal.stepWithPolicy()
            violated.stepWithPolicy()
            let p = violated.position(row), q = normal.position(row)
            XCTAssertTrue(q.x > 0 && q.x < 20 && q.y > 0 && q.y < 20, "the possible clip stays in the box")
            if p.x < 0 || p.x > 20 || p.y < 0 || p.y > 20 { escaped = true; break }
        }
        XCTAssertTrue(escaped, "the violated body goes through the wall")
    }

    func testPassThroughFallsThroughTheFloorUnderGravity() throws {
        let w = try World(scene: try Scene.load("tower"))
        w.reset(seed: 3)
        try w.inject(.passThrough(body: 0))  // the bottom box, resting on the floor
        for _ in 0..<30 { w.stepWithPolicy() }
        XCTAssertLessThan(w.position(0).y, -1)
    }

    func testUnsupportedAndBadViolationsThrow() throws {
        let w = try World(scene: try Scene.load("pendulum"))
        XCTAssertThrowsError(try w.inject(.teleport(body: 0, to: SIMD2(5, 5))))
        var rng = SplitMix64(seed: 0)
        XCTAssertNil(w.planViolation(.passThrough, rng: &rng))
        XCTAssertThrowsError(try w.inject(.vanish(body: 99))) {
            XCTAssertEqual($0 as? WorldError, .noSuchBody(99, bodyCount: w.bodyCount))
        }
    }

    func testPlannedBodiesAreVisible() throws {
        let w = try bounce()
        let s = w.states()
        for seed in 0..<20 {
            var rng = SplitMix64(seed: UInt64(seed))
            for type in ViolationType.allCases {
                guard let v = w.planViolation(type, rng: &rng) else { continue }
                let p = SIMD2(s[6 * v.body], s[6 * v.body + 1])
                XCTAssertTrue(p.x > 1 && p.x < 19 && p.y > 1 && p.y < 19, "\(v)")
            }
        }
    }

    func testVanishingAChainLinkReleasesTheLinksBelow() throws {
        let w = try World(scene: try Scene.load("pendulum"))
        w.reset(seed: 2)
        try w.inject(.vanish(body: 2))  // first link of the triple pendulum
        for _ in 0..<60 { w.stepWithPolicy() }
        let s = w.states()
        XCTAssertTrue(s.allSatisfy(\.isFinite))
        XCTAssertEqual(Array(s[12..<18]), [0, 0, 0, 0, 0, 0])
        XCTAssertLessThan(w.position(4).y, 3, "the rest of the chain fell to the floor")
    }
}
