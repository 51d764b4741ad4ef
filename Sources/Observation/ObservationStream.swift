import Physics

/// The single path from a physics world to what a learner sees: frames, states and actions.
///
/// The recorder, the trainer's live stream and the window all drive a world through this type, so
/// what the window shows is exactly what the model sees. Gymnasium-style: `reset(seed:)` gives
/// observation 0, each `step(action:)` one observation interval later. `record(seed:into:)` runs a
/// whole episode into a preallocated `EpisodeBuffer` with no allocation per step.
///
/// Time convention (also the dataset's): observation `t` is the world after `t` steps; `actions[t]`
/// is the action chosen at observation `t` and applied during the step to `t + 1` (the last one is
/// chosen but not applied); `collisions[t][n]` says body `n` began a contact during the step into `t`.
///
/// Not thread-safe: use one stream per thread.
public final class ObservationStream {
    public let world: World
    public let rasterizer: Rasterizer

    public var scene: Scene { world.scene }
    /// N: state rows (dynamic bodies, padded to the scene's largest count).
    public var bodyCount: Int { world.bodyCount }
    /// A: action values per step (0 without an actor).
    public var actionDimension: Int { world.actionDimension }
    /// `[height, width, channels]` of one frame.
    public var frameShape: [Int] { [rasterizer.height, rasterizer.width, rasterizer.channels] }
    public var frameByteCount: Int { rasterizer.frameByteCount }
    /// Observations since the last reset.
    public var stepIndex: Int { world.stepIndex }

    /// The latest frame, `[H, W, C]` bytes; valid until the next `reset` or `step`.
    public var frame: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(frameStorage) }
    /// The latest states, N×6 floats (x, y, angle, vx, vy, ω); valid until the next `reset` or `step`.
    public var states: UnsafeBufferPointer<Float> { UnsafeBufferPointer(stateStorage) }

    private var drawList: [Drawable] = []
    private let cache = RasterCache()
    private let frameStorage: UnsafeMutableBufferPointer<UInt8>
    private let stateStorage: UnsafeMutableBufferPointer<Float>

    /// A stream over a new world of `scene`. `resolution` overrides the scene camera's square frame
    /// side; colour mode and background always come from the scene.
    public init(scene: Scene, resolution: Int? = nil) throws {
        let side = resolution ?? scene.camera.resolution
        guard side > 0 && side <= 4096 else {
            throw RecordError("resolution \(side) is out of range (expected 1...4096 pixels)")
        }
        world = try World(scene: scene)
        rasterizer = Rasterizer(width: side, height: side, channels: scene.camera.color.channels,
                                background: scene.camera.background)
        frameStorage = .allocate(capacity: rasterizer.frameByteCount)
        frameStorage.initialize(repeating: 0)
        stateStorage = .allocate(capacity: max(world.bodyCount * 6, 1))
        stateStorage.initialize(repeating: 0)
        drawList.reserveCapacity(64)
        observe(frame: frameStorage.baseAddress!, states: stateStorage.baseAddress!)
    }

    deinit {
        frameStorage.deallocate()
        stateStorage.deallocate()
    }

    /// Starts episode `seed` and renders observation 0.
    public func reset(seed: UInt64) {
        world.reset(seed: seed)
        observe(frame: frameStorage.baseAddress!, states: stateStorage.baseAddress!)
    }

    /// Advances one observation interval with `action` (A values in [-1, 1], or nil) and renders.
    public func step(action: UnsafeBufferPointer<Float>?) {
        world.step(action: action)
        observe(frame: frameStorage.baseAddress!, states: stateStorage.baseAddress!)
    }

    /// The scene's recording policy's next action (A values); writes nothing when A = 0.
    public func policyAction(into out: UnsafeMutableBufferPointer<Float>) {
        world.policyAction(into: out)
    }

    /// Renders the current world into `frame` (at least `frameByteCount` bytes) without stepping;
    /// used by the window to draw the same pixels at another moment.
    public func render(into frame: UnsafeMutableBufferPointer<UInt8>) {
        world.drawables(into: &drawList)
        rasterizer.draw(drawList, camera: world.camera, into: frame, cache: cache)
    }

    /// Records a whole episode of `episode.steps` observations from `seed` with the scene's policy.
    public func record(seed: UInt64, into episode: EpisodeBuffer) {
        precondition(episode.matches(self), "EpisodeBuffer shape does not match this stream")
        _ = try! run(seed: seed, steps: episode.steps, into: episode.slots)
    }

    // MARK: - Internals shared with the recorder

    /// Where one episode's arrays go (C order): frames [T,H,W,C], states [T,N,6], actions [T,A],
    /// collisions [T,N], mask [N] (the rows present at reset).
    struct Slots {
        var frames: UnsafeMutablePointer<UInt8>
        var states: UnsafeMutablePointer<Float>
        var actions: UnsafeMutablePointer<Float>
        var collisions: UnsafeMutablePointer<Bool>
        var mask: UnsafeMutablePointer<Bool>
    }

    /// Asked at observation `step` (already rendered) for a violation to inject before the next step.
    struct Injection {
        var step: Int
        var choose: (World) -> Violation?
    }

    /// Runs one episode into `slots`. With `replay` ([T,A] floats) actions are replayed instead of
    /// asking the policy. With `injection`, the violation it chooses is injected at its step; returns
    /// that violation (nil if none was chosen; with `stopWithoutInjection` the run then ends early
    /// and `slots` hold a partial episode).
    @discardableResult
    func run(seed: UInt64, steps: Int, into s: Slots, replay: UnsafePointer<Float>? = nil,
             injection: Injection? = nil, stopWithoutInjection: Bool = false) throws -> Violation? {
        let n = world.bodyCount, a = world.actionDimension, fb = rasterizer.frameByteCount
        world.reset(seed: seed)
        let mask = world.bodyMask
        for i in 0..<n { s.mask[i] = mask[i] }
        var injected: Violation?
        for t in 0..<steps {
            observe(frame: s.frames + t * fb, states: s.states + t * n * 6)
            let hits = s.collisions + t * n
            for i in 0..<n { hits[i] = t > 0 && world.collidedThisStep(body: i) }
            let action = s.actions + t * a
            if let replay {
                action.update(from: replay + t * a, count: a)
            } else if a > 0 {
                world.policyAction(into: UnsafeMutableBufferPointer(start: action, count: a))
            }
            if let injection, injection.step == t {
                if let v = injection.choose(world) {
                    try world.inject(v)
                    injected = v
                } else if stopWithoutInjection {
                    return nil
                }
            }
            if t < steps - 1 {
                world.step(action: a > 0 ? UnsafeBufferPointer(start: action, count: a) : nil)
            }
        }
        return injected
    }

    private func observe(frame: UnsafeMutablePointer<UInt8>, states: UnsafeMutablePointer<Float>) {
        world.drawables(into: &drawList)
        rasterizer.draw(drawList, camera: world.camera, into: UnsafeMutableBufferPointer(start: frame, count: rasterizer.frameByteCount),
                        cache: cache)
        world.exportStates(into: UnsafeMutableBufferPointer(start: states, count: world.bodyCount * 6))
    }
}

