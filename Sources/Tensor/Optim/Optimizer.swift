import Foundation

/// Updates parameters from their gradients. State (moments, step count) can be saved and restored so that
/// a resumed run continues exactly where it stopped.
public protocol Optimizer: AnyObject {
    /// Current learning rate (set it every step from a schedule).
    var learningRate: Float { get set }
    /// Number of updates applied so far.
    var stepCount: Int { get }
    /// The parameters being optimised, by name.
    var parameters: [(name: String, tensor: Tensor)] { get }
    /// Applies one update using the current gradients (parameters without a gradient are skipped).
    func step() throws
    /// The optimiser's tensors by name (e.g. "m.encoder.conv0.weight") and scalar metadata ("step").
    func state() -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String])
    /// Restores what `state()` returned; fails naming the first missing or mis-shaped entry.
    func loadState(tensors: [String: Tensor], metadata: [String: String]) throws
}

extension Optimizer {
    /// Drops every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.tensor.grad = nil } }
}

func checkUniqueNames(_ params: [(name: String, tensor: Tensor)], _ who: String) {
    var seen = Set<String>()
    for p in params { precondition(seen.insert(p.name).inserted, "\(who): duplicate parameter name '\(p.name)'") }
}

func loadMoments(_ into: [Tensor], _ params: [(name: String, tensor: Tensor)], key: String,
                 _ tensors: [String: Tensor], _ who: String) throws {
    for (i, p) in params.enumerated() {
        let name = "\(key).\(p.name)"
        guard let t = tensors[name] else { throw ParameterError(message: "\(who) state: missing '\(name)'") }
        guard t.shape == p.tensor.shape else {
            throw ParameterError(message: "\(who) state: '\(name)' has shape \(t.shape), expected \(p.tensor.shape)")
        }
        try into[i].assign(t)
    }
}

func parseStep(_ metadata: [String: String], _ who: String) throws -> Int {
    guard let s = metadata["step"], let v = Int(s), v >= 0 else {
        throw ParameterError(message: "\(who) state: metadata 'step' is missing or not a non-negative integer (got \(metadata["step"] ?? "nothing"))")
    }
    return v
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), numerically as PyTorch's `torch.optim.AdamW`.
public final class AdamW: Optimizer {
    public let parameters: [(name: String, tensor: Tensor)]
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// Which parameters get weight decay (default: all).
    public var decays: (String) -> Bool
    public private(set) var stepCount = 0
    let m: [Tensor], v: [Tensor]

    public init(_ parameters: [(name: String, tensor: Tensor)], learningRate: Float = 3e-4, beta1: Float = 0.9,
                beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01, decays: @escaping (String) -> Bool = { _ in true }) {
        checkUniqueNames(parameters, "AdamW")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        self.decays = decays
        m = parameters.map { Tensor.zeros($0.tensor.shape) }
        v = parameters.map { Tensor.zeros($0.tensor.shape) }
    }

    public func step() throws {
        stepCount += 1
        let t = Float(stepCount)
        let bc1 = 1 - Foundation.pow(beta1, t), bc2 = 1 - Foundation.pow(beta2, t)
        let stepSize = learningRate / bc1, sqrtBc2 = bc2.squareRoot()
        let b1 = beta1, b2 = beta2, eps = eps
        for (i, p) in parameters.enumerated() {
            guard let g = p.tensor.grad else { continue }
            let decay: Float = decays(p.name) ? 1 - learningRate * weightDecay : 1
            let pp = p.tensor.ptr, gp = g.ptr, mp = m[i].ptr, vp = v[i].ptr
            Parallel.forRanges(p.tensor.count) { s, e in
                for j in s..<e {
                    let gj = gp[j]
                    let mj = b1 * mp[j] + (1 - b1) * gj
                    let vj = b2 * vp[j] + (1 - b2) * gj * gj
                    mp[j] = mj; vp[j] = vj
                    pp[j] = pp[j] * decay - stepSize * mj / (vj.squareRoot() / sqrtBc2 + eps)
                }
            }
        }
    }

    public func state() -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        let ts = parameters.enumerated().flatMap { i, p in
            [(name: "m.\(p.name)", tensor: m[i]), (name: "v.\(p.name)", tensor: v[i])]
        }
        return (ts, ["step": String(stepCount)])
    }

    public func loadState(tensors: [String: Tensor], metadata: [String: String]) throws {
        let step = try parseStep(metadata, "AdamW")
        try loadMoments(m, parameters, key: "m", tensors, "AdamW")
        try loadMoments(v, parameters, key: "v", tensors, "AdamW")
        stepCount = step
    }
}

/// Stochastic gradient descent with momentum (PyTorch semantics: v = μ·v + g + wd·p; p −= lr·v, or the
/// Nesterov form p −= lr·(g + μ·v)).
public final class SGD: Optimizer {
    public let parameters: [(name: String, tensor: Tensor)]
    public var learningRate: Float
    public var momentum: Float, weightDecay: Float, nesterov: Bool
    public private(set) var stepCount = 0
    let velocity: [Tensor]

    public init(_ parameters: [(name: String, tensor: Tensor)], learningRate: Float, momentum: Float = 0.9,
                weightDecay: Float = 0, nesterov: Bool = false) {
        checkUniqueNames(parameters, "SGD")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum; self.weightDecay = weightDecay; self.nesterov = nesterov
        velocity = parameters.map { Tensor.zeros($0.tensor.shape) }
    }

    public func step() throws {
        let first = stepCount == 0
        stepCount += 1
        let lr = learningRate, mu = momentum, wd = weightDecay, nest = nesterov
        for (i, p) in parameters.enumerated() {
            guard let g = p.tensor.grad else { continue }
            let pp = p.tensor.ptr, gp = g.ptr, vp = velocity[i].ptr
            Parallel.forRanges(p.tensor.count) { s, e in
                for j in s..<e {
                    let d = gp[j] + wd * pp[j]
                    let vj = first ? d : mu * vp[j] + d
                    vp[j] = vj
                    pp[j] -= lr * (nest ? d + mu * vj : vj)
                }
            }
        }
    }

    public func state() -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        (parameters.enumerated().map { (name: "velocity.\($1.name)", tensor: velocity[$0]) }, ["step": String(stepCount)])
    }

    public func loadState(tensors: [String: Tensor], metadata: [String: String]) throws {
        let step = try parseStep(metadata, "SGD")
        try loadMoments(velocity, parameters, key: "velocity", tensors, "SGD")
        stepCount = step
    }
}

/// Rescales all gradients together so their global L2 norm is at most `maxNorm`; returns the norm before
/// clipping (log it: a spike is the first sign of a diverging run).
@discardableResult
public func clipGradNorm(_ parameters: [(name: String, tensor: Tensor)], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters {
        guard let g = p.tensor.grad else { continue }
        let gp = g.ptr
        var s: Double = 0
        for j in 0..<g.count { s += Double(gp[j] * gp[j]) }
        total += s
    }
    let norm = Float(total.squareRoot())
    if norm > maxNorm && norm.isFinite {
        let scale = maxNorm / (norm + 1e-6)
        for p in parameters {
            guard let g = p.tensor.grad else { continue }
            let gp = g.ptr
            for j in 0..<g.count { gp[j] *= scale }
        }
    }
    return norm
}
