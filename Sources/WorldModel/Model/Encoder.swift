import Foundation
import Tensor

/// The frame encoder: a conv stack over one NHWC frame (optionally with x/y coordinate planes) to a latent.
///
/// - spatial: the last feature map [h, w, C] *is* the latent, flattened in that order (D = h·w·C); with a
///   softmax output each channel is a mask, optionally Gaussian-pooled and divided by its mass so a body's
///   centroid is linear in z;
/// - global: a linear layer maps the flattened map to `model.global_dim`;
/// - keypoints: per channel, the expected (x, y) under a spatial softmax of the map (D = 2C).
final class Encoder: Module {
    let convs: [Conv2d]
    /// Global latents only.
    let head: Linear?
    let kind: LatentKind
    /// Input channels (image channels + 2 coordinate planes when enabled).
    let inputChannels: Int
    /// Pooled map the latent is read from (its channels: the masks, then the maps `instances` adds).
    let mapHeight: Int, mapWidth: Int, mapChannels: Int
    /// Softmax masks (or feature channels) of the last layer.
    let maskChannels: Int
    /// `model.encoder.instances`: same-coloured bodies cut into maps of their own (nil: off).
    let instances: InstanceSplit?
    /// Latent size D.
    let latentDimension: Int

    private let imageChannels: Int
    private let softmaxTemperature: Float?
    private let pool: Int
    /// Gaussian pooling (model.encoder.pool_sigma > 0): the row and column weights.
    let gaussianPool: (rows: Tensor.PoolingAxis, cols: Tensor.PoolingAxis)?
    private let normaliseEps: Float?
    /// Keypoint latents: x and y of every map position, [P, 1] each, in [-1, 1].
    private let keypointGrid: (x: Tensor, y: Tensor)?
    /// Every layer sees one pixel (1×1 kernels, stride 1, no coordinate planes, ≤ 3 colour channels): the
    /// stack runs once per distinct colour of a batch (`PixelPalette`).
    let perPixel: Bool

