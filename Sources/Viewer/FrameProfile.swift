/// The profiler line: milliseconds per window frame spent on physics (the shown world and the one running
/// ahead), rasterising the model's frame, the model (encode, rollout, probe, decoder, masks) and drawing the
/// window, each smoothed over about a second so the numbers can be read while they change.
struct FrameProfile: Equatable {
    private(set) var physics = 0.0
    private(set) var raster = 0.0
    private(set) var model = 0.0
    private(set) var draw = 0.0
    private var frames = 0

    /// Adds one frame: the sandbox's timings since the last frame and the frame's drawing time.
    mutating func add(_ t: StepTimings, draw d: Double) {
        frames += 1
        // A plain mean over the first frames, then an exponential average over about 60 frames.
        let k = max(1 / Double(frames), 1.0 / 60)
        physics += (t.physics - physics) * k
        raster += (t.raster - raster) * k
        model += (t.model - model) * k
        draw += (d - draw) * k
    }

    var total: Double { physics + raster + model + draw }
}
