import Common

/// An exponential moving average of a module's parameters: the target encoder of I-JEPA / V-JEPA.
/// The target never requires grad; after each optimiser step call `update(from:momentum:)`.
public final class EMA<M: Module> {
    public let target: M

    /// Takes a second instance of the same architecture, copies the online weights into it and freezes it.
    public init(online: M, target: M) throws {
        self.target = target
        try target.copyParameters(from: online)
        target.setRequiresGrad(false)
        target.zeroGrad()
    }

    /// target ← momentum · target + (1 − momentum) · online, parameter by parameter (matched by name).
    public func update(from online: M, momentum: Float) throws {
        let src = online.parameters, dst = target.parameters
        guard src.count == dst.count else {
            throw ParameterError(message: "EMA: online module has \(src.count) parameters, target \(dst.count)")
        }
        let a = momentum, b = 1 - momentum
        for (s, d) in zip(src, dst) {
            guard s.name == d.name, s.tensor.shape == d.tensor.shape else {
                throw ParameterError(message: "EMA: parameter '\(s.name)' \(s.tensor.shape) does not match '\(d.name)' \(d.tensor.shape)")
            }
            let sp = s.tensor.ptr, dp = d.tensor.ptr
            Parallel.forRanges(s.tensor.count) { lo, hi in for j in lo..<hi { dp[j] = a * dp[j] + b * sp[j] } }
        }
    }
}
