import Common
import Foundation
import Tensor

/// The loss terms of one training step (Float scalars for logging).
struct StepLosses {
    var jepa = 0.0, prediction = 0.0, rollout = 0.0, regulariser = 0.0, inverseDynamics = 0.0
    var probe = 0.0, decoder = 0.0
    var total: Double { jepa + probe + decoder }
}

/// Builds one step's losses on a batch of clips and back-propagates them:
///
/// - teacher-forced: ẑ(t+1) from the true z(t-1), z(t) for every t of every clip;
/// - rollout: from each start, the predictor feeds on its own predictions for `rollout_steps` steps
///   (the first step is the teacher-forced one, so steps 2…k add the loss);
/// - collapse prevention: EMA targets (no gradient), or VICReg / SIGReg / InfoMax on the online latents, and with
///   `objective.novel_colours` an even spread over the masks (or the background mask) for colours the batch does not
///   show (`NovelColours`);
/// - heads on detached latents: probe (normalised positions and velocities) and decoder (pixels of
///   each clip's last frame), so their gradients never reach the encoder.
enum Objective {
    /// With `ranks` in parallel, `batch` is this rank's share of the global batch and the losses are this rank's
    /// part: averaging the ranks' gradients gives the global batch's (`Objective+Ranks.swift`).
    /// With `overlap`, the heads' backward runs first and their gradients' sum moves on during the main backward.
    static func run(network: WorldNetwork, batch: EpisodeBatch, rng: inout RNG, ranks: Ranks = .single,
                    overlap: GradientExchange? = nil) throws -> (StepLosses, Tensor) {
        let config = network.config
        let b = batch.episodes, t = batch.layout.steps, m = b * t
        let x = batch.frames.withUnsafeBufferPointer { network.input(frames: $0, count: m) }

        let (z, masks) = try network.encodeWithMasks(x)                      // [M, D]
        let targets: Tensor = config.target == .ema
            ? try Tensor.noGrad { try network.encode(x, useTarget: true) }
            : z
        let zs = try z.reshaped([b, t, network.latentDimension])
        var losses = StepLosses()
        // Teacher-forced and rollout terms (shared with online learning).
        let predictive = try predictionLoss(network: network, latents: z, targets: targets, clips: b, length: t,
                                            actions: batch.actions)
        var jepa = predictive.total
        losses.prediction = predictive.prediction
        losses.rollout = predictive.rollout
        if let reg = try regulariser(network: network, latents: z, masks: masks, batch: batch, rng: &rng, ranks: ranks) {
            losses.regulariser = Double(try reg.item())
            jepa = try jepa + reg
        }
        if let novelColours = network.novelColours,
           let novel = try novelColours.term(encoder: network.encoder, frames: batch.frames, masks: masks, rng: &rng) {
            losses.regulariser += Double(try novel.item())
            jepa = try jepa + novel
        }
        if network.hasInverseDynamics {
            let l = try inverseDynamicsLoss(network: network, clips: zs, batch: batch)
            losses.inverseDynamics = Double(try l.item())
            jepa = try jepa + l
        }
        losses.jepa = Double(try jepa.item())
        Profiler.enter("heads")
        let (probe, decoded) = try headLosses(network: network, latents: z.detached(), batch: batch)
        losses.probe = Double(try probe.item())
        losses.decoder = Double(try decoded.item())

        if let overlap {
            // The heads' graph and the main one share no tensor that needs a gradient: two backward passes give
            // every parameter the gradient one pass over their sum gives.
            try (probe + decoded).backward()
            try overlap.startHeads()
            Profiler.enter("backward")
            do { try jepa.backward() } catch { overlap.abandon(); throw error }
            return (losses, z.detached())
        }
        let total = try jepa + probe + decoded
        Profiler.enter("backward")
        try total.backward()
        return (losses, z.detached())
    }

    /// Frames `range` of every clip of latents [B, T, D], flattened to [B·|range|, D].
    private static func frames(_ zs: Tensor, _ range: Range<Int>) throws -> Tensor {
        try zs.slice(axis: 1, range).reshaped([zs.shape[0] * range.count, zs.shape[2]])
    }

