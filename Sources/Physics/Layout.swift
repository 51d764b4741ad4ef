import Common
import Foundation

/// One episode's concrete bodies and joints, drawn from a scene with the episode's layout stream.
///
/// Kept separate from Box2D so that validation can try placements without building worlds, and so that the world is
/// built from plain values in one fixed order (the order decides Box2D's behaviour, hence determinism).
struct Layout {
    struct Body {
        /// State row for dynamic bodies, -1 otherwise.
        var row: Int
        var type: Scene.BodyType
        var position: SIMD2<Float>
        var angle: Float
        var velocity: SIMD2<Float>
        var omega: Float
        var shapes: [LocalShape]
        var color: SIMD3<UInt8>
        var density: Float, friction: Float, restitution: Float
        var linearDamping: Float, angularDamping: Float
        var fixedRotation: Bool, bullet: Bool
        var boundingRadius: Float

        func toWorld(_ local: SIMD2<Float>) -> SIMD2<Float> { position + Geometry.rotate(local, angle) }
    }

    struct Joint {
        var spec: Scene.JointSpec?
        /// Indices into `bodies`; -1 is the static ground.
        var a: Int, b: Int
        var anchorA: SIMD2<Float>, anchorB: SIMD2<Float>
    }

    var bodies: [Body] = []
    var joints: [Joint] = []

    /// Where placement gave up: which entry (`bodies[i]` or `chains[i]`) and instance.
    struct PlacementFailure: Error {
        var path: [PathStep]
        var instance: Int
        var attempts: Int
    }

    /// Draws an episode. `maxCounts` uses every entry's upper count (validation's worst case). With `strict`, a body
    /// that finds no free place within `attempts` tries is a failure; otherwise it is put at its last try and the
    /// solver separates it (validation makes that practically unreachable).
    static func make(_ scene: Scene, rows: RowMap, scenery: [WallPiece], rng: inout SplitMix64, attempts: Int,
                     maxCounts: Bool, strict: Bool) throws -> Layout {
        var layout = Layout()
        var obstacles: [(center: SIMD2<Float>, radius: Float, shapes: [WorldShape])] = []
        let walls = scenery.map(WorldShape.init)
        let world = scene.world
        /// Touching is fine (stacks start that way); interpenetration deeper than Box2D's slop is not.
        let tolerance: Float = 0.005

        func free(_ shapes: [WorldShape], _ p: SIMD2<Float>, _ r: Float) -> Bool {
            for shape in shapes {
                for wall in walls where WorldShape.overlap(shape, wall, tolerance: tolerance) { return false }
            }
            for o in obstacles where Geometry.length(p - o.center) < r + o.radius - tolerance {
                for a in shapes { for b in o.shapes where WorldShape.overlap(a, b, tolerance: tolerance) { return false } }
            }
            return true
        }

        // Chains first: they hang from fixed anchors, so loose bodies must avoid them, not the other way round.
        var chainBodies: [[Body]] = []
        var chainJoints: [[(Int, Int, SIMD2<Float>)]] = []  // (previous link or -1, link, world pin), local indices
        for (ci, chain) in scene.chains.enumerated() {
            let count = maxCounts ? chain.links.upper : rng.integer(chain.links.lower, chain.links.upper)
            let length = chain.length.sample(&rng)
            /// One try at hanging the chain; with `check`, `nil` when a link leaves the world or hits something.
            func hang(check: Bool) -> (links: [Body], pins: [(Int, Int, SIMD2<Float>)])? {
                var links: [Body] = [], pins: [(Int, Int, SIMD2<Float>)] = []
                var start = chain.anchor
                var theta = chain.angle.sample(&rng) * .pi / 180
                for i in 0..<count {
                    if i > 0 { theta += chain.bend.sample(&rng) * .pi / 180 }
                    let dir = SIMD2<Float>(sinf(theta), -cosf(theta))
                    let end = start + dir * length
                    var shapes: [LocalShape] = [.polygon(Geometry.box(center: .zero, width: chain.width, height: length, angle: 0))]
                    if i == count - 1, let bob = chain.bob { shapes.append(.circle(center: SIMD2(0, -length / 2), radius: bob)) }
                    let radius = shapes.map(\.boundingRadius).max()!
                    let centre = (start + end) / 2
                    if check {
                        // The link's end (and the bob) must stay inside the world, the link clear of walls and chains.
                        let tip = i == count - 1 ? end + dir * (chain.bob ?? 0) : end
                        let inside = tip.x > 0 && tip.x < world.width && tip.y > 0 && tip.y < world.height
                        guard inside, free(shapes.map { WorldShape($0, at: centre, angle: theta) }, centre, radius) else { return nil }
                    }
                    links.append(Body(row: rows.chainOffset[ci] + i, type: .dynamic, position: centre, angle: theta,
                                      velocity: .zero, omega: 0, shapes: shapes, color: chain.colors[i % chain.colors.count],
                                      density: chain.density, friction: chain.friction, restitution: chain.restitution,
                                      linearDamping: chain.linearDamping, angularDamping: chain.angularDamping,
                                      fixedRotation: false, bullet: false, boundingRadius: radius))
                    pins.append((i - 1, i, start))
                    start = end
                }
                return (links, pins)
            }
            var hung: (links: [Body], pins: [(Int, Int, SIMD2<Float>)])?
            for _ in 0..<attempts where hung == nil { hung = hang(check: true) }
            if hung == nil {
                if strict { throw PlacementFailure(path: [.key("chains"), .index(ci)], instance: 0, attempts: attempts) }
                hung = hang(check: false)
            }
            let (links, pins) = hung!
            for link in links {
                obstacles.append((link.position, link.boundingRadius, link.shapes.map { WorldShape($0, at: link.position, angle: link.angle) }))
            }
            chainBodies.append(links)
            chainJoints.append(pins)
        }

        // Loose bodies in file order, each instance at a random free spot.
        var firstOfEntry: [Int] = []
        for (bi, spec) in scene.bodies.enumerated() {
            firstOfEntry.append(layout.bodies.count)
            let count = maxCounts ? spec.count.upper : rng.integer(spec.count.lower, spec.count.upper)
            for k in 0..<count {
                let shape: LocalShape
                switch spec.shape {
                case .circle:
                    shape = .circle(center: .zero, radius: spec.radius!.sample(&rng))
                case .box:
                    let w = spec.width!.sample(&rng), h = spec.height!.sample(&rng)
                    shape = .polygon(Geometry.box(center: .zero, width: w, height: h, angle: 0))
                case .polygon:
                    let s = spec.scale.sample(&rng)
                    shape = .polygon(Geometry.counterClockwise(spec.points!).map { $0 * s })
                }
                let angle = spec.angle.sample(&rng) * .pi / 180
                let velocity: SIMD2<Float>
                switch spec.velocity {
                case let .cartesian(x, y):
                    velocity = SIMD2(x.sample(&rng), y.sample(&rng))
                case let .polar(speed, direction):
                    let v = speed.sample(&rng), d = direction.sample(&rng) * .pi / 180
                    velocity = SIMD2(v * cosf(d), v * sinf(d))
                }
                let omega = spec.angularVelocity.sample(&rng) * .pi / 180
                let radius = shape.boundingRadius
                var position = SIMD2<Float>.zero
                var placed: [WorldShape] = []
                var found = false
                for _ in 0..<attempts {
                    position = SIMD2(spec.position.x.sample(&rng), spec.position.y.sample(&rng))
                    placed = [WorldShape(shape, at: position, angle: angle)]
                    if free(placed, position, radius) { found = true; break }
                }
                if !found && strict {
                    throw PlacementFailure(path: [.key("bodies"), .index(bi)], instance: k, attempts: attempts)
                }
                obstacles.append((position, radius, placed))
                layout.bodies.append(Body(
                    row: spec.type == .dynamic ? rows.bodyOffset[bi] + k : -1, type: spec.type, position: position,
                    angle: angle, velocity: spec.type == .static ? .zero : velocity, omega: spec.type == .static ? 0 : omega,
                    shapes: [shape], color: spec.colors[k % spec.colors.count], density: spec.density,
                    friction: spec.friction, restitution: spec.restitution, linearDamping: spec.linearDamping,
                    angularDamping: spec.angularDamping, fixedRotation: spec.fixedRotation, bullet: spec.bullet,
                    boundingRadius: radius))
            }
        }

        // Chains follow the loose bodies in creation (and state) order.
        var firstOfChain: [Int] = []
        for (ci, links) in chainBodies.enumerated() {
            let base = layout.bodies.count
            firstOfChain.append(base)
            layout.bodies += links
            for (prev, link, pin) in chainJoints[ci] {
                layout.joints.append(Joint(spec: nil, a: prev < 0 ? -1 : base + prev, b: base + link, anchorA: pin, anchorB: pin))
            }
        }

        // Declared joints, anchors turned into world points.
        for spec in scene.joints {
            let a = rows.resolve(spec.a, firstOfEntry: firstOfEntry, firstOfChain: firstOfChain)!
            let b = rows.resolve(spec.b, firstOfEntry: firstOfEntry, firstOfChain: firstOfChain)!
            let wa = a < 0 ? spec.anchorA : layout.bodies[a].toWorld(spec.anchorA)
            let wb = b < 0 ? spec.anchorB : layout.bodies[b].toWorld(spec.anchorB)
            layout.joints.append(Joint(spec: spec, a: a, b: b, anchorA: wa, anchorB: spec.type == .revolute ? wa : wb))
        }
        return layout
    }
}

