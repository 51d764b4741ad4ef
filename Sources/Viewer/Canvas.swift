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

/// An image the canvas can draw: the glyph atlas, the model's-eye frames. The pixels live on the CPU
/// (0xAARRGGBB); a GPU canvas mirrors them into a texture when they change.
final class CanvasImage {
    let width: Int, height: Int
    /// Whether alpha is used (glyphs) or the image is opaque (frames).
    let blended: Bool
    private(set) var argb: [UInt32]
    fileprivate var texture: OpaquePointer?
    fileprivate var stale = true
    /// Keeps the renderer alive while the texture exists.
    fileprivate var owner: RenderSurface?

    init(width: Int, height: Int, blended: Bool) {
        self.width = width; self.height = height; self.blended = blended
        argb = [UInt32](repeating: 0xFF00_0000, count: width * height)
    }

    deinit { if let texture { SDL_DestroyTexture(texture) } }

    /// Replaces the pixels from row-major bytes of 1 (grey), 3 (RGB) or 4 (RGBA) channels.
    func update(bytes: UnsafeBufferPointer<UInt8>, channels: Int) {
        let n = width * height
        precondition(bytes.count >= n * channels)
        argb.withUnsafeMutableBufferPointer { out in
            switch channels {
            case 1: for i in 0..<n { let v = UInt32(bytes[i]); out[i] = 0xFF00_0000 | v << 16 | v << 8 | v }
            case 3:
                for i in 0..<n {
                    out[i] = 0xFF00_0000 | UInt32(bytes[3 * i]) << 16 | UInt32(bytes[3 * i + 1]) << 8 | UInt32(bytes[3 * i + 2])
                }
            default:
                for i in 0..<n {
                    out[i] = UInt32(bytes[4 * i + 3]) << 24 | UInt32(bytes[4 * i]) << 16 | UInt32(bytes[4 * i + 1]) << 8
                        | UInt32(bytes[4 * i + 2])
                }
            }
        }
        stale = true
    }
}

/// Anti-aliased shapes as triangles, drawn by the GPU through `SDL_RenderGeometry` (one call per image
/// change) or, without a GPU renderer, by `SoftwareRasterizer` on the CPU.
///
/// Edges are feathered: every filled shape gets a one-pixel ring whose alpha falls to zero, so discs,
/// polygons and thick lines look smooth at any window size without multisampling. All coordinates are
/// window pixels.
final class Canvas {
    private let surface: RenderSurface
    /// The GPU renderer, or nil when drawing on the CPU.
    private let gpu: OpaquePointer?
    /// The CPU framebuffer (used when `gpu` is nil).
    let software = SoftwareRasterizer()
    /// CPU mode keeps the whole frame's triangles; indices before this one are already recorded as commands.
    private var recordedIndices = 0
    /// A window without a GPU renderer shows the CPU framebuffer through this streaming texture.
    private var upload: OpaquePointer?
    private var uploadSize = (0, 0)
    /// Width in pixels of the alpha ramp at every edge.
    var feather: Float = 1.0
    private var vertices: [SDL_Vertex] = []
    private var indices: [Int32] = []
    private var image: CanvasImage?
    private var scratch: [SIMD2<Float>] = []
    private var normals: [SIMD2<Float>] = []
    /// Batches sent since the last `resetStats()` (GPU draw calls or CPU batches), for the bench and tests.
    private(set) var drawCalls = 0

    init(surface: RenderSurface) {
        self.surface = surface
        gpu = surface.accelerated ? surface.renderer : nil
        vertices.reserveCapacity(1 << 14)
        indices.reserveCapacity(1 << 15)
    }

    deinit { if let upload { SDL_DestroyTexture(upload) } }

    var usesGPU: Bool { gpu != nil }

    func resetStats() { drawCalls = 0 }

    /// Starts a frame at the surface's current size, cleared to `color`.
    func beginFrame(clear color: RGBA) {
        vertices.removeAll(keepingCapacity: true); indices.removeAll(keepingCapacity: true)
        recordedIndices = 0
        image = nil
        if let gpu {
            SDL_SetRenderDrawColor(gpu, color.r, color.g, color.b, 255)
            SDL_RenderClear(gpu)
        } else {
            let (w, h) = surface.size
            software.resize(width: w, height: h)
            software.record(.clear(color))
        }
    }

