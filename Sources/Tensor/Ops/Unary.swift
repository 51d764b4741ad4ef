import Common
import Foundation

/// Elementwise activations and math functions, each with its derivative beside it.
extension Tensor {
    /// Applies `f` elementwise; `df(x, y)` is the derivative given input x and output y.
    @inline(__always)
    func unary(_ op: String, _ f: (Float) -> Float, _ df: @escaping (Float, Float) -> Float) throws -> Tensor {
        let out = Tensor(result: shape)
        let px = ptr, po = out.ptr
        Parallel.forRanges(count) { s, e in for i in s..<e { po[i] = f(px[i]) } }
        return try Tensor.record(out, op, [self]) { [self] out, g in
            let gp = g.ptr, py = out.ptr
            accumulateGrad { dst, acc in
                Parallel.forRanges(count) { s, e in
                    if acc { for i in s..<e { dst[i] += gp[i] * df(px[i], py[i]) } }
                    else { for i in s..<e { dst[i] = gp[i] * df(px[i], py[i]) } }
                }
            }
        }
    }

    /// max(x, 0).
    public func relu() throws -> Tensor {
        try unary("relu", { max($0, 0) }, { x, _ in x > 0 ? 1 : 0 })
    }

    /// x · Φ(x) with the exact normal CDF (PyTorch's default GELU).
    public func gelu() throws -> Tensor {
        try unary("gelu", { x in 0.5 * x * (1 + erff(x * 0.70710678)) }, { x, _ in
            let cdf = 0.5 * (1 + erff(x * 0.70710678))
            let pdf = expf(-0.5 * x * x) * 0.3989422804
            return cdf + x * pdf
        })
    }

    /// x · σ(x) (swish).
    public func silu() throws -> Tensor {
        try unary("silu", { x in x / (1 + expf(-x)) }, { x, _ in
            let s = 1 / (1 + expf(-x))
            return s * (1 + x * (1 - s))
        })
    }

    /// Hyperbolic tangent.
    public func tanh() throws -> Tensor {
        try unary("tanh", { tanhf($0) }, { _, y in 1 - y * y })
    }

    /// Logistic sigmoid 1 / (1 + e^-x).
    public func sigmoid() throws -> Tensor {
        try unary("sigmoid", { x in x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x)) }, { _, y in y * (1 - y) })
    }

    /// e^x.
    public func exp() throws -> Tensor { try unary("exp", { expf($0) }, { _, y in y }) }

    /// Natural logarithm.
    public func log() throws -> Tensor { try unary("log", { logf($0) }, { x, _ in 1 / x }) }

    /// Square root.
    public func sqrt() throws -> Tensor { try unary("sqrt", { $0.squareRoot() }, { _, y in 0.5 / y }) }

    /// Sine (radians).
    public func sin() throws -> Tensor { try unary("sin", { sinf($0) }, { x, _ in cosf(x) }) }

    /// Cosine (radians).
    public func cos() throws -> Tensor { try unary("cos", { cosf($0) }, { x, _ in -sinf(x) }) }

    /// x².
    public func square() throws -> Tensor { try unary("square", { $0 * $0 }, { x, _ in 2 * x }) }

    /// |x| (derivative 0 at 0).
    public func abs() throws -> Tensor { try unary("abs", { Swift.abs($0) }, { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) }

    /// x^p for a constant exponent.
    public func pow(_ p: Float) throws -> Tensor {
        try unary("pow", { powf($0, p) }, { x, _ in p * powf(x, p - 1) })
    }

    /// Clamps into [low, high]; the gradient is zero where clamped.
    public func clamp(min low: Float, max high: Float) throws -> Tensor {
        try unary("clamp", { Swift.min(Swift.max($0, low), high) }, { x, _ in x >= low && x <= high ? 1 : 0 })
    }
}