/// Preallocated arrays for one episode of a stream: fill with `ObservationStream.record(seed:into:)`.
///
/// Layouts match one episode of a dataset shard: `frames` [T,H,W,C] uint8, `states` [T,N,6],
/// `actions` [T,A], `collisions` [T,N], `mask` [N].
public final class EpisodeBuffer {
    public let steps: Int
    public let frameShape: [Int]
    public let bodyCount: Int
    public let actionDimension: Int

    public let frames: UnsafeMutableBufferPointer<UInt8>
    public let states: UnsafeMutableBufferPointer<Float>
    public let actions: UnsafeMutableBufferPointer<Float>
    public let collisions: UnsafeMutableBufferPointer<Bool>
    public let mask: UnsafeMutableBufferPointer<Bool>

    /// Buffers for `steps` observations of `stream`.
    public init(steps: Int, for stream: ObservationStream) {
        precondition(steps > 0, "EpisodeBuffer needs at least one step")
        self.steps = steps
        frameShape = stream.frameShape
        bodyCount = stream.bodyCount
        actionDimension = stream.actionDimension
        frames = .allocate(capacity: steps * stream.frameByteCount)
        states = .allocate(capacity: max(steps * bodyCount * 6, 1))
        actions = .allocate(capacity: max(steps * actionDimension, 1))
        collisions = .allocate(capacity: max(steps * bodyCount, 1))
        mask = .allocate(capacity: max(bodyCount, 1))
        frames.initialize(repeating: 0)
        states.initialize(repeating: 0)
        actions.initialize(repeating: 0)
        collisions.initialize(repeating: false)
        mask.initialize(repeating: false)
    }

    deinit {
        frames.deallocate(); states.deallocate(); actions.deallocate(); collisions.deallocate(); mask.deallocate()
    }

    /// Bytes of one frame.
    public var frameByteCount: Int { frameShape.reduce(1, *) }

    /// Frame `t` as `[H, W, C]` bytes.
    public func frame(_ t: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: frames[(t * frameByteCount)..<((t + 1) * frameByteCount)])
    }

    func matches(_ stream: ObservationStream) -> Bool {
        frameShape == stream.frameShape && bodyCount == stream.bodyCount && actionDimension == stream.actionDimension
    }

    var slots: ObservationStream.Slots {
        .init(frames: frames.baseAddress!, states: states.baseAddress!, actions: actions.baseAddress!,
              collisions: collisions.baseAddress!, mask: mask.baseAddress!)
    }
}
