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
    public var screenshot: String?
}
