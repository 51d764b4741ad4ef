import Foundation

/// The window's colours, in one place so the layout code says *what* it draws, not which hex code.
enum Theme {
    static let background = RGBA(hex: 0x0E1116)
    static let panel = RGBA(hex: 0x161B22)
    static let panelEdge = RGBA(hex: 0x2A313C)
    static let hudBox = RGBA(hex: 0x0B0E13, alpha: 215)
    static let text = RGBA(hex: 0xE6EDF3)
    static let dimText = RGBA(hex: 0x8B949E)
    static let accent = RGBA(hex: 0x58A6FF)
    static let warning = RGBA(hex: 0xF0883E)

    /// Predicted next position and the imagined k-step trajectory (the model's view).
    static let imagined = RGBA(hex: 0x3DD6F5)
    /// The simulator forked ahead the same k steps (what really happens).
    static let truth = RGBA(hex: 0xFFB454)
    static let surprise = RGBA(hex: 0xFF6B9A)
    static let loss = RGBA(hex: 0x7EE787)
    static let grid = RGBA(hex: 0x232A34)
    static let dragLine = RGBA(hex: 0xFFFFFF, alpha: 200)

    static func violation(_ kind: String) -> RGBA {
        switch kind {
        case "vanish": return RGBA(hex: 0xC297FF)
        case "teleport": return RGBA(hex: 0xFFE066)
        default: return RGBA(hex: 0xFF7B72)
        }
    }
}

/// Finds a TrueType font: Debian's DejaVu first, then a copy under `Assets/fonts/` next to the
/// working directory or the executable.
enum FontLocator {
    static func path(bold: Bool, mono: Bool = false) throws -> String {
        let name = mono ? (bold ? "DejaVuSansMono-Bold.ttf" : "DejaVuSansMono.ttf")
                        : (bold ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf")
        var candidates = ["/usr/share/fonts/truetype/dejavu/\(name)"]
        if let env = ProcessInfo.processInfo.environment["TUMBLE_FONT_DIR"] { candidates.insert("\(env)/\(name)", at: 0) }
        candidates.append(FileManager.default.currentDirectoryPath + "/Assets/fonts/\(name)")
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for up in 0...4 {
            var dir = exe
            for _ in 0..<up { dir = dir.deletingLastPathComponent() }
            candidates.append(dir.appendingPathComponent("Assets/fonts/\(name)").path)
        }
        if let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) { return found }
        throw ViewerError.font(path: candidates[0], reason: "not found (also tried Assets/fonts/\(name))")
    }
}
