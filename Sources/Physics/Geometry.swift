import Foundation

/// A shape in its body's frame, as handed to Box2D and transformed for drawing.
enum LocalShape: Equatable {
    case circle(center: SIMD2<Float>, radius: Float)
    /// Convex, counter-clockwise.
    case polygon([SIMD2<Float>])

    /// Radius of a circle around the body origin that contains the shape (rotation-invariant, for placement).
    var boundingRadius: Float {
        switch self {
        case let .circle(c, r): return (c * c).sum().squareRoot() + r
        case let .polygon(v): return v.map { ($0 * $0).sum().squareRoot() }.max() ?? 0
        }
    }
}

/// A solid piece of static scenery in world coordinates, for placement and violation planning.
enum WallPiece {
    case segment(SIMD2<Float>, SIMD2<Float>)
    /// Convex, counter-clockwise.
    case polygon([SIMD2<Float>])

    /// Distance from `p` to the piece; 0 inside a polygon.
    func distance(to p: SIMD2<Float>) -> Float {
        switch self {
        case let .segment(a, b): return Geometry.segmentDistance(p, a, b)
        case let .polygon(v):
            var inside = true
            var best = Float.infinity
            for i in v.indices {
                let a = v[i], b = v[(i + 1) % v.count]
                if Geometry.cross(b - a, p - a) < 0 { inside = false }
                best = min(best, Geometry.segmentDistance(p, a, b))
            }
            return inside ? 0 : best
        }
    }
}

enum Geometry {
    static func cross(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float { a.x * b.y - a.y * b.x }
    static func length(_ a: SIMD2<Float>) -> Float { (a * a).sum().squareRoot() }

    static func segmentDistance(_ p: SIMD2<Float>, _ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
        let ab = b - a
        let den = (ab * ab).sum()
        let t = den > 0 ? min(max(((p - a) * ab).sum() / den, 0), 1) : 0
        return length(p - (a + t * ab))
    }

    static func rotate(_ v: SIMD2<Float>, _ angle: Float) -> SIMD2<Float> {
        let c = cosf(angle), s = sinf(angle)
        return SIMD2(c * v.x - s * v.y, s * v.x + c * v.y)
    }

    /// Twice the signed area (positive when counter-clockwise).
    static func signedArea2(_ v: [SIMD2<Float>]) -> Float {
        var a: Float = 0
        for i in v.indices { a += cross(v[i], v[(i + 1) % v.count]) }
        return a
    }

    /// Whether the polygon is strictly convex in one turning direction with no repeated points.
    static func isConvex(_ v: [SIMD2<Float>]) -> Bool {
        guard v.count >= 3 else { return false }
        var sign: Float = 0
        for i in v.indices {
            let a = v[i], b = v[(i + 1) % v.count], c = v[(i + 2) % v.count]
            if length(b - a) < 0.01 { return false }
            let z = cross(b - a, c - b)
            if z == 0 { continue }
            if sign == 0 { sign = z } else if (z > 0) != (sign > 0) { return false }
        }
        return sign != 0 && abs(signedArea2(v)) > 1e-4
    }

    static func counterClockwise(_ v: [SIMD2<Float>]) -> [SIMD2<Float>] { signedArea2(v) < 0 ? v.reversed() : v }

    /// Rectangle corners, counter-clockwise, centred on `center` and turned by `angle` radians.
    static func box(center: SIMD2<Float>, width: Float, height: Float, angle: Float) -> [SIMD2<Float>] {
        let hw = width / 2, hh = height / 2
        return [SIMD2(-hw, -hh), SIMD2(hw, -hh), SIMD2(hw, hh), SIMD2(-hw, hh)].map { center + rotate($0, angle) }
    }
}
