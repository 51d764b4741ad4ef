import CBLAS
import Common

/// Direct (im2col-free) convolution for layers with a short patch, such as the RGB input layer, using the
/// AVX-512 kernels in CBLAS/kernels.h: each core pads one image at a time into a small scratch buffer and
/// multiplies straight out of it. OpenBLAS is poor at the sgemm this layer becomes (K = 48, N = 32).
struct DirectConv {
    static let available = tk_has_avx512() != 0

    let geo: ConvGeometry
    let cout: Int
    var paddedH: Int { geo.h + 2 * geo.padding }
    var paddedW: Int { geo.w + 2 * geo.padding }

    /// Nil when the layer is not one the kernels handle (or the CPU lacks AVX-512, or it is switched off).
    init?(_ geo: ConvGeometry, cout: Int, forWeightGradient: Bool = false) {
        guard ConvTuning.directKernels, DirectConv.available, geo.k <= ConvTuning.directMaxPatch,
              forWeightGradient ? (cout == 16 || cout == 32) : (cout == 16 || cout == 32 || cout == 64) else { return nil }
        // The padded image must cover every window (it does whenever the output size formula holds).
        guard (geo.oh - 1) * geo.stride + geo.kh <= geo.h + 2 * geo.padding,
              (geo.ow - 1) * geo.stride + geo.kw <= geo.w + 2 * geo.padding else { return nil }
        self.geo = geo
        self.cout = cout
    }

    /// Copies one NHWC image into the zeroed centre of `dst` [paddedH, paddedW, C].
    func pad(_ x: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let c = geo.c, p = geo.padding, wp = paddedW
        dst.initialize(repeating: 0, count: paddedH * wp * c)
        for y in 0..<geo.h {
            (dst + ((y + p) * wp + p) * c).update(from: x + y * geo.w * c, count: geo.w * c)
        }
    }

    /// y [n, oh, ow, cout] = act(conv(x) + bias); weight [cout, K].
    func forward(x: UnsafePointer<Float>, n: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 relu: Bool, y: UnsafeMutablePointer<Float>) {
        let k = geo.k, co = cout
        let wT = Tensor(uninitialized: [k, co])
        for o in 0..<co { for j in 0..<k { wT.ptr[j * co + o] = weight[o * k + j] } }
        let b = Tensor.zeros([co])
        if let bias { b.ptr.update(from: bias, count: co) }
        let xImage = geo.h * geo.w * geo.c, yImage = geo.pixels * co
        let wp = UnsafePointer(wT.ptr), bp = UnsafePointer(b.ptr)
        Parallel.forRanges(n, grain: 1) { s, e in
            let scratch = Tensor(uninitialized: [paddedH * paddedW * geo.c])
            for i in s..<e {
                pad(x + i * xImage, into: scratch.ptr)
                _ = tk_conv_direct_forward(scratch.ptr, Int32(paddedW), Int32(geo.c), Int32(geo.kh), Int32(geo.kw),
                                           Int32(geo.stride), Int32(geo.oh), Int32(geo.ow), wp, Int32(co), bp,
                                           relu ? 1 : 0, y + i * yImage)
            }
        }
    }

    /// dW [cout, K] (+)= Σ over images of dzᵀ · patches.
    func weightGradient(x: UnsafePointer<Float>, n: Int, dz: UnsafePointer<Float>, dW: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let k = geo.k, co = cout
        let xImage = geo.h * geo.w * geo.c, yImage = geo.pixels * co
        let parts = min(Parallel.cores, max(n, 1))
        let partial = Tensor.zeros([parts, k * co])
        let pp = partial.ptr
        Parallel.forEach(parts) { part in
            let scratch = Tensor(uninitialized: [paddedH * paddedW * geo.c])
            let acc = pp + part * k * co
            for i in (n * part / parts)..<(n * (part + 1) / parts) {
                pad(x + i * xImage, into: scratch.ptr)
                _ = tk_conv_direct_weight_grad(scratch.ptr, Int32(paddedW), Int32(geo.c), Int32(geo.kh), Int32(geo.kw),
                                               Int32(geo.stride), Int32(geo.oh), Int32(geo.ow), dz + i * yImage, Int32(co), acc)
            }
        }
        for o in 0..<co {
            for j in 0..<k {
                var v: Float = 0
                for p in 0..<parts { v += pp[p * k * co + j * co + o] }
                if accumulate { dW[o * k + j] += v } else { dW[o * k + j] = v }
            }
        }
    }
}
