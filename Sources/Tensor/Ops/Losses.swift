import Common

/// Regression losses (mean over all elements), fused into one pass with Double accumulation.
extension Tensor {
    /// mean(loss.value(pred − target)); gradients flow to both arguments. Generic over the loss so each
    /// one's per-element arithmetic is specialised into the loops rather than called through a closure.
    static func pointwiseLoss<L: PointwiseLoss>(_ op: String, _ pred: Tensor, _ target: Tensor, _ loss: L) throws -> Tensor {
        guard pred.shape == target.shape else { throw TensorError.shapeMismatch(op: op, lhs: pred.shape, rhs: target.shape) }
        let n = pred.count
        let pp = pred.ptr, tp = target.ptr
        let parts = Swift.min(Parallel.cores, Swift.max(1, n / Parallel.grain))
        var partial = [Double](repeating: 0, count: parts)
        partial.withUnsafeMutableBufferPointer { buf in
            let b = buf.baseAddress!
            Parallel.forEach(parts) { p in
                var acc: Double = 0
                for i in (n * p / parts)..<(n * (p + 1) / parts) { acc += Double(loss.value(pp[i] - tp[i])) }
                b[p] = acc
            }
        }
        let out = Tensor(result: [])
        out.ptr[0] = Float(partial.reduce(0, +) / Double(Swift.max(n, 1)))
        return try record(out, op, [pred, target]) { _, g in
            let scale = g.ptr[0] / Float(Swift.max(n, 1))
            for (t, sign) in [(pred, Float(1)), (target, Float(-1))] where t.requiresGrad {
                let k = sign * scale
                t.accumulateGrad { d, acc in
                    Parallel.forRanges(n) { s, e in
                        if acc { for i in s..<e { d[i] += k * loss.derivative(pp[i] - tp[i]) } }
                        else { for i in s..<e { d[i] = k * loss.derivative(pp[i] - tp[i]) } }
                    }
                }
            }
        }
    }

    /// Mean squared error.
    public static func mse(_ pred: Tensor, _ target: Tensor) throws -> Tensor {
        try pointwiseLoss("mse", pred, target, SquaredError())
    }

    /// Mean absolute error (derivative 0 at 0).
    public static func l1(_ pred: Tensor, _ target: Tensor) throws -> Tensor {
        try pointwiseLoss("l1", pred, target, AbsoluteError())
    }

    /// Huber-style smooth L1 (PyTorch's `smooth_l1_loss`): 0.5·d²/beta below beta, |d| − 0.5·beta above.
    public static func smoothL1(_ pred: Tensor, _ target: Tensor, beta: Float = 1) throws -> Tensor {
        guard beta > 0 else { throw TensorError.invalidArgument(op: "smoothL1", message: "beta must be > 0, got \(beta)") }
        return try pointwiseLoss("smoothL1", pred, target, SmoothAbsoluteError(beta: beta))
    }
}

/// One regression loss's value and derivative at a difference d = pred − target.
protocol PointwiseLoss {
    func value(_ d: Float) -> Float
    func derivative(_ d: Float) -> Float
}

struct SquaredError: PointwiseLoss {
    @inline(__always) func value(_ d: Float) -> Float { d * d }
    @inline(__always) func derivative(_ d: Float) -> Float { 2 * d }
}

struct AbsoluteError: PointwiseLoss {
    @inline(__always) func value(_ d: Float) -> Float { Swift.abs(d) }
    @inline(__always) func derivative(_ d: Float) -> Float { d > 0 ? 1 : (d < 0 ? -1 : 0) }
}

struct SmoothAbsoluteError: PointwiseLoss {
    let beta: Float
    @inline(__always) func value(_ d: Float) -> Float { Swift.abs(d) < beta ? 0.5 * d * d / beta : Swift.abs(d) - 0.5 * beta }
    @inline(__always) func derivative(_ d: Float) -> Float { Swift.abs(d) < beta ? d / beta : (d > 0 ? 1 : -1) }
}
