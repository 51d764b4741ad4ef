import CSDL2
import Physics
@testable import Viewer
import XCTest

/// The window under SDL's offscreen path: real SDL events in, pixels read back out.
final class WindowTests: XCTestCase {
    func testGhostsAreDrawnWhereTheProbeSays() throws {
        let model = ScriptedModel()
        let v = try TestScenes.viewer(model: .model(model))
        let n = v.sandbox.world.bodyCount
        // Put each ghost somewhere the bodies are not: a diagonal across the box.
        model.probe = (0..<n).map { i in SIMD2(3 + Float(i) * 2, 3 + Float(i) * 2) }
        v.sandbox.refreshForecast()
        _ = try v.render()
        let px = try Pixels(v)
        let t = try XCTUnwrap(v.lastTransform)
        var hits = 0
        for d in v.sandbox.drawables where d.body >= 0 {
            guard case let .circle(_, r, _) = d.geometry else { continue }
            let c = t.screen(model.probe[d.body])
            let rim = px.at(c - SIMD2(0, r * t.scale))           // top of the ghost's outline
            let ghost = SIMD3(Int(Theme.imagined.r), Int(Theme.imagined.g), Int(Theme.imagined.b))
            let d = rim &- ghost
            if max(abs(d.x), abs(d.y), abs(d.z)) < 60 { hits += 1 }
        }
        XCTAssertGreaterThanOrEqual(hits, n - 1, "ghost outlines missing at probe positions")

        // And nothing ghost-coloured is drawn there when the probe points elsewhere.
        model.probe = (0..<n).map { _ in SIMD2(17, 3) }
        v.sandbox.refreshForecast()
        _ = try v.render()
        let px2 = try Pixels(v)
        let old = SIMD2<Float>(3 + 2 * 3, 3 + 2 * 3)
        let p = t.screen(old)
        XCTAssertLessThan(px2.at(p).z, 200, "stale ghost left behind")
    }

    /// Between two observations bodies are drawn interpolated (up to one interval behind the newest state); a
    /// ghost must sit one predicted step ahead of the body as drawn, not of the newest state (which put the
    /// constant-velocity baseline's ghosts up to two steps, ~40 px, ahead of fast balls).
    func testGhostsLeadTheDrawnBodyByOnePredictedStep() throws {
        let v = try TestScenes.viewer(model: .kinematicBaseline, width: 1280, height: 720)
        for _ in 0..<22 { v.advance(seconds: 1.0 / 60) }      // 5 observations and half an interval
        XCTAssertEqual(v.alpha, 0.5, accuracy: 1e-3)
        _ = try v.render()
        let px = try Pixels(v)
        let t = try XCTUnwrap(v.lastTransform)
        let s = v.sandbox
        let ghost = SIMD3(Int(Theme.imagined.r), Int(Theme.imagined.g), Int(Theme.imagined.b))
        func isGhost(_ p: SIMD2<Float>) -> Bool { let d = px.at(p) &- ghost; return max(abs(d.x), abs(d.y), abs(d.z)) < 60 }
        var aligned = 0, stale = 0, balls = 0, worstLead: Float = 0
        for d in s.drawables where d.body >= 0 {
            guard case let .circle(c, r, _) = d.geometry, let now = s.position(of: d.body) else { continue }
            let pose = try XCTUnwrap(WorldPainter.pose(sandbox: s, body: d.body, alpha: v.alpha))
            let step = s.imagined[0][d.body] - now
            let drawn = WorldPainter.apply(pose, c)
            balls += 1
            worstLead = max(worstLead, length(step) * t.scale)
            if isGhost(t.screen(drawn + step) - SIMD2(0, r * t.scale)) { aligned += 1 }
            if length(pose.shift) * t.scale > 4, isGhost(t.screen(c + step) - SIMD2(0, r * t.scale)) { stale += 1 }
        }
        XCTAssertGreaterThanOrEqual(aligned, balls - 1, "ghosts not one step ahead of the drawn balls")
        XCTAssertLessThan(stale, aligned / 2, "ghosts still drawn from the newest state")
        // One step of the fastest ball (9 m/s, 1/15 s) at this scale: under 20 px.
        XCTAssertLessThan(worstLead, 9 * (1.0 / 15) * t.scale + 1)
    }

