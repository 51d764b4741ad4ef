/// The static part of a scene (walls and zones) in world coordinates, derived once per scene.
struct Scenery {
    struct Piece {
        enum Shape {
            case polygon([SIMD2<Float>])
            case segment(SIMD2<Float>, SIMD2<Float>)
            case chain([SIMD2<Float>], loop: Bool)
        }
        var shape: Shape
        var friction: Float
        var restitution: Float
        var color: SIMD3<UInt8>
        var thickness: Float
        var solid: Bool
    }

    var pieces: [Piece] = []

    init(_ scene: Scene) {
        for wall in scene.walls {
            func add(_ shape: Piece.Shape) {
                pieces.append(Piece(shape: shape, friction: wall.friction, restitution: wall.restitution, color: wall.color,
                                    thickness: wall.thickness, solid: wall.solid))
            }
            let angle = wall.angle * .pi / 180
            switch wall.type {
            case .frame:
                let w = scene.world.width, h = scene.world.height, t = wall.thickness
                add(.polygon(Geometry.box(center: SIMD2(w / 2, t / 2), width: w, height: t, angle: 0)))
                add(.polygon(Geometry.box(center: SIMD2(w / 2, h - t / 2), width: w, height: t, angle: 0)))
                add(.polygon(Geometry.box(center: SIMD2(t / 2, h / 2), width: t, height: h - 2 * t, angle: 0)))
                add(.polygon(Geometry.box(center: SIMD2(w - t / 2, h / 2), width: t, height: h - 2 * t, angle: 0)))
            case .box:
                add(.polygon(Geometry.box(center: wall.center!, width: wall.width!, height: wall.height!, angle: angle)))
            case .segment:
                add(.segment(wall.from!, wall.to!))
            case .chain:
                add(.chain(wall.points!, loop: wall.loop))
            case .polygon:
                add(.polygon(Geometry.counterClockwise(wall.points!)))
            }
        }
    }

    /// Solid pieces as simple geometry for overlap tests.
    var solidPieces: [WallPiece] {
        var out: [WallPiece] = []
        for p in pieces where p.solid {
            switch p.shape {
            case let .polygon(v): out.append(.polygon(v))
            case let .segment(a, b): out.append(.segment(a, b))
            case let .chain(v, loop):
                for i in 0..<(v.count - 1) { out.append(.segment(v[i], v[i + 1])) }
                if loop { out.append(.segment(v[v.count - 1], v[0])) }
            }
        }
        return out
    }

    /// What to draw: zones first (they lie under everything), then walls.
    var drawables: [Drawable] {
        var zones: [Drawable] = [], walls: [Drawable] = []
        for p in pieces {
            var list: [Drawable] = []
            switch p.shape {
            case let .polygon(v): list.append(Drawable(geometry: .polygon(v), color: p.color, body: -1))
            case let .segment(a, b): list.append(Drawable(geometry: .segment(a, b, thickness: p.thickness), color: p.color, body: -1))
            case let .chain(v, loop):
                let n = loop ? v.count : v.count - 1
                for i in 0..<n {
                    list.append(Drawable(geometry: .segment(v[i], v[(i + 1) % v.count], thickness: p.thickness),
                                         color: p.color, body: -1))
                }
            }
            if p.solid { walls += list } else { zones += list }
        }
        return zones + walls
    }
}
