import Common
import Foundation
import Observation
import Physics
import Planning

/// The simulation behind the window: one `World`, the frames the model reads, and the model's forecasts.
///
/// No SDL here, so the whole step logic is testable without a display. One `step()` is one observation
/// interval: the world advances through the same `ObservationStream` the recorder and trainer use (so the
/// frame is byte for byte what a dataset would hold), the model
/// observes it, and both futures are computed — the model's imagined k steps and the simulator's own k
/// steps, forked with `snapshot()`/`restore()` under the same actions.
final class Sandbox {
    let scenes: [Scene]
    private(set) var sceneIndex: Int
    /// The shown world and its frames: the one path from physics to pixels.
    private(set) var stream: ObservationStream
    var world: World { stream.world }
    /// The simulator running ahead of `world` (the true future); see `LeadWorld`.
    var lead: LeadWorld
    private(set) var seed: UInt64
    /// Draws new seeds for R (reset): a stream of its own, so runs are reproducible from `--seed`.
    private var seedStream: SplitMix64
    /// Plans violations (which body, where to).
    private var violationRandom: SplitMix64
    var rasterizer: Rasterizer { stream.rasterizer }
    private(set) var model: ViewerModel?
    /// The physics panel's settings, applied to every scene shown (see `PhysicsSettings`).
    private(set) var physics = PhysicsSettings()
    /// The episode's observations so far (see `Timeline`).
    var timeline = Timeline()
    /// Milliseconds spent since the window last took them (`takeTimings`): physics, raster, model.
    var timings = StepTimings()
    /// Whether the masks and the probe read-out are wanted (they cost a little model time per observation).
    var wantsMasks = false { didSet { if wantsMasks != oldValue { refreshInsight() } } }
    var wantsReadout = false { didSet { if wantsReadout != oldValue { refreshInsight() } } }
    /// The model's object masks and probe read-out of the frame shown (nil when not wanted or not available).
    var masks: ObjectMasks?
    var readout: [SIMD4<Float>]?
    var readoutAngles: [Float?]?
    /// Counts up whenever `masks` changes, so the overlay redraws its image only then.
    var masksVersion = 0
    /// Imagination horizon k, 1...9.
    var horizon: Int { didSet { horizon = min(max(horizon, 1), 9); refreshForecast() } }

    // MARK: per-step results
    /// Steps since the window opened (continues across resets; the plot's time axis).
    private(set) var tick = 0
    /// (x, y, angle, vx, vy, ω) per dynamic body, now and one step ago.
    var states: [Float] = []
    var previousStates: [Float] = []
    var mask: [Bool] = []
    var previousMask: [Bool] = []
    var drawables: [Drawable] = []
    /// False right after a reset, an injected violation or a jump in the timeline: the window must not interpolate across it.
    var continuous = false
    /// The frame the model just read (`rasterizer` layout).
    var frame: [UInt8] = []
    /// The decoder's picture of `frame`, made one step earlier; valid when `hasPredictedFrame`.
    private(set) var predictedFrame: [UInt8] = []
    var hasPredictedFrame = false
    private var nextPredictedFrame: [UInt8] = []
    var hasNextPredictedFrame = false
    /// Surprise of `frame` (nil before the model has a prediction).
    var surprise: Float?
    /// The action applied in the last step (empty on scenes without an actor).
    var lastAction: [Float] = []
    /// Per body, whether it began touching something in the last step.
    private(set) var collisions: [Bool] = []
    /// The model's rollout: per step, per body, world position. `[0]` is the predicted next state.
    private(set) var imagined: [[SIMD2<Float>]] = []
    /// The simulator forked ahead `horizon` steps: per step, per body, position (NaN when absent).
    private(set) var trueFuture: [[SIMD2<Float>]] = []
    /// Actions the fork used, handed to the model's imagination.
    private(set) var futureActions: [[Float]] = []

    /// Set by the window while the user steers the actor; used instead of the scene's policy.
    var userAction: [Float]?
    /// Set by the window while the user drags a body on a scene without an actor: a pull applied before each step.
    /// Cleared by a reset, a scene switch, or when the body vanishes.
    var userPull: UserPull?
    /// What the user is doing to the world right now.
    var userInput: UserInput { UserInput(action: userAction, pull: userPull) }

