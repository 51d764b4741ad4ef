import Foundation
import Physics

/// Maps world coordinates (y up) into a window rectangle (y down), keeping the aspect ratio.
struct WorldTransform {
    var camera: CameraRect
    var scale: Float
    var origin: SIMD2<Float>   // window position of (camera.minX, camera.maxY)
    /// The window rectangle the camera rectangle occupies.
    var viewport: Rect

    /// Space kept free around the world inside its rectangle.
    static let defaultMargin: Float = 16

    init(camera: CameraRect, fitting r: Rect, margin: Float = defaultMargin) {
        self.camera = camera
        let cw = max(camera.maxX - camera.minX, 1e-6), ch = max(camera.maxY - camera.minY, 1e-6)
        scale = max(min((r.w - 2 * margin) / cw, (r.h - 2 * margin) / ch), 1e-3)
        let w = cw * scale, h = ch * scale
        origin = [(r.x + (r.w - w) / 2).rounded(), (r.y + (r.h - h) / 2).rounded()]
        viewport = Rect(x: origin.x, y: origin.y, w: w, h: h)
    }

    @inline(__always)
    func screen(_ p: SIMD2<Float>) -> SIMD2<Float> {
        [origin.x + (p.x - camera.minX) * scale, origin.y + (camera.maxY - p.y) * scale]
    }

    @inline(__always)
    func world(_ s: SIMD2<Float>) -> SIMD2<Float> {
        [camera.minX + (s.x - origin.x) / scale, camera.maxY - (s.y - origin.y) / scale]
    }
}

/// Draws the actual world at window resolution, the model's ghosts and both k-step futures.
struct WorldPainter {
    private var points: [SIMD2<Float>] = []
    private var outline: [SIMD2<Float>] = []

    /// A body's pose between two observations, so motion is smooth at 60 frames/s while the world is
    /// observed at the scene's rate (e.g. 15 Hz): the drawables of the newest state are moved back
    /// along the interpolated pose.
    struct Pose { var shift: SIMD2<Float>; var pivot: SIMD2<Float>; var rotation: Float }

    static func pose(sandbox s: Sandbox, body b: Int, alpha: Float) -> Pose? {
        guard s.continuous, b < s.mask.count, s.mask[b], b < s.previousMask.count, s.previousMask[b] else { return nil }
        let c = s.states, p = s.previousStates
        let p1 = SIMD2(c[b * 6], c[b * 6 + 1]), p0 = SIMD2(p[b * 6], p[b * 6 + 1])
        let a1 = c[b * 6 + 2], a0 = p[b * 6 + 2]
        let t = 1 - alpha    // how far back from the newest state
        return Pose(shift: (p0 - p1) * t, pivot: p1, rotation: (a0 - a1) * t)
    }

    @inline(__always)
    static func apply(_ pose: Pose?, _ q: SIMD2<Float>) -> SIMD2<Float> {
        guard let pose, pose.rotation != 0 || pose.shift != .zero else { return q }
        let d = q - pose.pivot
        let cs = cosf(pose.rotation), sn = sinf(pose.rotation)
        return pose.pivot + SIMD2(d.x * cs - d.y * sn, d.x * sn + d.y * cs) + pose.shift
    }

    static func color(_ c: SIMD3<UInt8>, alpha: UInt8 = 255) -> RGBA { RGBA(c.x, c.y, c.z, alpha) }

    /// The world itself: background in the camera's colour (what the model sees), then every drawable.
    mutating func drawWorld(_ s: Sandbox, transform t: WorldTransform, alpha: Float, canvas: Canvas) {
        let bg = s.scene.camera.background
        canvas.fillRect(x: t.viewport.x, y: t.viewport.y, w: t.viewport.w, h: t.viewport.h,
                        color: RGBA(bg.x, bg.y, bg.z))
        canvas.strokeRect(x: t.viewport.x - 1, y: t.viewport.y - 1, w: t.viewport.w + 2, h: t.viewport.h + 2,
                          color: Theme.panelEdge)
        for d in s.drawables {
            let pose = d.body >= 0 ? Self.pose(sandbox: s, body: d.body, alpha: alpha) : nil
            drawShape(d, pose: pose, transform: t, canvas: canvas)
        }
    }

    private mutating func drawShape(_ d: Drawable, pose: Pose?, transform t: WorldTransform, canvas: Canvas) {
        let fill = Self.color(d.color)
        let edge = fill.mix(RGBA(255, 255, 255), 0.35)
        switch d.geometry {
        case let .circle(center, radius, angle):
            let c = t.screen(Self.apply(pose, center))
            let r = radius * t.scale
            let a = angle + (pose?.rotation ?? 0)
            canvas.fillCircle(center: c, radius: r, color: fill)
            if r >= 4 {
                canvas.strokeCircle(center: c, radius: r - 0.75, width: 1.5, color: edge)
                // The spoke shows rotation (screen y points down, so the angle flips).
                let tip = c + SIMD2(cosf(a), -sinf(a)) * (r - 1)
                canvas.line(c, tip, width: max(1.25, min(2.5, r * 0.08)), color: edge)
            }
        case let .polygon(vertices):
            points.removeAll(keepingCapacity: true)
            for v in vertices { points.append(t.screen(Self.apply(pose, v))) }
            canvas.fillConvex(points, color: fill)
            canvas.strokePolyline(points, closed: true, width: 1.5, color: edge)
        case let .segment(a, b, thickness):
            let w = max(thickness * t.scale, 1)
            canvas.line(t.screen(Self.apply(pose, a)), t.screen(Self.apply(pose, b)), width: w, color: fill)
        }
    }

