import Foundation
import Physics
import Viewer

/// `viewer` bench suite: the per-frame cost of `tumble view`'s loop without vsync (events, simulation clock,
/// model, drawing), offscreen at 1280×720 on the CPU rasteriser — the path with no GPU, so the figure is an
/// upper bound for a desktop window. The model is the one `tumble view` opens with no arguments (the shipped
/// default checkpoint, loaded through the same code), on the default scene.
extension BenchSuite {
    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static var viewer: BenchSuite {
        BenchSuite(name: "viewer") {
            let scene = try Scene.load(ViewCommand.catalogueNames.first ?? "bounce")
            /// Wall-clock and process CPU milliseconds per frame (CPU time stays meaningful on a busy machine).
            func measure(_ model: ViewerModelChoice, scene: Scene, frames: Int,
                         settings: ViewerSettings = ViewerSettings()) throws -> (wall: Double, cpu: Double) {
                var o = ViewerOptions(scenes: [scene], seed: 1, model: model)
                o.settings = settings
                o.width = 1280; o.height = 720
                o.frames = frames
                o.vsync = false
                let viewer = try Viewer(options: o)
                let start = DispatchTime.now().uptimeNanoseconds, cpu0 = Self.processCPUSeconds()
                _ = try viewer.run()
                let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(frames)
                return (wall, (Self.processCPUSeconds() - cpu0) * 1e3 / Double(frames))
            }
            // `tumble view` with no arguments: the shipped model if there is one.
            let shipped = try ViewCommand.model(checkpoint: nil, baseline: false)
            let label: String
            switch shipped {
            case let .model(m): label = "default model " + m.label
            case let .none(reason): label = "no model: " + reason
            case .kinematicBaseline: label = "baseline"
            }
            // The same scene observed every frame (60 Hz instead of 15): encode, k-step rollout, probe and decode
            // then run in every frame drawn, the worst case.
            var everyFrame = scene
            everyFrame.observeEvery = 1
            _ = try measure(shipped, scene: scene, frames: 30)   // warm-up: fonts, caches
            let model = try measure(shipped, scene: scene, frames: 600)
            let busy = try measure(shipped, scene: everyFrame, frames: 300)
            // M and Tab on: the model's masks over the world, the physics, profiler and counts panels.
            var insight = ViewerSettings()
            insight.masks = true
            insight.panels = true
            let overlays = try measure(shipped, scene: scene, frames: 600, settings: insight)
            let baseline = try measure(.kinematicBaseline, scene: scene, frames: 600)
            let none = try measure(.none(reason: "bench"), scene: scene, frames: 600)
            let where_ = "1280×720, CPU raster, \(scene.name)"
            return [
                BenchFigure(key: "view_frame_ms", value: model.wall, unit: "ms/frame wall (\(where_), \(label))"),
                BenchFigure(key: "view_frames_per_s", value: 1000 / model.wall, unit: "frames/s implied by view_frame_ms"),
                BenchFigure(key: "view_frame_cpu_ms", value: model.cpu, unit: "CPU ms/frame, all threads summed"),
                BenchFigure(key: "view_frames_per_s_cpu", value: 1000 / model.cpu,
                            unit: "frames/s if CPU time were the only limit (unloaded machine)"),
                BenchFigure(key: "view_frame_ms_model_every_frame", value: busy.wall,
                            unit: "ms/frame wall, observed at 60 Hz: the model runs in every frame"),
                BenchFigure(key: "view_frame_cpu_ms_model_every_frame", value: busy.cpu, unit: "CPU ms/frame, same"),
                BenchFigure(key: "view_frame_ms_masks_panels", value: overlays.wall,
                            unit: "ms/frame wall, as view_frame_ms with the masks overlay (M) and the panels (Tab) on"),
                BenchFigure(key: "view_frame_cpu_ms_masks_panels", value: overlays.cpu, unit: "CPU ms/frame, same"),
                BenchFigure(key: "view_frame_ms_baseline", value: baseline.wall, unit: "ms/frame wall (\(where_), baseline model)"),
                BenchFigure(key: "view_frame_ms_no_model", value: none.wall, unit: "ms/frame wall (\(where_), no model)"),
            ]
        }
    }
}
