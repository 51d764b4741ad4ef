import Common
import Foundation
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

    // MARK: Immutability

    /// Every colour a scene's frames can show, listed from the scene text (not from the world, which the planner reads).
    private func paletteOf(_ scene: Scene) -> [SIMD3<UInt8>] {
        [scene.camera.background] + scene.walls.map(\.color) + scene.bodies.flatMap(\.colors) + scene.chains.flatMap(\.colors)
            + (scene.chains.isEmpty ? [] : [SIMD3(160, 160, 160)])   // chain pins
    }

    func testImmutabilityRepaintsExactlyThatBodyAndNothingElse() throws {
        let w = try bounce(), twin = try bounce()
        var rng = SplitMix64(seed: 4)
        let v = try XCTUnwrap(w.planViolation(.immutability, rng: &rng))
        guard case let .immutability(row, colour) = v else { return XCTFail("\(v)") }
        XCTAssertEqual(v.type, .immutability)
        XCTAssertEqual(v.body, row)
        let s = w.states(), r: Float = 1.3, view = w.camera
        XCTAssertTrue(s[6 * row] - r >= view.minX && s[6 * row] + r <= view.maxX
                      && s[6 * row + 1] - r >= view.minY && s[6 * row + 1] + r <= view.maxY, "fully in view")
        var before: [Drawable] = [], after: [Drawable] = [], normal: [Drawable] = []
        w.drawables(into: &before)
        let old = try XCTUnwrap(before.first { $0.body == row }).color
        XCTAssertNotEqual(old, colour)
        try w.inject(v)
        for step in 0..<20 {
            w.drawables(into: &after)
            twin.drawables(into: &normal)
            XCTAssertEqual(after.count, normal.count)
            for (a, b) in zip(after, normal) {
                XCTAssertEqual(a.geometry, b.geometry, "step \(step): shapes and motion are untouched")
                XCTAssertEqual(a.body, b.body)
                XCTAssertEqual(a.color, a.body == row ? colour : b.color, "step \(step): only body \(row) is repainted")
            }
            XCTAssertEqual(w.states(), twin.states(), "step \(step): a colour changes no physics")
            XCTAssertEqual(w.bodyMask, twin.bodyMask)
            w.stepWithPolicy()
            twin.stepWithPolicy()
        }
        // A second change of the same body must move away from its new colour too.
        XCTAssertTrue(w.sceneColours.contains(colour))
        w.reset(seed: 5)
        w.drawables(into: &after)
        XCTAssertEqual(try XCTUnwrap(after.first { $0.body == row }).color, old, "reset restores the scene colour")
    }

    func testFreshColoursAreFarFromEveryColourTheSceneCanShow() throws {
        for name in ["bounce", "billiards", "tower", "pendulum", "ramp", "push"] {
            for grey in [false, true] {
                var scene = try Scene.load(name)
                XCTAssertTrue(scene.violations.contains(.immutability), "\(name) lists immutability")
                if grey { scene.camera.color = .grey }
                let w = try World(scene: scene), palette = paletteOf(scene)
                for seed in 0..<25 {
                    w.reset(seed: UInt64(seed))
                    for _ in 0..<5 { w.stepWithPolicy() }
                    var rng = SplitMix64(seed: UInt64(seed))
                    guard let v = w.planViolation(.immutability, rng: &rng) else { XCTFail("\(name) seed \(seed): no plan"); continue }
                    guard case let .immutability(_, c) = v else { return XCTFail("\(v)") }
                    for p in palette {
                        if grey {
                            let d = abs(Int(Drawable.luma(c)) - Int(Drawable.luma(p)))
                            XCTAssertGreaterThanOrEqual(Float(d), World.freshColourDistance.grey, "\(name) grey: \(c) against \(p)")
                        } else {
                            let d = SIMD3<Float>(c) - SIMD3<Float>(p)
                            XCTAssertGreaterThanOrEqual((d * d).sum().squareRoot(), World.freshColourDistance.rgb, "\(name): \(c) against \(p)")
                        }
                    }
                    var again = SplitMix64(seed: UInt64(seed))
                    XCTAssertEqual(w.planViolation(.immutability, rng: &again), v, "the pair's stream decides the colour")
                }
            }
        }
    }

    func testNoFreshColourWhenTheSceneUsesThemAll() throws {
        // Grey frames with a palette every 16 luma levels leave no colour 16 levels from all of them.
        var yaml = """
        name: crowded
        description: Every grey level taken.
        world: {width: 10, height: 10}
        camera: {color: grey}
        bodies:
          - {name: ball, shape: circle, radius: 1, position: {x: 5, y: 5}, color: [
        """
        yaml += stride(from: 8, through: 248, by: 16).map { "[\($0), \($0), \($0)]" }.joined(separator: ", ") + "]}\n"
        yaml += "violations: [immutability, vanish]\n"
        let w = try World(scene: try Scene(yaml: yaml))
        var rng = SplitMix64(seed: 1)
        XCTAssertNil(w.planViolation(.immutability, rng: &rng))
        XCTAssertNotNil(w.planViolation(.vanish, rng: &rng), "the body itself is in view")
    }

    func testSnapshotAndRestoreAroundAnImmutabilityAreBitExact() throws {
        for name in ["bounce", "push", "pendulum"] {
            let w = try World(scene: try Scene.load(name))
            w.reset(seed: 21)
            for _ in 0..<8 { w.stepWithPolicy() }
            let early = w.snapshot()
            var earlyDrawn: [Drawable] = []
            w.drawables(into: &earlyDrawn)
            var rng = SplitMix64(seed: 9)
            let v = try XCTUnwrap(w.planViolation(.immutability, rng: &rng), name)
            try w.inject(v)
            for _ in 0..<12 { w.stepWithPolicy() }
            let snap = w.snapshot()
            XCTAssertEqual(snap.events, [LoggedEvent(step: 8, event: .violation(v))], "\(name): the log holds the colour")
            var atSnap: [Drawable] = [], restored: [Drawable] = []
            w.drawables(into: &atSnap)
            let states = w.states()
            let future = w.runHash(steps: 30)

            let other = try World(scene: w.scene)
            other.restore(snap)
            other.drawables(into: &restored)
            XCTAssertEqual(restored, atSnap, "\(name): the repainted body comes back repainted")
            XCTAssertEqual(other.states(), states)
            XCTAssertEqual(other.runHash(steps: 30), future, "\(name): same future after restore")

            w.restore(early)
            w.drawables(into: &restored)
            XCTAssertEqual(restored, earlyDrawn, "\(name): before the injection every body has its scene colour")
            XCTAssertEqual(w.snapshot().events, [])
        }
    }

    func testViolationsRoundTripThroughJSONIncludingTheirColour() throws {
        let all: [Violation] = [.vanish(body: 1), .teleport(body: 2, to: SIMD2(3.5, 4.25)), .passThrough(body: 3),
                                .immutability(body: 4, color: SIMD3(12, 200, 255))]
        XCTAssertEqual(Set(all.map(\.type)), Set(ViolationType.allCases), "one of each type")
        let data = try JSONEncoder().encode(all)
        XCTAssertEqual(try JSONDecoder().decode([Violation].self, from: data), all)
        XCTAssertEqual(ViolationType.immutability.rawValue, "immutability")
        for t in ViolationType.allCases {
            XCTAssertLessThanOrEqual(t.rawValue.count, 12, "\(t) fits a dataset's <U12 violation_type")
            XCTAssertEqual(try JSONDecoder().decode(ViolationType.self, from: JSONEncoder().encode(t)), t)
        }
    }

    /// "Fully in view" means every shape at its pose: a wide box resting on the floor qualifies although its bounding
    /// circle dips below the frame, and then pass-through drops it through the floor.
    func testAWideBoxOnTheFloorIsInViewAndCanPassThroughIt() throws {
        let w = try World(scene: try Scene.load("tower"))
        var found = false
        for seed in 0..<40 where !found {
            w.reset(seed: UInt64(seed))
            let s = w.states(), radius = w.rowRadii()[0]
            guard s[1] - radius < w.camera.minY else { continue }   // box0's bounding circle leaves the frame
            found = true
            XCTAssertTrue(w.fullyInView(0, states: s), "seed \(seed): its corners are all inside")
            var rng = SplitMix64(seed: 0), seen = false
            for _ in 0..<64 {
                if case .passThrough(0)? = w.planViolation(.passThrough, rng: &rng) { seen = true; break }
            }
            XCTAssertTrue(seen, "seed \(seed): the resting bottom box is a pass-through candidate")
        }
        XCTAssertTrue(found, "some tower has a bottom box wider than its bounding circle allows")
        let b = try bounce()
        var s = b.states()
        s[0] = b.camera.maxX - 0.5   // a ball half out of the frame
        XCTAssertFalse(b.fullyInView(0, states: s))
    }
}