    /// IntPhys-style matched pair: same seed, same frames up to the injection; the clip with the vanish is
    /// more surprising right after it, and the meter marks where it happened.
    func testSurpriseMeterRisesAfterInjectedVanish() throws {
        let possible = try TestScenes.viewer(seed: 21)
        let impossible = try TestScenes.viewer(seed: 21)
        for v in [possible, impossible] { for _ in 0..<40 { v.advance(seconds: 1.0 / 60) } }   // 10 observations
        XCTAssertEqual(possible.sandbox.frame, impossible.sandbox.frame)
        let tick = impossible.sandbox.tick
        SyntheticInput.key(SDLK_b)            // B: vanish
        impossible.pollEvents()
        XCTAssertTrue(impossible.surprisePlot.markers.contains { $0.label == "vanish" && $0.tick == tick + 1 })
        XCTAssertEqual(impossible.sandbox.mask.filter { !$0 }.count, 1, "one body should have vanished")
        for v in [possible, impossible] { for _ in 0..<4 { v.advance(seconds: 1.0 / 60) } }
        let calm = possible.surprisePlot.series.last!.value
        let shocked = impossible.surprisePlot.series.last!.value
        XCTAssertEqual(impossible.surprisePlot.series.last!.tick, tick + 1)
        XCTAssertGreaterThan(shocked, calm + 0.05, "surprise did not rise after a vanish")
        var mean: Float = 0
        for i in 0..<(impossible.surprisePlot.series.count - 1) { mean += impossible.surprisePlot.series[i].value }
        mean /= Float(impossible.surprisePlot.series.count - 1)
        XCTAssertGreaterThan(shocked, 2 * mean, "the vanish should stand out on the meter")
    }

    func testSpacePausesAndRightArrowSteps() throws {
        let v = try TestScenes.viewer()
        SyntheticInput.key(SDLK_SPACE)
        v.pollEvents()
        XCTAssertTrue(v.paused)
        let t0 = v.sandbox.tick
        for _ in 0..<30 { v.advance(seconds: 1.0 / 60) }
        XCTAssertEqual(v.sandbox.tick, t0, "paused world advanced")
        SyntheticInput.key(SDLK_RIGHT)
        v.pollEvents()
        XCTAssertEqual(v.sandbox.tick, t0 + 1)
        XCTAssertTrue(v.paused)
        SyntheticInput.key(SDLK_SPACE)
        v.pollEvents()
        XCTAssertFalse(v.paused)
        for _ in 0..<8 { v.advance(seconds: 1.0 / 60) }
        XCTAssertEqual(v.sandbox.tick, t0 + 3, "15 Hz scene: 8 frames at 60 Hz are 2 observations")
    }

    func testResetKeyStartsANewEpisodeWithANewSeed() throws {
        let model = ScriptedModel()
        let v = try TestScenes.viewer(model: .model(model))
        for _ in 0..<20 { v.advance(seconds: 1.0 / 60) }
        let seed = v.sandbox.seed
        let before = v.sandbox.states
        XCTAssertGreaterThan(v.sandbox.world.stepIndex, 0)
        let resets = model.resets
        SyntheticInput.key(SDLK_r)
        v.pollEvents()
        XCTAssertEqual(v.sandbox.world.stepIndex, 0)
        XCTAssertNotEqual(v.sandbox.seed, seed)
        XCTAssertNotEqual(v.sandbox.states, before)
        XCTAssertEqual(model.resets, resets + 1, "model history not reset")
    }

