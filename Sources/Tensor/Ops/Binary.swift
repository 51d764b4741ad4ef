import Common

/// Broadcasting elementwise arithmetic: add, sub, mul, div (tensor–tensor and tensor–scalar).
extension Tensor {
    /// out[i] = f(a[ia], b[ib]) over the broadcast shape `outShape`, into `out` (overwrite or add).
    @inline(__always)
    static func zipWith(_ a: UnsafePointer<Float>, _ aShape: [Int], _ b: UnsafePointer<Float>, _ bShape: [Int],
                        _ outShape: [Int], _ out: UnsafeMutablePointer<Float>, accumulate: Bool,
                        _ f: (Float, Float) -> Float) {
        let n = outShape.reduce(1, *)
        if aShape == outShape && bShape == outShape {
            Parallel.forRanges(n) { s, e in
                if accumulate { for i in s..<e { out[i] += f(a[i], b[i]) } }
                else { for i in s..<e { out[i] = f(a[i], b[i]) } }
            }
            return
        }
        let (shape, strides) = Broadcast.collapse(outShape, [Broadcast.strides(of: outShape, in: outShape),
                                                             Broadcast.strides(of: aShape, in: outShape),
                                                             Broadcast.strides(of: bShape, in: outShape)])
        let sa = strides[1].last!, sb = strides[2].last!
        Broadcast.forEachRun(shape, strides) { off, len in
            let o = out + off[0], pa = a + off[1], pb = b + off[2]
            if sa == 1 && sb == 1 {
                if accumulate { for j in 0..<len { o[j] += f(pa[j], pb[j]) } } else { for j in 0..<len { o[j] = f(pa[j], pb[j]) } }
            } else if sa == 1 && sb == 0 {
                let y = pb[0]
                if accumulate { for j in 0..<len { o[j] += f(pa[j], y) } } else { for j in 0..<len { o[j] = f(pa[j], y) } }
            } else if sa == 0 && sb == 1 {
                let x = pa[0]
                if accumulate { for j in 0..<len { o[j] += f(x, pb[j]) } } else { for j in 0..<len { o[j] = f(x, pb[j]) } }
            } else {
                if accumulate { for j in 0..<len { o[j] += f(pa[j * sa], pb[j * sb]) } }
                else { for j in 0..<len { o[j] = f(pa[j * sa], pb[j * sb]) } }
            }
        }
    }

