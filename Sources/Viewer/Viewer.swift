import CSDL2
import Foundation
import Physics

/// The sandbox window: the actual world with the model's ghosts and imagined futures, the model's-eye
/// panels, the surprise plot and a HUD; keyboard and mouse like Box2D's testbed.
///
/// `run()` is the loop: events, a fixed-interval simulation clock (one observation per scene interval,
/// drawn interpolated so motion stays smooth), drawing, present. Headless (`options.frames`), it draws
/// offscreen with a fixed 1/60 s clock, so the same command gives the same picture on any machine.
public final class Viewer {
    let options: ViewerOptions
    let surface: RenderSurface
    let canvas: Canvas
    let fonts: Fonts
    let sandbox: Sandbox
    let eyes: EyePanels
    private(set) var learner: LiveLearner?
    /// Why there is no model, shown in the HUD.
    private(set) var noModelReason: String?

    var painter = WorldPainter()
    var surprisePlot = TimeSeriesPlot(title: "surprise", color: Theme.surprise)
    var lossPlot = TimeSeriesPlot(title: "training loss", color: Theme.loss)
    var plotPoints: [SIMD2<Float>] = []

    var paused = false
    var showHelp = false
    var running = true
    /// Simulated seconds not yet stepped; `alpha` is how far the drawing is between the last two observations.
    var accumulator: Double = 0
    var alpha: Float = 1
    var drag: DragState?
    var flash: (text: String, color: RGBA, until: Double)?
    var frameRate = FrameRate()
    var pendingScreenshot: String?
    var frameCount = 0
    var clock: Double = 0
    var smoothedLoss: Float?
    var lastTransform: WorldTransform?

    /// The view (zoom and pan); the model's frames never depend on it.
    var camera = ViewCamera()
    /// The pointer's last position in window pixels (Z/X and the wheel zoom about it).
    var pointer: SIMD2<Float>?
    /// The pointer position a right-drag pan last moved the view from.
    var panFrom: SIMD2<Float>?
    /// Whether the left button is moving the timeline's knob, and where the bar was last drawn.
    var scrubbing = false
    /// Where a drag along the bar last pointed: applied once per frame, since every jump replays the episode.
    var pendingScrub: Float?
    var lastScrubBar: Rect?
    /// The world's rectangle in the window when last drawn (a zoomed viewport reaches beyond it).
    var lastWorldArea: Rect?
    /// Overlays and panels (M, P, Tab).
    var showMasks = false { didSet { sandbox.wantsMasks = showMasks } }
    var showProbe = false { didSet { sandbox.wantsReadout = showProbe } }
    var showPanels = false
    let maskOverlay = MaskOverlay()
    var profile = FrameProfile()
    /// Where the last recording of the episode went.
    var lastRecording: String?
    /// Goal mode is waiting for a click to place the goal (G); once placed, `sandbox.goalRun` plans.
    var placingGoal = false

    /// A mouse drag. On a scene with an actor, the actor is steered towards the pointer through its action, so
    /// the model sees the drag exactly as it sees the recording policy. Without an actor, the grabbed body is
    /// pulled by Physics' mouse joint (`World.pull`) at the point that was clicked.
    struct DragState {
        enum Kind { case steer, pull }
        var kind: Kind
        var body: Int
        var target: SIMD2<Float>
        /// The grabbed point in the body's own frame (pulls), so the line can be drawn from it as the body turns.
        var localGrab = SIMD2<Float>.zero
    }

