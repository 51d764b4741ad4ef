import Common

/// Transposed 2-D convolution over NHWC batches (the adjoint of `conv2d`, used by pixel decoders): one
/// sgemm per chunk of images into patch space, then col2im scatters the patches into the output.
///
/// Layouts: x [N, H, W, in]; weight [in, kh, kw, out].
extension Tensor {
    /// act(convTranspose(x, weight) + bias): the adjoint of `conv2d` with the same kernel, stride and padding,
    /// so a k4 s2 p1 transposed conv doubles H and W. Output extent (H−1)·stride − 2·padding + k + outputPadding.
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                                       outputPadding: Int = 0, activation: Activation = .identity) throws -> Tensor {
        guard x.rank == 4, weight.rank == 4, x.shape[3] == weight.shape[0] else {
            throw TensorError.shapeMismatch(op: "convTranspose2d", lhs: x.shape, rhs: weight.shape)
        }
        guard stride >= 1, padding >= 0, outputPadding >= 0, outputPadding < stride else {
            throw TensorError.invalidArgument(op: "convTranspose2d",
                message: "stride \(stride), padding \(padding), outputPadding \(outputPadding) need stride ≥ 1, padding ≥ 0, 0 ≤ outputPadding < stride")
        }
        let n = x.shape[0], ih = x.shape[1], iw = x.shape[2], cin = x.shape[3]
        let kh = weight.shape[1], kw = weight.shape[2], cout = weight.shape[3]
        let oh = (ih - 1) * stride - 2 * padding + kh + outputPadding
        let ow = (iw - 1) * stride - 2 * padding + kw + outputPadding
        guard oh >= 1, ow >= 1 else {
            throw TensorError.shapeMismatch(op: "convTranspose2d(empty output)", lhs: x.shape, rhs: weight.shape)
        }
        if let bias, bias.shape != [cout] { throw TensorError.shapeMismatch(op: "convTranspose2d(bias)", lhs: weight.shape, rhs: bias.shape) }
        // The adjoint convolution maps the output image (oh, ow, cout) to the input grid (ih, iw).
        let geo = ConvGeometry(h: oh, w: ow, c: cout, kh: kh, kw: kw, stride: stride, padding: padding)
        precondition(geo.oh == ih && geo.ow == iw, "convTranspose2d geometry")
        let k = geo.k, pix = ih * iw, yImage = oh * ow * cout
        let out = Tensor(result: [n, oh, ow, cout])
        let per = ConvTuning.imagesPerChunk(batch: n, floatsPerImage: pix * k)
        let col = Tensor(uninitialized: [per * pix * k])
        let xp = x.ptr, wp = weight.ptr, yp = out.ptr, cp = col.ptr
        let bp = bias.map { UnsafePointer($0.ptr) }
        var start = 0
        while start < n {
            let imgs = min(per, n - start)
            BLAS.gemm(transA: false, transB: false, m: imgs * pix, n: k, k: cin, a: xp + start * pix * cin, lda: cin,
                      b: wp, ldb: k, beta: 0, c: cp, ldc: k)
            Parallel.forEach(imgs) { i in geo.col2im(cp + i * pix * k, yp + (start + i) * yImage, accumulate: false) }
            biasActivate(yp + start * yImage, rows: imgs * oh * ow, n: cout, bias: bp, activation)
            start += imgs
        }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return try record(out, "convTranspose2d\(ih)x\(iw)x\(cin)→\(cout)", inputs) { out, g in
            let dzT: Tensor? = activation == .identity ? nil : Tensor(uninitialized: out.shape)
            let dz = dzT?.ptr ?? g.ptr
            if activation != .identity || bias?.requiresGrad == true {
                let rows = n * oh * ow
                if let bias, bias.requiresGrad {
                    bias.accumulateGrad { db, acc in
                        activationBackward(g: g.ptr, y: out.ptr, dz: dz, rows: rows, n: cout, act: activation, dbias: db, accumulateBias: acc)
                    }
                } else {
                    activationBackward(g: g.ptr, y: out.ptr, dz: dz, rows: rows, n: cout, act: activation, dbias: nil, accumulateBias: false)
                }
            }
            let wantW = weight.requiresGrad, wantX = x.requiresGrad
            if !wantW && !wantX { return }
            var wAcc = false, xAcc = false
            if wantW { if weight.grad == nil { weight.grad = Tensor(uninitialized: weight.shape) } else { wAcc = true } }
            if wantX { if x.grad == nil { x.grad = Tensor(uninitialized: x.shape) } else { xAcc = true } }
            let dW = weight.grad?.ptr, dX = x.grad?.ptr
            let dcol = Tensor(uninitialized: [per * pix * k])
            let dp = dcol.ptr
            var start = 0
            while start < n {
                let imgs = min(per, n - start)
                let rows = imgs * pix
                Parallel.forEach(imgs) { i in geo.im2col(dz + (start + i) * yImage, dp + i * pix * k) }
                if wantX, let dX {
                    BLAS.gemm(transA: false, transB: true, m: rows, n: cin, k: k, a: dp, lda: k, b: wp, ldb: k,
                              beta: xAcc ? 1 : 0, c: dX + start * pix * cin, ldc: cin)
                }
                if wantW, let dW {
                    BLAS.gemm(transA: true, transB: false, m: cin, n: k, k: rows, a: xp + start * pix * cin, lda: cin,
                              b: dp, ldb: k, beta: (start == 0 && !wAcc) ? 0 : 1, c: dW, ldc: k)
                }
                start += imgs
            }
        }
    }
}
