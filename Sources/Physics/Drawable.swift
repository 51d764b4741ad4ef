/// What the rasteriser and the window need to draw one shape, already in world coordinates.
///
/// This is the seam between `Physics` (which owns bodies) and everything that draws them
/// (`Observation.Rasterizer`, `Viewer`), so neither needs Box2D.
public struct Drawable: Sendable, Equatable {
    public enum Geometry: Sendable, Equatable {
        /// A disc; `angle` lets a drawer show rotation with a spoke.
        case circle(center: SIMD2<Float>, radius: Float, angle: Float)
        /// A convex polygon, counter-clockwise vertices, at most 8.
        case polygon([SIMD2<Float>])
        /// A wall or line with a drawn thickness in world units.
        case segment(SIMD2<Float>, SIMD2<Float>, thickness: Float)
    }
    public var geometry: Geometry
    /// sRGB colour, 0...255 per channel.
    public var color: SIMD3<UInt8>
    /// Index of the dynamic body in scene order (row of the state vector), or -1 for static/kinematic.
    public var body: Int

    public init(geometry: Geometry, color: SIMD3<UInt8>, body: Int) {
        self.geometry = geometry
        self.color = color
        self.body = body
    }

    /// Rec. 601 luma, rounded: what a colour becomes in a grey frame. Here, not in the rasteriser, because the
    /// immutability planner must know which colours a grey camera can tell apart.
    @inlinable public static func luma(_ c: SIMD3<UInt8>) -> UInt8 {
        let r = 299 * Int(c.x), g = 587 * Int(c.y), b = 114 * Int(c.z)
        return UInt8((r + g + b + 500) / 1000)
    }
}

/// The rectangle of the world that a camera sees, in world units (y up).
public struct CameraRect: Sendable, Equatable, Codable {
    public var minX: Float, minY: Float, maxX: Float, maxY: Float
    public init(minX: Float, minY: Float, maxX: Float, maxY: Float) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }
}
