import CBLAS
import Common

extension Tensor {
    /// An interaction network's edge block as one op: for receivers r and senders s [M, C, H], weight
    /// [H2, H] (PyTorch layout) and bias [H2],
    ///
    ///     out[m, i] = (1/C) · Σ_j relu(W · relu(r[m, i] + s[m, j]) + b)        → [M, C, H2]
    ///
    /// Built from broadcast add, relu, linear, sum and scale it takes five passes over the M·C²·H pair
    /// tensor each way. Here (CBLAS/pairwise.h) a pair lives only in registers: formed, multiplied,
    /// activated and summed in one go; backward forms it again instead of storing it. Work is split by m
    /// and each m's weight gradient is kept apart and summed in order, so the bytes do not depend on the
    /// core count.
    public static func pairwiseMessages(receivers r: Tensor, senders s: Tensor, weight: Tensor, bias: Tensor) throws -> Tensor {
        guard r.rank == 3, r.shape == s.shape else { throw TensorError.shapeMismatch(op: "pairwiseMessages", lhs: r.shape, rhs: s.shape) }
        guard weight.rank == 2, weight.shape[1] == r.shape[2], bias.shape == [weight.shape[0]] else {
            throw TensorError.shapeMismatch(op: "pairwiseMessages(weight)", lhs: r.shape, rhs: weight.shape)
        }
        let kernel = PairwiseKernel(m: r.shape[0], c: r.shape[1], h: r.shape[2], h2: weight.shape[0], weight: weight.ptr, bias: bias.ptr)
        let out = Tensor(result: [kernel.m, kernel.c, kernel.h2])
        kernel.forward(r: r.ptr, s: s.ptr, out: out.ptr)
        return try record(out, "pairwiseMessages\(kernel.h)→\(kernel.h2)", [r, s, weight, bias]) { _, g in
            let dr = Tensor(uninitialized: r.shape), ds = Tensor(uninitialized: s.shape)
            let stride = kernel.partialStride
            let partial = Tensor(uninitialized: [kernel.m, stride])
            kernel.backward(r: r.ptr, s: s.ptr, g: g.ptr, dr: dr.ptr, ds: ds.ptr, partial: partial.ptr)
            let pp = partial.ptr
            // Σ over m, in m order, of every m's [dW | db].
            let dW = Tensor.zeros(weight.shape), db = Tensor.zeros(bias.shape)
            let h = kernel.h, hp = kernel.hp, h2 = kernel.h2, dwp = dW.ptr, dbp = db.ptr
            for mm in 0..<kernel.m {
                let src = pp + mm * stride
                for o in 0..<h2 { for k in 0..<h { dwp[o * h + k] += src[o * hp + k] } }
                for o in 0..<h2 { dbp[o] += src[h2 * hp + o] }
            }
            if weight.requiresGrad { weight.accumulateGrad(from: dW, fresh: true) }
            if bias.requiresGrad { bias.accumulateGrad(from: db, fresh: true) }
            if r.requiresGrad { r.accumulateGrad(from: dr, fresh: true) }
            if s.requiresGrad { s.accumulateGrad(from: ds, fresh: true) }
        }
    }
}

/// `pairwiseMessages`' operands for the C kernels (CBLAS/pairwise.h): W and Wᵀ zero-padded to multiples of
/// 16, split by m over the cores.
private struct PairwiseKernel {
    let m: Int, c: Int, h: Int, h2: Int
    let hp: Int, h2p: Int
    /// W [H2, Hp], Wᵀ [H, H2p] and the bias [H2p], zero-padded.
    let w: [Float], wT: [Float], b: [Float]
    var scale: Float { 1 / Float(c) }
    var scratch: Int { hp + h2p + c * (2 * hp + h2p) }

    init(m: Int, c: Int, h: Int, h2: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
        self.m = m; self.c = c; self.h = h; self.h2 = h2
        hp = (h + 15) / 16 * 16; h2p = (h2 + 15) / 16 * 16
        var w = [Float](repeating: 0, count: h2 * hp), wT = [Float](repeating: 0, count: h * h2p), b = [Float](repeating: 0, count: h2p)
        for o in 0..<h2 {
            b[o] = bias[o]
            for k in 0..<h { w[o * hp + k] = weight[o * h + k]; wT[k * h2p + o] = weight[o * h + k] }
        }
        self.w = w; self.wT = wT; self.b = b
    }

    func forward(r: UnsafePointer<Float>, s: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        wT.withUnsafeBufferPointer { wTb in b.withUnsafeBufferPointer { bb in
            Parallel.forEach(m) { mm in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { buf in
                    tk_pairwise_forward(r + mm * c * h, s + mm * c * h, Int32(c), Int32(h), Int32(h2), wTb.baseAddress!, bb.baseAddress!,
                                        scale, out + mm * c * h2, buf.baseAddress!)
                }
            }
        } }
    }

    /// Per m, [dW (H2 × Hp) | db (H2p)] into `partial`, and dr, ds [M, C, H] (overwritten).
    var partialStride: Int { h2 * hp + h2p }

    func backward(r: UnsafePointer<Float>, s: UnsafePointer<Float>, g: UnsafePointer<Float>,
                  dr: UnsafeMutablePointer<Float>, ds: UnsafeMutablePointer<Float>, partial: UnsafeMutablePointer<Float>) {
        let stride = partialStride
        w.withUnsafeBufferPointer { wb in wT.withUnsafeBufferPointer { wTb in b.withUnsafeBufferPointer { bb in
            Parallel.forEach(m) { mm in
                let pm = partial + mm * stride
                pm.initialize(repeating: 0, count: stride)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratch) { buf in
                    tk_pairwise_backward(r + mm * c * h, s + mm * c * h, g + mm * c * h2, Int32(c), Int32(h), Int32(h2),
                                         wTb.baseAddress!, wb.baseAddress!, bb.baseAddress!, scale,
                                         dr + mm * c * h, ds + mm * c * h, pm, pm + h2 * hp, buf.baseAddress!)
                }
            }
        } } }
    }
}
