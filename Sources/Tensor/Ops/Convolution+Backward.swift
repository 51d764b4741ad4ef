import Common

/// The convolution's backward pass: the activation and bias gradient first, then the weight and input
/// gradients chunk by chunk, rebuilding each chunk's patches (cheaper than keeping the whole batch's patch
/// matrix alive between forward and backward).
extension ConvPass {
    func backward(out: Tensor, g: Tensor) {
        let dzT: Tensor? = activation == .identity ? nil : Tensor(uninitialized: out.shape)
        let dz = dzT?.ptr ?? g.ptr
        activationGradient(out: out, g: g, dz: dz)
        var wantW = weight.requiresGrad
        if let narrow = NarrowConv(geo, cout: cout) {
            let xp = x.ptr, wp = weight.ptr
            if wantW { weight.accumulateGrad { dw, acc in narrow.weightGradient(x: xp, n: n, dz: dz, dW: dw, accumulate: acc) } }
            if x.requiresGrad { x.accumulateGrad { dx, acc in narrow.inputGradient(dz: dz, n: n, weight: wp, dX: dx, accumulate: acc) } }
            withExtendedLifetime(dzT) {}
            return
        }
        if wantW, let direct = DirectConv(geo, cout: cout, forWeightGradient: true) {
            let xp = x.ptr
            Profiler.measure("\(tag) bwd dW direct") {
                weight.accumulateGrad { dw, acc in
                    direct.weightGradient(x: xp, n: n, dz: dz, dW: dw, accumulate: acc)
                }
            }
            wantW = false
        }
        if wantW || x.requiresGrad { chunkedGradients(dz: dz, weight: wantW) }
        withExtendedLifetime(dzT) {}
    }

    /// dz = g ⊙ act'(y) (in place of g for the identity), and the bias gradient Σ dz.
    private func activationGradient(out: Tensor, g: Tensor, dz: UnsafeMutablePointer<Float>) {
        guard activation != .identity || bias?.requiresGrad == true else { return }
        let rows = n * geo.pixels, cout = cout, activation = activation
        Profiler.measure("\(tag) bwd act+bias") {
            if let bias, bias.requiresGrad {
                bias.accumulateGrad { db, acc in
                    Tensor.activationBackward(g: g.ptr, y: out.ptr, dz: dz, rows: rows, n: cout, act: activation, dbias: db, accumulateBias: acc)
                }
            } else {
                Tensor.activationBackward(g: g.ptr, y: out.ptr, dz: dz, rows: rows, n: cout, act: activation, dbias: nil, accumulateBias: false)
            }
        }
    }

    /// Weight (when `weight`) and input (when x needs it) gradients by sgemm, chunk by chunk.
    private func chunkedGradients(dz: UnsafeMutablePointer<Float>, weight wantW: Bool) {
        let k = geo.k, pix = geo.pixels, xImage = xImage, geo = geo, tag = tag, cout = cout
        let wp = weight.ptr
        let dW: UnsafeMutablePointer<Float>?
        var wAcc = false
        if wantW {
            if weight.grad == nil { weight.grad = Tensor(uninitialized: weight.shape) } else { wAcc = true }
            dW = weight.grad!.ptr
        } else { dW = nil }
        let dX: UnsafeMutablePointer<Float>?
        var xAcc = false
        if x.requiresGrad {
            if x.grad == nil { x.grad = Tensor(uninitialized: x.shape) } else { xAcc = true }
            dX = x.grad!.ptr
        } else { dX = nil }
        let col = (geo.isPointwise || !wantW) ? nil : Tensor(uninitialized: [per * pix * k])
        let dcol = (dX != nil && !geo.isPointwise) ? Tensor(uninitialized: [per * pix * k]) : nil
        var start = 0
        while start < n {
            let imgs = min(per, n - start)
            let rows = imgs * pix
            let dzc = UnsafePointer(dz + start * pix * cout)
            if let dW {
                let a = patches(start: start, images: imgs, into: col, label: "bwd")
                Profiler.measure("\(tag) bwd dW gemm") {
                    BLAS.gemm(transA: true, transB: false, m: cout, n: k, k: rows, a: dzc, lda: cout, b: a, ldb: k,
                              beta: (start == 0 && !wAcc) ? 0 : 1, c: dW, ldc: k)
                }
            }
            if let dX {
                if let dcol {
                    let dp = dcol.ptr
                    Profiler.measure("\(tag) bwd dX gemm") {
                        BLAS.gemm(transA: false, transB: false, m: rows, n: k, k: cout, a: dzc, lda: cout, b: wp, ldb: k,
                                  beta: 0, c: dp, ldc: k)
                    }
                    Profiler.measure("\(tag) bwd col2im") {
                        Parallel.forEach(imgs) { i in
                            geo.col2im(dp + i * pix * k, dX + (start + i) * xImage, accumulate: xAcc)
                        }
                    }
                } else {
                    BLAS.gemm(transA: false, transB: false, m: rows, n: k, k: cout, a: dzc, lda: cout, b: wp, ldb: k,
                              beta: xAcc ? 1 : 0, c: dX + start * xImage, ldc: k)
                }
            }
            start += imgs
        }
    }
}
