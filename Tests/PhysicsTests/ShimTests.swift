import Foundation
import CBox2D
import XCTest

/// The flat C API on its own: one world, a few bodies, exact expectations from Box2D's integrator.
final class ShimTests: XCTestCase {
    private var w: OpaquePointer!
    override func setUp() { w = tb_world_create(0, -10) }
    override func tearDown() { tb_world_destroy(w) }

    private func dynamicCircle(x: Float, y: Float, r: Float = 0.5) -> Int32 {
        var def = tb_default_body_def()
        def.x = x; def.y = y
        let id = tb_body_create(w, &def)
        var sd = tb_default_shape_def()
        XCTAssertEqual(tb_add_circle(w, id, &sd, 0, 0, r), 1)
        return id
    }

    private func state(_ id: Int32) -> [Float] {
        var out = [Float](repeating: -1, count: 6)
        var ids = [id]
        tb_export_states(w, &ids, 1, &out)
        return out
    }

    func testVersionIs2() { XCTAssertEqual(tb_box2d_version_major(), 2) }

    func testBodyFallsTheSemiImplicitEulerDistance() {
        let id = dynamicCircle(x: 0, y: 100)
        let dt: Float = 1.0 / 60, n = 60
        tb_world_step(w, dt, 8, 3, Int32(n))
        // Box2D integrates v += g dt, then y += v dt: after n steps y0 - g dt² n(n+1)/2.
        let expected = 100 - 10 * dt * dt * Float(n * (n + 1) / 2)
        let s = state(id)
        XCTAssertEqual(s[1], expected, accuracy: 1e-3)
        XCTAssertEqual(s[4], -10 * dt * Float(n), accuracy: 1e-4)
        XCTAssertEqual(s[0], 0)
    }

    func testBulkExportGivesZerosForAbsentRemovedAndDisabled() {
        let a = dynamicCircle(x: 1, y: 2), b = dynamicCircle(x: 3, y: 4), c = dynamicCircle(x: 5, y: 6)
        XCTAssertEqual(tb_body_remove(w, b), 1)
        XCTAssertEqual(tb_body_remove(w, b), 0, "second removal of a dead id")
        tb_body_set_enabled(w, c, 0)
        XCTAssertEqual(tb_body_is_enabled(w, c), 0)
        var ids: [Int32] = [a, b, c, -1, 99]
        var out = [Float](repeating: 7, count: 30)
        tb_export_states(w, &ids, 5, &out)
        XCTAssertEqual(Array(out[0..<2]), [1, 2])
        XCTAssertTrue(out[6...].allSatisfy { $0 == 0 })
        tb_body_set_enabled(w, c, 1)
        tb_export_states(w, &ids, 5, &out)
        XCTAssertEqual(Array(out[12..<14]), [5, 6], "re-enabled body keeps its state")
    }

    func testContactFlagsMarkBothBodiesWhenTheyMeetAndClear() {
        var ground = tb_default_body_def()
        ground.type = Int32(TB_STATIC)
        let g = tb_body_create(w, &ground)
        var sd = tb_default_shape_def()
        XCTAssertEqual(tb_add_edge(w, g, &sd, -10, 0, 10, 0), 1)
        let ball = dynamicCircle(x: 0, y: 0.9)
        var ids: [Int32] = [ball, g]
        var flags: [UInt8] = [9, 9]
        tb_export_contact_flags(w, &ids, 2, &flags)
        XCTAssertEqual(flags, [0, 0])
        var touched = false
        for _ in 0..<60 {
            tb_clear_contact_flags(w)
            tb_world_step(w, 1.0 / 60, 8, 3, 1)
            tb_export_contact_flags(w, &ids, 2, &flags)
            if flags == [1, 1] { touched = true; break }
        }
        XCTAssertTrue(touched, "the falling ball must begin touching the ground")
        tb_clear_contact_flags(w)
        tb_world_step(w, 1.0 / 60, 8, 3, 1)
        tb_export_contact_flags(w, &ids, 2, &flags)
        XCTAssertEqual(flags, [0, 0], "resting contact is not a new contact")
    }

    func testTeleportSetsPoseAndVelocities() {
        let id = dynamicCircle(x: 0, y: 0)
        tb_body_teleport(w, id, 4, 5, 0.5, 1, 2, 3)
        XCTAssertEqual(state(id), [4, 5, 0.5, 1, 2, 3])
    }

