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

/// Plane geometry shared by the scene checks, the violations, the controller and the planners.
public enum Geometry {
    static func cross(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float { a.x * b.y - a.y * b.x }
    public static func length(_ a: SIMD2<Float>) -> Float { (a * a).sum().squareRoot() }

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

/// A solid shape in world coordinates for exact placement tests (a two-point `convex` is a segment).
enum WorldShape {
    case circle(SIMD2<Float>, Float)
    case convex([SIMD2<Float>])

    init(_ piece: WallPiece) {
        switch piece {
        case let .segment(a, b): self = .convex([a, b])
        case let .polygon(v): self = .convex(v)
        }
    }

    init(_ local: LocalShape, at position: SIMD2<Float>, angle: Float) {
        switch local {
        case let .circle(c, r): self = .circle(position + Geometry.rotate(c, angle), r)
        case let .polygon(v): self = .convex(v.map { position + Geometry.rotate($0, angle) })
        }
    }

    /// Whether the shapes interpenetrate by more than `tolerance` (touching, as in a stack, is allowed).
    static func overlap(_ a: WorldShape, _ b: WorldShape, tolerance: Float) -> Bool {
        switch (a, b) {
        case let (.circle(p, r), .circle(q, s)):
            return Geometry.length(p - q) < r + s - tolerance
        case let (.circle(p, r), .convex(v)), let (.convex(v), .circle(p, r)):
            let d = v.count == 2 ? WallPiece.segment(v[0], v[1]).distance(to: p) : WallPiece.polygon(v).distance(to: p)
            return d < r - tolerance
        case let (.convex(u), .convex(v)):
            return separation(u, v) < -tolerance
        }
    }

    /// Largest gap between the projections of two convex point sets over the edge normals of both (SAT);
    /// negative means they overlap by that much.
    private static func separation(_ u: [SIMD2<Float>], _ v: [SIMD2<Float>]) -> Float {
        var best = -Float.infinity
        for poly in [u, v] {
            let edges = poly.count == 2 ? 1 : poly.count
            for i in 0..<edges {
                let e = poly[(i + 1) % poly.count] - poly[i]
                let len = Geometry.length(e)
                guard len > 0 else { continue }
                let n = SIMD2(e.y, -e.x) / len
                var minU = Float.infinity, maxU = -Float.infinity, minV = Float.infinity, maxV = -Float.infinity
                for p in u { let d = (p * n).sum(); minU = min(minU, d); maxU = max(maxU, d) }
                for p in v { let d = (p * n).sum(); minV = min(minV, d); maxV = max(maxV, d) }
                best = max(best, max(minV - maxU, minU - maxV))
            }
        }
        return best
    }
}
