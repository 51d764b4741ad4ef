import Common
import Foundation
import Observation
import Tensor
import XCTest
@testable import WorldModel

/// A tiny synthetic bounce world for fast tests: `balls` discs of distinct colours moving in straight
/// lines and reflecting off the walls of a `size`×`size` frame (positions in pixel units).
enum ToyBounce {
    static let colors: [(UInt8, UInt8, UInt8)] = [(230, 64, 60), (60, 200, 80), (70, 110, 240), (240, 200, 50)]

    static func episodes(seeds: [UInt64], steps: Int, size: Int = 16, balls: Int = 2) -> EpisodeBatch {
        let e = seeds.count, c = 3
        var frames = [UInt8](repeating: 0, count: e * steps * size * size * c)
        var states = [Float](repeating: 0, count: e * steps * balls * 6)
        let radius: Float = 1.6
        for (ei, seed) in seeds.enumerated() {
            var g = SplitMix64(seed: seed)
            var pos = (0..<balls).map { _ in SIMD2<Float>(Float(g.unit()) * Float(size - 5) + 2.5, Float(g.unit()) * Float(size - 5) + 2.5) }
            var vel = (0..<balls).map { _ -> SIMD2<Float> in
                let a = Float(g.unit() * 2 * Double.pi)
                return SIMD2(cos(a), sin(a)) * (0.6 + Float(g.unit()) * 0.6)
            }
            for t in 0..<steps {
                for b in 0..<balls {
                    let s = ((ei * steps + t) * balls + b) * 6
                    states[s] = pos[b].x; states[s + 1] = pos[b].y; states[s + 3] = vel[b].x; states[s + 4] = vel[b].y
                    let col = colors[b % colors.count]
                    for y in 0..<size { for x in 0..<size {
                        let d = SIMD2<Float>(Float(x) + 0.5, Float(y) + 0.5) - pos[b]
                        if (d * d).sum() <= radius * radius {
                            let p = (((ei * steps + t) * size + y) * size + x) * c
                            frames[p] = col.0; frames[p + 1] = col.1; frames[p + 2] = col.2
                        }
                    } }
                }
                for b in 0..<balls {
                    pos[b] += vel[b]
                    for k in 0..<2 {
                        if pos[b][k] < radius { pos[b][k] = 2 * radius - pos[b][k]; vel[b][k] = -vel[b][k] }
                        if pos[b][k] > Float(size) - radius { pos[b][k] = 2 * (Float(size) - radius) - pos[b][k]; vel[b][k] = -vel[b][k] }
                    }
                }
            }
        }
        return EpisodeBatch(layout: EpisodeLayout(steps: steps, description(size: size, balls: balls)), episodes: e,
                            frames: frames, states: states, actions: [], seeds: seeds)
    }

    static func description(size: Int = 16, balls: Int = 2) -> DataDescription {
        DataDescription(height: size, width: size, channels: 3, bodies: balls, actionDimension: 0, sceneName: "toy-bounce",
                        sceneSHA256: String(repeating: "0", count: 64), observationHz: 15)
    }

    /// A live sampler over the toy world (fresh seeds per clip, like `--scene`), cut for `config`'s batches.
    static func liveSource(seedBase: UInt64 = 99, clipLength: Int = 5) -> ClipSampler {
        ClipSampler(.fresh(ToyEpisodes(seedBase: seedBase, perBatch: 4, steps: clipLength), seedBase: seedBase, skip: 0, windows: 1))
    }
}

/// The toy world as an episode source: batch i holds episodes i·perBatch …, seeds by `EpisodeSeeds`.
final class ToyEpisodes: EpisodeStream {
    let seedBase: UInt64, perBatch: Int, count: Int
    let layout: EpisodeLayout
    init(seedBase: UInt64, perBatch: Int, steps: Int, count: Int = Int.max) {
        self.seedBase = seedBase; self.perBatch = perBatch; self.count = count
        layout = EpisodeLayout(steps: steps, ToyBounce.description())
    }
    var manifestSHA256: String { String(repeating: "a", count: 64) }
    var seeds: [UInt64] { (0..<count).map { EpisodeSeeds.seed(base: seedBase, index: $0) } }
    var batchCount: Int { count / perBatch }
    func verifyIntegrity() throws {}
    func batch(_ index: Int) throws -> EpisodeBatch { try episodes(first: index * perBatch, count: perBatch) }
    func episodes(first: Int, count: Int) throws -> EpisodeBatch {
        ToyBounce.episodes(seeds: (first..<(first + count)).map { EpisodeSeeds.seed(base: seedBase, index: $0) }, steps: layout.steps)
    }
}

extension ToyBounce {