    /// Goal mode: the world model plans the actor's actions towards the user's goal (see `Sandbox+Goal`).
    var goalRun: GoalRun?
    /// How hard goal mode's planner searches (tests make it small; the window uses `tumble plan`'s defaults).
    var plannerSettings = PlannerSettings()
    /// Why goal mode stopped by itself, for the window to say once.
    var goalNotice: String?

    init(scenes: [Scene], sceneIndex: Int, seed: UInt64, model: ViewerModel?, horizon: Int) throws {
        precondition(!scenes.isEmpty)
        self.scenes = scenes
        self.sceneIndex = sceneIndex
        self.seed = seed
        seedStream = SplitMix64(seed: seed ^ 0x7475_6d62_6c65_5f76)
        violationRandom = SplitMix64(seed: seed ^ 0x7669_6f6c_6174_6521)
        self.model = model
        self.horizon = min(max(horizon, 1), 9)
        try Self.check(model: model)
        try Self.check(model: model, scene: scenes[sceneIndex])
        (stream, lead) = try Self.worlds(scenes[sceneIndex], physics: physics, model: model)
        (model as? StateOracleModel)?.connect(oracle: self)
        (model as? StateReadingModel)?.connect(states: self)
        begin()
    }

    var scene: Scene { world.scene }
    /// Seconds of simulated time per `step()`.
    var interval: Double { Double(scene.timestep) * Double(scene.observeEvery) }
    var hasActor: Bool { world.actionDimension > 0 }

    /// The model must read what the stream renders: square frames (any side; the stream renders at the
    /// model's resolution) in the scene's colour mode.
    static func check(model: ViewerModel?, scene: Scene? = nil) throws {
        guard let model else { return }
        let s = model.frameSize
        guard s.height > 0, s.width > 0, s.channels == 1 || s.channels == 3 else {
            throw ViewerError.incompatibleModel("frame size \(s.height)×\(s.width)×\(s.channels): expected 1 or 3 channels")
        }
        guard s.height == s.width else {
            throw ViewerError.incompatibleModel("frames of \(s.height)×\(s.width): observation frames are square")
        }
        // A model reading true states draws its predictions with the sandbox's own rasteriser, whatever it is.
        if let scene, !(model is StateOracleModel), scene.camera.color.channels != s.channels {
            throw ViewerError.incompatibleModel("the model reads \(s.channels)-channel frames, scene \(scene.name) renders "
                                                + "\(scene.camera.color.rawValue) (\(scene.camera.color.channels) channel(s))")
        }
    }

    // MARK: episode control

    /// Resets the current scene with `seed` (a new episode).
    func reset(seed newSeed: UInt64) {
        seed = newSeed
        begin()
        goalEpisodeChanged()
    }

    /// Resets with the next seed of the window's seed stream (the R key).
    func resetWithNewSeed() { reset(seed: seedStream.next() & 0xFFFF_FFFF) }

    /// The scene `offset` places away in the catalogue, wrapping around.
    func scene(at offset: Int) -> Scene {
        let n = scenes.count
        return scenes[((sceneIndex + offset) % n + n) % n]
    }

    /// The scene as its file says, before the physics panel's settings.
    var sceneAsWritten: Scene { scenes[sceneIndex] }
    /// Whether the physics panel makes this world differ from its scene file.
    var physicsModified: Bool { physics.differs(from: sceneAsWritten) }

    /// The shown world's stream and its lead for `scene` under `physics`.
    static func worlds(_ scene: Scene, physics: PhysicsSettings, model: ViewerModel?) throws -> (ObservationStream, LeadWorld) {
        let s = physics.applied(to: scene)
        let stream = try ObservationStream(scene: s, resolution: model?.frameSize.width)
        let lead = try LeadWorld(scene: s)
        stream.world.allowSleep = physics.sleep
        lead.world.allowSleep = physics.sleep
        return (stream, lead)
    }

    /// Applies new physics settings: the episode restarts with the same seed under them. While they differ from the
    /// scene file, the model gets no frames to learn from.
    func setPhysics(_ p: PhysicsSettings) throws {
        let (st, l) = try Self.worlds(scenes[sceneIndex], physics: p, model: model)
        physics = p
        stream = st
        lead = l
        userAction = nil
        userPull = nil
        begin()
        goalEpisodeChanged()
    }

