import Common
import Foundation
import Physics

/// One episode as the window played it (the user's steering as actions), laid out like one episode of a
/// shard: frames [T,H,W,C], states [T,N,6], actions [T,A], collisions [T,N], mask [N].
public struct PlayedEpisode {
    /// The episode's seed (its layout); actions and pulls came from the user, so the seed alone does not replay it.
    public var seed: UInt64
    public var steps: Int
    public var frames: [UInt8]
    public var states: [Float]
    public var actions: [Float]
    public var collisions: [Bool]
    public var mask: [Bool]

    public init(seed: UInt64, steps: Int, frames: [UInt8], states: [Float], actions: [Float], collisions: [Bool], mask: [Bool]) {
        self.seed = seed; self.steps = steps; self.frames = frames; self.states = states
        self.actions = actions; self.collisions = collisions; self.mask = mask
    }
}

extension Recorder {
    /// Writes `episode` of `scene` (frames of `resolution` pixels) to `output` as a one-episode dataset, through the
    /// same plan, shard layout, atomic writer and manifest as `tumble record`, so `tumble train --data`, `eval` and
    /// NumPy read it as they read any recording. The manifest's base seed is chosen so that the seed rule gives the
    /// episode's own seed. The directory must be new or empty.
    @discardableResult
    public static func write(played episode: PlayedEpisode, scene: Scene, resolution: Int, to output: URL,
                             tumbleVersion: String) throws -> DatasetManifest {
        var options = RecordOptions(scene: scene, output: output, tumbleVersion: tumbleVersion)
        options.episodes = 1
        options.steps = episode.steps
        options.resolution = resolution
        options.seed = SplitMix64.seed(yielding: episode.seed, at: 0)
        options.workers = 1
        let recorder = try Recorder(options: options)
        let p = recorder.plan, t = p.steps, n = p.bodies, a = p.actionDimension
        let expected: [(String, Int, Int)] = [
            ("frames", episode.frames.count, t * recorder.frameByteCount), ("states", episode.states.count, t * n * 6),
            ("actions", episode.actions.count, t * a), ("collisions", episode.collisions.count, t * n),
            ("mask", episode.mask.count, n),
        ]
        for (name, got, want) in expected where got != want {
            throw RecordError("played episode: \(name) holds \(got) values, expected \(want) for \(t) steps of scene \(scene.name)")
        }
        _ = try recorder.prepareDirectory()
        let image = NPZImage(arrays: [])
        image.relayout(arrays: recorder.shardArraySpecs(episodes: 1))
        func copy<T>(_ values: [T], into name: String) {
            guard !values.isEmpty else { return }
            let dst = image.typed(name, as: T.self)
            _ = dst.initialize(from: values)
        }
        copy(episode.frames, into: "frames")
        copy(episode.states, into: "states")
        copy(episode.actions, into: "actions")
        copy(episode.collisions, into: "collisions")
        if recorder.hasMask { copy(episode.mask, into: "mask") }
        image.typed("seeds", as: Int64.self)[0] = Int64(bitPattern: episode.seed)
        var manifest = p
        manifest.shards = [try recorder.write(shard: 0, image: image)]
        manifest.complete = true
        try recorder.fileWriter.write(manifest.encoded(), to: (output.path as NSString).appendingPathComponent(DatasetManifest.fileName))
        return manifest
    }
}