    /// A small, fast config for tests.
    static func config(_ overrides: [String] = []) throws -> TrainingConfig {
        var c = TrainingConfig()
        try c.override([
            "data.clip_length=5", "data.batch_clips=4",
            "model.encoder.channels=[8,8]", "model.encoder.kernels=[4,3]", "model.encoder.strides=[2,1]", "model.encoder.pool=1",
            "model.predictor.channels=8", "model.predictor.layers=2",
            "objective.rollout_steps=3", "decoder.channels=[8]",
            "optim.warmup_steps=2", "optim.schedule_steps=50",
            "train.steps=6", "train.log_every=2", "train.checkpoint_every=3", "probe.refit_batches=2",
        ] + overrides)
        return c
    }

    /// Model sizes for a network built directly on the toy world (unit state statistics).
    static func modelInfo(actions: Int = 0) -> ModelInfo {
        var d = description()
        d.actionDimension = actions
        return ModelInfo(data: d)
    }

    static func temporaryDirectory(_ tag: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tumble-\(tag)-\(UUID().uuidString)")
    }
}

/// Checks shared by the predictor tests.
enum PredictorChecks {
    /// Swapping latent channels `a` and `b` of both inputs must swap them in the prediction: the predictor
    /// treats every channel alike.
    static func assertChannelEquivariant(_ net: WorldNetwork, previous: Tensor, current: Tensor, swapping a: Int, _ b: Int,
                                         accuracy: Float, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = net.mapChannels
        func swapped(_ t: Tensor) throws -> Tensor {
            var v = t.scalars
            for i in stride(from: 0, to: v.count, by: c) { v.swapAt(i + a, i + b) }
            return try Tensor(v, shape: t.shape)
        }
        let out = try Tensor.noGrad { try net.predict(previous: previous, current: current, actions: nil) }
        let outSwapped = try Tensor.noGrad { try net.predict(previous: swapped(previous), current: swapped(current), actions: nil) }
        let expect = try swapped(out).scalars, got = outSwapped.scalars
        for i in 0..<expect.count { XCTAssertEqual(got[i], expect[i], accuracy: accuracy, file: file, line: line) }
    }

    /// Central differences of `loss` (summed in Double) against each tensor's analytic gradient, at about nine
    /// evenly spaced elements per tensor. Asks that at least one checked element has |numeric| > `nonzero`.
    static func assertGradients(_ checked: [(String, Tensor)], step h: Float, absolute: Double, relative: Double,
                                nonzero: Double? = nil, loss: () throws -> Double,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        for (name, p) in checked {
            let analytic = try XCTUnwrap(p.grad, name, file: file, line: line).scalars
            var moved = 0
            for i in stride(from: 0, to: p.count, by: max(1, p.count / 9)) {
                let keep = p.scalars[i]
                p.withUnsafeMutableBufferPointer { $0[i] = keep + h }
                let up = try loss()
                p.withUnsafeMutableBufferPointer { $0[i] = keep - h }
                let down = try loss()
                p.withUnsafeMutableBufferPointer { $0[i] = keep }
                let numeric = (up - down) / Double(2 * h)
                if let nonzero, abs(numeric) > nonzero { moved += 1 }
                XCTAssertEqual(Double(analytic[i]), numeric, accuracy: absolute + relative * abs(numeric), "\(name)[\(i)]",
                               file: file, line: line)
            }
            if nonzero != nil { XCTAssertGreaterThan(moved, 0, "\(name): the loss depends on it", file: file, line: line) }
        }
    }

    /// `assertGradients` for a predictor: the MSE of `net.predict(previous, current)` against `target` (× 1000), with
    /// the read-out scaled by 20 first so the hidden layers' share of the moves is measurable in Float32, checked for
    /// the named parameters and both inputs (which must require gradients).
    static func assertPredictorGradients(_ net: WorldNetwork, previous: Tensor, current: Tensor, target: Tensor, parameters: [String],
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        net["predictor.out.weight"].withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] *= 20 } }
        func loss() throws -> Tensor { try Tensor.mse(net.predict(previous: previous, current: current, actions: nil), target) * 1000 }
        // The same loss summed in Double, so Float32 rounding of the total does not swamp the differences.
        let targetValues = target.scalars
        func exactLoss() throws -> Double {
            let out = try Tensor.noGrad { try net.predict(previous: previous, current: current, actions: nil) }.scalars
            return zip(out, targetValues).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } * 1000 / Double(out.count)
        }
        net.zeroGrad()
        try loss().backward()
        let checked = parameters.map { ($0, net[$0]) } + [("previous", previous), ("current", current)]
        try assertGradients(checked, step: 1e-3, absolute: 2e-4, relative: 3e-2, nonzero: 1e-4, loss: exactLoss, file: file, line: line)
    }
}
