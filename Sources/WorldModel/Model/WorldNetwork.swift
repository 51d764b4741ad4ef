import Common
import Foundation
import Tensor

/// The world model's networks, built from a config and the data's sizes: an `Encoder`, a `Predictor` of the
/// configured kind, an EMA target encoder (only with `objective.target: ema`) and the `Heads`.
///
/// Parameters are drawn deterministically from `config.seed` in a fixed order (encoder, predictor, heads), and
/// named as in checkpoints: `encoder.*`, `predictor.*`, `idm.*`, `target.encoder.*`, `probe.*`, `readout.*`,
/// `decoder.*`.
final class WorldNetwork {
    let config: TrainingConfig
    let info: ModelInfo
    let encoder: Encoder
    let predictor: Predictor
    let heads: Heads
    let target: EMA<Encoder>?
    /// `objective.novel_colours`: the seen-colour grid its draws avoid, built once (nil: off).
    let novelColours: NovelColours?

    /// Throws a `ConfigError` when the config cannot fit these frames (e.g. decoder depth vs map size).
    init(config: TrainingConfig, info: ModelInfo) throws {
        self.config = config
        self.info = info
        var rng = RNG(seed: SplitMix64.derive(config.seed, 0x1417))
        encoder = try Encoder(config: config, info: info, rng: &rng)
        let shape = LatentShape(height: encoder.mapHeight, width: encoder.mapWidth, channels: encoder.mapChannels,
                                dimension: encoder.latentDimension, actions: info.actionDimension, isSpatial: config.latentKind == .spatial)
        predictor = config.predictorKind.make(config: config, shape: shape, rng: &rng)
        heads = try Heads(config: config, info: info, latent: shape, rng: &rng)
        mapMoments = shape.isSpatial ? MapMoments(height: shape.height, width: shape.width, channels: shape.channels) : nil
        novelColours = NovelColours(config: config, info: info)
        if config.target == .ema {
            // An exact copy of the encoder at step 0; its own draws are overwritten, so they use a spare generator.
            var spare = RNG(seed: 0)
            target = try EMA(online: encoder, target: Encoder(config: config, info: info, rng: &spare))
        } else {
            target = nil
        }
    }

    var latentDimension: Int { encoder.latentDimension }
    var mapHeight: Int { encoder.mapHeight }
    /// Moments of the latent's channel maps (spatial latents only; the centroid loss reads them).
    let mapMoments: MapMoments?
    var mapWidth: Int { encoder.mapWidth }
    var mapChannels: Int { encoder.mapChannels }
    var isSpatial: Bool { config.latentKind == .spatial }
    var hasInverseDynamics: Bool { heads.inverseDynamics != nil }

    /// Encoder + predictor + inverse dynamics: what the main optimiser trains with the JEPA loss.
    var online: [(name: String, tensor: Tensor)] {
        encoder.parameters(prefix: "encoder.") + predictor.parameters(prefix: "predictor.") + heads.inverseDynamicsParameters
    }

    /// The predictor's parameters (what online learning trains with a frozen encoder).
    var predictorParameters: [(name: String, tensor: Tensor)] { predictor.parameters(prefix: "predictor.") }

    /// Every tensor a checkpoint holds, in checkpoint order: online, target, heads.
    var allParameters: [(name: String, tensor: Tensor)] {
        online + (target.map { $0.target.parameters(prefix: "target.encoder.") } ?? []) + heads.parameters
    }

    /// One tensor by its checkpoint name.
    subscript(name: String) -> Tensor {
        guard let t = allParameters.first(where: { $0.name == name })?.tensor else { preconditionFailure("no parameter \(name)") }
        return t
    }

    /// Drops every gradient (online and heads).
    func zeroGrad() { for p in online + heads.parameters { p.tensor.zeroGrad() } }

    // MARK: Forward passes

    /// Frames uint8 [M, H, W, C] as the encoder reads them.
    func input(frames: UnsafeBufferPointer<UInt8>, count m: Int) -> EncoderInput {
        encoder.input(frames: frames, count: m, height: info.height, width: info.width)
    }