    /// Finishes drawing; a CPU frame in a window is uploaded and copied to the window's back buffer.
    func endFrame() throws {
        flush()
        if gpu == nil {
            software.execute(vertices: vertices, indices: indices)
            vertices.removeAll(keepingCapacity: true); indices.removeAll(keepingCapacity: true)
            recordedIndices = 0
        }
        guard gpu == nil, let renderer = surface.renderer else { return }
        let (w, h) = (software.width, software.height)
        if upload == nil || uploadSize != (w, h) {
            if let upload { SDL_DestroyTexture(upload) }
            guard let t = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_ARGB8888.rawValue,
                                            Int32(SDL_TEXTUREACCESS_STREAMING.rawValue), Int32(w), Int32(h)) else {
                throw ViewerError.sdl("SDL_CreateTexture", String(cString: SDL_GetError()))
            }
            upload = t; uploadSize = (w, h)
        }
        _ = SDL_UpdateTexture(upload, nil, software.pixels.baseAddress, Int32(w * 4))
        SDL_RenderCopy(renderer, upload, nil, nil)
    }

    /// Sends the pending triangles to the GPU, or records them for the CPU rasteriser.
    func flush() {
        if gpu == nil {
            if indices.count > recordedIndices {
                software.record(.triangles(start: recordedIndices, end: indices.count, image: image))
                recordedIndices = indices.count
                drawCalls += 1
            }
            return
        }
        guard !indices.isEmpty else { vertices.removeAll(keepingCapacity: true); return }
        if let gpu {
            let tex = image.map { texture(for: $0, renderer: gpu) } ?? nil
            vertices.withUnsafeBufferPointer { v in
                indices.withUnsafeBufferPointer { i in
                    _ = SDL_RenderGeometry(gpu, tex, v.baseAddress, Int32(v.count), i.baseAddress, Int32(i.count))
                }
            }
        }
        drawCalls += 1
        vertices.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
    }

    /// The GPU texture mirroring `image`, created or refreshed as needed.
    private func texture(for image: CanvasImage, renderer: OpaquePointer) -> OpaquePointer? {
        if image.texture == nil {
            image.texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_ARGB8888.rawValue, Int32(SDL_TEXTUREACCESS_STREAMING.rawValue),
                                              Int32(image.width), Int32(image.height))
            guard let t = image.texture else { return nil }
            image.owner = surface
            SDL_SetTextureBlendMode(t, image.blended ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_NONE)
            SDL_SetTextureScaleMode(t, SDL_ScaleModeNearest)
            image.stale = true
        }
        if image.stale {
            image.argb.withUnsafeBytes { _ = SDL_UpdateTexture(image.texture, nil, $0.baseAddress, Int32(image.width * 4)) }
            image.stale = false
        }
        return image.texture
    }

    /// Switches the image that following triangles sample (nil: plain colour), flushing if it changes.
    func use(image i: CanvasImage?) {
        if i !== image { flush(); image = i }
    }

    /// Draws `image` scaled nearest-neighbour into `rect` (the model's-eye panels).
    func drawImage(_ i: CanvasImage, in r: Rect) {
        flush()
        if let gpu {
            var dst = SDL_FRect(x: r.x, y: r.y, w: r.w, h: r.h)
            SDL_RenderCopyF(gpu, texture(for: i, renderer: gpu), nil, &dst)
        } else {
            software.record(.blit(i, r))
        }
    }

    /// The frame as tightly packed RGBA bytes (top row first). Call after `endFrame()`, before `present()`.
    func readPixels() throws -> (width: Int, height: Int, rgba: [UInt8]) {
        if let gpu {
            let (w, h) = surface.size
            var buf = [UInt8](repeating: 0, count: w * h * 4)
            let rc = buf.withUnsafeMutableBytes {
                SDL_RenderReadPixels(gpu, nil, tumble_SDL_PIXELFORMAT_RGBA32(), $0.baseAddress, Int32(w * 4))
            }
            guard rc == 0 else { throw ViewerError.sdl("SDL_RenderReadPixels", String(cString: SDL_GetError())) }
            return (w, h, buf)
        }
        let (w, h) = (software.width, software.height)
        var buf = [UInt8](repeating: 0, count: w * h * 4)
        let p = software.pixels
        do {
            buf.withUnsafeMutableBufferPointer { o in
                for i in 0..<(w * h) {
                    let v = p[i]
                    o[4 * i] = UInt8((v >> 16) & 0xFF); o[4 * i + 1] = UInt8((v >> 8) & 0xFF)
                    o[4 * i + 2] = UInt8(v & 0xFF); o[4 * i + 3] = 255
                }
            }
        }
        return (w, h, buf)
    }

    /// Saves the frame as PNG (atomically).
    func savePNG(to path: String) throws {
        var (w, h, pixels) = try readPixels()
        try PNGFile.write(rgba: &pixels, width: w, height: h, to: path)
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
        if gpu == nil {   // the CPU fills rectangles directly, in order with the pending triangles
            flush()
            software.record(.rect(x: x, y: y, w: w, h: h, color: color))
            return
        }
        use(image: nil)
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
        use(image: nil)
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