    public init(options: ViewerOptions) throws {
        guard options.scenes.indices.contains(options.sceneIndex) else {
            throw ViewerError.unknownScene("#\(options.sceneIndex)", known: options.scenes.map(\.name))
        }
        self.options = options
        if options.frames != nil {
            surface = try RenderSurface(offscreenWidth: options.width, height: options.height)
        } else {
            surface = try RenderSurface(title: "Tumble", width: options.width, height: options.height, vsync: options.vsync)
        }
        canvas = Canvas(surface: surface)
        fonts = try Fonts()
        eyes = EyePanels()

        let model: ViewerModel?
        switch options.model {
        case .none(let reason): model = nil; noModelReason = reason
        case .kinematicBaseline:
            let side = options.scenes[options.sceneIndex].camera.resolution
            model = KinematicBaseline(frameHeight: side, frameWidth: side,
                                      channels: options.scenes[options.sceneIndex].camera.color.channels)
            noModelReason = nil
        case .model(let m): model = m; noModelReason = nil
        }
        sandbox = try Sandbox(scenes: options.scenes, sceneIndex: options.sceneIndex, seed: options.seed,
                              model: model, horizon: options.horizon)
        learner = model.flatMap { $0.supportsLearning ? LiveLearner(model: $0) : nil }
        let s = options.settings
        if s.physics != sandbox.physics {
            do { try sandbox.setPhysics(s.physics) } catch { say("physics settings not applied: \(error)", Theme.warning) }
        }
        showMasks = s.masks
        showProbe = s.probe
        showPanels = s.panels
        // An initialiser's assignments skip `didSet`: hand the wishes to the sandbox here.
        sandbox.wantsMasks = showMasks
        sandbox.wantsReadout = showProbe
        if let goal = options.goal {
            do { try sandbox.startGoal(at: goal) } catch { throw ViewerError.goal("\(error)") }
        }
        if options.learn {
            if let learner { learner.start() } else {
                say(model == nil ? "--learn: no model to train" : "--learn: this model cannot learn online", Theme.warning)
            }
        }
        SDL_EventState(SDL_DROPFILE.rawValue, SDL_DISABLE)
    }

    deinit {
        learner?.stopAndWait()
    }

    var isHeadless: Bool { surface.kind == .offscreen }
    /// Whether the world holds, rather than the frame waiting, while the plan goal mode's next step needs is unfinished
    /// (a window).
    lazy var holdsForPlanner = !isHeadless

    /// What draws the frames, for the HUD: the GPU renderer's name, or the CPU rasteriser.
    var rendererLabel: String { canvas.usesGPU ? surface.rendererName : "CPU raster" }

    /// Runs until Esc/Q/close, or for `options.frames` frames when headless.
    @discardableResult
    public func run() throws -> ViewerSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        var last = start
        var saved: String?
        var longest = 0.0
        while running {
            pushScriptedKeys()
            pollEvents()
            let now = DispatchTime.now().uptimeNanoseconds
            let wall = Double(now - last) / 1e9
            last = now
            frameRate.add(seconds: wall)
            if frameCount > 0 { longest = max(longest, wall) }
            if let n = options.frames, frameCount == n - 1, let shot = options.screenshot { pendingScreenshot = shot }
            advance(seconds: isHeadless ? 1.0 / 60 : wall)
            let drawStart = Sandbox.now()
            if let written = try render() { saved = written }
            profile.add(sandbox.takeTimings(), draw: Sandbox.now() - drawStart)
            surface.present()
            frameCount += 1
            if let n = options.frames, frameCount >= n { break }
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        learner?.stopAndWait()
        var recorded: String?
        if let dir = options.recordDirectory {
            // What was shown when the window closed; a headless run fails loudly, a window says why on stderr.
            do { recorded = try writeRecording(to: dir) } catch {
                if isHeadless { throw error }
                FileHandle.standardError.write(Data("tumble view: --record \(dir.path): \(error)\n".utf8))
            }
        }
        if let file = options.settingsFile {
            do { try settings.save(file) } catch {
                FileHandle.standardError.write(Data("tumble view: settings not saved to \(file.path): \(error)\n".utf8))
            }
        }
        return ViewerSummary(frames: frameCount, steps: sandbox.tick,
                             framesPerSecond: total > 0 ? Double(frameCount) / total : 0, longestFrameSeconds: longest,
                             screenshot: saved,
                             learningSteps: learner?.stepCount ?? 0, learningSeconds: learner?.secondsOn ?? 0,
                             learningCPUSeconds: learner?.cpuSecondsInSteps ?? 0, learningLastLoss: learner?.lastLoss,
                             recording: recorded, modelLabel: sandbox.model?.label, goal: sandbox.goalSummary)
    }

    /// What the window would remember now (see `ViewerSettings`).
    var settings: ViewerSettings {
        var s = ViewerSettings()
        s.horizon = sandbox.horizon
        s.masks = showMasks; s.probe = showProbe; s.panels = showPanels
        s.physics = sandbox.physics
        return s
    }

    // MARK: simulation clock

