import Foundation

/// Everything that can stop the window from opening, each with what to do about it.
public enum ViewerError: Error, CustomStringConvertible, Equatable {
    /// No video device could be opened (no X11/Wayland display).
    case noDisplay(driverError: String)
    /// An SDL call failed; names the call.
    case sdl(String, String)
    /// No usable font: names the file(s) tried.
    case font(path: String, reason: String)
    /// The model cannot read this scene's frames.
    case incompatibleModel(String)
    /// Unknown scene name.
    case unknownScene(String, known: [String])
    /// The screenshot could not be written.
    case screenshot(path: String, reason: String)
    /// Goal mode (`--goal`) cannot start: says why.
    case goal(String)

    public var description: String {
        switch self {
        case .noDisplay(let e):
            return """
                tumble view: no display available (SDL: \(e)).
                  Run it inside a desktop session, or under a virtual display: xvfb-run tumble view …
                  or headless: tumble view [SCENE] --frames N --screenshot out.png
                """
        case .sdl(let call, let e): return "tumble view: \(call) failed: \(e)"
        case .font(let path, let reason):
            return "tumble view: cannot open font \(path): \(reason). Install fonts-dejavu-core, or set TUMBLE_FONT_DIR to a folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf."
        case .incompatibleModel(let why): return "tumble view: model does not fit this scene: \(why)"
        case .unknownScene(let name, let known):
            return "tumble view: unknown scene '\(name)'; shipped scenes: \(known.joined(separator: ", "))"
        case .screenshot(let path, let reason): return "tumble view: cannot write screenshot \(path): \(reason)"
        case .goal(let why): return "tumble view: --goal: \(why)"
        }
    }
}
