/// Something that owns trainable tensors under stable dotted names ("encoder.conv0.weight").
///
/// Names are the contract between a model and its checkpoints: they must not depend on construction
/// order at run time, only on the architecture.
public protocol Module: AnyObject {
    /// Every parameter, in a fixed order, with its stable name.
    var parameters: [(name: String, tensor: Tensor)] { get }
}

/// A module that maps one tensor to another.
public protocol Layer: Module {
    func callAsFunction(_ x: Tensor) throws -> Tensor
}

/// Errors from matching parameters by name (loading, copying).
public struct ParameterError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

extension Module {
    /// The parameters of a child module, each name prefixed with `prefix.`.
    public func prefixed(_ prefix: String, _ child: Module) -> [(name: String, tensor: Tensor)] {
        child.parameters.map { (name: "\(prefix).\($0.name)", tensor: $0.tensor) }
    }

    /// This module's parameters with every name prefixed by `prefix` (e.g. "encoder."), for optimisers over
    /// several modules: `AdamW(encoder.parameters(prefix: "encoder.") + predictor.parameters(prefix: "predictor."))`.
    public func parameters(prefix: String) -> [(name: String, tensor: Tensor)] {
        parameters.map { (name: prefix + $0.name, tensor: $0.tensor) }
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.count } }

    /// Drops every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.tensor.grad = nil } }

    /// Turns gradient tracking on or off for all parameters (off for an EMA target or a frozen encoder).
    public func setRequiresGrad(_ flag: Bool) { for p in parameters { p.tensor.requiresGrad = flag } }

    /// Overwrites this module's parameters with `tensors[prefix + name]`. Every parameter must be present
    /// with the right shape; with `strict`, names under `prefix` that this module lacks are errors too.
    public func load(_ tensors: [String: Tensor], prefix: String = "", strict: Bool = true, source: String = "state") throws {
        let own = parameters
        var missing: [String] = []
        for p in own {
            let key = prefix + p.name
            guard let t = tensors[key] else { missing.append(key); continue }
            guard t.shape == p.tensor.shape else {
                throw ParameterError(message: "\(source): tensor '\(key)' has shape \(t.shape), expected \(p.tensor.shape)")
            }
        }
        if !missing.isEmpty {
            throw ParameterError(message: "\(source): missing \(missing.count) parameter(s): \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", …" : "")")
        }
        if strict {
            let expected = Set(own.map { prefix + $0.name })
            let extra = tensors.keys.filter { $0.hasPrefix(prefix) && !expected.contains($0) }.sorted()
            if !extra.isEmpty {
                throw ParameterError(message: "\(source): unexpected parameter(s) for this architecture: \(extra.prefix(5).joined(separator: ", "))\(extra.count > 5 ? ", …" : "")")
            }
        }
        for p in own { try p.tensor.assign(tensors[prefix + p.name]!) }
    }

    /// Copies parameter values from a module of the same architecture (matched by name and shape).
    public func copyParameters(from other: Module) throws {
        var map: [String: Tensor] = [:]
        for p in other.parameters { map[p.name] = p.tensor }
        try load(map, source: "copyParameters")
    }
}

/// A layer with no parameters that applies a function (activations, reshapes).
public final class Lambda: Layer {
    let body: (Tensor) throws -> Tensor
    public init(_ body: @escaping (Tensor) throws -> Tensor) { self.body = body }
    public var parameters: [(name: String, tensor: Tensor)] { [] }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try body(x) }

    public static var relu: Lambda { Lambda { try $0.relu() } }
    public static var gelu: Lambda { Lambda { try $0.gelu() } }
    public static var silu: Lambda { Lambda { try $0.silu() } }
    public static var tanh: Lambda { Lambda { try $0.tanh() } }
    public static var sigmoid: Lambda { Lambda { try $0.sigmoid() } }
    /// [N, ...] → [N, product of the rest].
    public static var flatten: Lambda { Lambda { try $0.flattened(from: 1) } }
}

/// Layers applied in order; parameters are named `<layer name>.<parameter>`.
public final class Sequential: Layer {
    public let layers: [(name: String, layer: Layer)]

    /// Layers with explicit names.
    public init(_ layers: [(name: String, layer: Layer)]) { self.layers = layers }

    /// Layers named by their position ("0", "1", ...).
    public init(_ layers: [Layer]) { self.layers = layers.enumerated().map { (name: String($0.offset), layer: $0.element) } }

    public var parameters: [(name: String, tensor: Tensor)] {
        layers.flatMap { prefixed($0.name, $0.layer) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try $1.layer($0) }
    }
}
