import CBox2D
import Common
import Foundation

/// A running episode of a scene, in the Gymnasium spirit: `reset(seed:)`, then `step(action:)` and read-outs.
///
/// Determinism: the same scene and seed give byte-identical states on every run of the same binary. Each reset
/// builds a fresh Box2D world in one fixed order from values drawn by the episode's own random streams (layout
/// and policy are separate streams, derived from the seed), and sleeping is off, so nothing depends on history.
///
/// Not thread-safe; use one `World` per thread (they share nothing).
public final class World {
    public let scene: Scene

    /// N: rows of the state vector (dynamic bodies in scene order, each entry counted at its largest count).
    public var bodyCount: Int { rows.count }
    /// A: 2 with an actor (force in x and y, each in [-1, 1]), else 0.
    public var actionDimension: Int { scene.actor == nil ? 0 : 2 }
    /// Which of the N rows hold a body this episode (a vanished body's row turns `false`).
    public internal(set) var bodyMask: [Bool]
    /// Observations since reset.
    public internal(set) var stepIndex = 0
    /// The seed of the current episode.
    public internal(set) var seed: UInt64 = 0
    /// The world rectangle the camera sees.
    public var camera: CameraRect { scene.cameraRect }
    /// Box2D sleeping for the bodies built at the next `reset`. Off by default: a sleeping body's wake-up depends
    /// on history, so datasets never use it; the window offers it to show what it changes.
    public var allowSleep = false

    /// Dynamic bodies, how many of them are awake, and contacts whose shapes touch right now.
    public var counts: (bodies: Int, awake: Int, contacts: Int) {
        var n: Int32 = 0, a: Int32 = 0, c: Int32 = 0
        tb_world_counts(handle, &n, &a, &c)
        return (Int(n), Int(a), Int(c))
    }

    // Scene-derived, fixed for the world's life.
    let rows: RowMap
    let scenery: Scenery
    let solidPieces: [WallPiece]
    let staticDrawables: [Drawable]
    let actorEntry: Int?
    let pushEntry: Int?

    // Episode state.
    var handle: OpaquePointer
    var rowIDs: [Int32]
    var drawn: [DrawnBody] = []
    var drawIDs: [Int32] = []
    var poses: [Float] = []
    var contactFlags: [UInt8]
    var staticObstacles: [(SIMD2<Float>, Float)] = []
    var actorRow = -1, pushRow = -1
    var actorRadius: Float = 0, pushRadius: Float = 0
    var policyRNG = SplitMix64(seed: 0)
    var noise = SIMD2<Float>.zero
    var log = ReplayLog()
    /// The static body every pull is anchored to (Box2D's mouse joint needs one).
    var groundID: Int32 = -1
    /// The pull in effect, if any (see `World+Pull.swift`).
    var pullState: PullState?

    /// One body Box2D knows about that is drawn (everything but the ground).
    struct DrawnBody {
        var id: Int32
        var row: Int
        var shapes: [LocalShape]
        var color: SIMD3<UInt8>
        var visible = true
    }

    /// Collision categories: bodies, and walls (static scenery and static bodies), so `passThrough` can drop walls.
    static let bodyCategory: UInt16 = 0x0001
    static let wallCategory: UInt16 = 0x0002

    /// Builds the world and resets it with seed 0 (call `reset(seed:)` to choose the episode). Throws a
    /// `SceneError` if the scene was edited into an invalid one after loading.
    public init(scene: Scene) throws {
        do { try scene.validate() } catch { throw SceneError.from(error, file: scene.name, root: nil) }
        self.scene = scene
        rows = RowMap(scene)
        scenery = Scenery(scene)
        solidPieces = scenery.solidPieces
        var statics = scenery.drawables
        for chain in scene.chains {
            statics.append(Drawable(geometry: .circle(center: chain.anchor, radius: chain.width * 0.6, angle: 0),
                                    color: SIMD3(160, 160, 160), body: -1))
        }
        staticDrawables = statics
        actorEntry = scene.actor.flatMap { a in scene.bodies.firstIndex { $0.name == a.body } }
        pushEntry = scene.actor?.policy.push.flatMap { p in scene.bodies.firstIndex { $0.name == p } }
        bodyMask = Array(repeating: false, count: rows.count)
        rowIDs = Array(repeating: -1, count: rows.count)
        contactFlags = Array(repeating: 0, count: rows.count)
        handle = tb_world_create(scene.gravity.x, scene.gravity.y)
        reset(seed: 0)
    }

    deinit { tb_world_destroy(handle) }

    static func layoutStream(seed: UInt64) -> SplitMix64 { SplitMix64(seed: seed).derived(1) }
    static func policyStream(seed: UInt64) -> SplitMix64 { SplitMix64(seed: seed).derived(2) }

