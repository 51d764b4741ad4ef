import CSDL2
import Foundation

/// One font at one pixel size, pre-rendered into a texture so a whole HUD is a single batched draw.
///
/// Rendering text with `TTF_RenderUTF8` every frame would allocate a surface and a texture per string;
/// an atlas of the glyphs we use costs one upload at start and nothing per frame.
final class GlyphAtlas {
    struct Glyph {
        var uv0: SIMD2<Float>, uv1: SIMD2<Float>
        var width: Float, height: Float
        var advance: Float
    }

    /// White glyphs in alpha; the canvas modulates them by the text colour.
    let image: CanvasImage
    /// Distance from one baseline to the next, in pixels.
    let lineHeight: Float
    let ascent: Float
    private var glyphs: [UInt32: Glyph] = [:]
    private var ascii: [Glyph?] = Array(repeating: nil, count: 128)
    private let fallback: Glyph
    private let kerning: [UInt64: Float]
    /// Characters of the repertoire the font does not have (they draw as `?`); tests keep this empty.
    let missing: [UInt32]

    /// The characters the window ever prints; anything else draws as `?`.
    static let repertoire: [UInt32] =
        Array(32...126) + "·•→←↑↓…×—–°▶Δ≈≤≥±µ‖█".unicodeScalars.map(\.value)

    init(fontPath: String, size: Int) throws {
        // SDL_ttf is only needed while the atlas is built (its init is reference-counted).
        guard TTF_Init() == 0 else { throw ViewerError.sdl("TTF_Init", String(cString: SDL_GetError())) }
        defer { TTF_Quit() }
        guard let font = TTF_OpenFont(fontPath, Int32(size)) else {
            throw ViewerError.font(path: fontPath, reason: String(cString: SDL_GetError()))
        }
        defer { TTF_CloseFont(font) }
        TTF_SetFontHinting(font, TTF_HINTING_LIGHT)
        lineHeight = Float(TTF_FontLineSkip(font))
        ascent = Float(TTF_FontAscent(font))

        // Render each glyph, then shelf-pack them into one RGBA surface.
        var rendered: [(UInt32, UnsafeMutablePointer<SDL_Surface>, Float)] = []
        defer { for r in rendered { SDL_FreeSurface(r.1) } }
        let white = SDL_Color(r: 255, g: 255, b: 255, a: 255)
        missing = Self.repertoire.filter { TTF_GlyphIsProvided32(font, $0) == 0 }
        for cp in Self.repertoire where TTF_GlyphIsProvided32(font, cp) != 0 {
            var minx: Int32 = 0, maxx: Int32 = 0, miny: Int32 = 0, maxy: Int32 = 0, adv: Int32 = 0
            guard TTF_GlyphMetrics32(font, cp, &minx, &maxx, &miny, &maxy, &adv) == 0,
                  let s = TTF_RenderGlyph32_Blended(font, cp, white) else { continue }
            rendered.append((cp, s, Float(adv)))
        }
        let atlasWidth: Int32 = 1024
        var x: Int32 = 1, y: Int32 = 1, shelf: Int32 = 0
        var placed: [(UInt32, SDL_Rect, Float)] = []
        for (cp, s, adv) in rendered {
            let w = s.pointee.w, h = s.pointee.h
            if x + w + 1 > atlasWidth { x = 1; y += shelf + 1; shelf = 0 }
            placed.append((cp, SDL_Rect(x: x, y: y, w: w, h: h), adv))
            x += w + 1; shelf = max(shelf, h)
        }
        var atlasHeight: Int32 = 1
        while atlasHeight < y + shelf + 1 { atlasHeight *= 2 }
        guard let atlas = SDL_CreateRGBSurfaceWithFormat(0, atlasWidth, atlasHeight, 32, tumble_SDL_PIXELFORMAT_RGBA32()) else {
            throw ViewerError.sdl("SDL_CreateRGBSurfaceWithFormat", String(cString: SDL_GetError()))
        }
        defer { SDL_FreeSurface(atlas) }
        SDL_FillRect(atlas, nil, 0)
        for (i, r) in rendered.enumerated() {
            var dst = placed[i].1
            SDL_SetSurfaceBlendMode(r.1, SDL_BLENDMODE_NONE)
            SDL_UpperBlit(r.1, nil, atlas, &dst)
        }
        image = CanvasImage(width: Int(atlasWidth), height: Int(atlasHeight), blended: true)
        SDL_LockSurface(atlas)
        let bytes = UnsafeBufferPointer(start: atlas.pointee.pixels.assumingMemoryBound(to: UInt8.self),
                                        count: Int(atlas.pointee.pitch) * Int(atlasHeight))
        precondition(atlas.pointee.pitch == atlasWidth * 4)
        image.update(bytes: bytes, channels: 4)
        SDL_UnlockSurface(atlas)

        let fw = Float(atlasWidth), fh = Float(atlasHeight)
        for (cp, rect, adv) in placed {
            let g = Glyph(uv0: [Float(rect.x) / fw, Float(rect.y) / fh],
                          uv1: [Float(rect.x + rect.w) / fw, Float(rect.y + rect.h) / fh],
                          width: Float(rect.w), height: Float(rect.h), advance: adv)
            glyphs[cp] = g
            if cp < 128 { ascii[Int(cp)] = g }
        }
        fallback = glyphs[63] ?? Glyph(uv0: .zero, uv1: .zero, width: 0, height: 0, advance: Float(size) / 2)
        // Kerning for the printable ASCII pairs (the only pairs where it is visible at HUD sizes).
        var k: [UInt64: Float] = [:]
        if TTF_GetFontKerning(font) != 0 {
            for a in UInt32(32)...126 {
                for b in UInt32(32)...126 {
                    let v = TTF_GetFontKerningSizeGlyphs32(font, a, b)
                    if v != 0 { k[UInt64(a) << 32 | UInt64(b)] = Float(v) }
                }
            }
        }
        kerning = k
    }