/// Where each scene entry's instances sit in the state vector, and how joint references resolve.
struct RowMap {
    /// First state row of each `bodies` entry (only meaningful for dynamic entries).
    var bodyOffset: [Int] = []
    var chainOffset: [Int] = []
    /// N: rows for the largest counts.
    var count = 0

    init(_ scene: Scene) {
        for spec in scene.bodies {
            bodyOffset.append(count)
            if spec.type == .dynamic { count += spec.count.upper }
        }
        for chain in scene.chains {
            chainOffset.append(count)
            count += chain.links.upper
        }
        names = [:]
        for (i, b) in scene.bodies.enumerated() { names[b.name] = (false, i, b.count.lower) }
        for (i, c) in scene.chains.enumerated() { names[c.name] = (true, i, c.links.lower) }
    }

    /// name → (is chain, entry index, instances always present)
    var names: [String: (chain: Bool, index: Int, minimum: Int)]

    /// Parses `ground`, `name` or `name[i]`; `nil` if malformed.
    static func parseReference(_ ref: String) -> (name: String, instance: Int)? {
        if ref == "ground" { return ("ground", 0) }
        guard let open = ref.firstIndex(of: "[") else { return ref.isEmpty ? nil : (ref, 0) }
        guard ref.last == "]", let i = Int(ref[ref.index(after: open)..<ref.index(before: ref.endIndex)]), i >= 0 else { return nil }
        return (String(ref[..<open]), i)
    }

    /// Index into `Layout.bodies` (-1 for ground) for a validated reference.
    func resolve(_ ref: String, firstOfEntry: [Int], firstOfChain: [Int]) -> Int? {
        guard let (name, instance) = Self.parseReference(ref) else { return nil }
        if name == "ground" { return -1 }
        guard let entry = names[name] else { return nil }
        return (entry.chain ? firstOfChain[entry.index] : firstOfEntry[entry.index]) + instance
    }
}
