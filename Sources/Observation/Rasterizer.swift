import Foundation
import Physics

/// Draws `Drawable`s seen through a `CameraRect` into an 8-bit frame, anti-aliased and deterministic.
///
/// This is the only place pixels come from: the recorder, the trainer's live stream and the window all
/// call it, so what the window shows is exactly what the model sees. No SDL, no allocation per frame;
/// each shape only touches the pixels of its bounding box.
///
/// Anti-aliasing is analytic: a pixel is a unit box, and its coverage by a shape is the overlap of that
/// box with the shape measured along the shape's edge normal (exact for straight edges aligned with
/// the pixel grid, within a few percent otherwise). Polygons multiply the coverages of their edges,
/// which is exact for axis-aligned boxes and their corners. Colours blend in 8-bit sRGB with
/// round-half-up, so the same inputs give the same bytes on every run of the same binary.
///
/// Frames are row-major `[height, width, channels]`, row 0 at the top (world y grows upwards).
public struct Rasterizer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 3 for RGB, 1 for grey (Rec. 601 luma of each colour).
    public let channels: Int
    public var background: SIMD3<UInt8>

    public init(width: Int, height: Int, channels: Int = 3, background: SIMD3<UInt8> = .zero) {
        precondition(width > 0 && height > 0, "Rasterizer: frame size must be positive")
        precondition(channels == 1 || channels == 3, "Rasterizer: channels must be 1 (grey) or 3 (RGB)")
        self.width = width
        self.height = height
        self.channels = channels
        self.background = background
    }

    /// Bytes in one frame: `width * height * channels`.
    public var frameByteCount: Int { width * height * channels }

    /// Rec. 601 luma, rounded: what a colour becomes in a grey frame.
    public static func grey(_ c: SIMD3<UInt8>) -> UInt8 { Drawable.luma(c) }

    /// Clears `frame` to the background and draws `drawables` in order (later ones on top).
    /// `frame` must hold at least `frameByteCount` bytes.
    public func draw(_ drawables: [Drawable], camera: CameraRect, into frame: UnsafeMutableBufferPointer<UInt8>) {
        precondition(frame.count >= frameByteCount, "Rasterizer: frame buffer holds \(frame.count) bytes, needs \(frameByteCount)")
        guard let base = frame.baseAddress else { return }
        clear(base)
        drawShapes(drawables[...], View(camera: camera, width: width, height: height), base)
    }

    /// The same pixels as `draw(_:camera:into:)`, but the leading drawables that belong to no body
    /// (walls, zones: `body < 0`) are rendered once into `cache` and copied while they stay unchanged,
    /// so a frame of a static scene costs a copy plus its moving bodies.
    public func draw(_ drawables: [Drawable], camera: CameraRect, into frame: UnsafeMutableBufferPointer<UInt8>, cache: RasterCache) {
        precondition(frame.count >= frameByteCount, "Rasterizer: frame buffer holds \(frame.count) bytes, needs \(frameByteCount)")
        guard let base = frame.baseAddress else { return }
        var k = 0
        while k < drawables.count && drawables[k].body < 0 { k += 1 }
        let view = View(camera: camera, width: width, height: height)
        let backdrop = drawables[0..<k]
        if cache.rasterizer != self || cache.camera != camera || !cache.backdrop.elementsEqual(backdrop) {
            cache.pixels = [UInt8](repeating: 0, count: frameByteCount)
            cache.pixels.withUnsafeMutableBufferPointer { p in
                clear(p.baseAddress!)
                drawShapes(backdrop, view, p.baseAddress!)
            }
            cache.rasterizer = self
            cache.camera = camera
            cache.backdrop = Array(backdrop)
        }
        cache.pixels.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: frameByteCount) }
        drawShapes(drawables[k...], view, base)
    }

    private func drawShapes(_ drawables: ArraySlice<Drawable>, _ view: View, _ base: UnsafeMutablePointer<UInt8>) {
        for d in drawables {
            let colour = Paint(d.color, channels: channels)
            switch d.geometry {
            case let .circle(center, radius, _):
                fillCircle(base, view, center: center, radius: radius, colour)
            case let .polygon(vertices):
                fillPolygon(base, view, vertices, colour)
            case let .segment(a, b, thickness):
                fillSegment(base, view, a, b, thickness: thickness, colour)
            }
        }
    }

    // MARK: - Internals

    /// World → pixel transform: pixel (i, j) covers [i, i+1] × [j, j+1]; y flips so row 0 is the top.
    struct View {
        var minX: Float, maxY: Float, sx: Float, sy: Float
        init(camera: CameraRect, width: Int, height: Int) {
            minX = camera.minX
            maxY = camera.maxY
            sx = Float(width) / max(camera.maxX - camera.minX, .leastNormalMagnitude)
            sy = Float(height) / max(camera.maxY - camera.minY, .leastNormalMagnitude)
        }
        @inline(__always) func pixel(_ p: SIMD2<Float>) -> SIMD2<Float> {
            SIMD2((p.x - minX) * sx, (maxY - p.y) * sy)
        }
    }

    /// A colour in the frame's channel layout, as floats for blending.
    struct Paint {
        var bytes: SIMD3<UInt8>
        var values: SIMD3<Float>
        init(_ c: SIMD3<UInt8>, channels: Int) {
            bytes = channels == 1 ? SIMD3(repeating: Rasterizer.grey(c)) : c
            values = SIMD3<Float>(Float(bytes.x), Float(bytes.y), Float(bytes.z))
        }
    }

    private func clear(_ base: UnsafeMutablePointer<UInt8>) {
        let rowBytes = width * channels
        if channels == 1 {
            base.update(repeating: Rasterizer.grey(background), count: rowBytes * height)
            return
        }
        for i in 0..<width {
            base[3 * i] = background.x
            base[3 * i + 1] = background.y
            base[3 * i + 2] = background.z
        }
        for row in 1..<height {
            (base + row * rowBytes).update(from: base, count: rowBytes)
        }
    }

    /// Blends `paint` over pixel (x, y) with `coverage` in (0, 1].
    @inline(__always)
    private func blend(_ base: UnsafeMutablePointer<UInt8>, _ x: Int, _ y: Int, _ coverage: Float, _ paint: Paint) {
        let p = base + (y * width + x) * channels
        if coverage >= 1 {
            p[0] = paint.bytes.x
            if channels == 3 { p[1] = paint.bytes.y; p[2] = paint.bytes.z }
            return
        }
        p[0] = mix(p[0], paint.values.x, coverage)
        if channels == 3 {
            p[1] = mix(p[1], paint.values.y, coverage)
            p[2] = mix(p[2], paint.values.z, coverage)
        }
    }

    @inline(__always)
    private func mix(_ old: UInt8, _ new: Float, _ t: Float) -> UInt8 {
        let o = Float(old)
        return UInt8(o + (new - o) * t + 0.5)
    }

    /// Pixel index range [lo, hi] of the span [a, b] (pixel coordinates), clipped to 0..<n; nil if empty.
    @inline(__always)
    private func span(_ a: Float, _ b: Float, _ n: Int) -> ClosedRange<Int>? {
        guard a.isFinite, b.isFinite else { return nil }
        let lo = max(0, Int(max(a, -1).rounded(.down)))
        let hi = min(n - 1, Int(min(b, Float(n + 1)).rounded(.down)))
        return lo <= hi ? lo...hi : nil
    }

    /// Overlap of the unit interval centred on `d` with the band [-h, h]: the box-filtered coverage
    /// of a pixel whose centre lies at distance `d` from a band's middle line.
    @inline(__always)
    private static func bandCoverage(_ d: Float, _ h: Float) -> Float {
        max(0, min(d + 0.5, h) - max(d - 0.5, -h))
    }

    private func fillCircle(_ base: UnsafeMutablePointer<UInt8>, _ view: View, center: SIMD2<Float>, radius: Float, _ paint: Paint) {
        guard radius > 0 else { return }
        let c = view.pixel(center)
        let rx = radius * view.sx, ry = radius * view.sy
        guard let xs = span(c.x - rx - 0.5, c.x + rx + 0.5, width),
              let ys = span(c.y - ry - 0.5, c.y + ry + 0.5, height) else { return }
        if rx == ry {
            let r = rx
            let inner = r > 0.5 ? (r - 0.5) * (r - 0.5) : -1
            let outer = (r + 0.5) * (r + 0.5)
            for y in ys {
                let dy = Float(y) + 0.5 - c.y
                let dy2 = dy * dy
                if dy2 >= outer { continue }
                // Pixels whose centres lie within r - 0.5 of the centre are fully covered: fill that run
                // directly, and work out coverage only for the rim pixels either side of it.
                var fullLo = xs.upperBound + 1, fullHi = xs.upperBound
                if inner - dy2 > 0 {
                    let w = (inner - dy2).squareRoot()
                    let lo = Float(xs.lowerBound), hi = Float(xs.upperBound)
                    fullLo = Int(min(max((c.x - w - 0.5).rounded(.up), lo), hi + 1))
                    fullHi = Int(min(max((c.x + w - 0.5).rounded(.down), lo - 1), hi))
                    if fullLo > fullHi { fullLo = xs.upperBound + 1; fullHi = xs.upperBound }
                }
                for x in xs.lowerBound..<min(fullLo, xs.upperBound + 1) {
                    rim(base, x, y, dx: Float(x) + 0.5 - c.x, dy2: dy2, outer: outer, r: r, paint)
                }
                if fullLo <= fullHi {
                    for x in fullLo...fullHi { blend(base, x, y, 1, paint) }
                    if fullHi < xs.upperBound {
                        for x in (fullHi + 1)...xs.upperBound {
                            rim(base, x, y, dx: Float(x) + 0.5 - c.x, dy2: dy2, outer: outer, r: r, paint)
                        }
                    }
                }
            }
        } else {
            // Ellipse (non-square camera pixels): first-order distance to the boundary.
            for y in ys {
                let dy = Float(y) + 0.5 - c.y
                for x in xs {
                    let dx = Float(x) + 0.5 - c.x
                    let qx = dx / rx, qy = dy / ry
                    let q = (qx * qx + qy * qy).squareRoot()
                    let gx = qx / rx, gy = qy / ry
                    let g = (gx * gx + gy * gy).squareRoot()
                    let sd = q > 0 && g > 0 ? (q - 1) * q / g : -min(rx, ry)
                    let cov = min(max(0.5 - sd, 0), 1)
                    if cov > 0 { blend(base, x, y, cov, paint) }
                }
            }
        }
    }

    @inline(__always)
    private func rim(_ base: UnsafeMutablePointer<UInt8>, _ x: Int, _ y: Int, dx: Float, dy2: Float, outer: Float, r: Float, _ paint: Paint) {
        let d2 = dx * dx + dy2
        if d2 >= outer { return }
        let cov = Rasterizer.bandCoverage(d2.squareRoot(), r)
        if cov > 0 { blend(base, x, y, min(cov, 1), paint) }
    }

    private func fillPolygon(_ base: UnsafeMutablePointer<UInt8>, _ view: View, _ vertices: [SIMD2<Float>], _ paint: Paint) {
        let n = vertices.count
        guard n >= 3 else { return }
        withUnsafeTemporaryAllocation(of: SIMD2<Float>.self, capacity: n) { pts in
            withUnsafeTemporaryAllocation(of: SIMD3<Float>.self, capacity: n) { edges in
                var lo = SIMD2<Float>(repeating: .infinity), hi = SIMD2<Float>(repeating: -.infinity)
                var area: Float = 0
                for i in 0..<n {
                    let p = view.pixel(vertices[i])
                    pts[i] = p
                    lo = pointwiseMin(lo, p)
                    hi = pointwiseMax(hi, p)
                }
                for i in 0..<n {
                    let a = pts[i], b = pts[(i + 1) % n]
                    area += a.x * b.y - b.x * a.y
                }
                guard abs(area) > 0 else { return }
                // Outward unit normals (nx, ny) and offsets: signed distance = nx*x + ny*y - off.
                let sign: Float = area > 0 ? 1 : -1
                var m = 0
                for i in 0..<n {
                    let a = pts[i], b = pts[(i + 1) % n]
                    let e = b - a
                    let len = (e.x * e.x + e.y * e.y).squareRoot()
                    if len == 0 { continue }
                    let nx = sign * e.y / len, ny = -sign * e.x / len
                    edges[m] = SIMD3(nx, ny, nx * a.x + ny * a.y)
                    m += 1
                }
                guard let xs = span(lo.x - 0.5, hi.x + 0.5, width), let ys = span(lo.y - 0.5, hi.y + 0.5, height) else { return }
                for y in ys {
                    let py = Float(y) + 0.5
                    for x in xs {
                        let px = Float(x) + 0.5
                        var cov: Float = 1
                        for k in 0..<m {
                            let e = edges[k]
                            let d = e.x * px + e.y * py - e.z
                            if d >= 0.5 { cov = 0; break }
                            if d > -0.5 { cov *= 0.5 - d }
                        }
                        if cov > 0 { blend(base, x, y, cov, paint) }
                    }
                }
            }
        }
    }

    private func fillSegment(_ base: UnsafeMutablePointer<UInt8>, _ view: View, _ wa: SIMD2<Float>, _ wb: SIMD2<Float>, thickness: Float, _ paint: Paint) {
        guard thickness > 0 else { return }
        let a = view.pixel(wa), b = view.pixel(wb)
        // Thickness scales with the camera's scale across the segment (exact for axis-aligned walls).
        let w = wb - wa
        let wl = (w.x * w.x + w.y * w.y).squareRoot()
        let across: Float
        if wl > 0 {
            let nx = -w.y / wl * view.sx, ny = w.x / wl * view.sy
            across = (nx * nx + ny * ny).squareRoot()
        } else {
            across = (view.sx * view.sy).squareRoot()
        }
        let h = 0.5 * thickness * across
        let lo = pointwiseMin(a, b) - h - 0.5, hi = pointwiseMax(a, b) + h + 0.5
        guard let xs = span(lo.x, hi.x, width), let ys = span(lo.y, hi.y, height) else { return }
        let e = b - a
        let ee = e.x * e.x + e.y * e.y
        for y in ys {
            let py = Float(y) + 0.5
            for x in xs {
                let px = Float(x) + 0.5
                let vx = px - a.x, vy = py - a.y
                let t = ee > 0 ? min(max((vx * e.x + vy * e.y) / ee, 0), 1) : 0
                let dx = vx - t * e.x, dy = vy - t * e.y
                let d = (dx * dx + dy * dy).squareRoot()
                let cov = Rasterizer.bandCoverage(d, h)
                if cov > 0 { blend(base, x, y, min(cov, 1), paint) }
            }
        }
    }
}

/// The static backdrop (walls, zones) last drawn by a `Rasterizer`, reused while it is unchanged.
/// One per drawing thread; see `Rasterizer.draw(_:camera:into:cache:)`.
public final class RasterCache {
    var rasterizer: Rasterizer?
    var camera: CameraRect?
    var backdrop: [Drawable] = []
    var pixels: [UInt8] = []
    public init() {}
}