    func testDegenerateShapesAreRejected() {
        let id = dynamicCircle(x: 0, y: 0)
        var sd = tb_default_shape_def()
        let concave: [Float] = [0, 0, 2, 0, 1, 0.2, 2, 2, 0, 2]
        XCTAssertEqual(tb_add_polygon(w, id, &sd, concave, 5), 0)
        let square: [Float] = [0, 0, 1, 0, 1, 1, 0, 1]
        XCTAssertEqual(tb_add_polygon(w, id, &sd, square, 4), 1)
        let nine = [Float](repeating: 0, count: 18)
        XCTAssertEqual(tb_add_polygon(w, id, &sd, nine, 9), 0)
        XCTAssertEqual(tb_add_circle(w, id, &sd, 0, 0, -1), 0)
        XCTAssertEqual(tb_add_box(w, id, &sd, 0, 1, 0, 0, 0), 0)
        XCTAssertEqual(tb_add_edge(w, id, &sd, 1, 1, 1, 1), 0)
        let chain: [Float] = [0, 0, 1, 0, 2, 1]
        XCTAssertEqual(tb_add_chain(w, id, &sd, chain, 3, 1), 1)
        XCTAssertEqual(tb_add_chain(w, id, &sd, chain, 2, 1), 0, "a loop needs three points")
        XCTAssertEqual(tb_add_circle(w, 42, &sd, 0, 0, 1), 0, "unknown body")
    }

    func testRevoluteJointKeepsPendulumLength() {
        var ground = tb_default_body_def()
        ground.type = Int32(TB_STATIC)
        let g = tb_body_create(w, &ground)
        let bob = dynamicCircle(x: 3, y: 10, r: 0.2)
        XCTAssertEqual(tb_joint_revolute(w, g, bob, 0, 10, 0, 0, 0, 0, 0, 0, 0), 0)
        var lowest: Float = 10
        for _ in 0..<120 {
            tb_world_step(w, 1.0 / 60, 8, 3, 1)
            let s = state(bob)
            XCTAssertEqual(((s[0] * s[0]) + (s[1] - 10) * (s[1] - 10)).squareRoot(), 3, accuracy: 0.02)
            lowest = min(lowest, s[1])
        }
        XCTAssertLessThan(lowest, 7.1, "it swung down through the bottom")
    }

    func testDistanceJointRodAndSpring() {
        let a = dynamicCircle(x: 0, y: 0), b = dynamicCircle(x: 2, y: 0)
        tb_world_set_gravity(w, 0, 0)
        XCTAssertEqual(tb_joint_distance(w, a, b, 0, 0, 2, 0, -1, 0, 0, 0), 0)
        tb_body_apply_impulse(w, b, 0, 3)
        tb_world_step(w, 1.0 / 60, 8, 3, 60)
        let sa = state(a), sb = state(b)
        XCTAssertEqual(((sa[0] - sb[0]) * (sa[0] - sb[0]) + (sa[1] - sb[1]) * (sa[1] - sb[1])).squareRoot(), 2, accuracy: 0.02)
        XCTAssertEqual(tb_joint_distance(w, a, a, 0, 0, 0, 0, 1, 2, 0.5, 0), -1, "a joint needs two bodies")
    }

    func testPersistentForceActsEveryStepUntilCleared() {
        tb_world_set_gravity(w, 0, 0)
        let id = dynamicCircle(x: 0, y: 0)
        let m = tb_body_mass(w, id)
        XCTAssertEqual(m, .pi * 0.25, accuracy: 1e-4)
        tb_body_set_persistent_force(w, id, m * 2, 0)  // 2 m/s²
        tb_world_step(w, 0.1, 8, 3, 10)
        XCTAssertEqual(state(id)[3], 2, accuracy: 1e-4)
        tb_body_set_persistent_force(w, id, 0, 0)
        tb_world_step(w, 0.1, 8, 3, 10)
        XCTAssertEqual(state(id)[3], 2, accuracy: 1e-4, "no force once cleared")
        tb_body_apply_impulse(w, id, 0, m)
        tb_body_apply_angular_impulse(w, id, 1)
        tb_world_step(w, 0.1, 8, 3, 1)
        XCTAssertEqual(state(id)[4], 1, accuracy: 1e-4)
        XCTAssertGreaterThan(state(id)[5], 0)
    }

    func testFilterStopsCollisionWithWalls() {
        var ground = tb_default_body_def()
        ground.type = Int32(TB_STATIC)
        let g = tb_body_create(w, &ground)
        var sd = tb_default_shape_def()
        sd.category_bits = 2
        XCTAssertEqual(tb_add_box(w, g, &sd, 10, 0.5, 0, -0.5, 0), 1)
        let ball = dynamicCircle(x: 0, y: 2)
        tb_body_set_filter(w, ball, 1, 0xFFFF & ~2, 0)
        tb_world_step(w, 1.0 / 60, 8, 3, 120)
        XCTAssertLessThan(state(ball)[1], -5, "falls through the floor")
    }

    func testPlainStepLoopAdvancesTheSameWorld() {
        let id = dynamicCircle(x: 0, y: 100)
        let before = DispatchTime.now().uptimeNanoseconds
        let seconds = tb_bench_plain_steps(w, 1.0 / 60, 8, 3, 60)
        let outside = Double(DispatchTime.now().uptimeNanoseconds - before) / 1e9
        XCTAssertGreaterThan(seconds, 0, "60 steps take measurable time")
        XCTAssertLessThanOrEqual(seconds, outside, "the shim times only what happens inside the call")
        XCTAssertEqual(state(id)[1], 100 - 10 / 3600 * 1830, accuracy: 1e-3)
    }
}
