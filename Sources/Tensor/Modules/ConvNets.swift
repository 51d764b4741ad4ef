/// The CNN encoder and transposed-CNN decoder of the reference world model, sized by their configs.

/// A frame encoder: stride-2 convolutions with ReLU, flattened, then a linear layer to the latent.
/// Default: 64×64×3 → 32·32·32 → 16·16·64 → 8·8·64 → 4·4·128 → 128 (the design's reference model).
public final class ConvEncoder: Layer {
    public let convs: [Conv2d]
    public let head: Linear
    public let inputSize: Int
    public let channels: [Int]

    public init(inputSize: Int = 64, channels: [Int] = [3, 32, 64, 64, 128], latent: Int = 128,
                kernel: Int = 4, stride: Int = 2, padding: Int = 1, rng: inout RNG) {
        precondition(channels.count >= 2, "ConvEncoder needs input and at least one conv channel count")
        var cs: [Conv2d] = []
        var size = inputSize
        for i in 0..<(channels.count - 1) {
            cs.append(Conv2d(channels[i], channels[i + 1], kernel: kernel, stride: stride, padding: padding, activation: .relu, rng: &rng))
            size = (size + 2 * padding - kernel) / stride + 1
        }
        precondition(size >= 1, "ConvEncoder: input \(inputSize) is too small for \(channels.count - 1) convolutions")
        convs = cs
        head = Linear(size * size * channels.last!, latent, rng: &rng)
        self.inputSize = inputSize
        self.channels = channels
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        convs.enumerated().flatMap { prefixed("conv\($0.offset)", $0.element) } + prefixed("head", head)
    }

    /// x [N, H, W, C] → latents [N, latent].
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = x
        for c in convs { h = try c(h) }
        return try head(h.flattened(from: 1))
    }
}

/// A pixel decoder: linear to a small feature map, then stride-2 transposed convolutions (ReLU between,
/// optional sigmoid at the end). Default mirrors `ConvEncoder`: 128 → 4·4·128 → ... → 64×64×3.
public final class ConvDecoder: Layer {
    public let head: Linear
    public let deconvs: [ConvTranspose2d]
    public let startSize: Int
    public let channels: [Int]
    public let sigmoidOutput: Bool

    public init(latent: Int = 128, startSize: Int = 4, channels: [Int] = [128, 64, 64, 32, 3],
                kernel: Int = 4, stride: Int = 2, padding: Int = 1, sigmoidOutput: Bool = true, rng: inout RNG) {
        precondition(channels.count >= 2, "ConvDecoder needs at least two channel counts")
        head = Linear(latent, startSize * startSize * channels[0], activation: .relu, rng: &rng)
        var ds: [ConvTranspose2d] = []
        for i in 0..<(channels.count - 1) {
            let last = i == channels.count - 2
            ds.append(ConvTranspose2d(channels[i], channels[i + 1], kernel: kernel, stride: stride, padding: padding,
                                      activation: last ? .identity : .relu, rng: &rng))
        }
        deconvs = ds
        self.startSize = startSize
        self.channels = channels
        self.sigmoidOutput = sigmoidOutput
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        prefixed("head", head) + deconvs.enumerated().flatMap { prefixed("deconv\($0.offset)", $0.element) }
    }

    /// z [N, latent] → images [N, H, W, C].
    public func callAsFunction(_ z: Tensor) throws -> Tensor {
        var h = try head(z).reshaped([z.shape[0], startSize, startSize, channels[0]])
        for d in deconvs { h = try d(h) }
        return sigmoidOutput ? try h.sigmoid() : h
    }
}