    /// Collapse prevention on the online latents (nil with an EMA target, which needs none).
    private static func regulariser(network: WorldNetwork, latents z: Tensor, masks: MaskRows?, batch: EpisodeBatch,
                                    rng: inout RNG, ranks: Ranks) throws -> Tensor? {
        let config = network.config
        let channels = network.isSpatial ? network.mapChannels : network.latentDimension
        switch config.target {
        case .ema:
            return nil
        case .vicreg:
            let variance = try vicregVariance(z, gamma: Float(config.vicregGamma))
            let covariance = try vicregCovariance(z.reshaped([z.count / channels, channels]))
            return try variance * Float(config.vicregStd) + covariance * Float(config.vicregCov)
        case .sigreg:
            let directions = Tensor.randomDirections(dimension: channels, count: config.sigregProjections, rng: &rng)
            return try Tensor.sigreg(z.reshaped([z.count / channels, channels]), directions: directions) * Float(config.sigregWeight)
        case .infomax where ranks.isParallel:
            return try infomaxAcrossRanks(masks!, batch: batch, network: network, ranks: ranks) * Float(config.infomaxWeight)
        case .infomax:
            let masks = masks!
            let motion = config.infomaxMotion > 0
                ? motionWeights(batch: batch, info: network.info, maskHeight: masks.height, maskWidth: masks.width).map(masks.rowWeights) : nil
            Profiler.endSpan("motion weights")
            return try infomax(masks.values, sharpness: Float(config.infomaxSharpness), motionWeights: motion,
                               motionShare: Float(config.infomaxMotion), shares: masks.shares,
                               mixtureWeighting: config.infomaxMixtureWeighting) * Float(config.infomaxWeight)
        }
    }

    /// Inverse dynamics (scenes with actions): a(t) from z(t), z(t+1), weighted.
    private static func inverseDynamicsLoss(network: WorldNetwork, clips zs: Tensor, batch: EpisodeBatch) throws -> Tensor {
        let b = batch.episodes, t = batch.layout.steps, a = network.info.actionDimension
        let predicted = try network.inverseDynamics(current: frames(zs, 0..<(t - 1)), next: frames(zs, 1..<t))
        var truth = [Float](); truth.reserveCapacity(b * (t - 1) * a)
        for c in 0..<b { for j in 0..<(t - 1) { let base = (c * t + j) * a; truth += batch.actions[base..<(base + a)] } }
        return try Tensor.mse(predicted, Tensor(truth, shape: [b * (t - 1), a])) * Float(network.config.inverseDynamics)
    }

    /// The heads on detached latents: probe (normalised positions and velocities) and decoder (pixels of each
    /// clip's last frame).
    private static func headLosses(network: WorldNetwork, latents zd: Tensor, batch: EpisodeBatch) throws -> (probe: Tensor, decoder: Tensor) {
        let info = network.info, b = batch.episodes, t = batch.layout.steps
        let probe = try probeLoss(network: network, latents: zd, batch: batch)
        let zds = try zd.reshaped([b, t, network.latentDimension])
        let last = try frames(zds, (t - 1)..<t)
        let fb = info.height * info.width * info.channels
        var lastFrames = [UInt8](); lastFrames.reserveCapacity(b * fb)
        for c in 0..<b { let s = (c * t + t - 1) * fb; lastFrames += batch.frames[s..<(s + fb)] }
        let decoded = try Tensor.mse(network.decodePixels(last), lastFrames.withUnsafeBufferPointer { network.pixels(frames: $0, count: b) })
        return (probe, decoded)
    }

