import Common
import Foundation
@testable import WorldModel

/// A model whose "frames" carry body positions as raw Float32 bytes, so every metric has a value that
/// can be computed by hand: the encoder reads positions back exactly, the probe is the identity and
/// the predictor extrapolates at constant velocity (ẑ(t+1) = z(t) + (z(t) − z(t−1))).
final class OracleModel: EvaluableModel {
    let bodies: Int
    var historyLength = 2
    var actionDimension = 0
    var trainingSeeds: [UInt64] = []
    var reportMetadata: [String: String] { ["architecture": "oracle-constant-velocity"] }
    /// Frames encoded so far (to prove that refusals happen before any work).
    private(set) var encodedFrames = 0
    /// When set, `encode` returns NaN (a broken checkpoint).
    var poisoned = false
    /// Velocity gain of the predictor: 1 extrapolates exactly, 0 copies the last latent (a model that lags).
    var gain: Float = 1
    /// The gain when the newest latent is itself a prediction (nil: `gain`), as `rollout_resampling` moves such maps.
    var gainFromPredicted: Float?
    /// What `untrained(seed:)` returns (nil: no untrained baseline).
    var untrainedFactory: ((UInt64) -> OracleModel)?
    /// Seeds `untrained(seed:)` was asked for.
    private(set) var untrainedRequests: [UInt64] = []
    /// Added to every body's x per unit of action 0 (scenes with actions): a model that uses its actions.
    var actionGain: Float = 0
    /// Whether the model has a velocity probe (z(t) − z(t−1) per step, what `SyntheticEpisodes` stores as velocity).
    var velocityProbe = false
    /// Per body symmetry of an angle read-out that reads θ = x (how `SyntheticEpisodes` turns bodies); nil: none.
    var angleProbe: [Int]?
    /// The symmetry the model says its angle read-out was fitted for (nil: it says nothing).
    var fittedAngleSymmetry: [Int]?
    var angleSymmetry: [Int]? { fittedAngleSymmetry }

    init(bodies: Int) { self.bodies = bodies }

    var latentDimension: Int { bodies * 2 }
    var frameShape: FrameShape { OracleModel.frameShape(bodies: bodies) }
    var probeBodies: Int { bodies }

    static func frameShape(bodies: Int) -> FrameShape { FrameShape(height: 1, width: bodies * 8, channels: 1) }

