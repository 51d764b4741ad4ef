import Common

/// 2-D convolution over NHWC batches: im2col + one sgemm per chunk of images (or, for short-patch layers
/// on AVX-512 CPUs, the direct kernels of `DirectConv`), with bias and activation fused into the output pass.
///
/// Layouts: x [N, H, W, C]; weight [out, kh, kw, in].
extension Tensor {
    /// act(conv(x, weight) + bias) with square stride and zero padding.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                              activation: Activation = .identity) throws -> Tensor {
        guard x.rank == 4, weight.rank == 4, x.shape[3] == weight.shape[3] else {
            throw TensorError.shapeMismatch(op: "conv2d", lhs: x.shape, rhs: weight.shape)
        }
        guard stride >= 1, padding >= 0 else {
            throw TensorError.invalidArgument(op: "conv2d", message: "stride \(stride) and padding \(padding) must be ≥ 1 and ≥ 0")
        }
        let n = x.shape[0], cout = weight.shape[0]
        let geo = ConvGeometry(h: x.shape[1], w: x.shape[2], c: x.shape[3], kh: weight.shape[1], kw: weight.shape[2],
                               stride: stride, padding: padding)
        guard geo.oh >= 1, geo.ow >= 1 else {
            throw TensorError.shapeMismatch(op: "conv2d(kernel larger than padded input)", lhs: x.shape, rhs: weight.shape)
        }
        if let bias, bias.shape != [cout] { throw TensorError.shapeMismatch(op: "conv2d(bias)", lhs: weight.shape, rhs: bias.shape) }
        let k = geo.k, pix = geo.pixels
        let out = Tensor(result: [n, geo.oh, geo.ow, cout])
        let xImage = geo.h * geo.w * geo.c
        let per = ConvTuning.imagesPerChunk(batch: n, floatsPerImage: pix * k)
        let direct = DirectConv(geo, cout: cout)
        let col = (geo.isPointwise || direct != nil) ? nil : Tensor(uninitialized: [per * pix * k])
        let xp = x.ptr, wp = weight.ptr, yp = out.ptr
        let bp = bias.map { UnsafePointer($0.ptr) }
        let tag = "conv\(geo.h)x\(geo.w)x\(geo.c)→\(cout)"
        if let direct {
            Profiler.measure("\(tag) fwd direct") {
                direct.forward(x: xp, n: n, weight: wp, bias: bp, relu: activation == .relu, y: yp)
            }
        }
        var start = direct == nil ? 0 : n
        while start < n {
            let imgs = min(per, n - start)
            let a: UnsafePointer<Float>
            if let col {
                let cp = col.ptr
                Profiler.measure("\(tag) fwd im2col") {
                    Parallel.forEach(imgs) { i in geo.im2col(xp + (start + i) * xImage, cp + i * pix * k) }
                }
                a = UnsafePointer(cp)
            } else {
                a = UnsafePointer(xp + start * xImage)
            }
            let y = yp + start * pix * cout
            Profiler.measure("\(tag) fwd gemm") {
                BLAS.gemm(transA: false, transB: true, m: imgs * pix, n: cout, k: k, a: a, lda: k, b: wp, ldb: k, beta: 0, c: y, ldc: cout)
            }
            Profiler.measure("\(tag) fwd bias+act") { biasActivate(y, rows: imgs * pix, n: cout, bias: bp, activation) }
            start += imgs
        }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return try record(out, "conv2d", inputs) { out, g in
            let dzT: Tensor? = activation == .identity ? nil : Tensor(uninitialized: out.shape)
            let dz = dzT?.ptr ?? g.ptr
            if activation != .identity || bias?.requiresGrad == true {
                let rows = n * pix
                Profiler.measure("\(tag) bwd act+bias") {
                    if let bias, bias.requiresGrad {
                        bias.accumulateGrad { db, acc in
                            activationBackward(g: g.ptr, y: out.ptr, dz: dz, rows: rows, n: cout, act: activation, dbias: db, accumulateBias: acc)
                        }
                    } else {
                        activationBackward(g: g.ptr, y: out.ptr, dz: dz, rows: rows, n: cout, act: activation, dbias: nil, accumulateBias: false)
                    }
                }
            }
            // Weight and input gradients chunk by chunk, rebuilding each chunk's patches (cheaper than
            // keeping the whole batch's patch matrix alive between forward and backward).
            let wantX = x.requiresGrad
            var wantW = weight.requiresGrad
            if wantW, let direct = DirectConv(geo, cout: cout, forWeightGradient: true) {
                Profiler.measure("\(tag) bwd dW direct") {
                    weight.accumulateGrad { dw, acc in
                        direct.weightGradient(x: xp, n: n, dz: dz, dW: dw, accumulate: acc)
                    }
                }
                wantW = false
            }
            if !wantW && !wantX { return }
            let dW: UnsafeMutablePointer<Float>?
            var wAcc = false
            if wantW {
                if weight.grad == nil { weight.grad = Tensor(uninitialized: weight.shape) } else { wAcc = true }
                dW = weight.grad!.ptr
            } else { dW = nil }
            let dX: UnsafeMutablePointer<Float>?
            var xAcc = false
            if wantX {
                if x.grad == nil { x.grad = Tensor(uninitialized: x.shape) } else { xAcc = true }
                dX = x.grad!.ptr
            } else { dX = nil }
            let col = (geo.isPointwise || !wantW) ? nil : Tensor(uninitialized: [per * pix * k])
            let dcol = (wantX && !geo.isPointwise) ? Tensor(uninitialized: [per * pix * k]) : nil
            var start = 0
            while start < n {
                let imgs = min(per, n - start)
                let rows = imgs * pix
                let dzc = UnsafePointer(dz + start * pix * cout)
                if let dW {
                    let a: UnsafePointer<Float>
                    if let col {
                        let cp = col.ptr
                        Profiler.measure("\(tag) bwd im2col") {
                            Parallel.forEach(imgs) { i in geo.im2col(xp + (start + i) * xImage, cp + i * pix * k) }
                        }
                        a = UnsafePointer(cp)
                    } else { a = UnsafePointer(xp + start * xImage) }
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
}
