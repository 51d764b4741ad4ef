import Foundation
import Physics
import Viewer

/// `viewer` bench suite: the per-frame cost of `tumble view`'s loop without vsync (events, simulation clock,
/// model, drawing), offscreen at 1280×720 on the CPU rasteriser — the path with no GPU, so the figure is an
/// upper bound for a desktop window.
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
            func measure(_ model: ViewerModelChoice, frames: Int) throws -> (wall: Double, cpu: Double) {
                var o = ViewerOptions(scenes: [scene], seed: 1, model: model)
                o.width = 1280; o.height = 720
                o.frames = frames
                o.vsync = false
                let viewer = try Viewer(options: o)
                let start = DispatchTime.now().uptimeNanoseconds, cpu0 = Self.processCPUSeconds()
                _ = try viewer.run()
                let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(frames)
                return (wall, (Self.processCPUSeconds() - cpu0) * 1e3 / Double(frames))
            }
            _ = try measure(.kinematicBaseline, frames: 30)   // warm-up: fonts, caches
            let baseline = try measure(.kinematicBaseline, frames: 600)
            let none = try measure(.none(reason: "bench"), frames: 600)
            return [
                BenchFigure(key: "view_frame_ms", value: baseline.wall, unit: "ms/frame (1280×720, CPU raster, baseline model)"),
                BenchFigure(key: "view_frame_cpu_ms", value: baseline.cpu, unit: "CPU ms/frame, both cores summed"),
                BenchFigure(key: "view_frame_ms_no_model", value: none.wall, unit: "ms/frame (1280×720, CPU raster, no model)"),
            ]
        }
    }
}
