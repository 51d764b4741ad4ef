import Foundation

/// Default initialisation (PyTorch's): weights and biases uniform in ±1/sqrt(fan_in).
func initUniform(_ shape: [Int], fanIn: Int, rng: inout RNG) -> Tensor {
    let bound = 1 / Float(max(fanIn, 1)).squareRoot()
    let t = Tensor.uniform(shape, low: -bound, high: bound, rng: &rng)
    t.requiresGrad = true
    return t
}

/// y = act(x · weightᵀ + bias); weight [out, in].
public final class Linear: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public var activation: Activation

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, activation: Activation = .identity, rng: inout RNG) {
        weight = initUniform([outFeatures, inFeatures], fanIn: inFeatures, rng: &rng)
        self.bias = bias ? initUniform([outFeatures], fanIn: inFeatures, rng: &rng) : nil
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
                bias: Bool = true, activation: Activation = .identity, rng: inout RNG) {
        let fanIn = inChannels * kernel * kernel
        weight = initUniform([outChannels, kernel, kernel, inChannels], fanIn: fanIn, rng: &rng)
        self.bias = bias ? initUniform([outChannels], fanIn: fanIn, rng: &rng) : nil
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
                outputPadding: Int = 0, bias: Bool = true, activation: Activation = .identity, rng: inout RNG) {
        let fanIn = outChannels * kernel * kernel
        weight = initUniform([inChannels, kernel, kernel, outChannels], fanIn: fanIn, rng: &rng)
        self.bias = bias ? initUniform([outChannels], fanIn: fanIn, rng: &rng) : nil
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

/// Layer normalisation over the last axis with learned gain and shift.
public final class LayerNorm: Layer {
    public let gamma: Tensor, beta: Tensor
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-5) {
        gamma = Tensor.ones([dim]); gamma.requiresGrad = true
        beta = Tensor.zeros([dim]); beta.requiresGrad = true
        self.eps = eps
    }

    public var parameters: [(name: String, tensor: Tensor)] { [(name: "weight", tensor: gamma), (name: "bias", tensor: beta)] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try Tensor.layerNorm(x, gamma: gamma, beta: beta, eps: eps) }
}

/// A stack of linear layers, `act` between them (fused), none after the last: sizes [in, h1, ..., out].
public final class MLP: Layer {
    public let layers: [Linear]

    public init(_ sizes: [Int], activation: Activation = .relu, rng: inout RNG) {
        precondition(sizes.count >= 2, "MLP needs at least input and output sizes")
        var ls: [Linear] = []
        for i in 0..<(sizes.count - 1) {
            ls.append(Linear(sizes[i], sizes[i + 1], activation: i == sizes.count - 2 ? .identity : activation, rng: &rng))
        }
        layers = ls
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { prefixed("layers.\($0.offset)", $0.element) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try layers.reduce(x) { try $1($0) } }
}
