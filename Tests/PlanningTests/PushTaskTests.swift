import Observation
import Physics
import XCTest
@testable import Planning

final class PushTaskTests: XCTestCase {
    func pushTask() throws -> PushTask { try PushTask(scene: Scene.load("push")) }

    func testEpisodesAreReproducibleHeldApartAndInsideTheView() throws {
        let task = try pushTask()
        let world = try World(scene: task.scene)
        let a = (0..<40).map { task.episode(base: 99, index: $0, world: world) }
        let b = (0..<40).map { task.episode(base: 99, index: $0, world: world) }
        XCTAssertEqual(a, b)
        XCTAssertEqual(Set(a.map(\.seed)).count, 40)
        var states = [Float](repeating: 0, count: world.bodyCount * 6)
        for e in a {
            world.reset(seed: e.seed)
            states.withUnsafeMutableBufferPointer { world.exportStates(into: $0) }
            let body = SIMD2(states[6 * task.pushedRow], states[6 * task.pushedRow + 1])
            let actor = SIMD2(states[6 * task.actorRow], states[6 * task.actorRow + 1])
            XCTAssertGreaterThanOrEqual(Geometry.length(e.goal - body), PushTask.minimumGoalDistance)
            XCTAssertGreaterThanOrEqual(Geometry.length(e.goal - actor), PushTask.actorClearance)
            let cam = world.camera
            XCTAssertTrue(e.goal.x >= cam.minX + PushTask.goalMargin && e.goal.x <= cam.maxX - PushTask.goalMargin)
            XCTAssertTrue(e.goal.y >= cam.minY + PushTask.goalMargin && e.goal.y <= cam.maxY - PushTask.goalMargin)
            XCTAssertFalse(states.withUnsafeBufferPointer { task.succeeded(states: $0, episode: e) })
        }
    }

    func testAScenWithoutAPushingActorIsRefusedByName() {
        XCTAssertThrowsError(try PushTask(scene: Scene.load("bounce"))) { error in
            XCTAssertTrue("\(error)".contains("bounce") && "\(error)".contains("actor.policy.push"), "\(error)")
        }
    }

    func testTheGoalFrameIsTheFirstFrameWithTheBodyMovedToTheGoal() throws {
        let task = try pushTask()
        let stream = try ObservationStream(scene: task.scene, resolution: 64)
        let e = task.episode(base: 5, index: 0, world: stream.world)
        stream.reset(seed: e.seed)
        let start = Array(stream.frame), goal = task.goalFrame(stream: stream, episode: e)
        XCTAssertEqual(goal.count, start.count)
        let blue = SIMD3<UInt8>(70, 130, 230), yellow = SIMD3<UInt8>(240, 200, 40)
        func pixel(_ f: [UInt8], _ p: SIMD2<Float>) -> SIMD3<UInt8> {
            let cam = stream.world.camera
            let x = Int((p.x - cam.minX) / (cam.maxX - cam.minX) * 64), y = Int((cam.maxY - p.y) / (cam.maxY - cam.minY) * 64)
            let i = (y * 64 + x) * 3
            return SIMD3(f[i], f[i + 1], f[i + 2])
        }
        let s = Array(stream.states)
        let body = SIMD2(s[6 * task.pushedRow], s[6 * task.pushedRow + 1]), actor = SIMD2(s[6 * task.actorRow], s[6 * task.actorRow + 1])
        XCTAssertEqual(pixel(start, body), blue)
        XCTAssertEqual(pixel(goal, e.goal), blue, "the body is drawn at the goal")
        XCTAssertNotEqual(pixel(goal, body), blue, "and no longer where it started")
        XCTAssertEqual(pixel(goal, actor), yellow, "the actor stays where it is")
        // Same colours, same count of body pixels: the body was moved, not redrawn at another size.
        func count(_ f: [UInt8], _ c: SIMD3<UInt8>) -> Int { stride(from: 0, to: f.count, by: 3).filter { SIMD3(f[$0], f[$0 + 1], f[$0 + 2]) == c }.count }
        XCTAssertEqual(Double(count(goal, blue)), Double(count(start, blue)), accuracy: Double(count(start, blue)) * 0.25)
        XCTAssertEqual(count(goal, yellow), count(start, yellow))
    }

    func testSuccessNeedsTheCentreAndTheAngleModuloTheBodysSymmetryWhenAsked() throws {
        var task = try pushTask()
        XCTAssertEqual(task.pushedSymmetry, 2, "push's block has random width and height: it looks the same after half a turn")
        let e = PushEpisode(seed: 1, goal: SIMD2(10, 10), goalAngle: 0.3)
        var s = [Float](repeating: 0, count: 12)
        func at(_ x: Float, _ y: Float, _ angle: Float) -> Bool {
            s[6 * task.pushedRow] = x; s[6 * task.pushedRow + 1] = y; s[6 * task.pushedRow + 2] = angle
            return s.withUnsafeBufferPointer { task.succeeded(states: $0, episode: e) }
        }
        XCTAssertTrue(at(10.9, 10, 2))
        XCTAssertFalse(at(11.1, 10, 0.3))
        task.angleTolerance = 0.2
        XCTAssertFalse(at(10, 10, 0.6))
        XCTAssertTrue(at(10, 10, 0.45))
        XCTAssertTrue(at(10, 10, 0.3 + .pi + 0.1), "half a turn looks the same")
        XCTAssertTrue(at(10, 10, 0.3 - 3 * .pi - 0.1))
    }
}
