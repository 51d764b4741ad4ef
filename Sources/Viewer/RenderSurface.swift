import CSDL2
import Foundation

/// Where frames go: a resizable window with an SDL renderer (vsynced), or an offscreen framebuffer for
/// headless screenshots, benches and tests.
///
/// The offscreen path needs no video driver at all (only SDL's event queue, so synthetic events still
/// work), so `tumble view --frames N --screenshot out.png` runs on a machine with no display, and its
/// pixels come from `SoftwareRasterizer`, the same on every machine.
final class RenderSurface {
    enum Kind: Equatable { case window, offscreen }

    let kind: Kind
    private(set) var window: OpaquePointer?
    /// The window's renderer; nil offscreen.
    private(set) var renderer: OpaquePointer?
    /// Whether the renderer is a GPU one (SDL_RenderGeometry places vertices exactly); otherwise the canvas
    /// rasterises on the CPU and uploads one texture per frame.
    let accelerated: Bool
    private let offscreenSize: (width: Int, height: Int)
    private let subsystems: UInt32

    /// Opens a window. Throws `.noDisplay` when no video driver can start.
    init(title: String, width: Int, height: Int, vsync: Bool) throws {
        SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0")
        let flags = UInt32(SDL_INIT_VIDEO | SDL_INIT_EVENTS)
        guard SDL_InitSubSystem(flags) == 0 else {
            throw ViewerError.noDisplay(driverError: String(cString: SDL_GetError()))
        }
        // With no display SDL quietly falls back to its invisible "offscreen" driver; unless the user asked for
        // it (SDL_VIDEODRIVER), a window nobody can see is an error, not a success.
        let driver = SDL_GetCurrentVideoDriver().map { String(cString: $0) } ?? ""
        if ["offscreen", "dummy"].contains(driver), getenv("SDL_VIDEODRIVER") == nil {
            SDL_QuitSubSystem(flags)
            throw ViewerError.noDisplay(driverError: "no X11 or Wayland display (SDL could only start its invisible '\(driver)' driver)")
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
        var r = SDL_CreateRenderer(w, -1, rflags)
        if r == nil {
            r = SDL_CreateRenderer(w, -1, SDL_RENDERER_SOFTWARE.rawValue | (vsync ? SDL_RENDERER_PRESENTVSYNC.rawValue : 0))
        }
        guard let r else {
            let e = String(cString: SDL_GetError())
            SDL_DestroyWindow(w); SDL_QuitSubSystem(flags)
            throw ViewerError.sdl("SDL_CreateRenderer", e)
        }
        var info = SDL_RendererInfo()
        SDL_GetRendererInfo(r, &info)
        let name = info.name.map { String(cString: $0) } ?? ""
        accelerated = info.flags & SDL_RENDERER_ACCELERATED.rawValue != 0 && name != "software"
        kind = .window; window = w; renderer = r
        offscreenSize = (width, height)
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND)
    }

    /// An offscreen framebuffer of the given size.
    init(offscreenWidth width: Int, height: Int) throws {
        let flags = UInt32(SDL_INIT_EVENTS)
        guard SDL_InitSubSystem(flags) == 0 else { throw ViewerError.sdl("SDL_InitSubSystem(EVENTS)", String(cString: SDL_GetError())) }
        subsystems = flags
        kind = .offscreen
        accelerated = false
        offscreenSize = (width, height)
    }

    deinit {
        if let renderer { SDL_DestroyRenderer(renderer) }
        if let window { SDL_DestroyWindow(window) }
        SDL_QuitSubSystem(subsystems)
    }

    /// Drawable size in pixels.
    var size: (width: Int, height: Int) {
        guard let renderer else { return offscreenSize }
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

    func present() { if let renderer { SDL_RenderPresent(renderer) } }

    /// Renderer name for the HUD and the bench ("opengl", "software", "offscreen").
    var rendererName: String {
        guard let renderer else { return "offscreen" }
        var info = SDL_RendererInfo()
        SDL_GetRendererInfo(renderer, &info)
        return info.name.map { String(cString: $0) } ?? "?"
    }
}

/// PNG output through SDL2_image, written atomically (a temporary file beside the target, then rename).
enum PNGFile {
    static func write(rgba pixels: inout [UInt8], width w: Int, height h: Int, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
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
