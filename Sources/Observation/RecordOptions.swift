import Common
import Foundation
import Physics

/// What to record: the flags of `tumble record`, checked before anything touches the disk.
public struct RecordOptions {
    public var scene: Scene
    public var output: URL
    public var episodes: Int = 64
    public var steps: Int = 128
    public var seed: UInt64 = 0
    /// Square frame side in pixels; nil keeps the scene camera's.
    public var resolution: Int?
    /// Record IntPhys-style matched pairs (episodes 2p possible, 2p+1 impossible).
    public var violations = false
    /// `--shard I/K`: this run writes shards s with s mod K == I.
    public var part: DatasetManifest.PartInfo?
    public var resume = false
    /// Episodes per shard file; nil picks about 128 MiB per shard.
    public var episodesPerShard: Int?
    /// Written into the manifest.
    public var tumbleVersion: String
    /// Threads generating episodes (every core by default; episodes go to fixed slots, so the bytes never depend on it).
    public var workers: Int = Parallel.cores

    public init(scene: Scene, output: URL, tumbleVersion: String) {
        self.scene = scene
        self.output = output
        self.tumbleVersion = tumbleVersion
    }

    /// Target shard size when `episodesPerShard` is not given.
    public static let defaultShardBytes = 128 << 20

    /// Parses `I/K` (0 ≤ I < K), as used by job arrays whose task ids start at 0.
    public static func parsePart(_ text: String) throws -> DatasetManifest.PartInfo {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let i = Int(pieces[0]), let k = Int(pieces[1]) else {
            throw RecordError("--shard: expected I/K with whole numbers (e.g. 0/4), got \"\(text)\"")
        }
        guard k >= 1 else { throw RecordError("--shard \(text): K must be at least 1") }
        guard i >= 0 && i < k else { throw RecordError("--shard \(text): I must be in 0...\(k - 1) (parts are numbered from 0)") }
        return DatasetManifest.PartInfo(index: i, count: k)
    }

    /// Checks the numbers that do not need the world.
    func validate() throws {
        guard episodes >= 1 else { throw RecordError("--episodes must be at least 1 (got \(episodes))") }
        guard steps >= 1 else { throw RecordError("--steps must be at least 1 (got \(steps))") }
        if let r = resolution, !(8...1024).contains(r) {
            throw RecordError("--resolution must be in 8...1024 pixels, as a scene's camera.resolution (got \(r))")
        }
        if let m = episodesPerShard, m < 1 { throw RecordError("--episodes-per-shard must be at least 1 (got \(m))") }
        if let p = part {
            guard p.count >= 1, p.index >= 0, p.index < p.count else {
                throw RecordError("--shard \(p.index)/\(p.count): I must be in 0...\(max(p.count - 1, 0))")
            }
        }
        guard workers >= 1 else { throw RecordError("workers must be at least 1") }
        if violations {
            guard !scene.violations.isEmpty else {
                throw RecordError("--violations: scene \(scene.name) lists no violation types (add `violations: [vanish, teleport, passThrough, immutability]` to it)")
            }
            guard episodes % 2 == 0 else {
                throw RecordError("--violations records matched pairs: --episodes must be even (got \(episodes))")
            }
            guard steps >= 3 else { throw RecordError("--violations needs --steps of at least 3 (got \(steps))") }
            if let m = episodesPerShard, m % 2 != 0 {
                throw RecordError("--violations keeps both clips of a pair in one shard: --episodes-per-shard must be even (got \(m))")
            }
        }
    }
}
