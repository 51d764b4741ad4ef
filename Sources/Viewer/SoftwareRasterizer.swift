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

    /// ⌈v⌉ and ⌊v⌋ as Int without libm calls (baseline x86-64 has no rounding instruction), clamped to ±10⁷ px.
    @inline(__always) static func ceilInt(_ v: Float) -> Int {
        let c = min(max(v, -1e7), 1e7), t = Int(c)
        return Float(t) < c ? t + 1 : t
    }
    @inline(__always) static func floorInt(_ v: Float) -> Int {
        let c = min(max(v, -1e7), 1e7), t = Int(c)
        return Float(t) > c ? t - 1 : t
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
