/// Sums, means and variances over all or some axes, and broadcasting back out (`expand`).
extension Tensor {
    /// Normalises an axis that may be negative (−1 is the last axis).
    func axis(_ a: Int, _ op: String, rank r: Int? = nil) throws -> Int {
        let r = r ?? rank
        let x = a < 0 ? a + r : a
        guard x >= 0 && x < r else {
            throw TensorError.invalidArgument(op: op, message: "axis \(a) is out of range for shape \(shape)")
        }
        return x
    }

    /// Sum of all elements (rank-0 result).
    public func sum() throws -> Tensor { try sum(axes: Array(0..<rank), keepDims: false) }

    /// Mean of all elements (rank-0 result).
    public func mean() throws -> Tensor { try mean(axes: Array(0..<rank), keepDims: false) }

    /// Sum over `axes`; with `keepDims` the reduced axes stay as extent 1.
    public func sum(axes: [Int], keepDims: Bool = false) throws -> Tensor {
        try reduce(axes: axes, keepDims: keepDims, scale: 1, op: "sum")
    }

    /// Mean over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) throws -> Tensor {
        let ax = try Set(axes.map { try axis($0, "mean") })
        let n = ax.reduce(1) { $0 * shape[$1] }
        return try reduce(axes: axes, keepDims: keepDims, scale: 1 / Float(max(n, 1)), op: "mean")
    }

    func reduce(axes: [Int], keepDims: Bool, scale: Float, op: String) throws -> Tensor {
        let ax = try Set(axes.map { try axis($0, op) })
        let kept = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let outShape = keepDims ? kept : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        let out = Tensor(result: outShape)
        Tensor.reduceSum(ptr, shape, into: out.ptr, kept, accumulate: false)
        if scale != 1 { let p = out.ptr; for i in 0..<out.count { p[i] *= scale } }
        return try Tensor.record(out, op, [self]) { [self] _, g in
            let gp = g.ptr
            accumulateGrad { dst, acc in
                Tensor.zipWith(dst, shape, gp, kept, shape, dst, accumulate: false) { d, gv in
                    acc ? d + gv * scale : gv * scale
                }
            }
        }
    }

    /// Variance over `axes` (unbiased: divides by n − 1).
    public func variance(axes: [Int], unbiased: Bool = true, keepDims: Bool = false) throws -> Tensor {
        let ax = try Set(axes.map { try axis($0, "variance") })
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centred = try self - mean(axes: axes, keepDims: true)
        let ss = try centred.square().sum(axes: axes, keepDims: keepDims)
        return try ss * (1 / Float(max(unbiased ? n - 1 : n, 1)))
    }

    /// Standard deviation over `axes`: sqrt(variance + eps) (eps keeps the gradient finite at zero spread).
    public func std(axes: [Int], unbiased: Bool = true, eps: Float = 0, keepDims: Bool = false) throws -> Tensor {
        try (variance(axes: axes, unbiased: unbiased, keepDims: keepDims) + eps).sqrt()
    }

    /// Broadcasts to `shape` (a copy); the gradient sums back over the stretched axes.
    public func expand(to target: [Int]) throws -> Tensor {
        let s = try Broadcast.shape(shape, target, op: "expand")
        guard s == target else { throw TensorError.shapeMismatch(op: "expand", lhs: shape, rhs: target) }
        let out = Tensor(result: target)
        let src = ptr
        Tensor.zipWith(src, shape, src, shape, target, out.ptr, accumulate: false) { x, _ in x }
        return try Tensor.record(out, "expand", [self]) { [self] _, g in
            accumulateGrad { dst, acc in Tensor.reduceSum(g.ptr, target, into: dst, shape, accumulate: acc) }
        }
    }
}
