import Foundation
import Observation
import Physics

/// A recorded dataset directory (manifest.json + shard-*.npz) as an episode source: one batch per shard.
///
/// Opening reads and checks the manifest (format version, completeness, shard sizes: the Observation
/// reader's errors pass through unchanged, naming file and field); `verifyIntegrity` re-hashes every
/// shard before any frame is used; `batch` decodes one shard at a time, checking its SHA-256 first.
public struct DatasetEpisodes: EpisodeSource {
    public let dataset: Dataset
    public let manifestSHA256: String
    public let layout: EpisodeLayout
    public let description: DataDescription
    public let seeds: [UInt64]

    public init(directory: URL) throws {
        dataset = try Dataset(directory: directory)
        manifestSHA256 = try dataset.manifestSHA256()
        let m = dataset.manifest
        // The recorder validated this text; a scene today's rules reject shows no orientations or look-alikes.
        let scene = try? Scene(yaml: m.scene.text)
        description = DataDescription(height: m.frame.height, width: m.frame.width, channels: m.frame.channels, bodies: m.bodies,
                                      actionDimension: m.actionDimension, sceneName: m.scene.name, sceneSHA256: m.scene.sha256,
                                      observationHz: m.scene.observedHz,
                                      orientationSymmetry: scene?.orientationSymmetry, lookAlikeRows: scene?.lookAlikeRows ?? [])
        layout = EpisodeLayout(steps: m.steps, description)
        seeds = (0..<m.episodes).map { EpisodeSeeds.seed(base: m.seeds.base, episode: $0, pairs: m.violations != nil) }
    }

    public var batchCount: Int { dataset.shardCount }

    public func verifyIntegrity() throws { try dataset.verify() }

    public func batch(_ index: Int) throws -> EpisodeBatch {
        let s = try dataset.shard(index)
        var batch = EpisodeBatch(layout: layout, episodes: s.episodeCount, frames: s.frames, states: s.states, actions: s.actions,
                                 seeds: s.seeds, collisions: s.collisions, mask: s.mask,
                                 violationFrame: s.violationFrame, pair: s.pair, violationType: s.violationType)
        batch.orderLookAlikes()
        return batch
    }

    /// The batch (shard) holding episode `e`, and the episode's index within it.
    func locate(episode e: Int) -> (batch: Int, offset: Int) {
        let shards = dataset.manifest.shards
        var lo = 0, hi = shards.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if shards[mid].firstEpisode <= e { lo = mid } else { hi = mid - 1 }
        }
        return (lo, e - shards[lo].firstEpisode)
    }
}

/// Decoded shards of a dataset kept for random access, least recently used dropped first, within a byte budget
/// (always at least one shard): training draws clips from any episode without holding the whole dataset.
final class ShardCache {
    let source: DatasetEpisodes
    let budgetBytes: Int
    private var resident: [(index: Int, batch: EpisodeBatch)] = []
    /// Shards decoded so far (a dataset larger than the budget decodes some more than once).
    private(set) var loads = 0

    init(_ source: DatasetEpisodes, budgetBytes: Int) {
        self.source = source
        self.budgetBytes = budgetBytes
    }

    private static func bytes(_ b: EpisodeBatch) -> Int { b.frames.count + 4 * (b.states.count + b.actions.count) }

    /// Shard `index`, decoded (and verified) if it is not resident.
    func batch(_ index: Int) throws -> EpisodeBatch {
        if let i = resident.firstIndex(where: { $0.index == index }) {
            let hit = resident.remove(at: i)
            resident.append(hit)
            return hit.batch
        }
        let fresh = try source.batch(index)
        loads += 1
        var total = Self.bytes(fresh) + resident.reduce(0) { $0 + Self.bytes($1.batch) }
        while !resident.isEmpty && total > budgetBytes {
            total -= Self.bytes(resident.removeFirst().batch)
        }
        resident.append((index, fresh))
        return fresh
    }
}
