import CSDL2

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
    private(set) var vertices: [SDL_Vertex] = []
    private var indices: [Int32] = []
    private var image: CanvasImage?
    var scratch: [SIMD2<Float>] = []   // shape scratch space (Canvas+Shapes)
    var normals: [SIMD2<Float>] = []
    /// Batches sent since the last `resetStats()` (GPU draw calls or CPU batches), for the bench and tests.
    private(set) var drawCalls = 0
    /// When non-nil, every string drawn is recorded here (its box and overlay layer), so tests can check that
    /// no two texts of one layer overlap and that all lie inside the window.
    var textBoxes: [TextBox]?
    /// The overlay layer following text belongs to (0: the window; higher: drawn on top, e.g. the help).
    var textLayer = 0

    struct TextBox {
        var text: String
        var rect: Rect
        var layer: Int
    }

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
    func vertex(_ p: SIMD2<Float>, _ c: RGBA, _ uv: SIMD2<Float> = .zero) -> Int32 {
        vertices.append(SDL_Vertex(position: SDL_FPoint(x: p.x, y: p.y), color: c.sdl,
                                   tex_coord: SDL_FPoint(x: uv.x, y: uv.y)))
        return Int32(vertices.count - 1)
    }

    @inline(__always)
    func triangle(_ a: Int32, _ b: Int32, _ c: Int32) {
        indices.append(a); indices.append(b); indices.append(c)
    }

    @inline(__always)
    func quad(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32) {
        triangle(a, b, c); triangle(a, c, d)
    }

    /// Whether the CPU path may draw discs, rings, glyphs and plot areas with its dedicated commands instead of
    /// triangles (same pixels up to rounding, a fraction of the cost); tests turn it off to compare the two.
    var cpuShortcuts = true

    /// Records a CPU command in order with the triangles drawn so far (CPU mode only).
    func recordCPU(_ c: SoftwareRasterizer.Command) {
        flush()
        software.record(c)
        drawCalls += 1
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
        // On the CPU a quad at whole pixels covering as many texels as pixels is a plain copy: skip the triangles.
        if gpu == nil, cpuShortcuts, let img = image, x == x.rounded(), y == y.rounded() {
            let sx = uv0.x * Float(img.width), sy = uv0.y * Float(img.height)
            let tw = (uv1.x - uv0.x) * Float(img.width), th = (uv1.y - uv0.y) * Float(img.height)
            if abs(tw - w) < 1e-3, abs(th - h) < 1e-3, abs(sx - sx.rounded()) < 1e-3, abs(sy - sy.rounded()) < 1e-3 {
                recordCPU(.sprite(img, sx: Int(sx.rounded()), sy: Int(sy.rounded()), w: Int(w.rounded()), h: Int(h.rounded()),
                                  x: Int(x), y: Int(y), color: color))
                return
            }
        }
        let a = vertex([x, y], color, uv0), b = vertex([x + w, y], color, [uv1.x, uv0.y])
        let c = vertex([x + w, y + h], color, uv1), d = vertex([x, y + h], color, [uv0.x, uv1.y])
        quad(a, b, c, d)
    }

    /// The area between a curve and a horizontal baseline, with a vertical colour gradient
    /// (`top` at the curve, `bottom` at the baseline). Points must have increasing x.
    func fillUnderCurve(_ p: UnsafeBufferPointer<SIMD2<Float>>, baseline: Float, top: RGBA, bottom: RGBA) {
        guard p.count >= 2 else { return }
        if gpu == nil && cpuShortcuts && top == bottom {   // one colour on the CPU: column fills, not slivers
            flush()
            software.recordUnderCurve(p, baseline: baseline, color: top)
            drawCalls += 1
            return
        }
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
}