    /// Advances the display clock by `seconds`: steps the world once per observation interval that elapsed.
    func advance(seconds: Double) {
        clock += seconds
        if let f = pendingScrub { pendingScrub = nil; scrub(to: f) }
        updateDragAction()
        drainLosses()
        guard !paused else { return }
        let interval = sandbox.interval
        accumulator += min(seconds, 0.25)
        var steps = 0, held = false
        // A microsecond of slack, so 4 frames of 1/60 s make exactly one 1/15 s observation despite rounding.
        while accumulator >= interval - 1e-6 && steps < 4 {
            // A window never waits for goal mode's planner: while the plan the next step needs is still being made,
            // the world holds and the frames go on (headless frames wait, so their count and pictures stay fixed).
            if holdsForPlanner, sandbox.goalRun?.planPending == true { accumulator = min(accumulator, interval); held = true; break }
            stepWorld()
            accumulator -= interval
            steps += 1
        }
        if !held, accumulator >= interval { accumulator = accumulator.truncatingRemainder(dividingBy: interval) }
        accumulator = max(accumulator, 0)
        alpha = Float(min(max(accumulator / interval, 0), 1))
    }

    func stepWorld() {
        let wasReached = sandbox.goalRun?.reached ?? true
        sandbox.step()
        if let s = sandbox.surprise { surprisePlot.append(tick: sandbox.tick, value: s) }
        goalStepped(wasReached: wasReached)
    }

    /// Plots the training loss as an exponential moving average over steps (one point per frame), so the
    /// trend shows through the noise of single mini-batches.
    private func drainLosses() {
        guard let learner else { return }
        let losses = learner.drainLosses()
        guard !losses.isEmpty else { return }
        for l in losses where l.isFinite { smoothedLoss = smoothedLoss.map { $0 + (l - $0) * 0.05 } ?? l }
        if let s = smoothedLoss { lossPlot.append(tick: frameCount, value: s) }
    }

    // MARK: actions (keys call these; tests call them too)

    func togglePause() {
        paused.toggle()
        if !paused, !sandbox.timeline.isLive, let e = sandbox.timeline.current {
            say("resumed from step \(e.step): the later observations are replaced", Theme.accent)
        } else {
            say(paused ? "paused" : "running", Theme.text)
        }
    }

    /// → : pause if needed and advance exactly one observation: the next kept one when looking at the past, else a
    /// new one.
    func singleStep() {
        paused = true
        if sandbox.timeline.isLive { stepWorld() } else { sandbox.show(timelineIndex: sandbox.timeline.cursor + 1) }
        accumulator = 0
        alpha = 1
    }

    func resetWithNewSeed() {
        sandbox.resetWithNewSeed()
        afterEpisodeChange(label: "reset")
        say("reset, seed \(sandbox.seed)", Theme.text)
    }

    func switchScene(by offset: Int) {
        do {
            if let provider = options.modelForScene {
                // Each scene its own model: the old one's learning stops with it.
                let choice = provider(sandbox.scene(at: offset))
                let model: ViewerModel?, reason: String?
                switch choice {
                case .none(let why): (model, reason) = (nil, why)
                case .kinematicBaseline:
                    let next = sandbox.scene(at: offset)
                    (model, reason) = (KinematicBaseline(frameHeight: next.camera.resolution, frameWidth: next.camera.resolution,
                                                         channels: next.camera.color.channels), nil)
                case .model(let m): (model, reason) = (m, nil)
                }
                try sandbox.switchScene(by: offset, model: .some(model))
                learner?.stopAndWait()
                learner = model.flatMap { $0.supportsLearning ? LiveLearner(model: $0) : nil }
                noModelReason = reason
            } else {
                try sandbox.switchScene(by: offset)
            }
            drag = nil
            camera.home()   // another world: the old zoom and pan mean nothing there
            afterEpisodeChange(label: sandbox.scene.name)
            say("scene \(sandbox.scene.name)", Theme.text)
        } catch {
            say("\(error)", Theme.warning)
        }
    }

    func afterEpisodeChange(label: String) {
        accumulator = 0
        alpha = 1
        surprisePlot.mark(tick: sandbox.tick, label: label, color: Theme.dimText)
    }

