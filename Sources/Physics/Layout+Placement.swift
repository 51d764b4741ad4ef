import Common
import Foundation

/// Placing an episode's chains and loose bodies where they overlap nothing.
///
/// Every helper draws from the layout stream in the same order as the scene is read (per chain: links, length,
/// then angles per try; per body instance: shape, angle, velocity, spin, then positions per try), so a seed gives
/// the same layout whatever code calls it.
extension Layout {
    /// What a new body must not overlap: the solid scenery, and every chain link and body placed so far.
    struct FreeSpace {
        /// Touching is fine (stacks start that way); interpenetration deeper than Box2D's slop is not.
        static let tolerance: Float = 0.005
        let walls: [WorldShape]
        private(set) var obstacles: [(center: SIMD2<Float>, radius: Float, shapes: [WorldShape])] = []

        init(walls: [WorldShape]) { self.walls = walls }

        /// Whether `shapes` (bounded by a circle of radius `r` around `p`) clear the walls and every obstacle.
        func isFree(_ shapes: [WorldShape], _ p: SIMD2<Float>, _ r: Float) -> Bool {
            let tolerance = Self.tolerance
            for shape in shapes {
                for wall in walls where WorldShape.overlap(shape, wall, tolerance: tolerance) { return false }
            }
            for o in obstacles where Geometry.length(p - o.center) < r + o.radius - tolerance {
                for a in shapes { for b in o.shapes where WorldShape.overlap(a, b, tolerance: tolerance) { return false } }
            }
            return true
        }

        /// Marks `shapes` as taken for the bodies placed after them.
        mutating func occupy(_ center: SIMD2<Float>, _ radius: Float, _ shapes: [WorldShape]) {
            obstacles.append((center, radius, shapes))
        }
    }

    /// A chain's links (in chain order) and its pins: (previous link or -1 for the anchor, link, world pin), local indices.
    struct HungChain {
        var links: [Body]
        var pins: [(Int, Int, SIMD2<Float>)]
    }

    /// Draws chain `ci`'s link count and length, then hangs it at random angles until it stays in the world and
    /// clear of everything (or, not `strict`, takes an unchecked last try), and marks its links as taken.
    static func hangChain(_ chain: Scene.ChainSpec, index ci: Int, rows: RowMap, world: Scene.Size,
                          space: inout FreeSpace, rng: inout SplitMix64, attempts: Int, maxCounts: Bool,
                          strict: Bool) throws -> HungChain {
        let count = maxCounts ? chain.links.upper : rng.integer(chain.links.lower, chain.links.upper)
        let length = chain.length.sample(&rng)
        var hung: HungChain?
        for _ in 0..<attempts where hung == nil {
            hung = hangOnce(chain, index: ci, count: count, length: length, rows: rows, world: world, space: space,
                            rng: &rng, check: true)
        }
        if hung == nil {
            if strict { throw PlacementFailure(path: [.key("chains"), .index(ci)], instance: 0, attempts: attempts) }
            hung = hangOnce(chain, index: ci, count: count, length: length, rows: rows, world: world, space: space,
                            rng: &rng, check: false)
        }
        let result = hung!
        for link in result.links {
            space.occupy(link.position, link.boundingRadius, link.shapes.map { WorldShape($0, at: link.position, angle: link.angle) })
        }
        return result
    }

    /// One try at hanging the chain; with `check`, `nil` when a link leaves the world or hits something.
    private static func hangOnce(_ chain: Scene.ChainSpec, index ci: Int, count: Int, length: Float, rows: RowMap,
                                 world: Scene.Size, space: FreeSpace, rng: inout SplitMix64, check: Bool) -> HungChain? {
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
                guard inside, space.isFree(shapes.map { WorldShape($0, at: centre, angle: theta) }, centre, radius) else { return nil }
            }
            links.append(Body(row: rows.chainOffset[ci] + i, type: .dynamic, position: centre, angle: theta,
                              velocity: .zero, omega: 0, shapes: shapes, color: chain.colors[i % chain.colors.count],
                              density: chain.density, friction: chain.friction, restitution: chain.restitution,
                              linearDamping: chain.linearDamping, angularDamping: chain.angularDamping,
                              fixedRotation: false, bullet: false, boundingRadius: radius))
            pins.append((i - 1, i, start))
            start = end
        }
        return HungChain(links: links, pins: pins)
    }

    /// Instance `k` of body entry `bi`: draws its shape, angle, velocity and spin, then random positions until one is
    /// free (with `strict`, none within `attempts` is a failure; otherwise the last try stands), and marks it taken.
    static func placeBody(_ spec: Scene.BodySpec, entry bi: Int, instance k: Int, rows: RowMap, space: inout FreeSpace,
                          rng: inout SplitMix64, attempts: Int, strict: Bool) throws -> Body {
        let shape = drawShape(spec, &rng)
        let angle = spec.angle.sample(&rng) * .pi / 180
        let velocity = drawVelocity(spec.velocity, &rng)
        let omega = spec.angularVelocity.sample(&rng) * .pi / 180
        let radius = shape.boundingRadius
        var position = SIMD2<Float>.zero
        var placed: [WorldShape] = []
        var found = false
        for _ in 0..<attempts {
            position = SIMD2(spec.position.x.sample(&rng), spec.position.y.sample(&rng))
            placed = [WorldShape(shape, at: position, angle: angle)]
            if space.isFree(placed, position, radius) { found = true; break }
        }
        if !found && strict {
            throw PlacementFailure(path: [.key("bodies"), .index(bi)], instance: k, attempts: attempts)
        }
        space.occupy(position, radius, placed)
        return Body(
            row: spec.type == .dynamic ? rows.bodyOffset[bi] + k : -1, type: spec.type, position: position,
            angle: angle, velocity: spec.type == .static ? .zero : velocity, omega: spec.type == .static ? 0 : omega,
            shapes: [shape], color: spec.colors[k % spec.colors.count], density: spec.density,
            friction: spec.friction, restitution: spec.restitution, linearDamping: spec.linearDamping,
            angularDamping: spec.angularDamping, fixedRotation: spec.fixedRotation, bullet: spec.bullet,
            boundingRadius: radius)
    }

    /// An instance's shape in its own frame, with its sizes drawn (radius; width then height; scale).
    private static func drawShape(_ spec: Scene.BodySpec, _ rng: inout SplitMix64) -> LocalShape {
        switch spec.shape {
        case .circle:
            return .circle(center: .zero, radius: spec.radius!.sample(&rng))
        case .box:
            let w = spec.width!.sample(&rng), h = spec.height!.sample(&rng)
            return .polygon(Geometry.box(center: .zero, width: w, height: h, angle: 0))
        case .polygon:
            let s = spec.scale.sample(&rng)
            return .polygon(Geometry.counterClockwise(spec.points!).map { $0 * s })
        }
    }

    /// An instance's initial velocity: x then y, or speed then direction (degrees).
    private static func drawVelocity(_ spec: Scene.RandomVelocity, _ rng: inout SplitMix64) -> SIMD2<Float> {
        switch spec {
        case let .cartesian(x, y):
            return SIMD2(x.sample(&rng), y.sample(&rng))
        case let .polar(speed, direction):
            let v = speed.sample(&rng), d = direction.sample(&rng) * .pi / 180
            return SIMD2(v * cosf(d), v * sinf(d))
        }
    }
}
