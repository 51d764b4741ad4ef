/// Shape of every episode in a dataset.
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

    /// Fields per body in `states`: x, y, angle, vx, vy, ω.
    public static let stateFields = 6
}

/// One shard's worth of episodes, in the dataset's array layout (row-major).
public struct EpisodeBatch: Sendable {
    public var episodes: Int
    /// uint8 [E, T, H, W, C].
    public var frames: [UInt8]
    /// float32 [E, T, N, 6].
    public var states: [Float]
    /// float32 [E, T, A].
    public var actions: [Float]
    /// [E]: episode seeds (stored as int64 bit patterns in the shards).
    public var seeds: [UInt64]
    /// [E, T, N]: body n touches something at step t. Nil when the dataset has no collision record.
    public var collisions: [Bool]?
    /// [E, N]: body n exists (scenes whose body count varies). Nil means all bodies exist.
    public var mask: [Bool]?
    /// int32 [E]: first impossible frame, −1 for a possible clip. Nil for ordinary datasets.
    public var violationFrame: [Int32]?
    /// int64 [E]: the matched-pair id shared by a possible clip and its impossible twin.
    public var pair: [Int64]?
    /// [E]: violation type name (e.g. "vanish"); for a possible clip, its twin's type or empty.
    public var violationType: [String]?

    public init(episodes: Int, frames: [UInt8], states: [Float], actions: [Float], seeds: [UInt64],
                collisions: [Bool]? = nil, mask: [Bool]? = nil, violationFrame: [Int32]? = nil,
                pair: [Int64]? = nil, violationType: [String]? = nil) {
        self.episodes = episodes
        self.frames = frames
        self.states = states
        self.actions = actions
        self.seeds = seeds
        self.collisions = collisions
        self.mask = mask
        self.violationFrame = violationFrame
        self.pair = pair
        self.violationType = violationType
    }
}

/// A held-out dataset as evaluation reads it: validated up front, then streamed one shard at a time
/// so memory stays bounded by one shard plus the latents.
///
/// The Observation module's dataset reader is adapted to this (format version and shard checksums are
/// its job; its errors pass through unchanged).
public protocol EpisodeSource {
    /// SHA-256 (lowercase hex) of the dataset's manifest.json bytes.
    var manifestSHA256: String { get }
    var layout: EpisodeLayout { get }
    /// Seeds of all episodes, in dataset order (from the manifest: known before any shard is read).
    var seeds: [UInt64] { get }
    /// Number of batches (shards).
    var batchCount: Int { get }
    /// Checks every shard's checksum without decoding, so a corrupt file stops evaluation before any work.
    func verifyIntegrity() throws
    /// Reads batch `index` (0-based), verifying it.
    func batch(_ index: Int) throws -> EpisodeBatch
}