    /// Whether `cp` draws as itself rather than as `?`.
    func provides(_ cp: UInt32) -> Bool { glyphs[cp] != nil }

    @inline(__always)
    private func glyph(_ cp: UInt32) -> Glyph {
        if cp < 128, let g = ascii[Int(cp)] { return g }
        return glyphs[cp] ?? fallback
    }

    /// Width in pixels of `text` on one line.
    func measure(_ text: String) -> Float {
        var w: Float = 0
        var prev: UInt32 = 0
        for u in text.unicodeScalars {
            w += glyph(u.value).advance + (kerning[UInt64(prev) << 32 | UInt64(u.value)] ?? 0)
            prev = u.value
        }
        return w
    }

    /// Draws `text` with its top-left corner at (x, y); returns the x after the last glyph.
    @discardableResult
    func draw(_ text: String, x: Float, y: Float, color: RGBA, on canvas: Canvas) -> Float {
        canvas.use(image: image)
        var pen = x.rounded()
        let top = y.rounded()
        var prev: UInt32 = 0
        for u in text.unicodeScalars {
            let cp = u.value
            pen += kerning[UInt64(prev) << 32 | UInt64(cp)] ?? 0
            let g = glyph(cp)
            if cp != 32 && g.width > 0 {
                canvas.texturedQuad(x: pen.rounded(), y: top, w: g.width, h: g.height, uv0: g.uv0, uv1: g.uv1, color: color)
            }
            pen += g.advance
            prev = cp
        }
        if canvas.textBoxes != nil, !text.isEmpty {
            canvas.textBoxes!.append(.init(text: text, rect: Rect(x: x.rounded(), y: top, w: pen - x.rounded(), h: lineHeight),
                                           layer: canvas.textLayer))
        }
        return pen
    }
}
