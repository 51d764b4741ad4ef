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
