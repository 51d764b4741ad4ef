import Common
import Foundation
import Tensor

/// The world model's networks and their parameters, built from a config and the data's sizes.
///
/// - encoder: conv stack over one NHWC frame (optionally with x/y coordinate planes). With a spatial
///   latent its last feature map [h, w, C] *is* the latent, flattened in that order to D = h·w·C; with a
///   global latent a linear layer maps the flattened map to `model.global_dim`.
/// - predictor: ẑ(t+1) = z(t) + f(z(t-1), z(t), a(t)); f a conv stack over the two maps and the action
///   broadcast to planes, or an MLP over the flat latents; or the objects predictor, which moves each
///   channel's map (see WorldNetwork+Objects.swift); or a GRU over the history (WorldNetwork+Sequence.swift).
/// - target: an EMA copy of the encoder (only with `objective.target: ema`).
/// - heads on detached latents: a linear probe (positions from z(t), velocities from z(t-1), z(t)),
///   a transposed-conv pixel decoder, and an optional inverse-dynamics head.
final class WorldNetwork {
    let config: TrainingConfig
    let info: ModelInfo
    /// Encoder + predictor (+ inverse dynamics): what AdamW trains with the JEPA loss.
    let online = ParameterSet()
    /// Probe and decoder: trained by Adam on detached latents.
    let heads = ParameterSet()
    /// The EMA target encoder (empty unless objective.target is ema).
    let target = ParameterSet()

    struct ConvSpec { var name: String; var stride: Int; var padding: Int; var relu: Bool }
    private(set) var encoderLayers: [ConvSpec] = []
    private(set) var predictorLayers: [ConvSpec] = []
    private(set) var decoderLayers: [ConvSpec] = []

    /// Input channels (image channels + 2 coordinate planes when enabled).
    let inputChannels: Int
    /// Encoder output map.
    let mapHeight: Int, mapWidth: Int, mapChannels: Int
    /// Latent size D.
    let latentDimension: Int
    /// Keypoint latents: x and y coordinate of every map position, [P, 1] each, in [-1, 1].
    private(set) var keypointGrid: (x: Tensor, y: Tensor)? = nil
    /// Gaussian pooling (model.encoder.pool_sigma > 0): the row and column weights; nil for box pooling.
    private(set) var gaussianPool: (rows: Tensor.PoolingAxis, cols: Tensor.PoolingAxis)? = nil
    /// Objects predictor: the moment basis (1, x, y, x², y²) over the map's cells.
    private(set) var objectBasis: Tensor? = nil
    /// Decoder's starting map (global latents only: the linear layer's output).
    private(set) var decoderSeed: (h: Int, w: Int, c: Int) = (0, 0, 0)
    var isSpatial: Bool { config.latentKind == .spatial }
    var hasInverseDynamics: Bool { info.actionSize > 0 && config.inverseDynamics > 0 }

    /// Builds and initialises every parameter deterministically from `config.seed`.
    /// Throws a `ConfigError` when the config cannot fit these frames (e.g. decoder depth vs map size).
    init(config: TrainingConfig, info: ModelInfo) throws {
        self.config = config
        self.info = info
        var rng = RNG(seed: SplitMix64.derive(config.seed, 0x1417))
        inputChannels = info.channels + (config.coordChannels ? 2 : 0)

        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(source: "config", line: nil, key: key, message: message) }

