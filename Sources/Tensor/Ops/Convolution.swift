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
        let out = Tensor(result: [n, geo.oh, geo.ow, cout])
        let pass = ConvPass(geo: geo, n: n, cout: cout, x: x, weight: weight, bias: bias, activation: activation)
        pass.forward(into: out)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return try record(out, pass.tag, inputs) { out, g in pass.backward(out: out, g: g) }
    }
}

/// One convolution's sizes and operands, shared by its forward pass and the backward closure.
struct ConvPass {
    let geo: ConvGeometry
    let n: Int, cout: Int
    let x: Tensor, weight: Tensor, bias: Tensor?
    let activation: Activation
    /// Images per im2col chunk (bounds the patch matrix).
    let per: Int
    let tag: String

    init(geo: ConvGeometry, n: Int, cout: Int, x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation) {
        self.geo = geo; self.n = n; self.cout = cout; self.x = x; self.weight = weight; self.bias = bias
        self.activation = activation
        per = ConvTuning.imagesPerChunk(batch: n, floatsPerImage: geo.pixels * geo.k)
        tag = "conv\(geo.h)x\(geo.w)x\(geo.c)→\(cout)"
    }

    var xImage: Int { geo.h * geo.w * geo.c }

    /// The GEMM operand of images `start ..< start + images`: their im2col patches in `col`, or the images
    /// themselves for a pointwise layer (`col` nil).
    func patches(start: Int, images: Int, into col: Tensor?, label: String) -> UnsafePointer<Float> {
        let xp = x.ptr, xImage = xImage, geo = geo, stride = geo.pixels * geo.k
        guard let col else { return UnsafePointer(xp + start * xImage) }
        let cp = col.ptr
        Profiler.measure("\(tag) \(label) im2col") {
            Parallel.forEach(images) { i in geo.im2col(xp + (start + i) * xImage, cp + i * stride) }
        }
        return UnsafePointer(cp)
    }

    /// act(conv(x) + bias) into `out`: the direct kernels when they fit, else im2col + sgemm chunk by chunk.
    func forward(into out: Tensor) {
        let k = geo.k, pix = geo.pixels, tag = tag
        let direct = DirectConv(geo, cout: cout)
        let col = (geo.isPointwise || direct != nil || NarrowConv(geo, cout: cout) != nil) ? nil : Tensor(uninitialized: [per * pix * k])
        let xp = x.ptr, wp = weight.ptr, yp = out.ptr
        let bp = bias.map { UnsafePointer($0.ptr) }
        if let direct {
            Profiler.measure("\(tag) fwd direct") {
                direct.forward(x: xp, n: n, weight: wp, bias: bp, relu: activation == .relu, y: yp)
            }
        }
        let narrow = direct == nil ? NarrowConv(geo, cout: cout) : nil
        if let narrow {
            narrow.forward(x: xp, n: n, weight: wp, y: yp)
            Tensor.biasActivate(yp, rows: n * pix, n: cout, bias: bp, activation)
        }
        var start = direct == nil && narrow == nil ? 0 : n
        while start < n {
            let imgs = min(per, n - start)
            let a = patches(start: start, images: imgs, into: col, label: "fwd")
            let y = yp + start * pix * cout
            Profiler.measure("\(tag) fwd gemm") {
                BLAS.gemm(transA: false, transB: true, m: imgs * pix, n: cout, k: k, a: a, lda: k, b: wp, ldb: k, beta: 0, c: y, ldc: cout)
            }
            Profiler.measure("\(tag) fwd bias+act") { Tensor.biasActivate(y, rows: imgs * pix, n: cout, bias: bp, activation) }
            start += imgs
        }
    }
}
