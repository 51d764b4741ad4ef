import Common
import CSDL2
import Dispatch

/// Draws the canvas's triangles into a 32-bit framebuffer on the CPU, when there is no GPU renderer
/// (headless screenshots, tests, the bench, Xvfb without GL).
///
/// Why not SDL's own software renderer: it truncates vertices to whole pixels (its fixed point has one
/// fractional bit), so the one-pixel feathered edges vanish on diagonals, and it allocates a temporary
/// surface for every blended triangle. Here vertices keep float precision, pixel centres are sampled
/// with the top-left fill rule (shared edges are drawn once, so translucent quads have no seams), colours
/// are interpolated barycentrically and blended source-over.
///
/// Drawing is recorded as a display list and executed at the end of the frame in horizontal bands
/// at once (one per core), each band clipping every command to its rows, so no pixel is written twice
/// and no locking is needed.
final class SoftwareRasterizer {
    enum Command {
        case clear(RGBA)
        /// Indices `start..<end` of the frame's index list, sampling `image` if given.
        case triangles(start: Int, end: Int, image: CanvasImage?)
        case rect(x: Float, y: Float, w: Float, h: Float, color: RGBA)
        case blit(CanvasImage, Rect)
        /// A 1:1 copy of the texel rectangle at (`sx`, `sy`) of `image` to window pixel (`x`, `y`), modulated by
        /// `color` (glyphs: an axis-aligned textured quad at whole pixels needs no interpolation at all).
        case sprite(CanvasImage, sx: Int, sy: Int, w: Int, h: Int, x: Int, y: Int, color: RGBA)
        /// The area between the polyline `curvePoints[start..<end]` (increasing x) and the row `baseline`, in one
        /// colour: filled column by column. As triangles, a spiky plot is hundreds of two-pixel-wide slivers
        /// hundreds of rows tall, and the per-row set-up cost far more than the pixels.
        case underCurve(start: Int, end: Int, baseline: Float, color: RGBA)
        /// A disc with a one-pixel feathered rim, and a circle outline `width` pixels wide feathered on both sides:
        /// computed per row from the circle's equation, so the interior is a plain fill and only the rim pixels
        /// need a square root — instead of a few hundred thin triangles per ball.
        case disc(center: SIMD2<Float>, radius: Float, color: RGBA)
        case ring(center: SIMD2<Float>, radius: Float, width: Float, color: RGBA)
    }

    private(set) var width = 0
    private(set) var height = 0
    /// Pixels as 0xAARRGGBB, row-major, top row first.
    private(set) var pixels: UnsafeMutableBufferPointer<UInt32> = .init(start: nil, count: 0)
    private(set) var commands: [Command] = []
    /// Points of the frame's `underCurve` commands (kept between frames, so recording allocates nothing).
    private(set) var curvePoints: [SIMD2<Float>] = []
    /// Bands drawn in parallel (1 keeps everything on the calling thread).
    var bands = Parallel.cores

    deinit { pixels.deallocate() }

    func resize(width w: Int, height h: Int) {
        guard w != width || h != height else { return }
        pixels.deallocate()
        width = w; height = h
        pixels = .allocate(capacity: w * h)
        pixels.initialize(repeating: 0xFF00_0000)
    }

    func record(_ c: Command) { commands.append(c) }

    /// Records the area under a curve (see `Command.underCurve`).
    func recordUnderCurve(_ p: UnsafeBufferPointer<SIMD2<Float>>, baseline: Float, color: RGBA) {
        let start = curvePoints.count
        curvePoints.append(contentsOf: p)
        commands.append(.underCurve(start: start, end: curvePoints.count, baseline: baseline, color: color))
    }

