import Foundation
import Observation
import Physics

/// Peak memory of `tumble train`, estimated before any data is loaded: `data.batch_clips=4096` (the
/// schema's maximum) grew past 15 GB before; now it is refused with the figure and the key to change.
///
/// Activations grow with batch_clips × clip_length × the frame's pixels × the layers' channels.
/// Calibrated on the default config at 64×64: 16 clips peaked at 3.2 GB, 64 clips at 11.9 GB, about
/// 13 floats alive per activation; 14 is used, plus what a recorded dataset's shard cache holds.
enum TrainingMemory {
    static let floatsPerActivation = 14
    static let baseBytes = 256 << 20

    /// Bytes of activations for one training step on frames of `height`×`width`×`channels`; nil on overflow.
    static func stepBytes(config: TrainingConfig, height: Int, width: Int, channels: Int) -> Int? {
        var perFrame = MemoryBudget.product(height, width, channels)
        var h = height, w = width
        for (c, s) in zip(config.encoderChannels, config.encoderStrides) {
            h = (h + s - 1) / max(s, 1); w = (w + s - 1) / max(s, 1)
            perFrame = MemoryBudget.sum(perFrame, MemoryBudget.product(h, w, c))
        }
        for c in config.decoderChannels { perFrame = MemoryBudget.sum(perFrame, MemoryBudget.product(height, width, c)) }
        let floats = perFrame.flatMap { MemoryBudget.product($0, config.batchClips, config.clipLength, floatsPerActivation) }
        return MemoryBudget.sum(floats.flatMap { MemoryBudget.product($0, 4) }, baseBytes)
    }

    /// Decoded bytes a dataset's `ShardCache` holds at most: the whole dataset, or the cache's budget, but never
    /// less than its largest shard (the cache keeps one shard whatever its budget).
    static func heldBytes(_ m: DatasetManifest, budget: MemoryBudget) -> Int? {
        guard let perEpisode = m.decodedBytesPerEpisode,
              let whole = MemoryBudget.product(perEpisode, m.episodes),
              let shard = MemoryBudget.product(perEpisode, m.shards.map(\.episodeCount).max() ?? 0) else { return nil }
        return min(whole, max(ClipSampler.cacheBudget(budget), shard))
    }

    /// Throws a `MemoryBudgetError` when the run would not fit; called before the data is loaded.
    static func check(_ data: TrainingData, config: TrainingConfig, budget: MemoryBudget = .machine) throws {
        let frame: (h: Int, w: Int, c: Int), held: Int?
        switch data {
        case .scene(let nameOrPath):
            guard let scene = try? Scene.load(nameOrPath), let probe = try? ObservationStream(scene: scene) else { return }
            frame = (probe.frameShape[0], probe.frameShape[1], probe.frameShape[2]); held = 0
        case .dataset(let url):
            let m = try Dataset(directory: url).manifest
            frame = (m.frame.height, m.frame.width, m.frame.channels)
            held = heldBytes(m, budget: budget)
            try budget.check(held, for: "holding the shards of \(url.path) (\(m.episodes) episodes) in memory",
                             change: "record with fewer --episodes-per-shard, or train on the scene itself (--scene)")
        }
        let step = stepBytes(config: config, height: frame.h, width: frame.w, channels: frame.c)
        try budget.check(MemoryBudget.sum(held, step),
                         for: "training with data.batch_clips=\(config.batchClips) and data.clip_length=\(config.clipLength) on \(frame.w)×\(frame.h) frames",
                         change: "lower data.batch_clips (--set data.batch_clips=N)")
    }
}
