import Foundation

/// What the data looks like, known before any episode is read: frame sizes, bodies, actions, the scene.
public struct DataDescription: Sendable, Equatable {
    public var height: Int, width: Int, channels: Int
    /// Dynamic bodies per frame (N), padded to the maximum when the scene varies.
    public var bodies: Int
    /// Action width (A; 0 without an actor).
    public var actionDimension: Int
    public var sceneName: String
    /// SHA-256 of the scene text.
    public var sceneSHA256: String
    public var observationHz: Double
    /// Per body: its rotational symmetry s when its orientation shows in the frames, else 0 (`Scene.orientationSymmetry`).
    public var orientationSymmetry: [Int]
    /// Groups of rows whose bodies look the same (`Scene.lookAlikeRows`); batches hold each group in x order.
    public var lookAlikeRows: [[Int]]
    public init(height: Int, width: Int, channels: Int, bodies: Int, actionDimension: Int, sceneName: String, sceneSHA256: String,
                observationHz: Double, orientationSymmetry: [Int]? = nil, lookAlikeRows: [[Int]] = []) {
        self.height = height; self.width = width; self.channels = channels
        self.bodies = bodies; self.actionDimension = actionDimension
        self.sceneName = sceneName; self.sceneSHA256 = sceneSHA256; self.observationHz = observationHz
        self.orientationSymmetry = orientationSymmetry.flatMap { $0.count == bodies ? $0 : nil } ?? Array(repeating: 0, count: bodies)
        self.lookAlikeRows = lookAlikeRows.filter { $0.allSatisfy { (0..<bodies).contains($0) } }
    }

    /// Whether any body's orientation shows (the model then has an angle read-out).
    public var hasTurningBodies: Bool { orientationSymmetry.contains { $0 > 0 } }

    public var frame: FrameShape { FrameShape(height: height, width: width, channels: channels) }
}

/// Shape of every episode of a source: its data and the frames per episode.
public struct EpisodeLayout: Equatable, Sendable {
    /// Frames per episode (T).
    public var steps: Int
    public var data: DataDescription

    public init(steps: Int, _ data: DataDescription) {
        self.steps = steps
        self.data = data
    }

    public var frame: FrameShape { data.frame }
    public var bodies: Int { data.bodies }
    public var actionDimension: Int { data.actionDimension }

    /// Fields per body in `states`: x, y, angle, vx, vy, ω.
    public static let stateFields = 6
}

/// Where episodes come from, for training, evaluation and the report page alike: a recorded dataset
/// (`DatasetEpisodes`) or a live scene (`LiveEpisodes`). Batches are read one at a time, so memory stays
/// bounded by a batch, whatever the number of episodes.
public protocol EpisodeSource {
    /// The episodes' data (frame sizes, bodies, actions, scene) and length.
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
