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

/// Rescales all gradients together so their global L2 norm is at most `maxNorm` (0: never); returns the norm
/// before clipping (log it: a spike is the first sign of a diverging run). Each tensor's squares are summed
/// in Float, the tensors' sums in Double.
@discardableResult
public func clipGradNorm(_ parameters: [(name: String, tensor: Tensor)], maxNorm: Double) -> Double {
    var sum = 0.0
    for p in parameters { p.tensor.grad?.withUnsafeBufferPointer { g in var s: Float = 0; for v in g { s += v * v }; sum += Double(s) } }
    let norm = sum.squareRoot()
    if maxNorm > 0, norm > maxNorm, norm.isFinite {
        let scale = Float(maxNorm / norm)
        for p in parameters { p.tensor.grad?.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= scale } } }
    }
    return norm
}
