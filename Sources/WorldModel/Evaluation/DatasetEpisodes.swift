import Foundation
import Observation

/// A recorded dataset directory (manifest.json + shard-*.npz) as evaluation reads it.
///
/// Opening reads and checks the manifest (format version, completeness, shard sizes: the Observation
/// reader's errors pass through unchanged, naming file and field); `verifyIntegrity` re-hashes every
/// shard before any frame is encoded; `batch` decodes one shard at a time.
public struct DatasetEpisodes: EpisodeSource {
    public let dataset: Dataset
    public let manifestSHA256: String
    public let layout: EpisodeLayout
    public let seeds: [UInt64]

    public init(directory: URL) throws {
        dataset = try Dataset(directory: directory)
        manifestSHA256 = try dataset.manifestSHA256()
        let m = dataset.manifest
        layout = EpisodeLayout(steps: m.steps,
                               frame: FrameShape(height: m.frame.height, width: m.frame.width, channels: m.frame.channels),
                               bodies: m.bodies, actionDimension: m.actionDimension)
        seeds = (0..<m.episodes).map { EpisodeSeeds.seed(base: m.seeds.base, episode: $0, pairs: m.violations != nil) }
    }

    public var batchCount: Int { dataset.shardCount }

    public func verifyIntegrity() throws { try dataset.verify() }

    public func batch(_ index: Int) throws -> EpisodeBatch {
        let s = try dataset.shard(index)
        return EpisodeBatch(episodes: s.episodeCount, frames: s.frames, states: s.states, actions: s.actions,
                            seeds: s.seeds, collisions: s.collisions, mask: s.mask,
                            violationFrame: s.violationFrame, pair: s.pair, violationType: s.violationType)
    }
}