    /// Frame bytes for one set of positions [N, 2].
    static func frame(positions: [Float]) -> [UInt8] {
        var out = [UInt8]()
        for v in positions { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    func encode(frames: [UInt8], count: Int) throws -> [Float] {
        encodedFrames += count
        let d = latentDimension
        var z = [Float](repeating: 0, count: count * d)
        for i in 0..<(count * d) {
            var bits: UInt32 = 0
            for b in 0..<4 { bits |= UInt32(frames[i * 4 + b]) << (8 * b) }
            z[i] = poisoned ? .nan : Float(bitPattern: bits)
        }
        return z
    }

    func predictNext(history: [Float], actions: [Float], count: Int, currentIsPredicted: Bool) throws -> [Float] {
        let d = latentDimension, h = historyLength, gain = currentIsPredicted ? gainFromPredicted ?? gain : gain
        var out = [Float](repeating: 0, count: count * d)
        for r in 0..<count {
            for j in 0..<d {
                let last = history[(r * h + h - 1) * d + j]
                let before = h > 1 ? history[(r * h + h - 2) * d + j] : last
                out[r * d + j] = last + gain * (last - before)
                if j % 2 == 0, actionDimension > 0 { out[r * d + j] += actionGain * actions[r * actionDimension] }
            }
        }
        return out
    }

    func trainingSeedOverlap(with seeds: [UInt64]) -> [UInt64] {
        let training = Set(trainingSeeds)
        return seeds.filter { training.contains($0) }
    }

    func probePositions(latents: [Float], count: Int) throws -> [Float] { latents }

    func probeVelocities(previous: [Float], current: [Float], count: Int) throws -> [Float]? {
        velocityProbe ? zip(current, previous).map { $0 - $1 } : nil
    }

    func probeAngles(latents: [Float], count: Int) throws -> [Float]? {
        guard let symmetry = angleProbe else { return nil }
        var out = [Float](repeating: 0, count: count * bodies * 2)
        for r in 0..<count { for n in 0..<bodies where symmetry[n] > 0 {
            let angle = latents[(r * bodies + n) * 2] * Float(symmetry[n])
            out[(r * bodies + n) * 2] = cosf(angle); out[(r * bodies + n) * 2 + 1] = sinf(angle)
        } }
        return out
    }

    func untrained(seed: UInt64) throws -> EvaluableModel? {
        untrainedRequests.append(seed)
        return untrainedFactory?(seed)
    }

    func decode(latents: [Float], count: Int) throws -> [UInt8] {
        OracleModel.frame(positions: latents)
    }
}

/// Episodes built from explicit body positions [E][T][N] of (x, y).
struct SyntheticEpisodes {
    var positions: [[[(Float, Float)]]]
    var seeds: [UInt64]
    var collisions: [[[Bool]]]? = nil
    var violationFrame: [Int32]? = nil
    var pair: [Int64]? = nil
    var violationType: [String]? = nil
    /// Actions [E][T][A] (nil: a scene without an actor).
    var actions: [[[Float]]]? = nil
    /// Per body: its rotational symmetry; bodies with s > 0 turn with θ = x (radians). nil: nothing turns.
    var orientationSymmetry: [Int]? = nil

    var episodes: Int { positions.count }
    var steps: Int { positions[0].count }
    var bodies: Int { positions[0][0].count }

    var layout: EpisodeLayout {
        let f = OracleModel.frameShape(bodies: bodies)
        return EpisodeLayout(steps: steps, DataDescription(height: f.height, width: f.width, channels: f.channels, bodies: bodies,
                                                           actionDimension: actions?[0][0].count ?? 0, sceneName: "test",
                                                           sceneSHA256: String(repeating: "0", count: 64), observationHz: 15,
                                                           orientationSymmetry: orientationSymmetry))
    }

    /// Episodes `range` as one batch.
    func batch(_ range: Range<Int>) -> EpisodeBatch {
        var frames = [UInt8](), states = [Float]()
        for e in range {
            for t in 0..<steps {
                frames += OracleModel.frame(positions: positions[e][t].flatMap { [$0.0, $0.1] })
                for n in 0..<bodies {
                    let (x, y) = positions[e][t][n]
                    let (px, py) = t > 0 ? positions[e][t - 1][n] : (x, y)
                    states += [x, y, (orientationSymmetry?[n] ?? 0) > 0 ? x : 0, x - px, y - py, 0]
                }
            }
        }
        return EpisodeBatch(
            layout: layout, episodes: range.count, frames: frames, states: states,
            actions: actions.map { a in range.flatMap { a[$0].flatMap { $0 } } } ?? [], seeds: Array(seeds[range]),
            collisions: collisions.map { c in range.flatMap { c[$0].flatMap { $0 } } },
            violationFrame: violationFrame.map { Array($0[range]) },
            pair: pair.map { Array($0[range]) },
            violationType: violationType.map { Array($0[range]) })
    }

    /// A source that serves the episodes in batches of `batchSize`.
    func source(batchSize: Int? = nil, manifestSHA256: String = String(repeating: "ab", count: 32)) -> InMemorySource {
        let size = batchSize ?? episodes
        let batches = stride(from: 0, to: episodes, by: size).map { batch($0..<min(episodes, $0 + size)) }
        return InMemorySource(manifestSHA256: manifestSHA256, layout: layout, seeds: seeds, batches: batches)
    }
}

struct InMemorySource: EpisodeSource {
    var manifestSHA256: String
    var layout: EpisodeLayout
    var seeds: [UInt64]
    var batches: [EpisodeBatch]
    /// Thrown by the integrity check (a shard whose checksum fails).
    var failure: Error? = nil

    var batchCount: Int { batches.count }
    func verifyIntegrity() throws { if let failure { throw failure } }
    func batch(_ index: Int) throws -> EpisodeBatch { batches[index] }
}

/// Episodes of `bodies` balls moving in straight lines inside [0, 10]², bouncing off the walls
/// (a collision is flagged at the step where the velocity flips).
func bouncingEpisodes(episodes: Int, steps: Int, bodies: Int, seed: UInt64, firstSeed: UInt64 = 1000) -> SyntheticEpisodes {
    var rng = SplitMix64(seed: seed)
    var positions: [[[(Float, Float)]]] = []
    var collisions: [[[Bool]]] = []
    for _ in 0..<episodes {
        var p = (0..<bodies).map { _ in (1 + 8 * rng.unit(), 1 + 8 * rng.unit()) }
        var v = (0..<bodies).map { _ in (0.6 * rng.unit() - 0.3, 0.6 * rng.unit() - 0.3) }
        var ep: [[(Float, Float)]] = [], col: [[Bool]] = []
        for _ in 0..<steps {
            ep.append(p.map { (Float($0.0), Float($0.1)) })
            var hits = [Bool](repeating: false, count: bodies)
            for n in 0..<bodies {
                var (x, y) = (p[n].0 + v[n].0, p[n].1 + v[n].1)
                if x < 0 || x > 10 { v[n].0 = -v[n].0; x = p[n].0 + v[n].0; hits[n] = true }
                if y < 0 || y > 10 { v[n].1 = -v[n].1; y = p[n].1 + v[n].1; hits[n] = true }
                p[n] = (x, y)
            }
            col.append(hits)
        }
        positions.append(ep)
        collisions.append(col)
    }
    // A bounce during step t → t+1 is recorded at t+1, where the changed motion is first seen.
    let shifted = collisions.map { c in [[Bool](repeating: false, count: bodies)] + c.dropLast() }
    return SyntheticEpisodes(positions: positions, seeds: (0..<UInt64(episodes)).map { firstSeed + $0 },
                             collisions: shifted)
}
