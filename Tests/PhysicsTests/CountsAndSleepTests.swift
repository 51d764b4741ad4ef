import XCTest
@testable import Physics

/// The window's physics panel: live counts, and Box2D's sleeping offered as an option that datasets never use.
final class CountsAndSleepTests: XCTestCase {
    func testCountsFollowTheWorld() throws {
        let w = try World(scene: try Scene.load("tower"))
        w.reset(seed: 3)
        let start = w.counts
        XCTAssertEqual(start.bodies, w.bodyMask.filter { $0 }.count, "every dynamic body is counted")
        XCTAssertEqual(start.awake, start.bodies, "nothing sleeps at reset")
        for _ in 0..<30 { w.stepWithPolicy() }
        XCTAssertGreaterThan(w.counts.contacts, 0, "a tower stands on the ground: its boxes touch")
    }

    /// Boxes dropped on a rough floor: they come to rest within a few seconds.
    static let settle = """
        name: settle
        description: Boxes dropped on a floor come to rest.
        world: {width: 20, height: 20}
        observeEvery: 4
        camera: {resolution: 32, color: rgb}
        walls:
          - {type: frame, thickness: 0.5, friction: 0.9, restitution: 0, color: [110, 110, 120]}
        bodies:
          - name: box
            count: 3
            shape: box
            width: 1.5
            height: 1.5
            position: {x: [3, 17], y: [2, 6]}
            friction: 0.9
            restitution: 0
            color: [200, 100, 50]
        """

    func testSleepingIsOffUnlessAskedAndTakesEffectAtReset() throws {
        let scene = try Scene(yaml: Self.settle, file: "settle.yaml")
        let awake = try World(scene: scene), sleepy = try World(scene: scene)
        XCTAssertFalse(awake.allowSleep)
        sleepy.allowSleep = true
        for w in [awake, sleepy] {
            w.reset(seed: 3)
            for _ in 0..<120 { w.stepWithPolicy() }
        }
        XCTAssertEqual(awake.counts.awake, awake.counts.bodies, "without sleeping every body stays awake")
        XCTAssertLessThan(sleepy.counts.awake, sleepy.counts.bodies, "bodies at rest fall asleep once allowed")
        // Restoring a snapshot rebuilds the world with the same setting, so the replay matches.
        let snap = sleepy.snapshot(), hash = sleepy.runHash(steps: 20)
        sleepy.restore(snap)
        XCTAssertEqual(sleepy.runHash(steps: 20), hash)
    }
}