    /// Switches to the scene `offset` places away in the catalogue, wrapping around; with `newModel`, that
    /// scene's model replaces the current one (`.some(nil)`: no model).
    func switchScene(by offset: Int, model newModel: ViewerModel?? = nil) throws {
        let n = scenes.count
        let index = ((sceneIndex + offset) % n + n) % n
        let model = newModel ?? self.model
        try Self.check(model: model, scene: scenes[index])
        let (st, l) = try Self.worlds(scenes[index], physics: physics, model: model)
        sceneIndex = index
        stream = st
        lead = l
        if let newModel {
            self.model = newModel
            (newModel as? StateOracleModel)?.connect(oracle: self)
            (newModel as? StateReadingModel)?.connect(states: self)
        }
        userAction = nil
        userPull = nil
        goalRun = nil   // a goal belongs to the scene it was placed in
        begin()
    }

    private func begin() {
        userPull = nil   // the grabbed body is somewhere else (or someone else) in the new episode
        model?.setLearningFromObserved(!physicsModified)
        timeline.clear()
        stream.reset(seed: seed)
        lead.restart(seed: seed, input: userInput)
        let n = world.bodyCount
        states = [Float](repeating: 0, count: n * 6)
        frame = [UInt8](repeating: 0, count: rasterizer.frameByteCount)
        predictedFrame = frame
        nextPredictedFrame = frame
        hasPredictedFrame = false; hasNextPredictedFrame = false
        lastAction = []
        model?.resetHistory()
        capture()
        collisions = [Bool](repeating: false, count: n)
        previousStates = states; previousMask = mask
        continuous = false
        surprise = nil
        if let model {
            _ = frame.withUnsafeBufferPointer { model.observe(frame: $0, action: nil) }
        }
        refreshForecast()
        refreshInsight()
        appendToTimeline()
    }

    /// One observation interval.
    func step() {
        let tPlan = Self.now()
        goalActionBeforeStep()
        timings.model += Self.now() - tPlan
        var action = [Float](repeating: 0, count: world.actionDimension)
        if !action.isEmpty {
            if let u = userAction, u.count == action.count { action = u } else {
                action.withUnsafeMutableBufferPointer { world.policyAction(into: $0) }
            }
        }
        timeline.dropFuture()   // stepping from a past observation continues the episode from there
        let t0 = Self.now()
        previousStates = states; previousMask = mask
        if !userInput.applyPull(to: world) { userPull = nil }   // the pulled body is gone
        let t1: Double
        if goalRun != nil {
            // Goal mode steps the stream itself, so the planner reads the frame and states it renders.
            action.withUnsafeBufferPointer { stream.step(action: $0.isEmpty ? nil : $0) }
            t1 = Self.now()
            frame.withUnsafeMutableBufferPointer { _ = $0.initialize(from: stream.frame) }
        } else {
            action.withUnsafeBufferPointer { world.step(action: $0.isEmpty ? nil : $0) }
            t1 = Self.now()
            // The stream's own rasteriser and draw list (`ObservationStream.render`): the same bytes `step` renders.
            frame.withUnsafeMutableBufferPointer { stream.render(into: $0) }
        }
        let t2 = Self.now()
        lastAction = action
        tick += 1
        captureState()
        for i in collisions.indices { collisions[i] = world.collidedThisStep(body: i) }
        lead.advance(following: world, action: action, input: userInput)
        let t3 = Self.now()
        continuous = true
        if let model {
            swapPredictedFrames()
            surprise = frame.withUnsafeBufferPointer { f in
                action.withUnsafeBufferPointer { a in model.observe(frame: f, action: a.isEmpty ? nil : a) }
            }
        }
        goalAfterStep(action: action)
        refreshForecast()
        refreshInsight()
        let t4 = Self.now()
        timings.physics += (t1 - t0) + (t3 - t2)
        timings.raster += t2 - t1
        timings.model += t4 - t3
        appendToTimeline()
    }

    /// Injects a violation of `type` now, on a body the world picks. Returns what happened, for the HUD.
    @discardableResult
    func inject(_ type: ViolationType) throws -> Violation {
        guard scene.violations.contains(type) else { throw WorldError.violationNotSupported(type, scene: scene.name) }
        guard let v = world.planViolation(type, rng: &violationRandom) else {
            throw InjectionUnavailable(type: type)
        }
        try world.inject(v)
        timeline.markViolation()
        lead.resynchronise(with: world, input: userInput)
        previousStates = states; previousMask = mask
        captureState()   // the model sees the violation in the next step's frame, not before
        continuous = false
        refreshForecast()
        return v
    }

