import Foundation

/// What the data looks like, known before any episode is read: frame sizes, bodies, actions, the scene.
public struct DataDescription: Sendable, Equatable {
    public var height: Int, width: Int, channels: Int
    public var bodies: Int
    public var actionSize: Int
    public var sceneName: String
    public var sceneSHA256: String
    public var observationHz: Double
    public init(height: Int, width: Int, channels: Int, bodies: Int, actionSize: Int, sceneName: String, sceneSHA256: String, observationHz: Double) {
        self.height = height; self.width = width; self.channels = channels
        self.bodies = bodies; self.actionSize = actionSize
        self.sceneName = sceneName; self.sceneSHA256 = sceneSHA256; self.observationHz = observationHz
    }
}

/// Shape of every episode of a source.
public struct EpisodeLayout: Equatable, Sendable {
    /// Frames per episode (T).
    public var steps: Int
    public var frame: FrameShape
    /// Dynamic bodies per episode (N), padded to the maximum when the scene varies.
    public var bodies: Int
    /// Action width (A).
    public var actionDimension: Int

    public init(steps: Int, frame: FrameShape, bodies: Int, actionDimension: Int) {
        self.steps = steps
        self.frame = frame
        self.bodies = bodies
        self.actionDimension = actionDimension
    }

    /// The layout of `steps`-frame episodes of data like `d`.
    public init(steps: Int, _ d: DataDescription) {
        self.init(steps: steps, frame: FrameShape(height: d.height, width: d.width, channels: d.channels),
                  bodies: d.bodies, actionDimension: d.actionSize)
    }

    /// Fields per body in `states`: x, y, angle, vx, vy, ω.
    public static let stateFields = 6
}

/// Where episodes come from, for training, evaluation and the report page alike: a recorded dataset
/// (`DatasetEpisodes`) or a live scene (`LiveEpisodes`). Batches are read one at a time, so memory stays
/// bounded by a batch, whatever the number of episodes.
public protocol EpisodeSource {
    var description: DataDescription { get }
    var layout: EpisodeLayout { get }
    /// SHA-256 (lowercase hex) that identifies the data in a report: a dataset's manifest.json bytes, or a live
    /// scene's text with its seed rule and counts.
    var manifestSHA256: String { get }
    /// Seeds of all episodes, in order (known before any episode is read).
    var seeds: [UInt64] { get }
    /// Number of batches.
    var batchCount: Int { get }
    /// Checks what can be checked before any work (a dataset's shard checksums).
    func verifyIntegrity() throws
    /// Reads batch `index` (0-based), verifying it.
    func batch(_ index: Int) throws -> EpisodeBatch
}

/// A source whose episodes are generated, not stored: any run of them can be had directly, and none repeats.
public protocol EpisodeStream: EpisodeSource {
    /// Episodes `first ..< first + count`.
    func episodes(first: Int, count: Int) throws -> EpisodeBatch
}