    /// Pixel targets for the decoder: frames as floats in [0, 1], [M, H, W, C].
    func pixels(frames: UnsafeBufferPointer<UInt8>, count m: Int) -> Tensor {
        try! Tensor(bytes: frames, shape: [m, info.height, info.width, info.channels], scale: 1 / 255)
    }

    /// Encoder (online, or the EMA target with `useTarget`): M frames → latents [M, D].
    func encode(_ x: EncoderInput, useTarget: Bool = false) throws -> Tensor {
        try encodeWithMasks(x, useTarget: useTarget).latent
    }

    /// `encode`, also returning the per-pixel softmax masks when the encoder ends in a softmax.
    func encodeWithMasks(_ x: EncoderInput, useTarget: Bool = false) throws -> (latent: Tensor, masks: MaskRows?) {
        try (useTarget ? target!.target : encoder).encodeWithMasks(x)
    }

    /// Action rows [M, A] from M·A values (nil for a scene without an actor).
    func actionTensor(_ actions: [Float], count m: Int) throws -> Tensor? {
        let a = info.actionDimension
        guard a > 0 else { return nil }
        guard actions.count == m * a else {
            throw TensorError.shapeMismatch(op: "predictor actions", lhs: [actions.count], rhs: [m, a])
        }
        return try Tensor(actions, shape: [m, a])
    }

    /// One predictor step on flat latents [M, D].
    func predict(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        try predictor.predict(previous: previous, current: current, actions: actions)
    }

    /// ẑ(t+1) outside the training loss: with `fromPredicted` (z(t) is itself a prediction) as
    /// `Predictor.predictFromPredicted` moves it, else as in training.
    func predict(previous: Tensor, current: Tensor, actions: Tensor?, fromPredicted: Bool) throws -> Tensor {
        fromPredicted ? try predictor.predictFromPredicted(previous: previous, current: current, actions: actions)
                      : try predictor.predict(previous: previous, current: current, actions: actions)
    }

    /// Probe of normalised positions [M, 2N] from latents [M, D] (`readout`: the fitted read-out).
    func probePositionsNormalised(_ z: Tensor, readout: Bool = false) throws -> Tensor {
        try heads.positions(z, readout: readout)
    }

    /// Probe of normalised velocities [M, 2N] from consecutive latents.
    func probeVelocitiesNormalised(previous: Tensor, current: Tensor, readout: Bool = false) throws -> Tensor {
        try heads.velocities(previous: previous, current: current, readout: readout)
    }

    /// Sets the read-out to the current online probe (periodic checkpoints).
    func copyProbeToReadout() throws { try heads.copyProbeToReadout() }

    /// Decoder: latents [M, D] → pixels [M, H, W, C] (unclamped; ≈ [0, 1]).
    func decodePixels(_ z: Tensor) throws -> Tensor { try heads.decode(z) }

    /// Inverse dynamics: predicted a(t) [M, A] from z(t), z(t+1).
    func inverseDynamics(current: Tensor, next: Tensor) throws -> Tensor {
        try heads.inverseDynamics!(Tensor.concat([current, next], axis: 1))
    }

    /// Moves the EMA target toward the online encoder: target = m·target + (1−m)·online.
    func updateTarget(momentum: Double) throws {
        try target?.update(from: encoder, momentum: Float(momentum))
    }

    /// A deep copy (every parameter) with no gradients and no shared storage, so the copy can be read on one
    /// thread while this network trains on another. `info` replaces the stored one (the probe's
    /// normalisation); the architecture is the same.
    func copy(info newInfo: ModelInfo? = nil) throws -> WorldNetwork {
        let twin = try WorldNetwork(config: config, info: newInfo ?? info)
        for ((name, dst), (_, src)) in zip(twin.allParameters, allParameters) {
            precondition(dst.shape == src.shape, "WorldNetwork.copy: \(name) changed shape")
            try dst.assign(src)
        }
        return twin
    }
}
