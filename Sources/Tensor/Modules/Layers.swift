import Foundation

/// Default initialisation (PyTorch's): weights and biases uniform in ±1/sqrt(fan_in).
func initUniform(_ shape: [Int], fanIn: Int, scale: Float = 1, rng: inout RNG) -> Tensor {
    let bound = scale / Float(max(fanIn, 1)).squareRoot()
    let t = Tensor.uniform(shape, low: -bound, high: bound, rng: &rng)
    t.requiresGrad = true
    return t
}

/// How a layer's weights and bias start. The default is PyTorch's; a small `weightScale` and a constant bias
/// make a residual branch start near zero (predictors), or a decoder start at mid-grey.
public struct LayerInit: Sendable {
    /// Multiplies the ±1/sqrt(fan_in) bound of the weights.
    public var weightScale: Float = 1
    /// nil: uniform like the weights (unscaled); a value: every bias starts there and draws no random numbers.
    public var constantBias: Float? = nil
    /// Overrides the fan-in of both bounds (a GRU uses its hidden size for every tensor).
    public var fanIn: Int? = nil
    /// Weights start at zero and draw no random numbers (a read-out fitted later).
    public var zeroWeights = false
    public init(weightScale: Float = 1, constantBias: Float? = nil, fanIn: Int? = nil, zeroWeights: Bool = false) {
        self.weightScale = weightScale; self.constantBias = constantBias; self.fanIn = fanIn; self.zeroWeights = zeroWeights
    }
    /// A residual branch: weights scaled by `scale`, biases at zero.
    public static func residual(_ scale: Float = 0.1) -> LayerInit { LayerInit(weightScale: scale, constantBias: 0) }
    /// Weights and biases at zero.
    public static let zero = LayerInit(constantBias: 0, zeroWeights: true)

    func weight(_ shape: [Int], fanIn natural: Int, rng: inout RNG) -> Tensor {
        guard !zeroWeights else { let t = Tensor.zeros(shape); t.requiresGrad = true; return t }
        return initUniform(shape, fanIn: fanIn ?? natural, scale: weightScale, rng: &rng)
    }

    func bias(_ count: Int, fanIn natural: Int, rng: inout RNG) -> Tensor {
        guard let constantBias else { return initUniform([count], fanIn: fanIn ?? natural, rng: &rng) }
        let t = Tensor.full([count], constantBias)
        t.requiresGrad = true
        return t
    }
}

/// y = act(x · weightᵀ + bias); weight [out, in].
public final class Linear: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public var activation: Activation

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, activation: Activation = .identity,
                initialise: LayerInit = LayerInit(), rng: inout RNG) {
        weight = initialise.weight([outFeatures, inFeatures], fanIn: inFeatures, rng: &rng)
        self.bias = bias ? initialise.bias(outFeatures, fanIn: inFeatures, rng: &rng) : nil
        self.activation = activation
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.linear(x, weight: weight, bias: bias, activation: activation)
    }
}

/// NHWC convolution; weight [out, k, k, in].
public final class Conv2d: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int
    public var activation: Activation

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, activation: Activation = .identity, initialise: LayerInit = LayerInit(), rng: inout RNG) {
        let fanIn = inChannels * kernel * kernel
        weight = initialise.weight([outChannels, kernel, kernel, inChannels], fanIn: fanIn, rng: &rng)
        self.bias = bias ? initialise.bias(outChannels, fanIn: fanIn, rng: &rng) : nil
        self.stride = stride; self.padding = padding; self.activation = activation
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, activation: activation)
    }
}

/// NHWC transposed convolution (the adjoint of `Conv2d`); weight [in, k, k, out].
public final class ConvTranspose2d: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int, outputPadding: Int
    public var activation: Activation

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, bias: Bool = true, activation: Activation = .identity,
                initialise: LayerInit = LayerInit(), rng: inout RNG) {
        let fanIn = outChannels * kernel * kernel
        weight = initialise.weight([inChannels, kernel, kernel, outChannels], fanIn: fanIn, rng: &rng)
        self.bias = bias ? initialise.bias(outChannels, fanIn: fanIn, rng: &rng) : nil
        self.stride = stride; self.padding = padding; self.outputPadding = outputPadding; self.activation = activation
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                                   outputPadding: outputPadding, activation: activation)
    }
}