    /// Runs the recorded commands over `vertices`/`indices` and forgets them.
    func execute(vertices: [SDL_Vertex], indices: [Int32]) {
        defer { commands.removeAll(keepingCapacity: true); curvePoints.removeAll(keepingCapacity: true) }
        guard !commands.isEmpty, width > 0, height > 0 else { return }
        let n = max(1, min(bands, height / 32))
        vertices.withUnsafeBufferPointer { v in
            indices.withUnsafeBufferPointer { i in
                if n == 1 { run(0..<height, v, i); return }
                DispatchQueue.concurrentPerform(iterations: n) { band in
                    run((band * height / n)..<((band + 1) * height / n), v, i)
                }
            }
        }
    }

    private func run(_ rows: Range<Int>, _ v: UnsafeBufferPointer<SDL_Vertex>, _ i: UnsafeBufferPointer<Int32>) {
        for c in commands {
            switch c {
            case let .clear(color): clear(color, rows: rows)
            case let .triangles(start, end, image): draw(vertices: v, indices: UnsafeBufferPointer(rebasing: i[start..<end]), image: image, rows: rows)
            case let .rect(x, y, w, h, color): fillRect(x: x, y: y, w: w, h: h, color: color, rows: rows)
            case let .blit(image, r): blit(image, into: r, rows: rows)
            case let .sprite(image, sx, sy, w, h, x, y, color):
                sprite(image, sx: sx, sy: sy, w: w, h: h, x: x, y: y, color: color, rows: rows)
            case let .disc(center, radius, color): disc(center: center, radius: radius, color: color, rows: rows)
            case let .ring(center, radius, width, color): ring(center: center, radius: radius, width: width, color: color, rows: rows)
            case let .underCurve(start, end, baseline, color):
                curvePoints.withUnsafeBufferPointer {
                    underCurve(UnsafeBufferPointer(rebasing: $0[start..<end]), baseline: baseline, color: color, rows: rows)
                }
            }
        }
    }

