import XCTest
@testable import Physics

/// Every shipped scene validates, runs, stays in its box, and does what its description promises.
final class ShippedSceneTests: XCTestCase {
    func testEmbeddedScenesEqualTheFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: scenesDirectory.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(Set(files.map { String($0.dropLast(5)) }), Set(Scene.shippedNames),
                       "run scripts/embed-scenes after adding or removing a scene")
        for name in Scene.shippedNames {
            let text = try String(contentsOf: scenesDirectory.appendingPathComponent("\(name).yaml"), encoding: .utf8)
            XCTAssertEqual(Scene.shippedSource(name), text, "\(name).yaml changed: run scripts/embed-scenes")
        }
        for name in ["bounce", "billiards", "tower", "pendulum", "ramp", "push", "pile500"] {
            XCTAssertTrue(Scene.shippedNames.contains(name), name)
        }
    }

    func testEachSceneRuns300StepsWithFiniteStatesInsideTheWorld() throws {
        for name in Scene.shippedNames {
            let scene = try Scene.load(name)
            let w = try World(scene: scene)
            w.reset(seed: 123)
            XCTAssertEqual(w.bodyMask.count, w.bodyCount)
            for t in 0..<300 {
                w.stepWithPolicy()
                let s = w.states()
                for row in 0..<w.bodyCount {
                    let body = s[6 * row..<6 * row + 6]
                    if !w.bodyMask[row] { XCTAssertTrue(body.allSatisfy { $0 == 0 }); continue }
                    XCTAssertTrue(body.allSatisfy(\.isFinite), "\(name) row \(row) step \(t)")
                    let p = SIMD2(s[6 * row], s[6 * row + 1])
                    guard p.x > 0, p.x < scene.world.width, p.y > 0, p.y < scene.world.height else {
                        return XCTFail("\(name): row \(row) left the world at step \(t): \(p)")
                    }
                }
            }
            XCTAssertEqual(w.stepIndex, 300)
        }
    }

    /// Kinetic energy ½ m v² with m from each ball's drawn radius (density 1).
    private func kineticEnergy(_ w: World) -> Float {
        var drawn: [Drawable] = []
        w.drawables(into: &drawn)
        var e: Float = 0
        for d in drawn where d.body >= 0 {
            guard case let .circle(_, r, _) = d.geometry else { continue }
            let v = w.velocity(d.body)
            e += 0.5 * .pi * r * r * (v * v).sum()
        }
        return e
    }

    func testBounceKeepsEnergyAndMovesOneOrTwoPixelsPerFrame() throws {
        let w = try World(scene: try Scene.load("bounce"))
        XCTAssertEqual(w.scene.observedHz, 15, accuracy: 1e-3)
        let pixelsPerMetre = Float(w.scene.camera.resolution) / (w.camera.maxX - w.camera.minX)
        var pixelSteps: [Float] = []
        for seed: UInt64 in [1, 2, 3] {
            w.reset(seed: seed)
            let e0 = kineticEnergy(w)
            var previous = w.states()
            var collisions = 0
            for _ in 0..<300 {
                w.stepWithPolicy()
                let s = w.states()
                for row in 0..<8 {
                    let d = SIMD2(s[6 * row] - previous[6 * row], s[6 * row + 1] - previous[6 * row + 1])
                    pixelSteps.append(length(d) * pixelsPerMetre)
                    if w.collidedThisStep(body: row) { collisions += 1 }
                }
                previous = s
            }
            XCTAssertEqual(kineticEnergy(w) / e0, 1, accuracy: 0.03, "seed \(seed): elastic, frictionless")
            XCTAssertGreaterThan(collisions, 50, "balls do meet walls and each other")
        }
        pixelSteps.sort()
        let median = pixelSteps[pixelSteps.count / 2]
        XCTAssertTrue(median >= 1 && median <= 2.2, "median motion \(median) px per frame")
    }

    func testTowerTopples() throws {
        let w = try World(scene: try Scene.load("tower"))
        var toppled = 0
        for seed: UInt64 in 0..<10 {
            w.reset(seed: seed)
            let top = w.position(6).y
            for _ in 0..<120 { w.stepWithPolicy() }
            if w.position(6).y < top - 3 { toppled += 1 }
        }
        XCTAssertGreaterThanOrEqual(toppled, 6, "most towers fall")
    }

    func testPendulumSwingsOnItsPin() throws {
        let scene = try Scene.load("pendulum")
        let w = try World(scene: scene)
        w.reset(seed: 4)
        var drawn: [Drawable] = []
        var maxOmega: Float = 0
        var sides = Set<Bool>()
        let anchor = scene.chains[0].anchor
        for _ in 0..<300 {
            w.stepWithPolicy()
            let s = w.states()
            maxOmega = max(maxOmega, abs(s[5]))
            sides.insert(s[6] > anchor.x)  // second link of the double pendulum: left or right of its pin
            // The first link's upper end stays on the pin.
            w.drawables(into: &drawn)
            guard case let .polygon(v) = drawn.first(where: { $0.body == 0 })!.geometry else { return XCTFail() }
            let top = (v[2] + v[3]) / 2
            XCTAssertLessThan(length(top - anchor), 0.05)
        }
        XCTAssertGreaterThan(maxOmega, 2, "it swings")
        XCTAssertEqual(sides.count, 2, "it swings to both sides")
    }

    func testRampObjectsRollDown() throws {
        let w = try World(scene: try Scene.load("ramp"))
        w.reset(seed: 8)
        let start = w.states()
        var spun = false
        for _ in 0..<300 {
            w.stepWithPolicy()
            if abs(w.states()[5]) > 2 { spun = true }
        }
        let end = w.states()
        for row in 0..<w.bodyCount where w.bodyMask[row] {
            XCTAssertLessThan(end[6 * row + 1], start[6 * row + 1] - 8, "row \(row) came down the slopes")
        }
        XCTAssertTrue(spun, "balls roll (spin), not just slide")
    }

    func testPushPolicyMovesTheBlockTowardsTheGoal() throws {
        let scene = try Scene.load("push")
        let w = try World(scene: scene)
        XCTAssertEqual(w.actionDimension, 2)
        let goal = scene.actor!.policy.goal!
        var before: Float = 0, after: Float = 0
        for seed: UInt64 in 0..<6 {
            w.reset(seed: seed)
            before += length(w.position(1) - goal)
            var touched = false
            for _ in 0..<300 {
                w.stepWithPolicy()
                if w.collidedThisStep(body: 1) { touched = true }
            }
            after += length(w.position(1) - goal)
            XCTAssertTrue(touched, "seed \(seed): the pusher reaches the block")
        }
        XCTAssertLessThan(after, before * 0.6, "on average the block ends much nearer the goal")
    }

    func testActionsAreClampedAndDriveTheActor() throws {
        let scene = try Scene.load("push")
        let pushed = try World(scene: scene), still = try World(scene: scene), clamped = try World(scene: scene)
        for w in [pushed, still, clamped] { w.reset(seed: 1) }
        let right: [Float] = [1, 0], wild: [Float] = [50, .nan]  // clamps to (1, 0)
        for _ in 0..<10 {
            right.withUnsafeBufferPointer { pushed.step(action: $0) }
            wild.withUnsafeBufferPointer { clamped.step(action: $0) }
            still.step(action: nil)
        }
        XCTAssertGreaterThan(pushed.position(0).x - still.position(0).x, 1)
        XCTAssertEqual(pushed.states(), clamped.states())
    }

    func testBilliardsCueBallSetsOthersMoving() throws {
        let w = try World(scene: try Scene.load("billiards"))
        var moved = 0
        for seed: UInt64 in 0..<5 {
            w.reset(seed: seed)
            var hit = false
            for _ in 0..<150 {
                w.stepWithPolicy()
                for row in 1..<w.bodyCount where w.bodyMask[row] && length(w.velocity(row)) > 0.5 { hit = true }
            }
            if hit { moved += 1 }
        }
        XCTAssertGreaterThanOrEqual(moved, 4)
    }

    func testVariableCountsPadAndMask() throws {
        let w = try World(scene: try Scene.load("billiards"))
        XCTAssertEqual(w.bodyCount, 10)
        var counts = Set<Int>()
        for seed: UInt64 in 0..<30 {
            w.reset(seed: seed)
            counts.insert(w.bodyMask.filter { $0 }.count)
            XCTAssertEqual(w.bodyMask.prefix(while: { $0 }).count, w.bodyMask.filter { $0 }.count, "present rows come first")
        }
        XCTAssertEqual(counts, Set(7...10))
    }

    func testDrawablesCarrySceneColoursAndWalls() throws {
        let w = try World(scene: try Scene.load("bounce"))
        var drawn: [Drawable] = []
        w.drawables(into: &drawn)
        XCTAssertEqual(drawn.filter { $0.body == -1 }.count, 4, "the frame's four walls")
        XCTAssertEqual(drawn.first!.color, SIMD3(110, 110, 120))
        let balls = drawn.filter { $0.body >= 0 }
        XCTAssertEqual(balls.map(\.body), Array(0..<8))
        XCTAssertEqual(balls[0].color, SIMD3(0xe6, 0x40, 0x3c))
        let s = w.states()
        guard case let .circle(c, r, _) = balls[3].geometry else { return XCTFail() }
        XCTAssertEqual(c, SIMD2(s[18], s[19]))
        XCTAssertTrue(r >= 0.9 && r <= 1.3)
    }
}