    /// Pushes `gradFull` (in the broadcast shape) back to `input` by summing over the broadcast axes;
    /// `f(g, a, b)` computes the elementwise local gradient.
    @inline(__always)
    static func binaryGrad(into input: Tensor, g: Tensor, a: Tensor, b: Tensor,
                           _ f: (Float, Float, Float) -> Float) {
        let outShape = g.shape
        if input.shape == outShape && a.shape == outShape && b.shape == outShape {
            let gp = g.ptr, ap = a.ptr, bp = b.ptr
            input.accumulateGrad { dst, acc in
                Parallel.forRanges(g.count) { s, e in
                    if acc { for i in s..<e { dst[i] += f(gp[i], ap[i], bp[i]) } }
                    else { for i in s..<e { dst[i] = f(gp[i], ap[i], bp[i]) } }
                }
            }
            return
        }
        // Local gradient in the full shape, then reduce to the input's shape.
        let full = Tensor(uninitialized: outShape)
        let gp = g.ptr, fp = full.ptr
        let (shape, strides) = Broadcast.collapse(outShape, [Broadcast.strides(of: outShape, in: outShape),
                                                             Broadcast.strides(of: a.shape, in: outShape),
                                                             Broadcast.strides(of: b.shape, in: outShape)])
        let sa = strides[1].last!, sb = strides[2].last!
        let ap = a.ptr, bp = b.ptr
        Broadcast.forEachRun(shape, strides) { off, len in
            for j in 0..<len {
                fp[off[0] + j] = f(gp[off[0] + j], ap[off[1] + j * sa], bp[off[2] + j * sb])
            }
        }
        input.accumulateGrad { dst, acc in
            reduceSum(fp, outShape, into: dst, input.shape, accumulate: acc)
        }
    }

    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor, _ op: String,
                       forward: @escaping (Float, Float) -> Float,
                       da: @escaping (Float, Float, Float) -> Float,
                       db: @escaping (Float, Float, Float) -> Float) throws -> Tensor {
        let shape = try Broadcast.shape(a.shape, b.shape, op: op)
        let out = Tensor(result: shape)
        zipWith(a.ptr, a.shape, b.ptr, b.shape, shape, out.ptr, accumulate: false, forward)
        return try record(out, op, [a, b]) { _, g in
            if a.requiresGrad { binaryGrad(into: a, g: g, a: a, b: b, da) }
            if b.requiresGrad { binaryGrad(into: b, g: g, a: a, b: b, db) }
        }
    }

    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        if a.shape == b.shape { return try addSameShape(a, b, sign: 1) }
        return try binary(a, b, "add", forward: { $0 + $1 }, da: { g, _, _ in g }, db: { g, _, _ in g })
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        if a.shape == b.shape { return try addSameShape(a, b, sign: -1) }
        return try binary(a, b, "sub", forward: { $0 - $1 }, da: { g, _, _ in g }, db: { g, _, _ in -g })
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        try binary(a, b, "mul", forward: { $0 * $1 }, da: { g, _, y in g * y }, db: { g, x, _ in g * x })
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        try binary(a, b, "div", forward: { $0 / $1 }, da: { g, _, y in g / y }, db: { g, x, y in -g * x / (y * y) })
    }

    /// Same-shape add/sub: the residual connection path, kept allocation-light (the gradient is passed through).
    static func addSameShape(_ a: Tensor, _ b: Tensor, sign: Float) throws -> Tensor {
        let out = Tensor(result: a.shape)
        let pa = a.ptr, pb = b.ptr, po = out.ptr
        Parallel.forRanges(a.count) { s, e in for i in s..<e { po[i] = pa[i] + sign * pb[i] } }
        return try record(out, sign > 0 ? "add" : "sub", [a, b]) { _, g in
            let gp = g.ptr, n = g.count
            if a.requiresGrad { a.accumulateGrad(from: g, fresh: false) }
            if b.requiresGrad {
                b.accumulateGrad { dst, acc in
                    Parallel.forRanges(n) { s, e in
                        if acc { for i in s..<e { dst[i] += sign * gp[i] } } else { for i in s..<e { dst[i] = sign * gp[i] } }
                    }
                }
            }
        }
    }

    // MARK: Scalars

    /// x · s + t elementwise (one fused affine op for all the scalar operators).
    public func affine(scale s: Float, shift t: Float) throws -> Tensor {
        let out = Tensor(result: shape)
        let px = ptr, po = out.ptr
        Parallel.forRanges(count) { a, e in for i in a..<e { po[i] = px[i] * s + t } }
        return try Tensor.record(out, "affine", [self]) { [self] _, g in
            let gp = g.ptr
            accumulateGrad { dst, acc in
                Parallel.forRanges(count) { a, e in
                    if acc { for i in a..<e { dst[i] += gp[i] * s } } else { for i in a..<e { dst[i] = gp[i] * s } }
                }
            }
        }
    }

    public static func + (a: Tensor, s: Float) throws -> Tensor { try a.affine(scale: 1, shift: s) }
    public static func + (s: Float, a: Tensor) throws -> Tensor { try a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) throws -> Tensor { try a.affine(scale: 1, shift: -s) }
    public static func - (s: Float, a: Tensor) throws -> Tensor { try a.affine(scale: -1, shift: s) }
    public static func * (a: Tensor, s: Float) throws -> Tensor { try a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) throws -> Tensor { try a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) throws -> Tensor { try a.affine(scale: 1 / s, shift: 0) }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.affine(scale: -1, shift: 0) }
}
