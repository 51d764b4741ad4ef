import Common
import Dispatch
import Foundation
import Observation
import Physics

/// Builds the clip source for `tumble train` from a scene (live) or a dataset directory. Everything
/// that can be wrong with the input is found here, before the run directory is touched.
enum DataSources {
    static func make(_ data: TrainingData, config: TrainingConfig) throws -> ClipSource {
        switch data {
        case .scene(let nameOrPath):
            let scene: Scene
            do { scene = try Scene.load(nameOrPath) } catch {
                throw RunError.data(source: nameOrPath, message: "\(error)")
            }
            return try live(scene: scene, config: config)
        case .dataset(let url):
            return try DatasetReader.load(url, clipLength: config.clipLength)
        }
    }

    /// Fresh episodes of `scene` from the observation stream (the same path the recorder and the window
    /// use), simulated on `workers` threads; each episode goes to its own slot, so their count changes no byte.
    /// Episode i of the run gets seed `EpisodeSeeds.seed(base:index:)` with a base derived from the config seed,
    /// the same rule `tumble record` uses.
    static func live(scene: Scene, config: TrainingConfig, workers: Int = Parallel.cores) throws -> LiveClipSource {
        let probe = try ObservationStream(scene: scene)
        let shape = probe.frameShape
        let desc = DataDescription(height: shape[0], width: shape[1], channels: shape[2], bodies: probe.bodyCount,
                                   actionSize: probe.actionDimension, sceneName: scene.name,
                                   sceneSHA256: FileDigest.sha256(Data(scene.source.utf8)), observationHz: scene.observedHz)
        let streams = try (0..<workers).map { _ in try ObservationStream(scene: scene) }
        let base = SplitMix64.derive(config.seed, 0x5EED)
        return LiveClipSource(description: desc, seedBase: base, skip: config.liveSkip) { seeds, steps in
            let e = seeds.count, fb = desc.height * desc.width * desc.channels, n = desc.bodies, a = desc.actionSize
            var frames = [UInt8](repeating: 0, count: e * steps * fb)
            var states = [Float](repeating: 0, count: e * steps * n * 6)
            var actions = [Float](repeating: 0, count: e * steps * a)
            frames.withUnsafeMutableBufferPointer { fp in
                states.withUnsafeMutableBufferPointer { sp in
                    actions.withUnsafeMutableBufferPointer { ap in
                        let f = fp.baseAddress!, s = sp.baseAddress!, act = ap.baseAddress!
                        DispatchQueue.concurrentPerform(iterations: workers) { w in
                            let stream = streams[w]
                            let buffer = EpisodeBuffer(steps: steps, for: stream)
                            var i = w
                            while i < e {
                                stream.record(seed: seeds[i], into: buffer)
                                (f + i * steps * fb).update(from: buffer.frames.baseAddress!, count: steps * fb)
                                (s + i * steps * n * 6).update(from: buffer.states.baseAddress!, count: steps * n * 6)
                                if a > 0 { (act + i * steps * a).update(from: buffer.actions.baseAddress!, count: steps * a) }
                                i += workers
                            }
                        }
                    }
                }
            }
            return try EpisodeArrays(episodes: e, steps: steps, height: desc.height, width: desc.width, channels: desc.channels,
                                     bodies: n, actionSize: a, frames: frames, states: states, actions: actions, seeds: seeds)
        }
    }
}
