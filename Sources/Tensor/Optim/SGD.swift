import Common

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