    /// Builds the layers for `info`'s frames, drawing initial weights from `rng`. Throws a `ConfigError`
    /// naming the key when the layers do not fit the frames.
    init(config: TrainingConfig, info: ModelInfo, rng: inout RNG) throws {
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(source: "config", line: nil, key: key, message: message) }
        kind = config.latentKind
        imageChannels = info.channels
        inputChannels = info.channels + (config.coordChannels ? 2 : 0)
        var h = info.height, w = info.width, c = inputChannels
        var layers: [Conv2d] = []
        for (i, (cout, (k, s))) in zip(config.encoderChannels, zip(config.encoderKernels, config.encoderStrides)).enumerated() {
            let pad = (k - s + 1) / 2
            let oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1
            guard oh >= 1, ow >= 1 else {
                throw fail("model.encoder.kernels", "layer \(i) (kernel \(k), stride \(s)) does not fit a \(h)×\(w) map from \(info.height)×\(info.width) frames")
            }
            let last = i == config.encoderChannels.count - 1
            layers.append(Conv2d(c, cout, kernel: k, stride: s, padding: pad,
                                 activation: !last || kind != .spatial ? .relu : .identity, rng: &rng))
            h = oh; w = ow; c = cout
        }
        convs = layers
        perPixel = !config.coordChannels && info.channels <= 3 && layers.allSatisfy { $0.weight.shape[1] == 1 && $0.weight.shape[2] == 1 && $0.stride == 1 && $0.padding == 0 }
        pool = config.encoderPool
        guard h % pool == 0, w % pool == 0 else {
            throw fail("model.encoder.pool", "the \(h)×\(w) conv map is not divisible by the pool factor \(pool)")
        }
        gaussianPool = pool > 1 && config.encoderPoolSigma > 0
            ? (Tensor.PoolingAxis.gaussian(inputs: h, factor: pool, sigma: config.encoderPoolSigma),
               Tensor.PoolingAxis.gaussian(inputs: w, factor: pool, sigma: config.encoderPoolSigma))
            : nil
        h /= pool; w /= pool
        maskChannels = c
        if config.encoderInstances > 1 && !info.instanceMasks.isEmpty {
            guard perPixel else {
                throw fail("model.encoder.instances", "cuts the masks of a per-pixel encoder (1×1 kernels, stride 1, no coordinate planes)")
            }
            guard info.instanceMasks.allSatisfy({ (0..<c).contains($0) }) else {
                throw fail("model.encoder.instances", "the checkpoint's instance masks \(info.instanceMasks) are not all below the \(c) masks")
            }
            guard info.instanceSpreads.isEmpty || info.instanceSpreads.count == info.instanceMasks.count else {
                throw fail("model.encoder.instances", "the checkpoint has \(info.instanceSpreads.count) instance spreads for \(info.instanceMasks.count) instance masks, expected one each")
            }
            instances = InstanceSplit(masks: c, channels: info.instanceMasks, instances: config.encoderInstances, spreads: info.instanceSpreads)
            c = instances!.outputChannels
        } else {
            instances = nil
        }
        mapHeight = h; mapWidth = w; mapChannels = c
        softmaxTemperature = config.encoderSoftmax ? Float(config.encoderSoftmaxTemperature) : nil
        normaliseEps = config.encoderMassNormalise ? Float(config.encoderNormaliseEps) : nil
        switch kind {
        case .spatial:
            latentDimension = h * w * c
            head = nil; keypointGrid = nil
        case .keypoints:
            latentDimension = 2 * c
            head = nil
            keypointGrid = try Self.grid(height: h, width: w)
        case .global:
            latentDimension = config.globalDim
            head = Linear(h * w * c, config.globalDim, rng: &rng)
            keypointGrid = nil
        }
    }

    var parameters: [(name: String, tensor: Tensor)] {
        convs.enumerated().flatMap { prefixed(String($0.offset), $0.element) } + (head.map { prefixed("head", $0) } ?? [])
    }

    /// x and y of every cell of an h×w map in [-1, 1] (image rows go down, y goes up).
    private static func grid(height h: Int, width w: Int) throws -> (x: Tensor, y: Tensor) {
        var xs = [Float](), ys = [Float]()
        for yy in 0..<h { for xx in 0..<w {
            xs.append(w > 1 ? Float(xx) / Float(w - 1) * 2 - 1 : 0)
            ys.append(h > 1 ? 1 - Float(yy) / Float(h - 1) * 2 : 0)
        } }
        return (try Tensor(xs, shape: [h * w, 1]), try Tensor(ys, shape: [h * w, 1]))
    }

    /// Frames uint8 [M, H, W, C] as the encoder reads them: a palette for a per-pixel encoder, else images.
    func input(frames: UnsafeBufferPointer<UInt8>, count m: Int, height hh: Int, width ww: Int) -> EncoderInput {
        defer { Profiler.endSpan("encoder input") }
        return perPixel ? .palette(PixelPalette(frames: frames, count: m, height: hh, width: ww, channels: imageChannels))
            : .images(images(frames: frames, count: m, height: hh, width: ww))
    }

    /// Frames uint8 [M, H, W, C] to images [M, H, W, C(+2)] in [0, 1] (coordinates in [-1, 1]).
    func images(frames: UnsafeBufferPointer<UInt8>, count m: Int, height hh: Int, width ww: Int) -> Tensor {
        let c = imageChannels, cin = inputChannels
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

    /// Input → latents [M, D], and the per-pixel softmax masks (before pooling) when the encoder ends in a
    /// softmax: the InfoMax regulariser scores them.
    /// A per-pixel encoder's output for colour rows [U, Cin]: its layers as 1×1 convolutions, then the softmax
    /// (the masks) when it ends in one.
    func perColour(_ colours: Tensor) throws -> Tensor {
        let rows = try perColourLogits(colours)
        return softmaxTemperature == nil ? rows : try rows.softmax()
    }

    /// `perColour` before its softmax: the last layer's output divided by the softmax temperature.
    func perColourLogits(_ colours: Tensor) throws -> Tensor {
        var rows = colours
        for conv in convs {
            rows = try Tensor.linear(rows, weight: conv.weight.reshaped([conv.weight.shape[0], conv.weight.shape[3]]),
                                     bias: conv.bias, activation: conv.activation)
        }
        if let temperature = softmaxTemperature, temperature != 1 { rows = try rows * (1 / temperature) }
        return rows
    }

    func encodeWithMasks(_ input: EncoderInput) throws -> (latent: Tensor, masks: MaskRows?) {
        let m = input.frameCount
        var h: Tensor
        var masks: MaskRows? = nil
        switch input {
        case .images(let x):
            h = x
            for conv in convs { h = try conv(h) }
            if let temperature = softmaxTemperature {
                h = try (temperature == 1 ? h : h * (1 / temperature)).softmax()
                masks = MaskRows(values: try h.reshaped([h.count / h.shape[3], h.shape[3]]), palette: nil, height: h.shape[1], width: h.shape[2])
            }
        case .palette(let palette):
            // The same layers as 1×1 convolutions, on the distinct colours [U, C], then gathered to the pixels.
            let rows = try perColour(palette.colours)
            if softmaxTemperature != nil {
                masks = MaskRows(values: rows, palette: palette, height: palette.height, width: palette.width)
            }
            h = try rows.indexSelect(palette.index).reshaped([m, palette.height, palette.width, rows.shape[1]])
        }
        if let instances { h = try instances.apply(h) }
        if let gaussianPool {
            h = try Tensor.separablePool(h, rows: gaussianPool.rows, cols: gaussianPool.cols)
        } else if pool > 1 {
            h = try h.reshaped([m, mapHeight, pool, mapWidth, pool, mapChannels]).mean(axes: [2, 4])
        }
        if let normaliseEps {
            // Each channel's map as a distribution over cells: centroids become linear in z.
            let mass = try h.sum(axes: [1, 2], keepDims: true) + normaliseEps
            h = try h / mass
        }
        let flat = try h.reshaped([m, mapHeight * mapWidth * mapChannels])
        switch kind {
        case .spatial:
            return (flat, masks)
        case .keypoints:
            // Spatial softmax per channel: [M, P, C] → [M, C, P] → softmax over P → expected x, y → [M, 2C].
            let grid = keypointGrid!, p = mapHeight * mapWidth, c = mapChannels
            let attention = try h.reshaped([m, p, c]).permuted([0, 2, 1]).softmax().reshaped([m * c, p])
            let xs = try attention.matmul(grid.x).reshaped([m, c]), ys = try attention.matmul(grid.y).reshaped([m, c])
            return (try Tensor.concat([xs, ys], axis: 1), masks)
        case .global:
            return (try head!(flat), masks)
        }
    }
}