    /// Starts a new episode: a fresh Box2D world with bodies drawn from `seed`.
    public func reset(seed: UInt64) {
        self.seed = seed
        var layoutRNG = Self.layoutStream(seed: seed)
        // Validation proved placement works with a tenth of this budget; non-strict never throws.
        let layout = try! Layout.make(scene, rows: rows, scenery: solidPieces, rng: &layoutRNG,
                                      attempts: Scene.episodeAttempts, maxCounts: false, strict: false)
        tb_world_destroy(handle)
        handle = tb_world_create(scene.gravity.x, scene.gravity.y)
        tb_world_set_allow_sleeping(handle, allowSleep ? 1 : 0)
        build(layout)
        policyRNG = Self.policyStream(seed: seed)
        noise = .zero
        stepIndex = 0
        log = ReplayLog()
    }

    /// Advances one observation interval (`scene.observeEvery` physics steps). With an actor, the first two values
    /// of `action` (clamped to [-1, 1]; non-finite counts as 0; `nil` means no push) scale the actor's force for the
    /// whole interval. Scenes without an actor ignore `action`.
    public func step(action: UnsafeBufferPointer<Float>?) {
        if actorRow >= 0, let force = scene.actor?.force {
            var a = SIMD2<Float>.zero
            if let action, action.count >= 2 { a = SIMD2(Self.clamp(action[0]), Self.clamp(action[1])) }
            log.actions.append(a)
            tb_body_set_persistent_force(handle, rowIDs[actorRow], a.x * force, a.y * force)
        }
        tb_clear_contact_flags(handle)
        tb_world_step(handle, scene.timestep, Int32(scene.velocityIterations), Int32(scene.positionIterations),
                      Int32(scene.observeEvery))
        rowIDs.withUnsafeBufferPointer { ids in
            contactFlags.withUnsafeMutableBufferPointer { tb_export_contact_flags(handle, ids.baseAddress, Int32(ids.count), $0.baseAddress) }
        }
        stepIndex += 1
    }

    static func clamp(_ v: Float) -> Float { v.isFinite ? min(max(v, -1), 1) : 0 }

    /// Writes N×6 floats (x, y, angle, vx, vy, ω per row, world units, radians); absent rows are zeros.
    public func exportStates(into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= rows.count * 6, "exportStates needs \(rows.count * 6) floats, got \(out.count)")
        rowIDs.withUnsafeBufferPointer { tb_export_states(handle, $0.baseAddress, Int32($0.count), out.baseAddress) }
    }

    /// Whether body row `body` began touching anything solid during the last `step`.
    public func collidedThisStep(body: Int) -> Bool { body >= 0 && body < contactFlags.count && contactFlags[body] != 0 }

    /// Replaces the contents of `list` with everything visible, in world coordinates and drawing order: zones,
    /// walls, chain pins, then bodies (scene order). Dynamic bodies carry their state row in `Drawable.body`.
    public func drawables(into list: inout [Drawable]) {
        list.removeAll(keepingCapacity: true)
        list.append(contentsOf: staticDrawables)
        drawIDs.withUnsafeBufferPointer { ids in
            poses.withUnsafeMutableBufferPointer { tb_export_states(handle, ids.baseAddress, Int32(ids.count), $0.baseAddress) }
        }
        for (i, body) in drawn.enumerated() where body.visible {
            let p = SIMD2(poses[6 * i], poses[6 * i + 1]), angle = poses[6 * i + 2]
            for shape in body.shapes {
                switch shape {
                case let .circle(c, r):
                    list.append(Drawable(geometry: .circle(center: p + Geometry.rotate(c, angle), radius: r, angle: angle),
                                         color: body.color, body: body.row))
                case let .polygon(v):
                    let c = cosf(angle), s = sinf(angle)
                    let pts = v.map { SIMD2(p.x + c * $0.x - s * $0.y, p.y + s * $0.x + c * $0.y) }
                    list.append(Drawable(geometry: .polygon(pts), color: body.color, body: body.row))
                }
            }
        }
    }

    /// The scene's recording policy: writes the next action (A values in [-1, 1]) drawn from the episode's policy
    /// stream — Ornstein–Uhlenbeck noise plus, when the scene says `push`, a controller steering the actor behind the
    /// pushed body and on towards the goal. Writes nothing when A = 0.
    public func policyAction(into out: UnsafeMutableBufferPointer<Float>) {
        guard let actor = scene.actor, actorRow >= 0 else { return }
        precondition(out.count >= 2, "policyAction needs 2 floats")
        let dt = scene.timestep * Float(scene.observeEvery)
        let p = actor.policy
        let kick = SIMD2(policyRNG.normal(), policyRNG.normal())
        noise += -p.theta * noise * dt + p.sigma * dt.squareRoot() * kick
        var a = noise
        if let goal = p.goal, pushRow >= 0 { a += p.gain * pushSteering(toward: goal) }
        out[0] = Self.clamp(a.x)
        out[1] = Self.clamp(a.y)
    }
}
