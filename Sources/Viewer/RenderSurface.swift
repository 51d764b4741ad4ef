import CSDL2
import Foundation

/// Where frames go: a resizable window with an accelerated, vsynced renderer, or an offscreen
/// software surface for headless screenshots, benches and tests.
///
/// The offscreen path needs no video driver at all (only SDL's event queue), so
/// `tumble view --frames N --screenshot out.png` works on a machine with no display, and its pixels
/// are the same on every machine because SDL's software rasteriser draws them.
final class RenderSurface {
    enum Kind: Equatable { case window, offscreen }

    let kind: Kind
    private(set) var window: OpaquePointer?
    private(set) var renderer: OpaquePointer
    private var surface: UnsafeMutablePointer<SDL_Surface>?
    private let subsystems: UInt32

    /// Opens a window. Throws `.noDisplay` when no video driver can start.
    init(title: String, width: Int, height: Int, vsync: Bool) throws {
        SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0")
        let flags = UInt32(SDL_INIT_VIDEO | SDL_INIT_EVENTS)
        guard SDL_InitSubSystem(flags) == 0 else {
            throw ViewerError.noDisplay(driverError: String(cString: SDL_GetError()))
        }
        subsystems = flags
        let winFlags = SDL_WINDOW_RESIZABLE.rawValue | SDL_WINDOW_SHOWN.rawValue
        guard let w = SDL_CreateWindow(title, tumble_SDL_WINDOWPOS_CENTERED(), tumble_SDL_WINDOWPOS_CENTERED(),
                                       Int32(width), Int32(height), winFlags) else {
            let e = String(cString: SDL_GetError())
            SDL_QuitSubSystem(flags)
            throw ViewerError.noDisplay(driverError: e)
        }
        var rflags = SDL_RENDERER_ACCELERATED.rawValue
        if vsync { rflags |= SDL_RENDERER_PRESENTVSYNC.rawValue }
        let r = SDL_CreateRenderer(w, -1, rflags) ?? SDL_CreateRenderer(w, -1, SDL_RENDERER_SOFTWARE.rawValue)
        guard let r else {
            let e = String(cString: SDL_GetError())
            SDL_DestroyWindow(w); SDL_QuitSubSystem(flags)
            throw ViewerError.sdl("SDL_CreateRenderer", e)
        }
        kind = .window; window = w; renderer = r
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND)
    }

    /// An offscreen RGBA surface drawn by SDL's software renderer.
    init(offscreenWidth width: Int, height: Int) throws {
        let flags = UInt32(SDL_INIT_EVENTS)
        guard SDL_InitSubSystem(flags) == 0 else { throw ViewerError.sdl("SDL_InitSubSystem(EVENTS)", String(cString: SDL_GetError())) }
        subsystems = flags
        guard let s = SDL_CreateRGBSurfaceWithFormat(0, Int32(width), Int32(height), 32, SDL_PIXELFORMAT_ARGB8888.rawValue) else {
            throw ViewerError.sdl("SDL_CreateRGBSurfaceWithFormat", String(cString: SDL_GetError()))
        }
        guard let r = SDL_CreateSoftwareRenderer(s) else {
            SDL_FreeSurface(s)
            throw ViewerError.sdl("SDL_CreateSoftwareRenderer", String(cString: SDL_GetError()))
        }
        kind = .offscreen; surface = s; renderer = r
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND)
    }

    deinit {
        SDL_DestroyRenderer(renderer)
        if let window { SDL_DestroyWindow(window) }
        if let surface { SDL_FreeSurface(surface) }
        SDL_QuitSubSystem(subsystems)
    }

    /// Drawable size in pixels.
    var size: (width: Int, height: Int) {
        var w: Int32 = 0, h: Int32 = 0
        SDL_GetRendererOutputSize(renderer, &w, &h)
        return (Int(w), Int(h))
    }

    /// Window-coordinate to pixel scale (differs from 1 only on high-DPI windows).
    var pointScale: Float {
        guard let window else { return 1 }
        var w: Int32 = 0, h: Int32 = 0
        SDL_GetWindowSize(window, &w, &h)
        return w > 0 ? Float(size.width) / Float(w) : 1
    }

    func present() { SDL_RenderPresent(renderer) }

    /// The current frame as tightly packed RGBA bytes (row-major, top row first). Call before `present()`.
    func readPixels() throws -> (width: Int, height: Int, rgba: [UInt8]) {
        let (w, h) = size
        var buf = [UInt8](repeating: 0, count: w * h * 4)
        let rc = buf.withUnsafeMutableBytes {
            SDL_RenderReadPixels(renderer, nil, tumble_SDL_PIXELFORMAT_RGBA32(), $0.baseAddress, Int32(w * 4))
        }
        guard rc == 0 else { throw ViewerError.sdl("SDL_RenderReadPixels", String(cString: SDL_GetError())) }
        return (w, h, buf)
    }

    /// Saves the current frame as PNG, atomically (temporary file beside the target, then rename).
    func savePNG(to path: String) throws {
        var (w, h, pixels) = try readPixels()
        try Self.writePNG(rgba: &pixels, width: w, height: h, to: path)
    }

    static func writePNG(rgba pixels: inout [UInt8], width w: Int, height h: Int, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: dir.path) else {
            throw ViewerError.screenshot(path: path, reason: "directory \(dir.path) does not exist")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        try pixels.withUnsafeMutableBytes { raw in
            guard let s = SDL_CreateRGBSurfaceWithFormatFrom(raw.baseAddress, Int32(w), Int32(h), 32, Int32(w * 4),
                                                             tumble_SDL_PIXELFORMAT_RGBA32()) else {
                throw ViewerError.screenshot(path: path, reason: String(cString: SDL_GetError()))
            }
            defer { SDL_FreeSurface(s) }
            guard IMG_SavePNG(s, tmp) == 0 else {
                let e = String(cString: SDL_GetError())
                unlink(tmp)
                throw ViewerError.screenshot(path: path, reason: e)
            }
        }
        guard rename(tmp, path) == 0 else {
            let e = String(cString: strerror(errno))
            unlink(tmp)
            throw ViewerError.screenshot(path: path, reason: e)
        }
    }
}
