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
    /// The probe's read-out of a body (P), beside the true state.
    static let probe = RGBA(hex: 0xC8FF5A)
    /// Goal mode: the pushed body's goal, and the planner's imagined path towards it.
    static let goal = RGBA(hex: 0x7CF5B0)
    static let plan = RGBA(hex: 0xF06BFF)

    static func violation(_ kind: String) -> RGBA {
        switch kind {
        case "vanish": return RGBA(hex: 0xC297FF)
        case "teleport": return RGBA(hex: 0xFFE066)
        case "immutability": return RGBA(hex: 0x6CB6FF)
        default: return RGBA(hex: 0xFF7B72)
        }
    }
}

/// Finds a TrueType font: `TUMBLE_FONT_DIR` if set, then Debian's DejaVu, then the copy shipped in
/// `Assets/fonts/` (looked up from the working directory and from the executable's directory upwards).
enum FontLocator {
    static var defaultDirectories: [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["TUMBLE_FONT_DIR"] { dirs.append(env) }
        dirs.append("/usr/share/fonts/truetype/dejavu")
        dirs.append(FileManager.default.currentDirectoryPath + "/Assets/fonts")
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0...4 {
            dirs.append(dir.appendingPathComponent("Assets/fonts").path)
            dir = dir.deletingLastPathComponent()
        }
        return dirs
    }

    static func path(bold: Bool, in directories: [String] = defaultDirectories) throws -> String {
        let name = bold ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf"
        for dir in directories {
            let candidate = (dir as NSString).appendingPathComponent(name)
            if FileManager.default.isReadableFile(atPath: candidate) { return candidate }
        }
        throw ViewerError.font(path: name, reason: "not found in \(directories.joined(separator: ", "))")
    }
}