        // Encoder
        let spatial = config.latentKind == .spatial
        var h = info.height, w = info.width, c = inputChannels
        for (i, (cout, (k, s))) in zip(config.encoderChannels, zip(config.encoderKernels, config.encoderStrides)).enumerated() {
            let pad = (k - s + 1) / 2
            let oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1
            guard oh >= 1, ow >= 1 else {
                throw fail("model.encoder.kernels", "layer \(i) (kernel \(k), stride \(s)) does not fit a \(h)×\(w) map from \(info.height)×\(info.width) frames")
            }
            let name = "encoder.\(i)"
            online.add(name + ".weight", Init.uniform([cout, k, k, c], fanIn: k * k * c, rng: &rng))
            online.add(name + ".bias", Init.uniform([cout], fanIn: k * k * c, rng: &rng))
            let last = i == config.encoderChannels.count - 1
            encoderLayers.append(ConvSpec(name: name, stride: s, padding: pad, relu: !last || !spatial))
            h = oh; w = ow; c = cout
        }
        let pool = config.encoderPool
        guard h % pool == 0, w % pool == 0 else {
            throw fail("model.encoder.pool", "the \(h)×\(w) conv map is not divisible by the pool factor \(pool)")
        }
        if pool > 1 && config.encoderPoolSigma > 0 {
            gaussianPool = (Tensor.PoolingAxis.gaussian(inputs: h, factor: pool, sigma: config.encoderPoolSigma),
                            Tensor.PoolingAxis.gaussian(inputs: w, factor: pool, sigma: config.encoderPoolSigma))
        }
        h /= pool; w /= pool
        mapHeight = h; mapWidth = w; mapChannels = c
        if spatial {
            latentDimension = h * w * c
        } else if config.latentKind == .keypoints {
            latentDimension = 2 * c
            var xs = [Float](), ys = [Float]()
            for yy in 0..<h { for xx in 0..<w {
                xs.append(w > 1 ? Float(xx) / Float(w - 1) * 2 - 1 : 0)
                ys.append(h > 1 ? 1 - Float(yy) / Float(h - 1) * 2 : 0)    // image rows go down, y goes up
            } }
            keypointGrid = (try Tensor(xs, shape: [h * w, 1]), try Tensor(ys, shape: [h * w, 1]))
        } else {
            latentDimension = config.globalDim
            online.add("encoder.head.weight", Init.uniform([config.globalDim, h * w * c], fanIn: h * w * c, rng: &rng))
            online.add("encoder.head.bias", Init.uniform([config.globalDim], fanIn: h * w * c, rng: &rng))
        }
        let d = latentDimension, a = info.actionSize

        // Predictor
        switch config.predictorKind {
        case .conv, .slots:
            let k = config.predictorKernel
            let perSlot = config.predictorKind == .slots
            var cin = perSlot ? 3 + a : 2 * mapChannels + a
            for i in 0..<config.predictorLayers {
                let last = i == config.predictorLayers - 1
                let cout = last ? (perSlot ? 1 : mapChannels) : config.predictorChannels
                let name = "predictor.\(i)"
                online.add(name + ".weight", Init.uniform([cout, k, k, cin], fanIn: k * k * cin, scale: last ? 0.1 : 1, rng: &rng))
                online.add(name + ".bias", Tensor.zeros([cout]))
                predictorLayers.append(ConvSpec(name: name, stride: 1, padding: k / 2, relu: !last))
                cin = cout
            }
        case .gru:
            Self.addSequencePredictor(to: online, latent: d, actions: a, hidden: config.predictorHidden[0], rng: &rng)
        case .objects:
            objectBasis = Self.momentBasis(height: mapHeight, width: mapWidth)
            Self.addObjectPredictor(to: online, features: Self.objectFeatureCount(actions: a), width: config.predictorChannels, rng: &rng)
        case .mlp:
            var fin = 2 * d + a
            let sizes = config.predictorHidden + [d]
            for (i, fout) in sizes.enumerated() {
                let last = i == sizes.count - 1
                let name = "predictor.\(i)"
                online.add(name + ".weight", Init.uniform([fout, fin], fanIn: fin, scale: last ? 0.1 : 1, rng: &rng))
                online.add(name + ".bias", Tensor.zeros([fout]))
                predictorLayers.append(ConvSpec(name: name, stride: 1, padding: 0, relu: !last))
                fin = fout
            }
        }
        if info.actionSize > 0 && config.inverseDynamics > 0 {
            online.add("idm.weight", Init.uniform([a, 2 * d], fanIn: 2 * d, rng: &rng))
            online.add("idm.bias", Tensor.zeros([a]))
        }

        // EMA target: an exact copy of the encoder at step 0.
        if config.target == .ema {
            for (name, t) in online.named where name.hasPrefix("encoder.") { target.add("target." + name, t.copy(), trainable: false) }
        }

        // Probe
        let n = info.bodies
        heads.add("probe.position.weight", Tensor.zeros([2 * n, d]))
        heads.add("probe.position.bias", Tensor.zeros([2 * n]))
        heads.add("probe.velocity.weight", Tensor.zeros([2 * n, 2 * d]))
        heads.add("probe.velocity.bias", Tensor.zeros([2 * n]))
        // The read-out inference uses: a copy of the probe at periodic checkpoints, the refitted probe
        // (see `ReadoutFit`) at the end of a run. Never trained by the optimisers.
        for name in ["position.weight", "position.bias", "velocity.weight", "velocity.bias"] {
            heads.add("readout." + name, heads["probe." + name].copy(), trainable: false)
        }

