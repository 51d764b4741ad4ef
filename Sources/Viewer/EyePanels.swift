import CSDL2

/// The model's-eye row: the frame the model just read, the decoder's picture of it predicted one step
/// earlier, and their difference — each a small streaming texture upscaled nearest-neighbour, so every
/// model pixel is a crisp square.
final class EyePanels {
    private let surface: RenderSurface
    private var renderer: OpaquePointer { surface.renderer }
    private var textures: [OpaquePointer] = []
    private var width = 0, height = 0
    private var rgb: [UInt8] = []
    private var diff: [UInt8] = []

    init(surface: RenderSurface) { self.surface = surface }

    deinit { textures.forEach { SDL_DestroyTexture($0) } }

    private func ensure(width w: Int, height h: Int) throws {
        guard w != width || h != height || textures.isEmpty else { return }
        textures.forEach { SDL_DestroyTexture($0) }
        textures = []
        for _ in 0..<3 {
            guard let t = SDL_CreateTexture(renderer, tumble_SDL_PIXELFORMAT_RGB24(), Int32(SDL_TEXTUREACCESS_STREAMING.rawValue),
                                            Int32(w), Int32(h)) else {
                throw ViewerError.sdl("SDL_CreateTexture", String(cString: SDL_GetError()))
            }
            SDL_SetTextureScaleMode(t, SDL_ScaleModeNearest)
            textures.append(t)
        }
        width = w; height = h
    }

    /// Uploads a frame of 1 or 3 channels into texture `i` (grey is expanded to RGB).
    private func upload(_ i: Int, _ frame: [UInt8], channels: Int) {
        let n = width * height
        if channels == 3 {
            frame.withUnsafeBytes { _ = SDL_UpdateTexture(textures[i], nil, $0.baseAddress, Int32(width * 3)) }
        } else {
            if rgb.count != n * 3 { rgb = [UInt8](repeating: 0, count: n * 3) }
            for p in 0..<n { let v = frame[p]; rgb[p * 3] = v; rgb[p * 3 + 1] = v; rgb[p * 3 + 2] = v }
            rgb.withUnsafeBytes { _ = SDL_UpdateTexture(textures[i], nil, $0.baseAddress, Int32(width * 3)) }
        }
    }

    /// Updates the three textures from the sandbox and draws them, with captions, into `rects`.
    func draw(_ s: Sandbox, rects: [Rect], canvas: Canvas, fonts: Fonts) throws {
        let r = s.rasterizer
        try ensure(width: r.width, height: r.height)
        let hasModel = s.model != nil
        upload(0, s.frame, channels: r.channels)
        if hasModel && s.hasPredictedFrame {
            upload(1, s.predictedFrame, channels: r.channels)
            s.differenceImage(into: &diff)
            upload(2, diff, channels: 3)
        }
        let captions = ["seen (model input)", "predicted", "|difference|"]
        canvas.flush()
        for (i, rect) in rects.enumerated() {
            canvas.fillRect(x: rect.x - 1, y: rect.y - 1, w: rect.w + 2, h: rect.h + 2, color: Theme.panelEdge)
            let ready = i == 0 || (hasModel && s.hasPredictedFrame)
            if ready {
                canvas.flush()
                var dst = SDL_FRect(x: rect.x, y: rect.y, w: rect.w, h: rect.h)
                SDL_RenderCopyF(renderer, textures[i], nil, &dst)
            } else {
                canvas.fillRect(x: rect.x, y: rect.y, w: rect.w, h: rect.h, color: Theme.panel)
                let msg = hasModel ? "no prediction yet" : "no model"
                let w = fonts.small.measure(msg)
                fonts.small.draw(msg, x: rect.x + (rect.w - w) / 2, y: rect.y + rect.h / 2 - 8, color: Theme.dimText, on: canvas)
            }
            let cw = fonts.small.measure(captions[i])
            fonts.small.draw(captions[i], x: rect.x + (rect.w - cw) / 2, y: rect.maxY + 4, color: Theme.dimText, on: canvas)
        }
        let title = "MODEL'S EYE  \(r.width)×\(r.height)\(r.channels == 1 ? " grey" : "")"
        fonts.bold.draw(title, x: rects[0].x, y: rects[0].y - 21, color: Theme.text, on: canvas)
    }
}
