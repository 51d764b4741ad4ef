import Foundation
import Observation
import Physics

/// What the keys beyond the basics do: the timeline (← and the scrub bar), the camera, the model's overlays,
/// the physics panel, and recording the episode played. Keys and the tests call these same methods.
extension Viewer {
    /// ← : pause if needed and show the previous kept observation.
    func stepBack() {
        paused = true
        guard sandbox.timeline.cursor > 0 else { say("this is the first kept observation", Theme.dimText); return }
        sandbox.show(timelineIndex: sandbox.timeline.cursor - 1)
        accumulator = 0
        alpha = 1
    }

    /// Shows the kept observation at `fraction` (0...1) of the timeline (a click or drag on the scrub bar).
    func scrub(to fraction: Float) {
        let n = sandbox.timeline.entries.count
        guard n > 0 else { return }
        paused = true
        sandbox.show(timelineIndex: Int((min(max(fraction, 0), 1) * Float(n - 1)).rounded()))
        accumulator = 0
        alpha = 1
    }

    // MARK: camera

    /// Zooms by `factor` about window pixel `p` (the pointer), or about the view's centre without one.
    func zoom(by factor: Float, aboutPixel p: SIMD2<Float>?) {
        let base = sandbox.world.camera
        var anchor = ViewCamera.center(camera.visible(base))
        if let p, let t = lastTransform, lastWorldArea?.contains(p) ?? t.viewport.contains(p) { anchor = t.world(p) }
        camera.zoom(by: factor, about: anchor, base: base)
    }

    func resetCamera() { camera.home() }

    // MARK: overlays, physics, recording

    func toggleMasks() {
        showMasks.toggle()
        guard showMasks else { say("masks off", Theme.text); return }
        if sandbox.masks == nil {
            say(sandbox.model == nil ? "masks: no model" : "masks: this model's encoder has no masks", Theme.warning)
        } else {
            say("masks: one colour per mask, stronger where the model is sure; background left clear", Theme.text)
        }
    }

    func toggleProbe() {
        showProbe.toggle()
        say(showProbe ? "probe read-out beside the true states" : "probe read-out off", Theme.probe)
    }

    func togglePanels() { showPanels.toggle() }

    /// Applies new physics settings (the episode restarts with the same seed), and says what that means for the model.
    func changePhysics(_ change: (inout PhysicsSettings, Scene) -> Void) {
        var p = sandbox.physics
        change(&p, sandbox.sceneAsWritten)
        do {
            try sandbox.setPhysics(p)
            drag = nil
            afterEpisodeChange(label: "physics")
            showPanels = true
            say(sandbox.physicsModified ? "physics differs from the scene file: no live learning, no recording"
                : "the scene file's own physics", sandbox.physicsModified ? Theme.warning : Theme.text)
        } catch {
            say("\(error)", Theme.warning)
        }
    }

    // MARK: recording

    /// D: writes the episode up to the observation shown as a dataset in a new directory here.
    func recordEpisode() {
        let dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var url = dir.appendingPathComponent("tumble-\(sandbox.scene.name)-seed\(sandbox.seed)-step\(sandbox.timeline.current?.step ?? 0)")
        var n = 2
        while FileManager.default.fileExists(atPath: url.path) {
            url = dir.appendingPathComponent("tumble-\(sandbox.scene.name)-seed\(sandbox.seed)-step\(sandbox.timeline.current?.step ?? 0)-\(n)")
            n += 1
        }
        do {
            let path = try writeRecording(to: url)
            say("recorded \(sandbox.timeline.recordable.count) observations to \(path)", Theme.text)
        } catch {
            say("\(error)", Theme.warning)
        }
    }

    /// Writes the episode shown as a dataset in `dir` (new or empty), in `tumble record`'s format.
    @discardableResult
    func writeRecording(to dir: URL) throws -> String {
        let episode = try sandbox.playedEpisode()
        try Recorder.write(played: episode, scene: sandbox.sceneAsWritten, resolution: sandbox.rasterizer.width, to: dir,
                           tumbleVersion: options.tumbleVersion)
        lastRecording = dir.path
        return dir.path
    }
}
