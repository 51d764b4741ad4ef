import Foundation

/// Episodes held in memory in the dataset layout: frames uint8 [E,T,H,W,C], states float [E,T,N,6],
/// actions float [E,T,A], one seed per episode. Both training sources (a recorded dataset, a live
/// stream) produce this, so batching has one path.
public struct EpisodeArrays: Sendable {
    public var episodes: Int
    public var steps: Int
    public var height: Int, width: Int, channels: Int
    public var bodies: Int
    public var actionSize: Int
    public var frames: [UInt8]
    public var states: [Float]
    public var actions: [Float]
    public var seeds: [UInt64]

    public init(episodes: Int, steps: Int, height: Int, width: Int, channels: Int, bodies: Int, actionSize: Int,
                frames: [UInt8], states: [Float], actions: [Float], seeds: [UInt64]) throws {
        self.episodes = episodes; self.steps = steps
        self.height = height; self.width = width; self.channels = channels
        self.bodies = bodies; self.actionSize = actionSize
        self.frames = frames; self.states = states; self.actions = actions; self.seeds = seeds
        let e = episodes, t = steps
        func check(_ name: String, _ got: Int, _ want: Int) throws {
            if got != want { throw RunError.data(source: "episodes", message: "\(name): expected \(want) values for [E=\(e), T=\(t)], got \(got)") }
        }
        try check("frames", frames.count, e * t * height * width * channels)
        try check("states", states.count, e * t * bodies * 6)
        try check("actions", actions.count, e * t * actionSize)
        try check("seeds", seeds.count, e)
    }

    var frameBytes: Int { height * width * channels }
}

/// A batch of B clips of T consecutive frames, in the dataset's layouts: frames [B,T,H,W,C],
/// states [B,T,N,6], actions [B,T,A].
struct ClipBatch {
    var clips: Int
    var length: Int
    var frames: [UInt8]
    var states: [Float]
    var actions: [Float]
}

extension EpisodeArrays {
    /// Copies clip `(episode, start)` of `length` frames into slot `slot` of `batch`.
    func copyClip(episode: Int, start: Int, length: Int, into batch: inout ClipBatch, slot: Int) {
        let fb = frameBytes, sb = bodies * 6, ab = actionSize
        let src = episode * steps + start
        batch.frames.withUnsafeMutableBufferPointer { dst in
            frames.withUnsafeBufferPointer { s in
                (dst.baseAddress! + slot * length * fb).update(from: s.baseAddress! + src * fb, count: length * fb)
            }
        }
        batch.states.withUnsafeMutableBufferPointer { dst in
            states.withUnsafeBufferPointer { s in
                (dst.baseAddress! + slot * length * sb).update(from: s.baseAddress! + src * sb, count: length * sb)
            }
        }
        if ab > 0 {
            batch.actions.withUnsafeMutableBufferPointer { dst in
                actions.withUnsafeBufferPointer { s in
                    (dst.baseAddress! + slot * length * ab).update(from: s.baseAddress! + src * ab, count: length * ab)
                }
            }
        }
    }

    func emptyBatch(clips: Int, length: Int) -> ClipBatch {
        ClipBatch(clips: clips, length: length,
                  frames: [UInt8](repeating: 0, count: clips * length * frameBytes),
                  states: [Float](repeating: 0, count: clips * length * bodies * 6),
                  actions: [Float](repeating: 0, count: clips * length * actionSize))
    }
}
