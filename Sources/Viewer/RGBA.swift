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
