import Common
import Foundation

/// What the data looks like, known before any training: sizes, the scene it came from.
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

/// Where training clips come from. Every draw depends only on the generator passed in and on how many
/// batches came before (which a checkpoint records), so a resumed run sees the same clips.
protocol ClipSource: AnyObject {
    var description: DataDescription { get }
    /// A batch of `clips` clips of `length` frames; `batchIndex` counts batches since the run began.
    func batch(clips: Int, length: Int, batchIndex: Int, rng: inout SplitMix64) throws -> ClipBatch
    /// The episode seeds seen after `batches` batches (the rule for live streams, the list for datasets).
    func seedsUsed(afterBatches batches: Int, clips: Int) -> TrainingSeeds
}

/// Random clips from episodes held in memory (a recorded dataset): episode and start drawn uniformly.
final class DatasetClipSource: ClipSource {
    let description: DataDescription
    let data: EpisodeArrays

    init(_ data: EpisodeArrays, description: DataDescription) throws {
        self.data = data
        self.description = description
        guard data.episodes > 0 else { throw RunError.data(source: description.sceneName, message: "the dataset has no episodes") }
    }

    func batch(clips: Int, length: Int, batchIndex: Int, rng: inout SplitMix64) throws -> ClipBatch {
        guard data.steps >= length else {
            throw RunError.data(source: description.sceneName, message: "episodes have \(data.steps) frames; data.clip_length is \(length)")
        }
        var out = data.emptyBatch(clips: clips, length: length)
        for slot in 0..<clips {
            let e = rng.below(data.episodes)
            let s = rng.below(data.steps - length + 1)
            data.copyClip(episode: e, start: s, length: length, into: &out, slot: slot)
        }
        return out
    }

    func seedsUsed(afterBatches batches: Int, clips: Int) -> TrainingSeeds { .list(data.seeds) }
}

/// Fresh episodes from a simulator, one per clip: episode i of the run gets seed
/// `TrainingSeeds.seed(base:index:)`, is simulated for `skip + length` frames, and its last `length`
/// frames form the clip. No episode is ever seen twice. `simulate(seeds, frames)` runs the episodes
/// (in parallel if it likes) and returns them in order.
final class LiveClipSource: ClipSource {
    let description: DataDescription
    let base: UInt64
    let skip: Int
    let simulate: ([UInt64], Int) throws -> EpisodeArrays

    init(description: DataDescription, seedBase: UInt64, skip: Int, simulate: @escaping ([UInt64], Int) throws -> EpisodeArrays) {
        self.description = description
        self.base = seedBase
        self.skip = skip
        self.simulate = simulate
    }

    func batch(clips: Int, length: Int, batchIndex: Int, rng: inout SplitMix64) throws -> ClipBatch {
        let first = batchIndex * clips
        let seeds = (0..<clips).map { TrainingSeeds.seed(base: base, index: first + $0) }
        let episodes = try simulate(seeds, skip + length)
        var out = episodes.emptyBatch(clips: clips, length: length)
        for slot in 0..<clips { episodes.copyClip(episode: slot, start: skip, length: length, into: &out, slot: slot) }
        return out
    }

    func seedsUsed(afterBatches batches: Int, clips: Int) -> TrainingSeeds { .derived(base: base, count: batches * clips) }
}