    /// Ghost outlines where the model puts each body next, and the two k-step paths from the current state:
    /// amber for the simulator's true future, cyan for the model's imagination.
    ///
    /// Timing: bodies are drawn interpolated, up to one observation behind the newest state (`pose`). The
    /// forecasts start from the newest state, so they are moved back with their body by the same pose: a ghost
    /// is then the drawn body moved by exactly the predicted one-step displacement, and the paths start at the
    /// drawn body. Drawn from the newest state instead, a ghost would sit up to two observation intervals ahead
    /// of the body it belongs to (twice the model's actual one-step prediction).
    mutating func drawForecast(_ s: Sandbox, transform t: WorldTransform, alpha: Float, canvas: Canvas) {
        let n = s.mask.count
        func shift(_ b: Int) -> SIMD2<Float> { Self.pose(sandbox: s, body: b, alpha: alpha)?.shift ?? .zero }
        // True future first, imagination on top (it is what the user is judging).
        for b in 0..<n {
            guard let p0 = s.position(of: b) else { continue }
            path(start: p0, steps: s.trueFuture, body: b, offset: shift(b), transform: t, color: Theme.truth, width: 4.5,
                 canvas: canvas)
        }
        guard !s.imagined.isEmpty else { return }
        for b in 0..<n {
            guard let p0 = s.position(of: b) else { continue }
            path(start: p0, steps: s.imagined, body: b, offset: shift(b), transform: t, color: Theme.imagined, width: 2,
                 canvas: canvas)
        }
        // Ghosts: each body's outline, as drawn now, moved by the predicted one-step displacement.
        let next = s.imagined[0]
        for d in s.drawables where d.body >= 0 && d.body < next.count {
            guard let now = s.position(of: d.body) else { continue }
            let q = next[d.body]
            guard q.x.isFinite, q.y.isFinite else { continue }
            var pose = Self.pose(sandbox: s, body: d.body, alpha: alpha) ?? Pose(shift: .zero, pivot: now, rotation: 0)
            pose.shift += q - now
            ghost(d, pose: pose, transform: t, canvas: canvas)
        }
    }

    private mutating func path(start: SIMD2<Float>, steps: [[SIMD2<Float>]], body b: Int, offset: SIMD2<Float>,
                               transform t: WorldTransform, color: RGBA, width: Float, canvas: Canvas) {
        points.removeAll(keepingCapacity: true)
        points.append(t.screen(start + offset))
        for step in steps {
            guard b < step.count, step[b].x.isFinite, step[b].y.isFinite else { break }
            points.append(t.screen(step[b] + offset))
        }
        guard points.count >= 2 else { return }
        // A body at rest has a path of zero length: draw nothing rather than a blob of dots on it.
        var extent: Float = 0
        for p in points { extent = max(extent, length(p - points[0])) }
        guard extent >= 2 else { return }
        canvas.strokePolyline(points, closed: false, width: width, color: color.alpha(230))
        for (i, p) in points.enumerated().dropFirst() {
            let last = i == points.count - 1
            canvas.fillCircle(center: p, radius: min(last ? width * 1.3 : width * 0.9, 4), color: color)
        }
    }

    private mutating func ghost(_ d: Drawable, pose: Pose, transform t: WorldTransform, canvas: Canvas) {
        let line = Theme.imagined
        switch d.geometry {
        case let .circle(center, radius, _):
            let c = t.screen(Self.apply(pose, center)), r = radius * t.scale
            canvas.fillCircle(center: c, radius: r, color: line.alpha(28))
            canvas.strokeCircle(center: c, radius: r, width: 2, color: line.alpha(235))
        case let .polygon(vertices):
            outline.removeAll(keepingCapacity: true)
            for v in vertices { outline.append(t.screen(Self.apply(pose, v))) }
            canvas.fillConvex(outline, color: line.alpha(28))
            canvas.strokePolyline(outline, closed: true, width: 2, color: line.alpha(235))
        case let .segment(a, b, thickness):
            canvas.line(t.screen(Self.apply(pose, a)), t.screen(Self.apply(pose, b)), width: max(thickness * t.scale, 2),
                        color: line.alpha(160))
        }
    }
}

@inline(__always) func length(_ v: SIMD2<Float>) -> Float { (v * v).sum().squareRoot() }