    /// The online probe's loss on detached latents [B·T, D]: MSE of normalised positions and velocities, over the
    /// bodies an episode has (an absent body's state is a placeholder, which the probe must not learn to output).
    static func probeLoss(network: WorldNetwork, latents zd: Tensor, batch: EpisodeBatch) throws -> Tensor {
        let b = batch.episodes, t = batch.layout.steps
        let (positions, velocities) = normalisedStates(batch: batch, info: network.info)
        let zds = try zd.reshaped([b, t, network.latentDimension])
        let predictedV = try network.probeVelocitiesNormalised(previous: frames(zds, 0..<(t - 1)), current: frames(zds, 1..<t))
        func loss(_ prediction: Tensor, _ target: Tensor, framesPerClip: Int) throws -> Tensor {
            guard let mask = batch.mask, mask.contains(false) else { return try Tensor.mse(prediction, target) }
            let present = batch.coordinatePresence(framesPerClip: framesPerClip).map { $0 ? Float(1) : 0 }
            let kept = present.reduce(0, +)
            guard kept > 0 else { return try Tensor.mse(prediction, target) * 0 }
            let m = try Tensor(present, shape: target.shape)
            return try Tensor.mse(prediction * m, target * m) * (Float(target.count) / kept)
        }
        return try loss(network.probePositionsNormalised(zd), positions, framesPerClip: t) + loss(predictedV, velocities, framesPerClip: t - 1)
    }

    /// VICReg variance term over every latent unit (column of z [M, D]): mean of relu(γ − std),
    /// std over the batch. Built from primitive ops (their backward keeps every buffer it reads alive).
    static func vicregVariance(_ z: Tensor, gamma: Float = 1) throws -> Tensor {
        let std = try (z.variance(axes: [0]) + 1e-4).sqrt()
        return try (gamma - std).relu().mean()
    }

    /// VICReg covariance term over channels (columns of samples [S, C]): squared off-diagonal entries of
    /// the channel covariance, summed, divided by C.
    static func vicregCovariance(_ samples: Tensor) throws -> Tensor {
        let s = samples.shape[0], c = samples.shape[1]
        let centred = try samples - samples.mean(axes: [0], keepDims: true)
        let cov = try centred.transposed().matmul(centred) * (1 / Float(max(s - 1, 1)))
        let diagonal = try centred.square().sum(axes: [0]) * (1 / Float(max(s - 1, 1)))
        return try (cov.square().sum() - diagonal.square().sum()) * (1 / Float(c))
    }

    /// InfoMax over per-pixel masks [.., C] (IIC): sharpness·H(p) − H(p̄), p̄ the masks' marginal. With
    /// `shares` ([1, R], summing to 1) each row stands for that share of the pixels (a palette colour).
    /// Minimising it makes every mask decisive per pixel yet all masks used across the batch, so
    /// distinct colours land in distinct channels instead of collapsing onto one.
    ///
    /// p̄ = (1 − s)·mean over pixels + s·(motion-weighted mean), s = `motionShare`. Over all pixels the
    /// background outweighs each small object ~50:1 and the masks settle with several objects merged;
    /// weighting by motion (`motionWeights`, one row [1, N] summing to 1) gives each moving object a
    /// comparable share, so merging two of them costs as much as merging with the background.
    /// With `mixtureWeighting` the entropy H(p) is averaged under the same mixed weights as the marginal.
    static func infomax(_ masks: Tensor, sharpness: Float, motionWeights: Tensor? = nil, motionShare: Float = 0,
                        shares: Tensor? = nil, mixtureWeighting: Bool = false) throws -> Tensor {
        let c = masks.shape[masks.rank - 1], r = masks.count / c
        let p = try masks.reshaped([r, c])
        let logP = try (p + 1e-8).log()
        let rowEntropy = try (p * logP).sum(axes: [1])
        var pixelEntropy = try (shares.map { try $0.matmul(rowEntropy.reshaped([r, 1])).reshaped([]) } ?? rowEntropy.mean()) * -1
        var marginal = try shares.map { try $0.matmul(p).reshaped([c]) } ?? p.mean(axes: [0])
        if let motionWeights, motionShare > 0 {
            let moving = try motionWeights.matmul(p).reshaped([c])
            marginal = try marginal * (1 - motionShare) + moving * motionShare
            if mixtureWeighting {
                let movingEntropy = try motionWeights.matmul(rowEntropy.reshaped([r, 1])).reshaped([]) * -1
                pixelEntropy = try pixelEntropy * (1 - motionShare) + movingEntropy * motionShare
            }
        }
        let marginalEntropy = try (marginal * (marginal + 1e-8).log()).sum() * -1
        return try pixelEntropy * sharpness - marginalEntropy
    }