        // Decoder: stride-2 transposed convs (k4 p1) doubling the map, then a 3×3 conv to the image channels.
        let layers = config.decoderChannels.count
        let scale = 1 << layers
        var dc: Int
        if isSpatial {
            guard mapHeight * scale == info.height, mapWidth * scale == info.width else {
                let need = log2(Double(info.height) / Double(mapHeight))
                throw fail("decoder.channels", "a \(mapHeight)×\(mapWidth) latent map needs log2(\(info.height)/\(mapHeight)) = \(need) entries to reach \(info.height)×\(info.width) frames, got \(layers)")
            }
            dc = mapChannels
        } else {
            guard info.height % scale == 0, info.width % scale == 0 else {
                throw fail("decoder.channels", "\(layers) doubling layers need frame sizes divisible by \(scale), got \(info.height)×\(info.width)")
            }
            decoderSeed = (info.height / scale, info.width / scale, config.decoderChannels[0])
            let seedSize = decoderSeed.h * decoderSeed.w * decoderSeed.c
            heads.add("decoder.seed.weight", Init.uniform([seedSize, d], fanIn: d, rng: &rng))
            heads.add("decoder.seed.bias", Init.uniform([seedSize], fanIn: d, rng: &rng))
            dc = decoderSeed.c
        }
        for (i, cout) in config.decoderChannels.enumerated() {
            let name = "decoder.\(i)"
            // Transposed-conv weight layout [in, kh, kw, out]; fan-in as PyTorch counts it for ConvTranspose.
            heads.add(name + ".weight", Init.uniform([dc, 4, 4, cout], fanIn: cout * 16, rng: &rng))
            heads.add(name + ".bias", Init.uniform([cout], fanIn: cout * 16, rng: &rng))
            decoderLayers.append(ConvSpec(name: name, stride: 2, padding: 1, relu: true))
            dc = cout
        }
        heads.add("decoder.out.weight", Init.uniform([info.channels, 3, 3, dc], fanIn: 9 * dc, rng: &rng))
        heads.add("decoder.out.bias", Tensor.full([info.channels], 0.5))
    }

    // MARK: Inputs

    /// Frames uint8 [M, H, W, C] to the encoder's input [M, H, W, C(+2)] in [0, 1] (coordinates in [-1, 1]).
    func input(frames: UnsafeBufferPointer<UInt8>, count m: Int) -> Tensor {
        let hh = info.height, ww = info.width, c = info.channels, cin = inputChannels
        if cin == c { return try! Tensor(bytes: frames, shape: [m, hh, ww, c], scale: 1 / 255) }
        let x = Tensor.zeros([m, hh, ww, cin])
        x.withUnsafeMutableBufferPointer { dst in
            for f in 0..<m {
                for y in 0..<hh {
                    let fy = ww > 1 ? Float(y) / Float(hh - 1) * 2 - 1 : 0
                    for xx in 0..<ww {
                        let src = ((f * hh + y) * ww + xx) * c, o = ((f * hh + y) * ww + xx) * cin
                        for k in 0..<c { dst[o + k] = Float(frames[src + k]) / 255 }
                        dst[o + c] = ww > 1 ? Float(xx) / Float(ww - 1) * 2 - 1 : 0
                        dst[o + c + 1] = fy
                    }
                }
            }
        }
        return x
    }

    /// Pixel targets for the decoder: frames as floats in [0, 1], [M, H, W, C].
    func pixels(frames: UnsafeBufferPointer<UInt8>, count m: Int) -> Tensor {
        try! Tensor(bytes: frames, shape: [m, info.height, info.width, info.channels], scale: 1 / 255)
    }

    // MARK: Forward passes

    /// Encoder (online, or the EMA target with `useTarget`): input [M, H, W, Cin] → latents [M, D].
    func encode(_ x: Tensor, useTarget: Bool = false) throws -> Tensor {
        try encodeWithMasks(x, useTarget: useTarget).latent
    }

    /// `encode`, also returning the per-pixel softmax masks [M, H', W', C] (before pooling) when the
    /// encoder ends in a softmax: the InfoMax regulariser scores them.
    func encodeWithMasks(_ x: Tensor, useTarget: Bool = false) throws -> (latent: Tensor, masks: Tensor?) {
        let p = useTarget ? target : online
        let prefix = useTarget ? "target." : ""
        var h = x
        for layer in encoderLayers {
            h = try Tensor.conv2d(h, weight: p[prefix + layer.name + ".weight"], bias: p[prefix + layer.name + ".bias"],
                                  stride: layer.stride, padding: layer.padding, activation: layer.relu ? .relu : .identity)
        }
        let m = x.shape[0]
        var masks: Tensor? = nil
        if config.encoderSoftmax {
            let temperature = Float(config.encoderSoftmaxTemperature)
            h = try (temperature == 1 ? h : h * (1 / temperature)).softmax()
            masks = h
        }
        let pool = config.encoderPool
        if let gaussianPool {
            h = try Tensor.separablePool(h, rows: gaussianPool.rows, cols: gaussianPool.cols)
        } else if pool > 1 {
            h = try h.reshaped([m, mapHeight, pool, mapWidth, pool, mapChannels]).mean(axes: [2, 4])
        }
        if config.encoderMassNormalise {
            // Each channel's map as a distribution over cells: centroids become linear in z.
            let mass = try h.sum(axes: [1, 2], keepDims: true) + Float(config.encoderNormaliseEps)
            h = try h / mass
        }
        let flat = try h.reshaped([m, mapHeight * mapWidth * mapChannels])
        if isSpatial { return (flat, masks) }
        if let grid = keypointGrid {
            // Spatial softmax per channel: [M, P, C] → [M, C, P] → softmax over P → expected x, y → [M, 2C].
            let p = mapHeight * mapWidth, c = mapChannels
            let attention = try h.reshaped([m, p, c]).permuted([0, 2, 1]).softmax().reshaped([m * c, p])
            let xs = try attention.matmul(grid.x).reshaped([m, c]), ys = try attention.matmul(grid.y).reshaped([m, c])
            return (try Tensor.concat([xs, ys], axis: 1), masks)
        }
        return (try Tensor.linear(flat, weight: p[prefix + "encoder.head.weight"], bias: p[prefix + "encoder.head.bias"]), masks)
    }

    /// Action planes [M, h, w, A] (conv predictor) or rows [M, A] from actions [M·A].
    func actionTensor(_ actions: [Float], count m: Int) throws -> Tensor? {
        let a = info.actionSize
        guard a > 0 else { return nil }
        guard actions.count == m * a else {
            throw TensorError.shapeMismatch(op: "predictor actions", lhs: [actions.count], rhs: [m, a])
        }
        if config.predictorKind != .conv && config.predictorKind != .slots { return try Tensor(actions, shape: [m, a]) }
        let plane = mapHeight * mapWidth
        let t = Tensor.zeros([m, mapHeight, mapWidth, a])
        t.withUnsafeMutableBufferPointer { dst in
            for i in 0..<m { for p in 0..<plane { for k in 0..<a { dst[(i * plane + p) * a + k] = actions[i * a + k] } } }
        }
        return t
    }

    /// One predictor step on flat latents [M, D]: z(t) + f(z(t-1), z(t), a(t)).
    func predict(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        if config.predictorKind == .objects { return try predictObjects(previous: previous, current: current, actions: actions) }
        let change = try predictChange(previous: previous, current: current, actions: actions)
        if config.predictorExtrapolates { return try current * 2 - previous + change }
        return try current + change
    }

    /// f(z(t-1), z(t), a(t)): what the predictor adds to z(t) (or to the linear extrapolation).
    private func predictChange(previous: Tensor, current: Tensor, actions: Tensor?) throws -> Tensor {
        let m = current.shape[0]
        switch config.predictorKind {
        case .conv:
            let shape = [m, mapHeight, mapWidth, mapChannels]
            var parts = [try previous.reshaped(shape), try current.reshaped(shape)]
            if let actions { parts.append(actions) }
            var h = try Tensor.concat(parts, axis: 3)
            for layer in predictorLayers {
                h = try Tensor.conv2d(h, weight: online[layer.name + ".weight"], bias: online[layer.name + ".bias"],
                                      stride: 1, padding: layer.padding, activation: layer.relu ? .relu : .identity)
            }
            return try h.reshaped([m, latentDimension])
        case .slots:
            // Every channel k becomes its own sample [z_k(t-1), z_k(t), Σ_j z_j(t), a]: one shared CNN
            // moves each object's map, seeing where everything is (the sum) as context for collisions.
            let hh = mapHeight, ww = mapWidth, c = mapChannels
            func own(_ z: Tensor) throws -> Tensor {
                try z.reshaped([m, hh, ww, c]).permuted([0, 3, 1, 2]).reshaped([m * c, hh, ww, 1])
            }
            func everyChannel(_ t: Tensor) throws -> Tensor {
                let planes = t.shape[3]
                return try t.unsqueezed(1).expand(to: [m, c, hh, ww, planes]).reshaped([m * c, hh, ww, planes])
            }
            let occupancy = try current.reshaped([m, hh, ww, c]).sum(axes: [3], keepDims: true)
            var parts = [try own(previous), try own(current), try everyChannel(occupancy)]
            if let actions { parts.append(try everyChannel(actions)) }
            var h = try Tensor.concat(parts, axis: 3)
            for layer in predictorLayers {
                h = try Tensor.conv2d(h, weight: online[layer.name + ".weight"], bias: online[layer.name + ".bias"],
                                      stride: 1, padding: layer.padding, activation: layer.relu ? .relu : .identity)
            }
            return try h.reshaped([m, c, hh, ww]).permuted([0, 2, 3, 1]).reshaped([m, latentDimension])
        case .objects:
            preconditionFailure("the objects predictor moves the maps itself; predict() never asks it for a change")
        case .gru:
            return try predictSequenceChange(previous: previous, current: current, actions: actions)
        case .mlp:
            var parts = [previous, current]
            if let actions { parts.append(actions) }
            var h = try Tensor.concat(parts, axis: 1)
            for layer in predictorLayers {
                h = try Tensor.linear(h, weight: online[layer.name + ".weight"], bias: online[layer.name + ".bias"],
                                      activation: layer.relu ? .relu : .identity)
            }
            return h
        }
    }

    /// Probe of normalised positions [M, 2N] from latents [M, D] (`readout`: the fitted read-out).
    func probePositionsNormalised(_ z: Tensor, readout: Bool = false) throws -> Tensor {
        let p = readout ? "readout" : "probe"
        return try Tensor.linear(z, weight: heads[p + ".position.weight"], bias: heads[p + ".position.bias"])
    }

    /// Probe of normalised velocities [M, 2N] from consecutive latents.
    func probeVelocitiesNormalised(previous: Tensor, current: Tensor, readout: Bool = false) throws -> Tensor {
        let p = readout ? "readout" : "probe"
        return try Tensor.linear(Tensor.concat([previous, current], axis: 1),
                                 weight: heads[p + ".velocity.weight"], bias: heads[p + ".velocity.bias"])
    }

    /// Sets the read-out to the current online probe (periodic checkpoints).
    func copyProbeToReadout() throws {
        for name in ["position.weight", "position.bias", "velocity.weight", "velocity.bias"] {
            try heads["readout." + name].assign(heads["probe." + name])
        }
    }

    /// Decoder: latents [M, D] → pixels [M, H, W, C] (unclamped; ≈ [0, 1]).
    func decodePixels(_ z: Tensor) throws -> Tensor {
        let m = z.shape[0]
        var h: Tensor
        if isSpatial {
            h = try z.reshaped([m, mapHeight, mapWidth, mapChannels])
        } else {
            h = try Tensor.linear(z, weight: heads["decoder.seed.weight"], bias: heads["decoder.seed.bias"], activation: .relu)
            h = try h.reshaped([m, decoderSeed.h, decoderSeed.w, decoderSeed.c])
        }
        for layer in decoderLayers {
            h = try Tensor.convTranspose2d(h, weight: heads[layer.name + ".weight"], bias: heads[layer.name + ".bias"],
                                           stride: 2, padding: 1, activation: .relu)
        }
        return try Tensor.conv2d(h, weight: heads["decoder.out.weight"], bias: heads["decoder.out.bias"], stride: 1, padding: 1)
    }

    /// Inverse dynamics: predicted a(t) [M, A] from z(t), z(t+1).
    func inverseDynamics(current: Tensor, next: Tensor) throws -> Tensor {
        try Tensor.linear(Tensor.concat([current, next], axis: 1), weight: online["idm.weight"], bias: online["idm.bias"])
    }

    /// Moves the EMA target toward the online encoder: target = m·target + (1−m)·online.
    func updateTarget(momentum: Float) {
        for (name, t) in target.named {
            let source = online[String(name.dropFirst("target.".count))]
            t.withUnsafeMutableBufferPointer { dst in
                source.withUnsafeBufferPointer { src in
                    let keep = momentum, take = 1 - momentum
                    for i in 0..<dst.count { dst[i] = keep * dst[i] + take * src[i] }
                }
            }
        }
    }

    /// Every tensor the checkpoint holds, by name: online, target, heads.
    var allParameters: [(String, Tensor)] { online.named + target.named + heads.named }
}
