import CSDL2
import Foundation
import Physics
@testable import Viewer
import XCTest

/// Tab's panels (physics, profiler, counts), the physics keys, settings kept between runs, and the help overlay.
final class PanelsAndSettingsTests: XCTestCase {
    private func texts(_ v: Viewer) throws -> [String] {
        v.canvas.textBoxes = []
        _ = try v.render()
        return v.canvas.textBoxes!.map(\.text)
    }

    func testTabShowsPhysicsProfilerAndCounts() throws {
        let v = try TestScenes.viewer(model: .kinematicBaseline, width: 1280, height: 720)
        for _ in 0..<40 { v.advance(seconds: 1.0 / 60); _ = try v.render(); v.profile.add(v.sandbox.takeTimings(), draw: 0.5) }
        XCTAssertFalse(try texts(v).contains { $0.hasPrefix("PHYSICS") })
        _ = try v.render()
        let off = try Pixels(v)
        SyntheticInput.key(SDLK_TAB)
        v.pollEvents()
        let shown = try texts(v)
        XCTAssertTrue(shown.contains("observation 15 Hz (every 4 steps of 1/60 s)"), "\(shown)")
        XCTAssertTrue(shown.contains("iterations 8 velocity · 3 position"))
        XCTAssertTrue(shown.contains("sleeping off"))
        let counts = try XCTUnwrap(shown.first { $0.hasPrefix("bodies ") })
        XCTAssertTrue(counts.hasPrefix("bodies 8 of 8 rows · contacts "), counts)
        let profile = try XCTUnwrap(shown.first { $0.hasPrefix("physics ") })
        XCTAssertGreaterThan(v.profile.physics, 0)
        XCTAssertGreaterThan(v.profile.raster, 0)
        XCTAssertGreaterThan(v.profile.model, 0, "the baseline's forecasts are model time")
        XCTAssertTrue(profile.hasSuffix("draw 0.50"), profile)
        // The panel is drawn over the world's top-left corner.
        let world = try XCTUnwrap(v.lastTransform).viewport
        let spot = SIMD2<Float>(12, world.y + 20)
        XCTAssertNotEqual(try Pixels(v).at(spot), off.at(spot))
    }

    func testPhysicsKeysRestartTheEpisodeAndKeepTheModelsDataClean() throws {
        let model = ScriptedModel()
        let v = try TestScenes.viewer(model: .model(model))
        for _ in 0..<20 { v.advance(seconds: 1.0 / 60) }
        SyntheticInput.key(SDLK_o)
        v.pollEvents()
        XCTAssertEqual(v.sandbox.scene.observeEvery, 8, "15 Hz → 7.5 Hz")
        XCTAssertEqual(v.sandbox.world.stepIndex, 0, "a change restarts the episode")
        XCTAssertEqual(v.sandbox.seed, 7, "with the same seed")
        XCTAssertTrue(v.sandbox.physicsModified)
        XCTAssertEqual(model.learningFromObserved, false, "frames of other physics must not reach live learning")
        XCTAssertTrue(v.showPanels, "a physics change shows the panel")
        XCTAssertTrue(try texts(v).contains { $0.hasPrefix("differs from the scene file") })

        SyntheticInput.key(SDLK_i)
        SyntheticInput.key(SDLK_y)
        v.pollEvents()
        XCTAssertEqual([v.sandbox.scene.velocityIterations, v.sandbox.scene.positionIterations], [16, 6])
        XCTAssertTrue(v.sandbox.world.allowSleep)
        XCTAssertTrue(v.sandbox.lead.world.allowSleep, "the true future must run the same physics")
        // The lead world still predicts the shown world exactly under the changed physics.
        let future = v.sandbox.trueFuture[0]
        v.advance(seconds: 8.0 / 60)
        for b in 0..<future.count { XCTAssertEqual(v.sandbox.position(of: b), future[b], "body \(b)") }

        SyntheticInput.key(SDLK_0)
        v.pollEvents()
        XCTAssertFalse(v.sandbox.physicsModified)
        XCTAssertEqual(v.sandbox.scene, v.sandbox.sceneAsWritten)
        XCTAssertFalse(v.sandbox.world.allowSleep)
        XCTAssertEqual(model.learningFromObserved, true)
    }

    func testSettingsPersistBetweenRuns() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-settings-\(UUID().uuidString)/tumble/view.json")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent().deletingLastPathComponent()) }
        var o = ViewerOptions(scenes: try TestScenes.all, seed: 3, model: .kinematicBaseline)
        o.frames = 3
        o.settingsFile = file
        let first = try Viewer(options: o)
        SyntheticInput.key(SDLK_m)
        SyntheticInput.key(SDLK_TAB)
        SyntheticInput.key(SDLK_o)
        SyntheticInput.key(SDLK_3)
        first.pollEvents()
        _ = try first.run()
        let saved = try ViewerSettings.load(file)
        XCTAssertEqual(saved.horizon, 3)
        XCTAssertTrue(saved.masks && saved.panels && !saved.probe)
        XCTAssertEqual(saved.physics.observeEvery, 8)

        o.settings = saved
        o.horizon = saved.horizon
        let second = try Viewer(options: o)
        XCTAssertTrue(second.showMasks && second.showPanels)
        XCTAssertTrue(second.sandbox.wantsMasks, "remembered masks must be computed, not only flagged")
        XCTAssertEqual(second.sandbox.horizon, 3)
        XCTAssertEqual(second.sandbox.scene.observeEvery, 8)

        XCTAssertEqual(ViewerSettings.defaultFile(environment: ["XDG_CONFIG_HOME": "/x/cfg", "HOME": "/h"])?.path, "/x/cfg/tumble/view.json")
        XCTAssertEqual(ViewerSettings.defaultFile(environment: ["HOME": "/h"])?.path, "/h/.config/tumble/view.json")
    }

    func testABadSettingsFileNamesTheFileTheFieldAndTheExpectation() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-bad-settings-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        for (text, field, expected) in [
            (#"{"horizon": 12}"#, "horizon", "a whole number in 1...9, got 12"),
            (#"{"masks": "yes"}"#, "masks", "true or false"),
            (#"{"physics": {"observe_every": 0}}"#, "physics.observe_every", "1...100"),
            (#"{"physics": {"warp": 1}}"#, "physics.warp", "one of"),
            (#"{"zoom": 2}"#, "zoom", "one of horizon"),
            ("[1, 2", "(file)", "a JSON object"),
        ] {
            try Data(text.utf8).write(to: file)
            XCTAssertThrowsError(try ViewerSettings.load(file), text) { error in
                let e = error as? SettingsError
                XCTAssertEqual(e?.file, file.path)
                XCTAssertEqual(e?.field, field, text)
                XCTAssertTrue(e?.expected.contains(expected) ?? false, "\(error)")
            }
        }
    }

    /// Every key the window handles is in the help overlay, in full, at the default window size.
    func testHelpOverlayListsEveryKey() throws {
        let v = try TestScenes.viewer(width: 1280, height: 720)
        SyntheticInput.key(SDLK_h)
        v.pollEvents()
        let shown = try texts(v)
        for (key, text) in Viewer.keyHelp {
            XCTAssertTrue(shown.contains(key), "help lacks key \(key)")
            XCTAssertTrue(shown.contains(text), "help clips or lacks '\(text)'")
        }
        for key in ["Space", "←  →", "wheel  Z  X", "right drag", "Home", "M", "P", "Tab", "O  I  Y", "0", "D", "V  B  N  C"] {
            XCTAssertTrue(Viewer.keyHelp.contains { $0.0 == key }, key)
        }
    }
}