    /// Per-pixel motion weights for `infomax`: |x(f) − x(f−1)| + |x(f+1) − x(f)| over channels, within
    /// each clip, at the masks' resolution (frames are box-averaged down when the encoder strides),
    /// normalised to sum to 1. Nil when nothing moves.
    static func motionWeights(batch: EpisodeBatch, info: ModelInfo, maskHeight mh: Int, maskWidth mw: Int) -> Tensor? {
        var (w, total) = motionTotals(batch: batch, info: info, maskHeight: mh, maskWidth: mw)
        guard total > 0 else { return nil }
        let scale = 1 / total
        for i in w.indices { w[i] *= scale }
        return try! Tensor(w, shape: [1, w.count])
    }

    /// `motionWeights` before normalising: each pixel's motion and their total.
    static func motionTotals(batch: EpisodeBatch, info: ModelInfo, maskHeight mh: Int, maskWidth mw: Int) -> (weights: [Float], total: Float) {
        let b = batch.episodes, t = batch.layout.steps, hh = info.height, ww = info.width, ch = info.channels
        let fy = hh / mh, fx = ww / mw
        let frameSize = hh * ww * ch
        var w = [Float](repeating: 0, count: b * t * mh * mw)
        batch.frames.withUnsafeBufferPointer { f in w.withUnsafeMutableBufferPointer { w in
            Parallel.forEach(b) { c in for s in 0..<t {
                let cur = (c * t + s) * frameSize
                let out = (c * t + s) * mh * mw
                for neighbour in [s - 1, s + 1] where neighbour >= 0 && neighbour < t {
                    let other = (c * t + neighbour) * frameSize
                    for y in 0..<hh { for x in 0..<ww {
                        var d: Int32 = 0
                        let o = (y * ww + x) * ch
                        for k in 0..<ch { d += abs(Int32(f[cur + o + k]) - Int32(f[other + o + k])) }
                        w[out + (y / fy) * mw + x / fx] += Float(d)
                    } }
                }
            } }
        } }
        return (w, w.reduce(0, +))
    }

    /// Probe targets from states [B, T, N, 6]: positions [M, 2N] (all frames) and velocities
    /// [B·(T−1), 2N] (frames 1…T−1), normalised by the model's state statistics.
    static func normalisedStates(batch: EpisodeBatch, info: ModelInfo) -> (Tensor, Tensor) {
        let b = batch.episodes, t = batch.layout.steps, n = info.bodies
        let mean = info.stateMean, std = info.stateStd
        var pos = [Float](repeating: 0, count: b * t * 2 * n)
        var vel = [Float](repeating: 0, count: b * (t - 1) * 2 * n)
        for c in 0..<b {
            for f in 0..<t {
                let row = c * t + f
                for i in 0..<n {
                    let s = (row * n + i) * 6
                    pos[row * 2 * n + 2 * i] = (batch.states[s] - mean[0]) / std[0]
                    pos[row * 2 * n + 2 * i + 1] = (batch.states[s + 1] - mean[1]) / std[1]
                    if f > 0 {
                        let vr = c * (t - 1) + f - 1
                        vel[vr * 2 * n + 2 * i] = (batch.states[s + 3] - mean[2]) / std[2]
                        vel[vr * 2 * n + 2 * i + 1] = (batch.states[s + 4] - mean[3]) / std[3]
                    }
                }
            }
        }
        return (try! Tensor(pos, shape: [b * t, 2 * n]), try! Tensor(vel, shape: [b * (t - 1), 2 * n]))
    }

    /// Mean and std of x, y, vx, vy over every body of a batch (the probe's target normalisation).
    static func stateStatistics(_ batch: EpisodeBatch, bodies n: Int) -> (mean: [Float], std: [Float]) {
        let columns = [0, 1, 3, 4]
        var mean = [Float](), std = [Float]()
        let rows = batch.episodes * batch.layout.steps * n
        for col in columns {
            var s = 0.0, s2 = 0.0
            for r in 0..<rows { let v = Double(batch.states[r * 6 + col]); s += v; s2 += v * v }
            let mu = s / Double(max(rows, 1))
            let variance = max(0, s2 / Double(max(rows, 1)) - mu * mu)
            mean.append(Float(mu)); std.append(Float(max(variance.squareRoot(), 1e-6)))
        }
        return (mean, std)
    }
}