    func inject(_ type: ViolationType) {
        do {
            let v = try sandbox.inject(type)
            surprisePlot.mark(tick: sandbox.tick + 1, label: type.rawValue, color: Theme.violation(type.rawValue))
            say("\(type.rawValue) injected on body \(v.body)", Theme.violation(type.rawValue))
        } catch {
            say("\(error)", Theme.warning)
        }
    }

    func toggleLearning() {
        guard let model = sandbox.model else { say("no model to train", Theme.warning); return }
        guard let learner, model.supportsLearning else { say("this model cannot learn online", Theme.warning); return }
        if learner.isRunning { learner.stop(); say("live learning off", Theme.text) } else {
            learner.start(); say("live learning on", Theme.loss)
        }
    }

    func setHorizon(_ k: Int) {
        sandbox.horizon = k
        say("imagination horizon \(sandbox.horizon)", Theme.imagined)
    }

    func requestScreenshot() {
        let stamp = Int(Date().timeIntervalSince1970)
        let dir = FileManager.default.currentDirectoryPath
        pendingScreenshot = "\(dir)/tumble-\(sandbox.scene.name)-\(stamp)-\(sandbox.tick).png"
    }

    func say(_ text: String, _ color: RGBA) { flash = (text, color, clock + 2.5) }

    // MARK: drag

    func beginDrag(atPixel p: SIMD2<Float>) {
        if let bar = lastScrubBar, bar.inset(-6).contains(p) {
            scrubbing = true
            scrub(to: (p.x - bar.x) / max(bar.w, 1))
            return
        }
        guard let t = lastTransform, t.viewport.contains(p), lastWorldArea?.contains(p) ?? true else { return }
        let w = t.world(p)
        if goalModeOn { placeGoal(at: w); return }   // in goal mode a click places the goal; the planner steers
        if sandbox.hasActor {
            if let actor = sandbox.actorBody { drag = DragState(kind: .steer, body: actor, target: w) }
        } else if let body = sandbox.body(at: w), let at = sandbox.position(of: body) {
            let angle = sandbox.states[body * 6 + 2]
            drag = DragState(kind: .pull, body: body, target: w, localGrab: Self.rotate(w - at, by: -angle))
            sandbox.userPull = UserPull(body: body, grab: w, target: w)
        }
        updateDragAction()
    }

    func moveDrag(toPixel p: SIMD2<Float>) {
        pointer = p
        if let from = panFrom, let t = lastTransform {
            camera.drag(byPixels: p - from, scale: t.scale)
            panFrom = p
        }
        if scrubbing, let bar = lastScrubBar { pendingScrub = (p.x - bar.x) / max(bar.w, 1); return }
        guard drag != nil, let t = lastTransform else { return }
        drag!.target = t.world(p)
    }

    func endDrag() {
        if let f = pendingScrub { pendingScrub = nil; scrub(to: f) }
        scrubbing = false
        drag = nil
        sandbox.userAction = nil
        sandbox.userPull = nil
    }

    /// Turns the pointer into this step's action (actor scenes) or into the target of the pull on the grabbed body.
    /// A pull the sandbox dropped (reset, scene switch, the body vanished) ends the drag.
    private func updateDragAction() {
        guard let d = drag else { return }
        switch d.kind {
        case .steer:
            sandbox.userAction = sandbox.steeringAction(towards: d.target)
        case .pull:
            if sandbox.userPull?.body == d.body { sandbox.userPull?.target = d.target } else { drag = nil }
        }
    }

    /// Where the grabbed point of the dragged body is now (world units).
    var dragAnchor: SIMD2<Float>? {
        guard let d = drag, let p = sandbox.position(of: d.body) else { return nil }
        guard d.kind == .pull else { return p }
        return p + Self.rotate(d.localGrab, by: sandbox.states[d.body * 6 + 2])
    }

    static func rotate(_ v: SIMD2<Float>, by angle: Float) -> SIMD2<Float> {
        let c = cosf(angle), s = sinf(angle)
        return SIMD2(c * v.x - s * v.y, s * v.x + c * v.y)
    }
}

/// Frames per second, smoothed over about half a second.
struct FrameRate {
    private(set) var perSecond: Double = 0
    private var mean: Double = 0
    mutating func add(seconds: Double) {
        guard seconds > 0 else { return }
        mean = mean == 0 ? seconds : mean + (seconds - mean) * min(1, seconds / 0.5)
        perSecond = 1 / mean
    }
}