    private func clear(_ c: RGBA, rows: Range<Int>) {
        let v = 0xFF00_0000 | UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)
        UnsafeMutableBufferPointer(rebasing: pixels[(rows.lowerBound * width)..<(rows.upperBound * width)]).update(repeating: v)
    }

    /// An axis-aligned rectangle with pixel-exact coverage at its fractional borders (used for panels and bars).
    private func fillRect(x: Float, y: Float, w: Float, h: Float, color c: RGBA, rows: Range<Int>) {
        guard c.a > 0, w > 0, h > 0 else { return }
        let x0 = max(0, Int(x.rounded())), x1 = min(width, Int((x + w).rounded()))
        let y0 = max(rows.lowerBound, Int(y.rounded())), y1 = min(rows.upperBound, Int((y + h).rounded()))
        guard x0 < x1, y0 < y1 else { return }
        let a = UInt32(c.a)
        let src = UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)
        let W = width
        let p = pixels
        do {
            for row in y0..<y1 {
                let base = row * W
                if a == 255 {
                    for i in (base + x0)..<(base + x1) { p[i] = 0xFF00_0000 | src }
                } else {
                    for i in (base + x0)..<(base + x1) { p[i] = Self.blend(p[i], src, a) }
                }
            }
        }
    }

    /// Source-over of colour `src` (0x00RRGGBB) with alpha `a` (0...255) onto opaque `dst`.
    @inline(__always)
    static func blend(_ dst: UInt32, _ src: UInt32, _ a: UInt32) -> UInt32 {
        let ia = 255 - a
        let rb = ((src & 0xFF00FF) &* a &+ (dst & 0xFF00FF) &* ia &+ 0x800080)
        let g = ((src & 0x00FF00) &* a &+ (dst & 0x00FF00) &* ia &+ 0x008000)
        // Divide by 255 per channel: (x + (x >> 8)) >> 8 on each lane.
        let rb2 = ((rb &+ ((rb >> 8) & 0xFF00FF)) >> 8) & 0xFF00FF
        let g2 = ((g &+ ((g >> 8) & 0x00FF00)) >> 8) & 0x00FF00
        return 0xFF00_0000 | rb2 | g2
    }

    /// Rasterises indexed triangles. `image`, if given, is sampled nearest-neighbour at the interpolated
    /// texture coordinates and modulated by the vertex colour.
    private func draw(vertices v: UnsafeBufferPointer<SDL_Vertex>, indices: UnsafeBufferPointer<Int32>, image: CanvasImage?,
                      rows: Range<Int>) {
        var t = 0
        while t + 2 < indices.count {
            triangle(v[Int(indices[t])], v[Int(indices[t + 1])], v[Int(indices[t + 2])], image: image, rows: rows)
            t += 3
        }
    }

    /// ⌈v⌉ and ⌊v⌋ as Int without libm calls (baseline x86-64 has no rounding instruction), clamped to ±10⁷ px.
    @inline(__always) static func ceilInt(_ v: Float) -> Int {
        let c = min(max(v, -1e7), 1e7), t = Int(c)
        return Float(t) < c ? t + 1 : t
    }
    @inline(__always) static func floorInt(_ v: Float) -> Int {
        let c = min(max(v, -1e7), 1e7), t = Int(c)
        return Float(t) > c ? t - 1 : t
    }

    private func triangle(_ a: SDL_Vertex, _ b: SDL_Vertex, _ c: SDL_Vertex, image: CanvasImage?, rows: Range<Int>) {
        // Rows first: each band sees every triangle, and most lie wholly in the other band.
        let minY = max(rows.lowerBound, Self.ceilInt(min(a.position.y, b.position.y, c.position.y) - 0.5))
        let maxY = min(rows.upperBound - 1, Self.floorInt(max(a.position.y, b.position.y, c.position.y) - 0.5))
        guard minY <= maxY else { return }
        var p0 = SIMD2(a.position.x, a.position.y), p1 = SIMD2(b.position.x, b.position.y)
        let p2 = SIMD2(c.position.x, c.position.y)
        var c0 = a.color, c1 = b.color
        var t0 = SIMD2(a.tex_coord.x, a.tex_coord.y), t1 = SIMD2(b.tex_coord.x, b.tex_coord.y)
        let t2 = SIMD2(c.tex_coord.x, c.tex_coord.y)
        var area = (p1.x - p0.x) * (p2.y - p0.y) - (p1.y - p0.y) * (p2.x - p0.x)
        if abs(area) < 1e-9 { return }
        if area < 0 { swap(&p0, &p1); swap(&c0, &c1); swap(&t0, &t1); area = -area }   // make it counter-clockwise (y down)
        if c0.a == 0 && c1.a == 0 && c.color.a == 0 { return }

        let minX = max(0, Self.ceilInt(min(p0.x, p1.x, p2.x) - 0.5))
        let maxX = min(width - 1, Self.floorInt(max(p0.x, p1.x, p2.x) - 0.5))
        guard minX <= maxX else { return }

        // Edge function E_ij(p) = (pj - pi) × (p - pi); inside when all three are ≥ 0 (counter-clockwise, y down).
        @inline(__always) func edge(_ i: SIMD2<Float>, _ j: SIMD2<Float>, _ x: Float, _ y: Float) -> Float {
            (j.x - i.x) * (y - i.y) - (j.y - i.y) * (x - i.x)
        }
        // Top-left rule: pixels exactly on an edge belong to it only if it is a top or left edge.
        @inline(__always) func bias(_ i: SIMD2<Float>, _ j: SIMD2<Float>) -> Float {
            let d = j - i
            let topLeft = (d.y == 0 && d.x > 0) || d.y < 0
            return topLeft ? 0 : -1e-7
        }
        let b0 = bias(p1, p2), b1 = bias(p2, p0), b2 = bias(p0, p1)
        let sx = Float(minX) + 0.5, sy = Float(minY) + 0.5
        var w0Row = edge(p1, p2, sx, sy), w1Row = edge(p2, p0, sx, sy), w2Row = edge(p0, p1, sx, sy)
        let w0dx = -(p2.y - p1.y), w1dx = -(p0.y - p2.y), w2dx = -(p1.y - p0.y)
        let w0dy = p2.x - p1.x, w1dy = p0.x - p2.x, w2dy = p1.x - p0.x
        let inv = 1 / area
        // Reciprocals of the per-pixel steps, for the row span below (a multiply instead of a divide per row).
        let r0 = w0dx != 0 ? 1 / w0dx : 0, r1 = w1dx != 0 ? 1 / w1dx : 0, r2 = w2dx != 0 ? 1 / w2dx : 0
        let c2 = c.color
        let uniform = c0.r == c1.r && c1.r == c2.r && c0.g == c1.g && c1.g == c2.g && c0.b == c1.b && c1.b == c2.b
            && c0.a == c1.a && c1.a == c2.a
        let col0 = SIMD4<Float>(Float(c0.r), Float(c0.g), Float(c0.b), Float(c0.a))
        let col1 = SIMD4<Float>(Float(c1.r), Float(c1.g), Float(c1.b), Float(c1.a))
        let col2 = SIMD4<Float>(Float(c2.r), Float(c2.g), Float(c2.b), Float(c2.a))
        let W = width
        let img = image
        let iw = img.map { Float($0.width) } ?? 0, ih = img.map { Float($0.height) } ?? 0

        // Uniform colour without texture (most fills): the source pixel is fixed, only coverage varies by edge.
        let flat = uniform && img == nil
        let flatAlpha = UInt32(c0.a)
        let flatSrc = UInt32(c0.r) << 16 | UInt32(c0.g) << 8 | UInt32(c0.b)
        // One colour, alpha varying (the feathered edges of every shape): only alpha is interpolated, from the
        // edge functions already at hand, instead of all four channels.
        let ramp = !uniform && img == nil && c0.r == c1.r && c1.r == c2.r && c0.g == c1.g && c1.g == c2.g
            && c0.b == c1.b && c1.b == c2.b
        let a2 = Float(c2.a), da0 = (Float(c0.a) - a2) * inv, da1 = (Float(c1.a) - a2) * inv

        let px = pixels
        do {
            let texels = img?.argb
            for y in minY...maxY {
                // The row's span where all three edge functions are ≥ 0 (each is linear in x), widened by a
                // pixel each side and then tested exactly, so thin fan triangles don't scan their whole box.
                // Truncation instead of floor/ceil (libm calls on baseline x86-64): two pixels of margin cover it.
                var lo = minX, hi = maxX
                var empty = false
                @inline(__always) func clip(_ w: Float, _ b: Float, _ d: Float, _ r: Float) {
                    let v = w + b
                    if d > 0 { lo = max(lo, minX + Int(max(-v * r, -1e7)) - 2) }
                    else if d < 0 { hi = min(hi, minX + Int(min(-v * r, 1e7)) + 2) }
                    else if v < 0 { empty = true }
                }
                clip(w0Row, b0, w0dx, r0); clip(w1Row, b1, w1dx, r1); clip(w2Row, b2, w2dx, r2)
                if !empty && lo <= hi && (flat || ramp) {
                    // One colour: find the exact ends of the span, then fill it with no per-pixel tests (the
                    // inside of a triangle's row is one interval); opaque spans are a plain memory fill.
                    @inline(__always) func inside(_ x: Int) -> Bool {
                        let o = Float(x - minX)
                        return w0Row + w0dx * o + b0 >= 0 && w1Row + w1dx * o + b1 >= 0 && w2Row + w2dx * o + b2 >= 0
                    }
                    var xa = lo, xb = hi
                    while xa <= xb && !inside(xa) { xa += 1 }
                    while xb >= xa && !inside(xb) { xb -= 1 }
                    if xa <= xb {
                        let base = y * W
                        if flat && flatAlpha == 255 {
                            UnsafeMutableBufferPointer(rebasing: px[(base + xa)...(base + xb)]).update(repeating: 0xFF00_0000 | flatSrc)
                        } else if flat {
                            for x in xa...xb { px[base + x] = Self.blend(px[base + x], flatSrc, flatAlpha) }
                        } else {
                            let o = Float(xa - minX)
                            var alpha = a2 + (w0Row + w0dx * o) * da0 + (w1Row + w1dx * o) * da1 + 0.5
                            let step = w0dx * da0 + w1dx * da1
                            for x in xa...xb {
                                let ai = UInt32(max(0, min(255, alpha)))
                                if ai > 0 { px[base + x] = ai == 255 ? 0xFF00_0000 | flatSrc : Self.blend(px[base + x], flatSrc, ai) }
                                alpha += step
                            }
                        }
                    }
                } else if !empty && lo <= hi {
                    let xs = lo, xe = hi
                    let off = Float(xs - minX)
                    var w0 = w0Row + w0dx * off, w1 = w1Row + w1dx * off, w2 = w2Row + w2dx * off
                    let base = y * W
                    for x in xs...xe {
                        if w0 + b0 >= 0 && w1 + b1 >= 0 && w2 + b2 >= 0 {
                            do {
                                let l0 = w0 * inv, l1 = w1 * inv, l2 = 1 - l0 - l1
                                var m = uniform ? col0 : col0 * l0 + col1 * l1 + col2 * l2
                                if let texels {
                                    let uv = t0 * l0 + t1 * l1 + t2 * l2
                                    let tx = min(max(Int(uv.x * iw), 0), Int(iw) - 1)
                                    let ty = min(max(Int(uv.y * ih), 0), Int(ih) - 1)
                                    let s = texels[ty * Int(iw) + tx]
                                    m *= SIMD4(Float((s >> 16) & 0xFF), Float((s >> 8) & 0xFF), Float(s & 0xFF), Float(s >> 24)) / 255
                                }
                                let ai = UInt32(max(0, min(255, m.w + 0.5)))
                                if ai > 0 {
                                    let src = UInt32(max(0, min(255, m.x + 0.5))) << 16 | UInt32(max(0, min(255, m.y + 0.5))) << 8
                                        | UInt32(max(0, min(255, m.z + 0.5)))
                                    px[base + x] = ai == 255 ? 0xFF00_0000 | src : Self.blend(px[base + x], src, ai)
                                }
                            }
                        }
                        w0 += w0dx; w1 += w1dx; w2 += w2dx
                    }
                }
                w0Row += w0dy; w1Row += w1dy; w2Row += w2dy
            }
        }
    }

    /// Draws texels 1:1, each modulated by `color` and blended source-over (the same arithmetic as a textured
    /// triangle sampled at pixel centres, without the interpolation).
    private func sprite(_ image: CanvasImage, sx: Int, sy: Int, w: Int, h: Int, x: Int, y: Int, color: RGBA, rows: Range<Int>) {
        let x0 = max(0, x), x1 = min(width, x + w)
        let y0 = max(rows.lowerBound, y), y1 = min(rows.upperBound, y + h)
        guard x0 < x1, y0 < y1, color.a > 0 else { return }
        let IW = image.width
        let cr = UInt32(color.r), cg = UInt32(color.g), cb = UInt32(color.b), ca = UInt32(color.a)
        let W = width
        let px = pixels
        let src = image.argb
        @inline(__always) func mul(_ a: UInt32, _ b: UInt32) -> UInt32 { (a * b + 127) / 255 }
        do {
            for row in y0..<y1 {
                let t = (sy + row - y) * IW + sx - x
                for col in x0..<x1 {
                    let s = src[t + col]
                    let a = mul(s >> 24, ca)
                    guard a > 0 else { continue }
                    let rgb = mul((s >> 16) & 0xFF, cr) << 16 | mul((s >> 8) & 0xFF, cg) << 8 | mul(s & 0xFF, cb)
                    px[row * W + col] = a == 255 ? 0xFF00_0000 | rgb : Self.blend(px[row * W + col], rgb, a)
                }
            }
        }
    }
}
