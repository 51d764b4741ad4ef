import Common
import Foundation

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