    /// Reads states, mask, drawables and the frame the stream rendered.
    private func capture() {
        captureState()
        frame.withUnsafeMutableBufferPointer { _ = $0.initialize(from: stream.frame) }
    }

    private func captureState() {
        states.withUnsafeMutableBufferPointer { world.exportStates(into: $0) }
        mask = world.bodyMask
        world.drawables(into: &drawables)
    }

    /// The forecast made before this observation becomes the prediction of it.
    func swapPredictedFrames() {
        swap(&predictedFrame, &nextPredictedFrame)
        hasPredictedFrame = hasNextPredictedFrame
    }

    /// Recomputes both futures for the current horizon: the true one from the lead world, the imagined one
    /// from the model under the same actions.
    func refreshForecast() {
        let k = horizon
        trueFuture.removeAll(keepingCapacity: true)
        futureActions.removeAll(keepingCapacity: true)
        for e in lead.future.prefix(k) {
            trueFuture.append(e.positions)
            futureActions.append(e.action)
        }
        guard let model else { imagined = []; return }
        imagined = model.imagine(steps: k, futureActions: futureActions).map(inSceneOrder)
        hasNextPredictedFrame = nextPredictedFrame.withUnsafeMutableBufferPointer { model.decodePrediction(into: $0) }
    }

    /// Where imagination and physics part: mean and largest distance (world units) between the imagined and
    /// the true position after the last imagined step, over bodies present in both; nil without a model.
    var imaginationGap: (mean: Float, max: Float)? {
        guard let im = imagined.last, let tr = trueFuture.last else { return nil }
        var sum: Float = 0, worst: Float = 0, n = 0
        for b in 0..<min(im.count, tr.count) where im[b].x.isFinite && tr[b].x.isFinite {
            let d = ((im[b] - tr[b]) * (im[b] - tr[b])).sum().squareRoot()
            sum += d; worst = max(worst, d); n += 1
        }
        return n > 0 ? (sum / Float(n), worst) : nil
    }

    /// |seen − predicted| as a heat map (RGB), amplified so small errors show; black when there is no prediction.
    func differenceImage(into out: inout [UInt8]) {
        let w = rasterizer.width, h = rasterizer.height, c = rasterizer.channels
        if out.count != w * h * 3 { out = [UInt8](repeating: 0, count: w * h * 3) }
        guard hasPredictedFrame else {
            for i in out.indices { out[i] = 0 }
            return
        }
        frame.withUnsafeBufferPointer { f in
            predictedFrame.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<(w * h) {
                        var d: Int = 0
                        for ch in 0..<c { d += abs(Int(f[i * c + ch]) - Int(p[i * c + ch])) }
                        let v = Float(min(255, d * 3 / c)) / 255
                        let rgb = Self.heat(v)
                        o[i * 3] = rgb.0; o[i * 3 + 1] = rgb.1; o[i * 3 + 2] = rgb.2
                    }
                }
            }
        }
    }

    /// A black → red → yellow → white ramp for 0...1.
    @inline(__always)
    static func heat(_ v: Float) -> (UInt8, UInt8, UInt8) {
        let r = min(1, v * 3), g = min(1, max(0, v * 3 - 1)), b = min(1, max(0, v * 3 - 2))
        return (UInt8(r * 255), UInt8(g * 255), UInt8(b * 255))
    }

    /// Position of body `i` now (from the state vector), nil when absent.
    func position(of i: Int) -> SIMD2<Float>? {
        guard i >= 0, i < mask.count, mask[i] else { return nil }
        return SIMD2(states[i * 6], states[i * 6 + 1])
    }

    func velocity(of i: Int) -> SIMD2<Float>? {
        guard i >= 0, i < mask.count, mask[i] else { return nil }
        return SIMD2(states[i * 6 + 3], states[i * 6 + 4])
    }
}

/// A supported violation with no body to apply it to right now (e.g. pass-through needs a body about to hit a wall).
struct InjectionUnavailable: Error, CustomStringConvertible {
    var type: ViolationType
    var description: String {
        switch type {
        case .vanish: return "no body fully in view to vanish right now"
        case .teleport: return "no free place far enough away to teleport a body to right now"
        case .passThrough: return "no body is about to hit a wall right now: try pass-through again in a moment"
        case .immutability: return "no body fully in view to repaint right now"
        }
    }
}