    func testSceneKeysCycleTheCatalogue() throws {
        let v = try TestScenes.viewer()
        SyntheticInput.key(SDLK_RIGHTBRACKET); v.pollEvents()
        XCTAssertEqual(v.sandbox.scene.name, "push")
        SyntheticInput.key(SDLK_LEFTBRACKET); v.pollEvents()
        SyntheticInput.key(SDLK_LEFTBRACKET); v.pollEvents()
        XCTAssertEqual(v.sandbox.scene.name, "toss", "[ wraps around to the last scene")
    }

    func testHorizonKeysAndHelp() throws {
        let v = try TestScenes.viewer()
        SyntheticInput.key(SDLK_8); v.pollEvents()
        XCTAssertEqual(v.sandbox.horizon, 8)
        XCTAssertEqual(v.sandbox.trueFuture.count, 8)
        XCTAssertEqual(v.sandbox.imagined.count, 8)
        SyntheticInput.key(SDLK_h); v.pollEvents()
        XCTAssertTrue(v.showHelp)
        SyntheticInput.key(SDLK_SLASH, shift: true); v.pollEvents()
        XCTAssertFalse(v.showHelp, "? toggles help too")
        SyntheticInput.key(SDLK_q); v.pollEvents()
        XCTAssertFalse(v.running)
    }

    func testDragSteersTheActorThroughItsAction() throws {
        let model = ScriptedModel()
        let v = try TestScenes.viewer(scene: 1, model: .model(model))
        _ = try v.render()                      // lays out the window (mouse → world transform)
        let t = try XCTUnwrap(v.lastTransform)
        let actor = try XCTUnwrap(v.sandbox.actorBody)
        let start = try XCTUnwrap(v.sandbox.position(of: actor))
        // Drag from the actor towards a point 6 m away, inside the box.
        let goal = SIMD2<Float>(start.x < 10 ? start.x + 6 : start.x - 6, start.y < 10 ? start.y + 6 : start.y - 6)
        let a = t.screen(start), b = t.screen(goal)
        SyntheticInput.mouse(SDL_MOUSEBUTTONDOWN, x: a.x, y: a.y)
        SyntheticInput.mouse(SDL_MOUSEMOTION, x: b.x, y: b.y)
        v.pollEvents()
        XCTAssertNotNil(v.drag)
        let distance0 = length(goal - start)
        for _ in 0..<120 { v.advance(seconds: 1.0 / 60); _ = try v.render() }   // 2 s
        let end = try XCTUnwrap(v.sandbox.position(of: actor))
        XCTAssertLessThan(length(goal - end), distance0 * 0.5, "actor did not follow the drag")
        // The model saw the drag as actions (not as a hidden force).
        let seen = model.actions.compactMap { $0 }.suffix(5)
        XCTAssertFalse(seen.isEmpty)
        XCTAssertEqual(seen.last, v.sandbox.lastAction)
        SyntheticInput.mouse(SDL_MOUSEBUTTONUP, x: b.x, y: b.y)
        v.pollEvents()
        XCTAssertNil(v.drag)
        XCTAssertNil(v.sandbox.userAction)
    }

