import Common

/// A validated description of a physics world, read from a YAML file (see Scenes/*.yaml for examples).
///
/// Units are Box2D's: metres, kilograms, seconds; y points up; angles in the file are degrees.
/// Every number may be fixed (`radius: 0.5`) or, where it is randomised per episode, a range (`radius: [0.4, 0.6]`).
/// A `Scene` only exists once it has been fully checked (types, finiteness, sizes, references, and that its bodies can
/// be placed without overlap), so `World` never meets a bad value at run time.
///
/// State order: the dynamic bodies of `bodies` in file order (an entry with `count: [lo, hi]` owns `hi` rows), then
/// the links of each chain in `chains` (again `hi` rows each). Rows beyond this episode's count are absent (`bodyMask`).
public struct Scene: Encodable, Sendable, Equatable {
    /// Short identifier, e.g. `bounce`.
    public var name: String
    /// One line for `tumble scenes`.
    public var description: String
    /// The world rectangle, from (0, 0) to (width, height). Bodies are placed inside it.
    public var world: Size
    /// Gravity in m/s², default (0, -9.81).
    public var gravity: SIMD2<Float>
    /// Fixed physics step in seconds, default 1/60.
    public var timestep: Float
    /// Box2D solver iterations per step, default 8 and 3.
    public var velocityIterations: Int
    public var positionIterations: Int
    /// Physics steps per observation (`World.step` advances this many); bounce uses 4 (15 Hz).
    public var observeEvery: Int
    /// Approach speed (m/s) below which contacts do not bounce; Box2D's default is 1. Zero-gravity elastic scenes
    /// lower it so slow collisions stay elastic.
    public var restitutionThreshold: Float
    public var camera: Camera
    /// Static scenery: solid walls and non-solid zones (drawn, never collide).
    public var walls: [Wall]
    public var bodies: [BodySpec]
    /// Pendulum-like chains of links pinned to a fixed point.
    public var chains: [ChainSpec]
    public var joints: [JointSpec]
    /// The body the recording policy pushes; `nil` means no actions (action dimension 0).
    public var actor: Actor?
    /// Violation types this scene may be recorded with.
    public var violations: [ViolationType]

    /// The YAML text this scene was read from (kept for dataset manifests); not part of the coded form.
    public internal(set) var source: String = ""

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, world, gravity, timestep, velocityIterations, positionIterations, observeEvery
        case restitutionThreshold
        case camera, walls, bodies, chains, joints, actor, violations
    }

    /// Observations per simulated second.
    public var observedHz: Double { 1 / (Double(timestep) * Double(observeEvery)) }

    /// Episodes differ in how many bodies they have (a count or chain length drawn from a range), so a body row
    /// can be absent: recorded datasets then keep a `mask`, and live batches carry one too.
    public var bodyCountVaries: Bool {
        bodies.contains { $0.type == .dynamic && $0.count.lower != $0.count.upper } || chains.contains { $0.links.lower != $0.links.upper }
    }
    /// What the camera sees: `camera.view`, or the whole world.
    public var cameraRect: CameraRect {
        camera.view ?? CameraRect(minX: 0, minY: 0, maxX: world.width, maxY: world.height)
    }
}

extension Scene {
    public struct Size: Encodable, Sendable, Equatable {
        public var width: Float
        public var height: Float
    }

    /// How observations are rendered; the rasteriser reads these.
    public struct Camera: Encodable, Sendable, Equatable {
        /// World rectangle shown; `nil` shows the whole world.
        public var view: CameraRect?
        /// Square frame side in pixels, default 64.
        public var resolution: Int
        /// `rgb` (3 channels, default) or `grey` (1 channel).
        public var color: ColorMode
        /// Frame background, default black.
        public var background: SIMD3<UInt8>
    }

    public enum ColorMode: String, Codable, Sendable, CaseIterable {
        case rgb, grey
        public var channels: Int { self == .rgb ? 3 : 1 }
    }

    /// A uniform random range; a fixed value is a range with `lower == upper`.
    public struct RandomRange: Encodable, Sendable, Equatable {
        public var lower: Float
        public var upper: Float
        public init(_ lower: Float, _ upper: Float) { self.lower = lower; self.upper = upper }
        public init(_ value: Float) { self.init(value, value) }
        /// Always consumes one draw, so later draws do not depend on whether this range is degenerate.
        func sample(_ rng: inout SplitMix64) -> Float { rng.uniform(lower, upper) }
    }

    /// How many instances of an entry exist in an episode (uniform in lower...upper).
    public struct CountRange: Encodable, Sendable, Equatable {
        public var lower: Int
        public var upper: Int
        public init(_ lower: Int, _ upper: Int) { self.lower = lower; self.upper = upper }
    }

    /// Initial velocity: per-axis ranges, or a speed range in a random direction (degrees, counter-clockwise from +x).
    public enum RandomVelocity: Encodable, Sendable, Equatable {
        case cartesian(x: RandomRange, y: RandomRange)
        case polar(speed: RandomRange, direction: RandomRange)
        public static let zero = RandomVelocity.cartesian(x: RandomRange(0), y: RandomRange(0))
    }

