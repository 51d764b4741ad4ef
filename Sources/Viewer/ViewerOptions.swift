import Foundation
import Physics

/// Which model the window shows.
public enum ViewerModelChoice {
    /// No model: the scene runs, the HUD says why there is none.
    case none(reason: String)
    /// The built-in constant-velocity baseline over true states (labelled as such in the HUD).
    case kinematicBaseline
    /// A world model, usually a trained checkpoint behind an adapter.
    case model(ViewerModel)
}

/// Everything `tumble view` can set.
public struct ViewerOptions {
    /// The scene catalogue `[` and `]` step through, and the one to open.
    public var scenes: [Scene]
    public var sceneIndex: Int
    public var seed: UInt64
    public var width: Int = 1280
    public var height: Int = 720
    public var vsync: Bool = true
    /// Headless: draw this many frames offscreen (no window, no display needed), then stop.
    public var frames: Int?
    /// Save the final frame as PNG here (headless), or the default directory for S in a window.
    public var screenshot: String?
    /// Start with live learning on.
    public var learn: Bool = false
    /// Imagination horizon k (1...9).
    public var horizon: Int = 5
    public var model: ViewerModelChoice
    /// When set, switching scenes (`[` `]`) shows the model this returns for the new scene instead of keeping `model`:
    /// each scene its own shipped model.
    public var modelForScene: ((Scene) -> ViewerModelChoice)?
    /// Key presses to send through SDL's event queue at given frames (demos, docs screenshots): the same
    /// path a keyboard takes. Keys are named as in `ScriptedKey.parse`.
    public var scriptedKeys: [ScriptedKey] = []
    /// Overlays, panels and physics to start with (the window's remembered settings; the horizon is `horizon`).
    public var settings = ViewerSettings()
    /// Where to save the settings when the window closes (nil: nowhere, as for headless runs).
    public var settingsFile: URL?
    /// Write the episode shown when the window closes to this directory as a dataset (`--record`).
    public var recordDirectory: URL?
    /// Start in goal mode with this goal for the pushed body (world units; `--goal X,Y`).
    public var goal: SIMD2<Float>?
    /// Written into recorded datasets' manifests.
    public var tumbleVersion = "unknown"

    public init(scenes: [Scene], sceneIndex: Int = 0, seed: UInt64 = 1, model: ViewerModelChoice) {
        self.scenes = scenes; self.sceneIndex = sceneIndex; self.seed = seed; self.model = model
    }
}

/// What a run did, for the command line and tests.
public struct ViewerSummary: Equatable {
    public var frames: Int
    public var steps: Int
    /// Mean frames per second over the run (wall clock).
    public var framesPerSecond: Double
    /// The longest wall time from one frame to the next (after the first): where the window would stutter.
    public var longestFrameSeconds: Double = 0
    public var screenshot: String?
    /// Live-learning steps taken during the run, and the seconds learning was on.
    public var learningSteps: Int = 0
    public var learningSeconds: Double = 0
    /// CPU seconds the learning thread spent in those steps (a step's cost on a free core).
    public var learningCPUSeconds: Double = 0
    /// The loss of the last live-learning step, if any.
    public var learningLastLoss: Float?
    /// The dataset directory `--record` wrote, if any.
    public var recording: String?
    /// The HUD label of the model shown when the run ended (nil: none); scenes switched with `[` `]` may have changed it.
    public var modelLabel: String?
    /// Goal mode's outcome when the run ended in it (nil otherwise).
    public var goal: GoalSummary?
}

/// A key press at a frame, e.g. `120:b` (vanish at frame 120) or `30:space`.
public struct ScriptedKey: Equatable {
    public var frame: Int
    public var key: String

    /// Parses `FRAME:KEY`; KEY is a letter or digit, or one of space, left, right, home, tab, [, ], ?, esc.
    public static func parse(_ text: String) -> ScriptedKey? {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let f = Int(parts[0]), f >= 0 else { return nil }
        let key = parts[1].lowercased()
        guard Viewer.keycode(for: key) != nil else { return nil }
        return ScriptedKey(frame: f, key: key)
    }
}
