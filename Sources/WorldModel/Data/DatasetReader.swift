import Crypto
import Foundation
import Observation

/// Loads a recorded dataset for training: the manifest (format name and version checked by
/// `DatasetManifest.read`), then every shard, each verified against its SHA-256 in the manifest
/// before it is parsed. All episodes are held in memory (64×64 RGB: 12 KiB a frame).
enum DatasetReader {
    static func load(_ dir: URL, clipLength: Int) throws -> DatasetClipSource {
        let manifestURL = dir.appendingPathComponent(DatasetManifest.fileName)
        let manifest = try DatasetManifest.read(manifestURL)
        guard manifest.complete else {
            throw RunError.data(source: manifestURL.path, message: "complete: the dataset is still being recorded (or was interrupted); finish it with `tumble record --resume`")
        }
        guard manifest.steps >= clipLength else {
            throw RunError.data(source: manifestURL.path, message: "steps: episodes have \(manifest.steps) frames, data.clip_length needs \(clipLength)")
        }
        let h = manifest.frame.height, w = manifest.frame.width, c = manifest.frame.channels
        let n = manifest.bodies, a = manifest.actionDimension, t = manifest.steps
        var frames = [UInt8](), states = [Float](), actions = [Float](), seeds = [UInt64]()
        frames.reserveCapacity(manifest.episodes * t * h * w * c)
        for shard in manifest.shards {
            let url = dir.appendingPathComponent(shard.file)
            let bytes: Data
            do { bytes = try Data(contentsOf: url) } catch {
                throw RunError.data(source: url.path, message: "cannot read shard: \(error.localizedDescription)")
            }
            let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            guard digest == shard.sha256 else {
                throw RunError.data(source: url.path, message: "SHA-256 \(digest) does not match the manifest's \(shard.sha256): the shard is corrupt or was changed")
            }
            let arrays = try bytes.withUnsafeBytes { try NPZFile.read(bytes: $0, file: url.path) }
            func array(_ name: String, _ shape: [Int]) throws -> NPYArray {
                guard let v = arrays[name] else { throw RunError.data(source: url.path, message: "\(name): missing") }
                guard v.shape == shape else { throw RunError.data(source: url.path, message: "\(name): shape \(v.shape), expected \(shape)") }
                return v
            }
            let e = shard.episodeCount
            guard let f = try array("frames", [e, t, h, w, c]).uint8s else { throw RunError.data(source: url.path, message: "frames: expected uint8") }
            guard let s = try array("states", [e, t, n, 6]).float32s else { throw RunError.data(source: url.path, message: "states: expected float32") }
            guard let sd = try array("seeds", [e]).int64s else { throw RunError.data(source: url.path, message: "seeds: expected int64") }
            frames += f; states += s; seeds += sd.map { UInt64(bitPattern: $0) }
            if a > 0 {
                guard let ac = try array("actions", [e, t, a]).float32s else { throw RunError.data(source: url.path, message: "actions: expected float32") }
                actions += ac
            }
        }
        let episodes = seeds.count
        guard episodes == manifest.episodes else {
            throw RunError.data(source: manifestURL.path, message: "episodes: manifest says \(manifest.episodes), shards hold \(episodes)")
        }
        let data = try EpisodeArrays(episodes: episodes, steps: t, height: h, width: w, channels: c, bodies: n, actionSize: a,
                                     frames: frames, states: states, actions: actions, seeds: seeds)
        let desc = DataDescription(height: h, width: w, channels: c, bodies: n, actionSize: a, sceneName: manifest.scene.name,
                                   sceneSHA256: manifest.scene.sha256, observationHz: manifest.scene.observedHz)
        return try DatasetClipSource(data, description: desc)
    }
}