    /// Static scenery. `frame` lines the inside of the world rectangle with four boxes of `thickness`.
    public struct Wall: Encodable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable { case frame, box, segment, chain, polygon }
        public var type: Kind
        /// box: centre, full width and height, angle in degrees.
        public var center: SIMD2<Float>?
        public var width: Float?
        public var height: Float?
        public var angle: Float
        /// segment: end points.
        public var from: SIMD2<Float>?
        public var to: SIMD2<Float>?
        /// chain/polygon: vertices (chain may `loop`).
        public var points: [SIMD2<Float>]?
        public var loop: Bool
        /// frame: wall thickness; segment/chain: drawn line width (collision is thin).
        public var thickness: Float
        public var friction: Float
        public var restitution: Float
        public var color: SIMD3<UInt8>
        /// `false` makes a zone: drawn, but nothing collides with it (e.g. a goal region).
        public var solid: Bool
    }

    public enum BodyType: String, Codable, Sendable, CaseIterable {
        case dynamic, kinematic
        case `static`
    }

    public enum ShapeKind: String, Codable, Sendable, CaseIterable { case circle, box, polygon }

    /// One entry of `bodies`: `count` instances sharing a template whose numbers are drawn per instance.
    public struct BodySpec: Encodable, Sendable, Equatable {
        public var name: String
        public var count: CountRange
        public var type: BodyType
        public var shape: ShapeKind
        /// circle
        public var radius: RandomRange?
        /// box: full width and height
        public var width: RandomRange?
        public var height: RandomRange?
        /// polygon: convex, 3...8 vertices around the body origin, scaled by `scale`
        public var points: [SIMD2<Float>]?
        public var scale: RandomRange
        /// Centre position; x and y ranges.
        public var position: RandomVector
        public var angle: RandomRange
        public var velocity: RandomVelocity
        /// Degrees per second.
        public var angularVelocity: RandomRange
        public var density: Float
        public var friction: Float
        public var restitution: Float
        public var linearDamping: Float
        public var angularDamping: Float
        public var fixedRotation: Bool
        public var bullet: Bool
        /// One colour, or several used in turn by the instances.
        public var colors: [SIMD3<UInt8>]

        enum CodingKeys: String, CodingKey {
            case name, count, type, shape, radius, width, height, points, scale, position, angle, velocity
            case angularVelocity, density, friction, restitution, linearDamping, angularDamping, fixedRotation, bullet
            case colors = "color"
        }
    }

    public struct RandomVector: Encodable, Sendable, Equatable {
        public var x: RandomRange
        public var y: RandomRange
    }

    /// A chain of `links` boxes hanging from `anchor`, joined by pins; the first link points `angle` degrees away
    /// from straight down, each next one turns by `bend` more. `bob` adds a disc at the free end.
    public struct ChainSpec: Encodable, Sendable, Equatable {
        public var name: String
        public var anchor: SIMD2<Float>
        public var links: CountRange
        /// Link length, drawn once per chain.
        public var length: RandomRange
        public var width: Float
        public var angle: RandomRange
        public var bend: RandomRange
        public var bob: Float?
        public var density: Float
        public var friction: Float
        public var restitution: Float
        public var linearDamping: Float
        public var angularDamping: Float
        public var colors: [SIMD3<UInt8>]

        enum CodingKeys: String, CodingKey {
            case name, anchor, links, length, width, angle, bend, bob, density, friction, restitution
            case linearDamping, angularDamping
            case colors = "color"
        }
    }

    public enum JointKind: String, Codable, Sendable, CaseIterable { case revolute, distance }

    /// A joint between two placed bodies. `a`/`b` name a body entry (`name` or `name[i]`, i below its minimum count)
    /// or `ground`. Anchors are in the named body's frame (world frame for `ground`).
    public struct JointSpec: Encodable, Sendable, Equatable {
        public var type: JointKind
        public var a: String
        public var b: String
        public var anchorA: SIMD2<Float>
        public var anchorB: SIMD2<Float>
        /// distance: rest length (default: the distance at creation); `frequency` > 0 makes it a spring.
        public var length: Float?
        public var frequency: Float
        public var dampingRatio: Float
        /// revolute: optional limits (degrees) and motor (degrees/s, N·m).
        public var lowerAngle: Float?
        public var upperAngle: Float?
        public var motorSpeed: Float?
        public var maxMotorTorque: Float
        public var collideConnected: Bool
    }

    /// The pushed body. Actions are 2 numbers in [-1, 1], scaled by `force` (N) and applied at the body's centre
    /// during every physics step of an observation interval.
    public struct Actor: Encodable, Sendable, Equatable {
        public var body: String
        public var force: Float
        public var policy: Policy
    }

    /// The recording policy: an Ornstein–Uhlenbeck process (smooth random pushes, stationary spread
    /// `sigma / sqrt(2 theta)`), optionally added to a controller that pushes body `push` towards `goal`.
    public struct Policy: Encodable, Sendable, Equatable {
        public var theta: Float
        public var sigma: Float
        public var push: String?
        public var goal: SIMD2<Float>?
        /// Weight of the goal-seeking controller against the noise.
        public var gain: Float
    }
}
