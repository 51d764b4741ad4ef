import Foundation
import Observation

/// Loads a recorded dataset for training through Observation's `Dataset` (manifest format and version,
/// shard sizes, then each shard's SHA-256 before it is decoded), all episodes into memory
/// (64×64 RGB: 12 KiB a frame). Every check runs before the run directory is touched.
enum DatasetReader {
    static func load(_ dir: URL, clipLength: Int) throws -> DatasetClipSource {
        let dataset = try Dataset(directory: dir)
        let m = dataset.manifest
        let manifestPath = dir.appendingPathComponent(DatasetManifest.fileName).path
        guard m.steps >= clipLength else {
            throw RunError.data(source: manifestPath, message: "steps: episodes have \(m.steps) frames, data.clip_length needs \(clipLength)")
        }
        let h = m.frame.height, w = m.frame.width, c = m.frame.channels, n = m.bodies, a = m.actionDimension
        var frames = [UInt8](), states = [Float](), actions = [Float](), seeds = [UInt64]()
        frames.reserveCapacity(m.episodes * m.steps * h * w * c)
        for i in 0..<dataset.shardCount {
            let shard = try dataset.shard(i)
            frames += shard.frames; states += shard.states; seeds += shard.seeds
            if a > 0 { actions += shard.actions }
        }
        let data = try EpisodeArrays(episodes: seeds.count, steps: m.steps, height: h, width: w, channels: c, bodies: n, actionSize: a,
                                     frames: frames, states: states, actions: actions, seeds: seeds)
        let desc = DataDescription(height: h, width: w, channels: c, bodies: n, actionSize: a, sceneName: m.scene.name,
                                   sceneSHA256: m.scene.sha256, observationHz: m.scene.observedHz)
        return try DatasetClipSource(data, description: desc)
    }
}
