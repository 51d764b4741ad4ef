import Common
import Dispatch
import Foundation
import Observation
import Physics

/// Fresh episodes of a scene, simulated on demand through the observation stream (the same path the recorder
/// and the window use) on every core: episode i gets seed `EpisodeSeeds.seed(base:index:)`, `tumble record`'s
/// rule, so a live evaluation sees exactly the episodes `tumble record --seed base` would write. Batch j holds
/// episodes j·perBatch ..< (j+1)·perBatch. Nothing is stored; a batch is the same bytes on every call.
public final class LiveEpisodes: EpisodeStream {
    public let layout: EpisodeLayout
    public let seedBase: UInt64
    public let episodeCount: Int
    public let episodesPerBatch: Int
    public let manifestSHA256: String
    private let streams: [ObservationStream]
    /// The scene's body count varies, so batches carry which rows each episode has (as recorded datasets do).
    private let hasMask: Bool

    /// `episodes` episodes of `steps` frames each (`episodes` may be `Int.max` for a training stream), rendered
    /// at the scene's camera resolution or `resolution`.
    public init(scene: Scene, seedBase: UInt64, episodes: Int, steps: Int, perBatch: Int = 32, resolution: Int? = nil,
                workers: Int = Parallel.cores) throws {
        let probe = try ObservationStream(scene: scene, resolution: resolution)
        let shape = probe.frameShape
        let description = DataDescription(height: shape[0], width: shape[1], channels: shape[2], bodies: probe.bodyCount,
                                          actionDimension: probe.actionDimension, sceneName: scene.name,
                                          sceneSHA256: FileDigest.sha256(Data(scene.source.utf8)), observationHz: scene.observedHz,
                                          orientationSymmetry: scene.orientationSymmetry, lookAlikeRows: scene.lookAlikeRows)
        layout = EpisodeLayout(steps: steps, description)
        self.seedBase = seedBase
        episodeCount = episodes
        episodesPerBatch = max(1, perBatch)
        manifestSHA256 = FileDigest.sha256(Data("live \(scene.name) scene \(description.sceneSHA256) seed \(seedBase) episodes \(episodes) steps \(steps) \(EpisodeSeeds.rule)".utf8))
        let workers = max(1, min(workers, episodesPerBatch))
        streams = try (0..<workers).map { _ in try ObservationStream(scene: scene, resolution: resolution) }
        hasMask = scene.bodyCountVaries
    }

    public var batchCount: Int { episodeCount / episodesPerBatch + (episodeCount % episodesPerBatch == 0 ? 0 : 1) }

    public var seeds: [UInt64] { (0..<episodeCount).map { EpisodeSeeds.seed(base: seedBase, index: $0) } }

    public func verifyIntegrity() throws {}

    public func batch(_ index: Int) throws -> EpisodeBatch {
        let first = index * episodesPerBatch
        return try episodes(first: first, count: min(episodesPerBatch, episodeCount - first))
    }

    public func episodes(first: Int, count: Int) throws -> EpisodeBatch {
        simulate((first..<(first + count)).map { EpisodeSeeds.seed(base: seedBase, index: $0) })
    }

    /// The episodes of `seeds`, in order; each worker runs episodes w, w + workers, …, so the bytes do not depend
    /// on the number of cores.
    func simulate(_ seeds: [UInt64]) -> EpisodeBatch {
        let e = seeds.count, steps = layout.steps, fb = layout.frame.byteCount, sb = layout.bodies * 6, a = layout.actionDimension
        var out = EpisodeBatch(zeroed: e, length: steps, like: layout)
        out.seeds = seeds
        var collisions = [Bool](repeating: false, count: e * steps * layout.bodies)
        var mask = [Bool](repeating: true, count: e * layout.bodies)
        out.frames.withUnsafeMutableBufferPointer { fp in out.states.withUnsafeMutableBufferPointer { sp in
            out.actions.withUnsafeMutableBufferPointer { ap in collisions.withUnsafeMutableBufferPointer { cp in mask.withUnsafeMutableBufferPointer { mp in
                let f = fp.baseAddress!, s = sp.baseAddress!, act = ap.baseAddress, col = cp.baseAddress, rows = mp.baseAddress
                let workers = streams.count
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let stream = streams[w]
                    let buffer = EpisodeBuffer(steps: steps, for: stream)
                    var i = w
                    while i < e {
                        stream.record(seed: seeds[i], into: buffer)
                        (f + i * steps * fb).update(from: buffer.frames.baseAddress!, count: steps * fb)
                        (s + i * steps * sb).update(from: buffer.states.baseAddress!, count: steps * sb)
                        if a > 0 { (act! + i * steps * a).update(from: buffer.actions.baseAddress!, count: steps * a) }
                        if layout.bodies > 0 {
                            (col! + i * steps * layout.bodies).update(from: buffer.collisions.baseAddress!, count: steps * layout.bodies)
                            (rows! + i * layout.bodies).update(from: buffer.mask.baseAddress!, count: layout.bodies)
                        }
                        i += workers
                    }
                }
            } } }
        } }
        out.collisions = collisions
        if hasMask { out.mask = mask }
        out.orderLookAlikes()
        return out
    }
}

extension DataDescription {
    /// What a live stream of `scene` shows: the frames of its camera (or `resolution`), its dynamic bodies, its actor's action
    /// size, its rate, and the SHA-256 of its text (the description `tumble train --scene` records).
    public init(scene: Scene, resolution: Int? = nil) throws {
        self = try LiveEpisodes(scene: scene, seedBase: 0, episodes: 0, steps: 1, perBatch: 1, resolution: resolution).layout.data
    }
}
