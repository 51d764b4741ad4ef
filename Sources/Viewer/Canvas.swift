import CSDL2

/// An 8-bit sRGB colour with alpha, the unit every drawing call takes.
struct RGBA: Equatable {
    var r: UInt8, g: UInt8, b: UInt8, a: UInt8
    init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) { self.r = r; self.g = g; self.b = b; self.a = a }
    /// From `0xRRGGBB`.
    init(hex: UInt32, alpha: UInt8 = 255) {
        self.init(UInt8((hex >> 16) & 0xff), UInt8((hex >> 8) & 0xff), UInt8(hex & 0xff), alpha)
    }
    func alpha(_ a: UInt8) -> RGBA { RGBA(r, g, b, a) }
    /// Multiplies alpha by `f` in 0...1 (used for fading trails and thin lines).
    func fade(_ f: Float) -> RGBA { RGBA(r, g, b, UInt8(max(0, min(255, Float(a) * f)).rounded())) }
    /// Linear mix towards `other` by `t` in 0...1.
    func mix(_ other: RGBA, _ t: Float) -> RGBA {
        func m(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Float(x) + (Float(y) - Float(x)) * t).rounded()) }
        return RGBA(m(r, other.r), m(g, other.g), m(b, other.b), m(a, other.a))
    }
    var sdl: SDL_Color { SDL_Color(r: r, g: g, b: b, a: a) }
}

/// Batches anti-aliased triangles into one `SDL_RenderGeometry` call per texture change.
///
/// Edges are feathered: every filled shape gets a one-pixel ring whose alpha falls to zero, so discs,
/// polygons and thick lines look smooth at any window size without multisampling (which neither the
/// software renderer nor Xvfb offer). All coordinates are window pixels.
final class Canvas {
    private let surface: RenderSurface
    var renderer: OpaquePointer { surface.renderer }
    /// Width in pixels of the alpha ramp at every edge.
    var feather: Float = 1.0
    private var vertices: [SDL_Vertex] = []
    private var indices: [Int32] = []
    private var texture: OpaquePointer?
    private var scratch: [SIMD2<Float>] = []
    private var normals: [SIMD2<Float>] = []
    /// Number of `SDL_RenderGeometry` calls since the last `resetStats()`, for the bench and tests.
    private(set) var drawCalls = 0

    init(surface: RenderSurface) {
        self.surface = surface
        vertices.reserveCapacity(1 << 14)
        indices.reserveCapacity(1 << 15)
    }

    func resetStats() { drawCalls = 0 }

    /// Sends the pending triangles to SDL. Call before any direct SDL draw (textures, clears) and at frame end.
    func flush() {
        guard !indices.isEmpty else { vertices.removeAll(keepingCapacity: true); return }
        vertices.withUnsafeBufferPointer { v in
            indices.withUnsafeBufferPointer { i in
                _ = SDL_RenderGeometry(renderer, texture, v.baseAddress, Int32(v.count), i.baseAddress, Int32(i.count))
            }
        }
        drawCalls += 1
        vertices.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
    }

    /// Switches the texture that following triangles sample (nil: plain colour), flushing if it changes.
    func use(texture t: OpaquePointer?) {
        if t != texture { flush(); texture = t }
    }

    // MARK: primitive emission

    @inline(__always)
    private func vertex(_ p: SIMD2<Float>, _ c: RGBA, _ uv: SIMD2<Float> = .zero) -> Int32 {
        vertices.append(SDL_Vertex(position: SDL_FPoint(x: p.x, y: p.y), color: c.sdl,
                                   tex_coord: SDL_FPoint(x: uv.x, y: uv.y)))
        return Int32(vertices.count - 1)
    }

    @inline(__always)
    private func triangle(_ a: Int32, _ b: Int32, _ c: Int32) {
        indices.append(a); indices.append(b); indices.append(c)
    }

    @inline(__always)
    private func quad(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32) {
        triangle(a, b, c); triangle(a, c, d)
    }

