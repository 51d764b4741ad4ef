import CSDL2

/// Anti-aliased discs, convex polygons and thick polylines, built from feathered triangles.
extension Canvas {

    /// Fills a convex polygon (either winding) with a feathered edge.
    func fillConvex(_ points: [SIMD2<Float>], color: RGBA) {
        points.withUnsafeBufferPointer { fillConvex($0, color: color) }
    }

    func fillConvex(_ p: UnsafeBufferPointer<SIMD2<Float>>, color: RGBA) {
        let n = p.count
        guard n >= 3 else { return }
        use(image: nil)
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
        if !usesGPU && cpuShortcuts {   // the CPU draws discs from the circle's equation (see `SoftwareRasterizer.Command.disc`)
            recordCPU(.disc(center: center, radius: max(radius, 0.5), color: color))
            return
        }
        circlePoints(center: center, radius: radius)
        let pts = scratch
        fillConvex(pts, color: color)
    }

    /// Strokes a circle outline of `width` pixels.
    func strokeCircle(center: SIMD2<Float>, radius: Float, width: Float, color: RGBA) {
        if !usesGPU && cpuShortcuts {
            recordCPU(.ring(center: center, radius: max(radius, 0.5), width: width, color: color))
            return
        }
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
        use(image: nil)
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

    /// Fills `scratch` with points around a circle: enough that the chords stray under a tenth of a pixel,
    /// pushed out by half that stray so the polygon's edge averages the true radius.
    private func circlePoints(center: SIMD2<Float>, radius: Float) {
        let r = max(radius, 0.5)
        let n = max(12, min(192, Int((Float.pi / acosf(max(-1, 1 - 0.1 / r))).rounded(.up))))
        let sagitta = r * (1 - cosf(Float.pi / Float(n)))
        let rv = r + sagitta / 2
        scratch.removeAll(keepingCapacity: true)
        let step = 2 * Float.pi / Float(n)
        for i in 0..<n {
            let t = Float(i) * step
            scratch.append(center + SIMD2(cosf(t), sinf(t)) * rv)
        }
    }
}
