import Foundation
import Tensor

/// What reads the latents back, never trained through the encoder by the JEPA loss:
/// - inverse dynamics (scenes with actions, `objective.inverse_dynamics` > 0): a(t) from z(t), z(t+1);
///   trained with the encoder by the main optimiser, as EB-JEPA does against collapse;
/// - a linear probe on detached latents: normalised positions from z(t), velocities from z(t-1), z(t);
/// - the read-out: the probe inference uses (a copy at periodic checkpoints, refitted at the end of a run);
/// - scenes whose bodies' orientation shows: an angle read-out, (cos sθ, sin sθ) per body, linear in the
///   `OrientationFeatures` of z (spatial latents) or in z; fitted only at the end of a run (no online probe);
/// - a pixel decoder on detached latents: stride-2 transposed convs doubling the map, then a 3×3 conv.
final class Heads {
    let inverseDynamics: Linear?
    let probePosition: Linear, probeVelocity: Linear
    let readoutPosition: Linear, readoutVelocity: Linear
    let readoutAngle: Linear?
    /// What the angle read-out reads (spatial latents; nil: z itself).
    let orientation: OrientationFeatures?
    /// Global latents only: the linear layer to the decoder's starting map.
    let decoderSeed: Linear?
    let decoderSeedShape: (h: Int, w: Int, c: Int)
    let decoderLayers: [ConvTranspose2d]
    let decoderOut: Conv2d

    /// Draws the inverse-dynamics head's weights, then the decoder's (the probe and read-out start at zero).
    init(config: TrainingConfig, info: ModelInfo, latent: LatentShape, rng: inout RNG) throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(source: "config", line: nil, key: key, message: message) }
        let d = latent.dimension, a = info.actionDimension, n = info.bodies
        inverseDynamics = a > 0 && config.inverseDynamics > 0 ? Linear(2 * d, a, initialise: LayerInit(constantBias: 0), rng: &rng) : nil
        probePosition = Linear(d, 2 * n, initialise: .zero, rng: &rng)
        probeVelocity = Linear(2 * d, 2 * n, initialise: .zero, rng: &rng)
        readoutPosition = Linear(d, 2 * n, initialise: .zero, rng: &rng)
        readoutVelocity = Linear(2 * d, 2 * n, initialise: .zero, rng: &rng)
        orientation = latent.isSpatial
            ? OrientationFeatures(height: latent.height, width: latent.width, channels: latent.channels,
                                  projections: config.probeAngleFeatures == .projections, window: Float(config.probeAngleWindow)) : nil
        readoutAngle = info.data.hasTurningBodies ? Linear(orientation?.count ?? d, 2 * n, initialise: .zero, rng: &rng) : nil
        for p in readoutPosition.parameters + readoutVelocity.parameters + (readoutAngle?.parameters ?? []) { p.tensor.requiresGrad = false }

        let layers = config.decoderChannels.count, scale = 1 << layers
        var dc: Int
        if latent.isSpatial {
            guard latent.height * scale == info.height, latent.width * scale == info.width else {
                let need = log2(Double(info.height) / Double(latent.height))
                throw fail("decoder.channels", "a \(latent.height)×\(latent.width) latent map needs log2(\(info.height)/\(latent.height)) = \(need) entries to reach \(info.height)×\(info.width) frames, got \(layers)")
            }
            decoderSeed = nil
            decoderSeedShape = (latent.height, latent.width, latent.channels)
            dc = latent.channels
        } else {
            guard info.height % scale == 0, info.width % scale == 0 else {
                throw fail("decoder.channels", "\(layers) doubling layers need frame sizes divisible by \(scale), got \(info.height)×\(info.width)")
            }
            decoderSeedShape = (info.height / scale, info.width / scale, config.decoderChannels[0])
            decoderSeed = Linear(d, decoderSeedShape.h * decoderSeedShape.w * decoderSeedShape.c, activation: .relu, rng: &rng)
            dc = decoderSeedShape.c
        }
        var built: [ConvTranspose2d] = []
        for cout in config.decoderChannels {
            built.append(ConvTranspose2d(dc, cout, kernel: 4, stride: 2, padding: 1, activation: .relu, rng: &rng))
            dc = cout
        }
        decoderLayers = built
        decoderOut = Conv2d(dc, info.channels, kernel: 3, stride: 1, padding: 1, initialise: LayerInit(constantBias: 0.5), rng: &rng)
    }

    /// Trained with the encoder (the main optimiser), named as in checkpoints.
    var inverseDynamicsParameters: [(name: String, tensor: Tensor)] {
        inverseDynamics.map { $0.parameters(prefix: "idm.") } ?? []
    }

    /// Probe, read-out and decoder, named as in checkpoints.
    var parameters: [(name: String, tensor: Tensor)] {
        var out = probePosition.parameters(prefix: "probe.position.") + probeVelocity.parameters(prefix: "probe.velocity.")
        out += readoutPosition.parameters(prefix: "readout.position.") + readoutVelocity.parameters(prefix: "readout.velocity.")
        if let readoutAngle { out += readoutAngle.parameters(prefix: "readout.angle.") }
        if let decoderSeed { out += decoderSeed.parameters(prefix: "decoder.seed.") }
        for (i, layer) in decoderLayers.enumerated() { out += layer.parameters(prefix: "decoder.\(i).") }
        return out + decoderOut.parameters(prefix: "decoder.out.")
    }

    /// Normalised positions [M, 2N] from latents [M, D] (`readout`: the fitted read-out).
    func positions(_ z: Tensor, readout: Bool) throws -> Tensor {
        try (readout ? readoutPosition : probePosition)(z)
    }

    /// Normalised velocities [M, 2N] from consecutive latents.
    func velocities(previous: Tensor, current: Tensor, readout: Bool) throws -> Tensor {
        try (readout ? readoutVelocity : probeVelocity)(Tensor.concat([previous, current], axis: 1))
    }

    /// The angle read-out's inputs for latents [M, D] (row-major floats).
    func angleFeatures(_ z: [Float], rows: Int) -> [Float] {
        orientation.map { $0(z, rows: rows) } ?? z
    }

    /// (cos sθ, sin sθ) per body [M, 2N] from latents [M, D]; nil without an angle read-out.
    func angles(_ z: [Float], rows: Int) throws -> [Float]? {
        guard let readoutAngle else { return nil }
        let x = try Tensor(angleFeatures(z, rows: rows), shape: [rows, readoutAngle.weight.shape[1]])
        return try Tensor.noGrad { try readoutAngle(x).scalars }
    }

    /// Sets the read-out to the current probe (periodic checkpoints).
    func copyProbeToReadout() throws {
        try readoutPosition.copyParameters(from: probePosition)
        try readoutVelocity.copyParameters(from: probeVelocity)
    }

    /// Latents [M, D] → pixels [M, H, W, C] (unclamped; ≈ [0, 1]).
    func decode(_ z: Tensor) throws -> Tensor {
        let m = z.shape[0], s = decoderSeedShape
        var h = try (decoderSeed.map { try $0(z) } ?? z).reshaped([m, s.h, s.w, s.c])
        for layer in decoderLayers { h = try layer(h) }
        return try decoderOut(h)
    }
}