    /// An axis-aligned rectangle with hard edges (panels, plot backgrounds, bars): pixel-aligned, so no feather.
    func fillRect(x: Float, y: Float, w: Float, h: Float, color: RGBA) {
        use(texture: nil)
        let a = vertex([x, y], color), b = vertex([x + w, y], color)
        let c = vertex([x + w, y + h], color), d = vertex([x, y + h], color)
        quad(a, b, c, d)
    }

    /// A rectangle outline of `width` pixels drawn inside the given rectangle.
    func strokeRect(x: Float, y: Float, w: Float, h: Float, width: Float = 1, color: RGBA) {
        fillRect(x: x, y: y, w: w, h: width, color: color)
        fillRect(x: x, y: y + h - width, w: w, h: width, color: color)
        fillRect(x: x, y: y + width, w: width, h: h - 2 * width, color: color)
        fillRect(x: x + w - width, y: y + width, w: width, h: h - 2 * width, color: color)
    }

    /// A textured quad (glyphs): `uv0`/`uv1` are normalised texture corners; the colour modulates the texture.
    func texturedQuad(x: Float, y: Float, w: Float, h: Float, uv0: SIMD2<Float>, uv1: SIMD2<Float>, color: RGBA) {
        let a = vertex([x, y], color, uv0), b = vertex([x + w, y], color, [uv1.x, uv0.y])
        let c = vertex([x + w, y + h], color, uv1), d = vertex([x, y + h], color, [uv0.x, uv1.y])
        quad(a, b, c, d)
    }

    /// The area between a curve and a horizontal baseline, with a vertical colour gradient
    /// (`top` at the curve, `bottom` at the baseline). Points must have increasing x.
    func fillUnderCurve(_ p: UnsafeBufferPointer<SIMD2<Float>>, baseline: Float, top: RGBA, bottom: RGBA) {
        guard p.count >= 2 else { return }
        use(texture: nil)
        let base = Int32(vertices.count)
        for q in p {
            _ = vertex(q, top)
            _ = vertex([q.x, baseline], bottom)
        }
        for i in 0..<(p.count - 1) {
            let a = base + Int32(2 * i)
            quad(a, a + 2, a + 3, a + 1)
        }
    }

    // MARK: anti-aliased shapes

    /// Fills a convex polygon (either winding) with a feathered edge.
    func fillConvex(_ points: [SIMD2<Float>], color: RGBA) {
        points.withUnsafeBufferPointer { fillConvex($0, color: color) }
    }

    func fillConvex(_ p: UnsafeBufferPointer<SIMD2<Float>>, color: RGBA) {
        let n = p.count
        guard n >= 3 else { return }
        use(texture: nil)
        computeMiterNormals(p, closed: true)
        let half = feather * 0.5
        let clear = color.alpha(0)
        let base = Int32(vertices.count)
        for i in 0..<n {
            _ = vertex(p[i] - normals[i] * half, color)
            _ = vertex(p[i] + normals[i] * half, clear)
        }
        for i in 1..<(n - 1) { triangle(base, base + Int32(2 * i), base + Int32(2 * (i + 1))) }
        for i in 0..<n {
            let j = (i + 1) % n
            let ii = base + Int32(2 * i), jj = base + Int32(2 * j)
            quad(ii, jj, jj + 1, ii + 1)
        }
    }

    /// Fills a disc.
    func fillCircle(center: SIMD2<Float>, radius: Float, color: RGBA) {
        circlePoints(center: center, radius: radius)
        let pts = scratch
        fillConvex(pts, color: color)
    }

    /// Strokes a circle outline of `width` pixels.
    func strokeCircle(center: SIMD2<Float>, radius: Float, width: Float, color: RGBA) {
        circlePoints(center: center, radius: radius)
        let pts = scratch
        strokePolyline(pts, closed: true, width: width, color: color)
    }

