import CSDL2
import Physics
@testable import Viewer
import XCTest

/// Zoom about the pointer (wheel, Z/X), right-drag pan and Home, through real SDL events, checked on the pixels.
final class CameraTests: XCTestCase {
    /// Screen centre and radius of the first ball, and its fill colour as drawn (read back off its centre line).
    private func firstBall(_ v: Viewer) throws -> (center: SIMD2<Float>, radius: Float, color: SIMD3<Int>) {
        let t = try XCTUnwrap(v.lastTransform)
        for d in v.sandbox.drawables where d.body >= 0 {
            guard case let .circle(c, r, _) = d.geometry else { continue }
            return (t.screen(c), r * t.scale, SIMD3(Int(d.color.x), Int(d.color.y), Int(d.color.z)))
        }
        throw XCTSkip("no ball")
    }

    private func near(_ a: SIMD3<Int>, _ b: SIMD3<Int>, _ tolerance: Int = 40) -> Bool {
        let d = a &- b
        return max(abs(d.x), abs(d.y), abs(d.z)) <= tolerance
    }

    /// How many of 16 points on a circle of `radius` around `c` show `color` (the spoke, a ghost or a path may
    /// cover a few of them).
    private func ring(_ px: Pixels, _ c: SIMD2<Float>, _ radius: Float, _ color: SIMD3<Int>) -> Int {
        (0..<16).filter { i in
            let a = Float(i) * .pi / 8
            return near(px.at(c + SIMD2(cosf(a), sinf(a)) * radius), color)
        }.count
    }

    func testWheelZoomsAboutThePointer() throws {
        let v = try TestScenes.viewer(model: .none(reason: "test"), width: 1280, height: 720)
        _ = try v.render()
        let before = try firstBall(v)
        XCTAssertLessThanOrEqual(ring(try Pixels(v), before.center, before.radius * 1.3, before.color), 3, "outside the ball")
        SyntheticInput.mouse(SDL_MOUSEMOTION, x: before.center.x, y: before.center.y)
        SyntheticInput.wheel(2)
        v.pollEvents()
        XCTAssertEqual(v.camera.zoom, ViewCamera.zoomStep * ViewCamera.zoomStep, accuracy: 1e-5)
        _ = try v.render()
        let after = try firstBall(v)
        // The point under the pointer stays put; the ball grows by the zoom.
        XCTAssertEqual(after.center.x, before.center.x, accuracy: 1.5)
        XCTAssertEqual(after.center.y, before.center.y, accuracy: 1.5)
        XCTAssertEqual(after.radius, before.radius * v.camera.zoom, accuracy: 0.5)
        // Read back: the circle just outside the old rim now lies inside the ball.
        XCTAssertGreaterThanOrEqual(ring(try Pixels(v), before.center, before.radius * 1.3, before.color), 12,
                                    "ball not enlarged about the pointer")
    }

    func testZAndXZoomRightDragPansAndHomeResets() throws {
        let v = try TestScenes.viewer(model: .none(reason: "test"), width: 1280, height: 720)
        _ = try v.render()
        let home = try XCTUnwrap(v.lastTransform)
        let ball = try firstBall(v)
        SyntheticInput.key(SDLK_x)
        v.pollEvents()
        XCTAssertEqual(v.camera.zoom, ViewCamera.zoomStep, accuracy: 1e-6)
        SyntheticInput.key(SDLK_z)
        v.pollEvents()
        XCTAssertEqual(v.camera.zoom, 1, accuracy: 1e-6)

        // Right-drag 120 px to the right: the world follows the pointer.
        _ = try v.render()
        SyntheticInput.mouse(SDL_MOUSEBUTTONDOWN, x: 300, y: 300, button: SDL_BUTTON_RIGHT)
        SyntheticInput.mouse(SDL_MOUSEMOTION, x: 420, y: 300)
        SyntheticInput.mouse(SDL_MOUSEBUTTONUP, x: 420, y: 300, button: SDL_BUTTON_RIGHT)
        v.pollEvents()
        XCTAssertNil(v.drag, "a right-drag pans; it must not grab a body")
        _ = try v.render()
        let moved = try firstBall(v)
        XCTAssertEqual(moved.center.x, ball.center.x + 120, accuracy: 1.5)
        XCTAssertEqual(moved.center.y, ball.center.y, accuracy: 1.5)
        XCTAssertGreaterThanOrEqual(ring(try Pixels(v), ball.center + SIMD2(120, 0), ball.radius * 0.6, ball.color), 12,
                                    "ball not drawn where the pan put it")

        SyntheticInput.key(SDLK_HOME)
        v.pollEvents()
        _ = try v.render()
        XCTAssertTrue(v.camera.isHome)
        XCTAssertEqual(v.lastTransform?.origin, home.origin)
        XCTAssertEqual(v.lastTransform?.scale, home.scale)

        // Another scene starts at home: zoom and pan belong to the world they were made in.
        SyntheticInput.key(SDLK_x)
        SyntheticInput.key(SDLK_RIGHTBRACKET)
        v.pollEvents()
        XCTAssertEqual(v.sandbox.scene.name, "push")
        XCTAssertTrue(v.camera.isHome)
    }

    /// Zoomed far in, the world is larger than its rectangle: the status bar and the sidebar must still cover it.
    func testZoomedWorldStaysInsideItsRectangle() throws {
        let v = try TestScenes.viewer(width: 1280, height: 720)
        _ = try v.render()
        let layout = Layout(width: 1280, height: 720, frameWidth: 64, frameHeight: 64, showLoss: false)
        let side = try XCTUnwrap(layout.sidebar)
        let spots: [SIMD2<Float>] = [[4, 3], [layout.hud.maxX - 4, 3], [side.x + 4, 700], [side.x + 6, side.h / 2], [1276, 716]]
        let px0 = try Pixels(v)
        let before = spots.map { px0.at($0) }
        for _ in 0..<8 { v.zoom(by: ViewCamera.zoomStep, aboutPixel: [100, 100]) }
        _ = try v.render()
        let px1 = try Pixels(v)
        XCTAssertEqual(spots.map { px1.at($0) }, before, "the zoomed world shows through the status bar or the sidebar")
    }

    /// The model's input never depends on the view.
    func testTheModelSeesTheSameFrameAtAnyZoom() throws {
        let a = try TestScenes.viewer(seed: 3), b = try TestScenes.viewer(seed: 3)
        b.zoom(by: 4, aboutPixel: nil)
        b.camera.drag(byPixels: [50, -30], scale: 10)
        for v in [a, b] { for _ in 0..<12 { v.advance(seconds: 1.0 / 60); _ = try v.render() } }
        XCTAssertEqual(a.sandbox.frame, b.sandbox.frame)
        XCTAssertEqual(a.sandbox.states, b.sandbox.states)
    }
}