    /// Without an actor the drag is a pull (Physics' mouse joint): the grabbed body ends up at the pointer, in the
    /// shown world and in the true future alike, and lets go on release. Zero gravity (bounce) and gravity (toss).
    func testDragPullsABodyOnScenesWithoutAnActor() throws {
        for (index, goal) in [(0, SIMD2<Float>(10, 10)), (2, SIMD2<Float>(20, 30))] {
            let model = ScriptedModel()
            let v = try TestScenes.viewer(scene: index, model: .model(model))
            XCTAssertFalse(v.sandbox.hasActor)
            for _ in 0..<8 { v.advance(seconds: 1.0 / 60) }
            _ = try v.render()
            let t = try XCTUnwrap(v.lastTransform)
            let body = 1
            let start = try XCTUnwrap(v.sandbox.position(of: body))
            let a = t.screen(start), b = t.screen(goal)
            SyntheticInput.mouse(SDL_MOUSEBUTTONDOWN, x: a.x, y: a.y)
            SyntheticInput.mouse(SDL_MOUSEMOTION, x: b.x, y: b.y)
            v.pollEvents()
            let d = try XCTUnwrap(v.drag, "scene \(v.sandbox.scene.name): no drag")
            XCTAssertEqual(d.kind, .pull)
            XCTAssertEqual(d.body, body)
            for _ in 0..<120 { v.advance(seconds: 1.0 / 60); _ = try v.render() }   // 2 s
            XCTAssertEqual(v.sandbox.world.pulledBody, body)
            // The grabbed point (within a pixel of the body's centre) sits at the pointer; other balls may knock it.
            let anchor = try XCTUnwrap(v.dragAnchor)
            XCTAssertLessThan(length(anchor - goal), 0.6, "\(v.sandbox.scene.name): dragged body not at the mouse")
            let future = try XCTUnwrap(v.sandbox.trueFuture.last?[body])
            XCTAssertLessThan(length(future - goal), 1.5, "the true future should keep the body held too")
            XCTAssertTrue(model.actions.allSatisfy { $0 == nil }, "a pull is no action")
            SyntheticInput.mouse(SDL_MOUSEBUTTONUP, x: b.x, y: b.y)
            v.pollEvents()
            XCTAssertNil(v.drag)
            XCTAssertNil(v.sandbox.userPull)
            v.advance(seconds: 1.0 / 15)
            XCTAssertNil(v.sandbox.world.pulledBody, "released on mouse up")
        }
    }

    /// Clicking empty space on a scene without an actor grabs nothing.
    func testClickOnEmptySpaceGrabsNothing() throws {
        let v = try TestScenes.viewer()
        _ = try v.render()
        let t = try XCTUnwrap(v.lastTransform)
        let empty = stride(from: Float(1), to: 19, by: 0.5).flatMap { x in stride(from: Float(1), to: 19, by: 0.5).map { SIMD2(x, $0) } }
            .first { v.sandbox.body(at: $0) == nil }!
        let p = t.screen(empty)
        SyntheticInput.mouse(SDL_MOUSEBUTTONDOWN, x: p.x, y: p.y)
        v.pollEvents()
        XCTAssertNil(v.drag)
        XCTAssertNil(v.sandbox.userPull)
    }

    func testHeadlessRunWritesScreenshotAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-view-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = ViewerOptions(scenes: try TestScenes.all, seed: 3, model: .kinematicBaseline)
        o.width = 640; o.height = 400
        o.frames = 12
        o.screenshot = dir.appendingPathComponent("shot.png").path
        let summary = try Viewer(options: o).run()
        XCTAssertEqual(summary.frames, 12)
        XCTAssertEqual(summary.steps, 3)
        let data = try Data(contentsOf: URL(fileURLWithPath: o.screenshot!))
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let w = data[16..<20].reduce(0) { $0 << 8 | Int($1) }, h = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual([w, h], [640, 400])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["shot.png"], "temporary file left behind")
    }

    func testScreenshotIntoMissingDirectoryIsAClearError() throws {
        var o = ViewerOptions(scenes: try TestScenes.all, model: .none(reason: "test"))
        o.width = 400; o.height = 300; o.frames = 1
        o.screenshot = "/nonexistent-dir-\(getpid())/shot.png"
        XCTAssertThrowsError(try Viewer(options: o).run()) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }

    func testHeadlessScreenshotsAreDeterministic() throws {
        func shot() throws -> [UInt8] {
            let v = try TestScenes.viewer(seed: 11, width: 480, height: 320)
            for _ in 0..<30 { v.advance(seconds: 1.0 / 60) }
            v.frameRate = FrameRate()               // wall-clock figure aside, the picture is a function of the seed
            _ = try v.render()
            return try Pixels(v).rgba
        }
        XCTAssertEqual(try shot(), try shot())
    }

    func testNoModelStillRunsAndSaysSo() throws {
        let v = try TestScenes.viewer(model: .none(reason: "none shipped yet"))
        for _ in 0..<8 { v.advance(seconds: 1.0 / 60) }
        _ = try v.render()
        XCTAssertEqual(v.sandbox.tick, 2)
        XCTAssertNil(v.sandbox.model)
        XCTAssertTrue(v.sandbox.imagined.isEmpty)
        XCTAssertEqual(v.sandbox.trueFuture.count, v.sandbox.horizon, "the true future is shown even without a model")
        SyntheticInput.key(SDLK_l); v.pollEvents()
        XCTAssertEqual(v.flash?.text, "no model to train")
    }

    func testNoDisplayIsAClearError() throws {
        let saved = (getenv("SDL_VIDEODRIVER").map { String(cString: $0) }, getenv("DISPLAY").map { String(cString: $0) },
                     getenv("WAYLAND_DISPLAY").map { String(cString: $0) })
        setenv("SDL_VIDEODRIVER", "x11", 1); unsetenv("DISPLAY"); unsetenv("WAYLAND_DISPLAY")
        defer {
            if let d = saved.0 { setenv("SDL_VIDEODRIVER", d, 1) } else { unsetenv("SDL_VIDEODRIVER") }
            if let d = saved.1 { setenv("DISPLAY", d, 1) }
            if let d = saved.2 { setenv("WAYLAND_DISPLAY", d, 1) }
        }
        XCTAssertThrowsError(try RenderSurface(title: "t", width: 320, height: 240, vsync: false)) { error in
            guard case ViewerError.noDisplay = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("xvfb-run"))
            XCTAssertTrue("\(error)".contains("--screenshot"))
        }
        // Left to choose, SDL would fall back to its invisible offscreen driver: still "no display".
        unsetenv("SDL_VIDEODRIVER")
        XCTAssertThrowsError(try RenderSurface(title: "t", width: 320, height: 240, vsync: false)) { error in
            guard case ViewerError.noDisplay = error else { return XCTFail("\(error)") }
        }
        // Asked for explicitly (as under test harnesses), the dummy driver opens a window.
        setenv("SDL_VIDEODRIVER", "dummy", 1)
        let s = try RenderSurface(title: "t", width: 320, height: 240, vsync: false)
        XCTAssertEqual(s.kind, .window)
        XCTAssertEqual(s.size.width, 320)
    }

    /// The windowed path (renderer, upload of the CPU frame, vsync off) under SDL's dummy video driver,
    /// quit by a scripted Q through the event queue.
    func testWindowPathRunsUnderTheDummyDriverAndQuitsOnQ() throws {
        let saved = getenv("SDL_VIDEODRIVER").map { String(cString: $0) }
        setenv("SDL_VIDEODRIVER", "dummy", 1)
        defer { if let saved { setenv("SDL_VIDEODRIVER", saved, 1) } else { unsetenv("SDL_VIDEODRIVER") } }
        var o = ViewerOptions(scenes: try TestScenes.all, sceneIndex: 1, seed: 2, model: .kinematicBaseline)
        o.width = 640; o.height = 400; o.vsync = false
        o.scriptedKeys = [ScriptedKey.parse("3:space")!, ScriptedKey.parse("6:q")!]
        let v = try Viewer(options: o)
        XCTAssertEqual(v.surface.kind, .window)
        let summary = try v.run()
        XCTAssertEqual(summary.frames, 7, "Q at frame 6 ends the loop after that frame")
        XCTAssertTrue(v.paused)
        XCTAssertNil(ScriptedKey.parse("x:b"))
        XCTAssertNil(ScriptedKey.parse("12:F13"))
    }
}
