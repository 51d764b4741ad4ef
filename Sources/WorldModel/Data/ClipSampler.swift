import Common
import Foundation
import Observation
import Physics

/// Training clips from an episode source. Every draw depends only on the generator passed in and on how many
/// batches came before (which a checkpoint records), so a resumed run sees the same clips.
///
/// - a recorded dataset: each clip's episode and start are drawn uniformly over the whole dataset; the shards
///   are read through a `ShardCache`, so a dataset larger than memory trains with memory bounded by the cache;
/// - a live scene: batch i of B clips comes from fresh episodes (never seen twice), `windows` consecutive clips of
///   each, after its first `skip` frames.
final class ClipSampler {
    enum Draw {
        case uniform(ShardCache)
        /// Training batch i of B clips is episodes i·B/W ..< (i+1)·B/W of `source` (W = `windows`), whose seeds follow
        /// `EpisodeSeeds` from `seedBase`; clip j is window j mod W of episode j / W.
        case fresh(EpisodeStream, seedBase: UInt64, skip: Int, windows: Int)
    }
    let draw: Draw
    let description: DataDescription

    init(_ draw: Draw) {
        self.draw = draw
        switch draw {
        case .uniform(let cache): description = cache.source.layout.data
        case .fresh(let source, _, _, _): description = source.layout.data
        }
    }

    /// Decoded shards a dataset keeps for random access: a quarter of the memory available (the cache always
    /// keeps at least one shard).
    static func cacheBudget(_ budget: MemoryBudget = .machine) -> Int {
        (budget.available ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)) / 4
    }

    /// The sampler for `tumble train`'s data. Everything that can be wrong with the input is found here, before
    /// the run directory is touched. `sharing` processes on this machine (data-parallel ranks) split its cores
    /// and its cache budget.
    static func make(_ data: TrainingData, config: TrainingConfig, sharing: Int = 1) throws -> ClipSampler {
        switch data {
        case .scene(let nameOrPath):
            let scene: Scene
            do { scene = try Scene.load(nameOrPath) } catch {
                throw RunError.data(source: nameOrPath, message: "\(error)")
            }
            let live = try LiveEpisodes(scene: scene, seedBase: SplitMix64.derive(config.seed, 0x5EED), episodes: Int.max,
                                        steps: config.liveSkip + config.liveWindows * config.clipLength,
                                        perBatch: config.batchClips / config.liveWindows,
                                        workers: max(1, min(Parallel.allowedCores, Parallel.cores / sharing)))
            return ClipSampler(.fresh(live, seedBase: live.seedBase, skip: config.liveSkip, windows: config.liveWindows))
        case .dataset(let url):
            let dataset = try DatasetEpisodes(directory: url)
            let manifest = url.appendingPathComponent(DatasetManifest.fileName).path
            guard dataset.layout.steps >= config.clipLength else {
                throw RunError.data(source: manifest, message: "steps: episodes have \(dataset.layout.steps) frames, data.clip_length needs \(config.clipLength)")
            }
            guard !dataset.seeds.isEmpty else { throw RunError.data(source: manifest, message: "episodes: the dataset has none") }
            // Every shard's checksum now (streamed), so a corrupt file stops the run before anything is written;
            // each shard is checked again whenever it is decoded.
            try dataset.verifyIntegrity()
            return ClipSampler(.uniform(ShardCache(dataset, budgetBytes: cacheBudget() / sharing)))
        }
    }

    /// A batch of `clips` clips of `length` frames; `batchIndex` counts batches since the run began. `slots` keeps
    /// only those clips of it (one rank's share of a data-parallel batch): the generator advances as for the
    /// whole batch, and only the share's episodes are simulated or its shards read.
    func batch(clips: Int, length: Int, batchIndex: Int, rng: inout SplitMix64, slots: Range<Int>? = nil) throws -> EpisodeBatch {
        let slots = slots ?? 0..<clips
        switch draw {
        case .fresh(let source, _, let skip, let windows):
            precondition(source.layout.steps == skip + windows * length && clips % windows == 0, "live episodes are cut for the config's clips")
            // Only the episodes the share's clips come from (whole episodes when the share is a multiple of windows).
            let first = slots.lowerBound / windows, last = (slots.upperBound - 1) / windows
            let episodes = try source.episodes(first: batchIndex * (clips / windows) + first, count: last - first + 1)
            var out = EpisodeBatch(zeroed: slots.count, length: length, like: source.layout)
            for (slot, clip) in slots.enumerated() {
                episodes.copyClip(episode: clip / windows - first, start: skip + (clip % windows) * length, into: &out, slot: slot)
            }
            return out
        case .uniform(let cache):
            let layout = cache.source.layout, total = cache.source.seeds.count
            guard layout.steps >= length else {
                throw RunError.data(source: description.sceneName, message: "episodes have \(layout.steps) frames; data.clip_length is \(length)")
            }
            // Draw every clip first (the generator's order), then read each shard once per batch.
            let draws = (0..<clips).map { _ in (episode: rng.below(total), start: rng.below(layout.steps - length + 1)) }[slots]
            var out = EpisodeBatch(zeroed: slots.count, length: length, like: layout)
            let located = draws.map { cache.source.locate(episode: $0.episode) }
            for shard in Set(located.map(\.batch)).sorted() {
                let episodes = try cache.batch(shard)
                for (slot, place) in located.enumerated() where place.batch == shard {
                    episodes.copyClip(episode: place.offset, start: draws[slots.lowerBound + slot].start, into: &out, slot: slot)
                }
            }
            return out
        }
    }

    /// The episode seeds seen after `batches` batches (the rule for live streams, the list for datasets).
    func seedsUsed(afterBatches batches: Int, clips: Int) -> TrainingSeeds {
        switch draw {
        case .fresh(_, let base, _, let windows): return .derived(base: base, count: batches * (clips / windows))
        case .uniform(let cache): return .list(cache.source.seeds)
        }
    }
}