    /// A straight thick line with feathered sides and butt ends.
    func line(_ a: SIMD2<Float>, _ b: SIMD2<Float>, width: Float, color: RGBA) {
        strokePolyline([a, b], closed: false, width: width, color: color)
    }

    /// Strokes a polyline with mitred joins (limited), `width` pixels wide, feathered on both sides.
    /// Widths below one pixel are drawn one pixel wide with proportionally lower alpha.
    func strokePolyline(_ points: [SIMD2<Float>], closed: Bool, width: Float, color: RGBA) {
        points.withUnsafeBufferPointer { strokePolyline($0, closed: closed, width: width, color: color) }
    }

    func strokePolyline(_ p: UnsafeBufferPointer<SIMD2<Float>>, closed: Bool, width: Float, color: RGBA) {
        let n = p.count
        guard n >= 2 else { return }
        use(texture: nil)
        var c = color
        var w = width
        if w < 1 { c = color.fade(w); w = 1 }
        computeMiterNormals(p, closed: closed)
        let core = (w - feather) * 0.5
        let outer = core + feather
        let clear = c.alpha(0)
        let base = Int32(vertices.count)
        for i in 0..<n {
            let q = p[i], m = normals[i]
            _ = vertex(q + m * outer, clear)
            _ = vertex(q + m * core, c)
            _ = vertex(q - m * core, c)
            _ = vertex(q - m * outer, clear)
        }
        let segments = closed ? n : n - 1
        for s in 0..<segments {
            let i = base + Int32(4 * s), j = base + Int32(4 * ((s + 1) % n))
            quad(i, j, j + 1, i + 1)
            quad(i + 1, j + 1, j + 2, i + 2)
            quad(i + 2, j + 2, j + 3, i + 3)
        }
    }

    /// Per-vertex outward normals scaled for a mitre (clamped so sharp corners don't spike).
    private func computeMiterNormals(_ p: UnsafeBufferPointer<SIMD2<Float>>, closed: Bool) {
        let n = p.count
        normals.removeAll(keepingCapacity: true)
        // Orientation: for closed shapes point normals outward regardless of winding.
        var area: Float = 0
        if closed {
            for i in 0..<n { let a = p[i], b = p[(i + 1) % n]; area += a.x * b.y - b.x * a.y }
        }
        let sign: Float = area < 0 ? -1 : 1
        @inline(__always) func edgeNormal(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> SIMD2<Float> {
            let d = b - a
            let len = (d * d).sum().squareRoot()
            if len < 1e-6 { return .zero }
            return SIMD2(d.y, -d.x) * (sign / len)
        }
        for i in 0..<n {
            let prev: SIMD2<Float>, next: SIMD2<Float>
            if closed {
                prev = edgeNormal(p[(i + n - 1) % n], p[i]); next = edgeNormal(p[i], p[(i + 1) % n])
            } else {
                prev = i > 0 ? edgeNormal(p[i - 1], p[i]) : edgeNormal(p[0], p[1])
                next = i < n - 1 ? edgeNormal(p[i], p[i + 1]) : prev
            }
            var m = prev + next
            let len2 = (m * m).sum()
            if len2 < 1e-8 { normals.append(next == .zero ? prev : next); continue }
            m /= len2.squareRoot()
            let cosHalf = max((m * next).sum(), 0.3)
            normals.append(m / cosHalf)
        }
    }

    /// Fills `scratch` with points on a circle, enough that the chord error stays under a quarter pixel.
    private func circlePoints(center: SIMD2<Float>, radius: Float) {
        let r = max(radius, 0.5)
        let n = max(12, min(160, Int((Float.pi / acosf(max(-1, 1 - 0.25 / r))).rounded(.up))))
        scratch.removeAll(keepingCapacity: true)
        let step = 2 * Float.pi / Float(n)
        for i in 0..<n {
            let t = Float(i) * step
            scratch.append(center + SIMD2(cosf(t), sinf(t)) * r)
        }
    }
}
