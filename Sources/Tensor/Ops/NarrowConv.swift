import Common

/// Direct convolution for layers with at most four output channels (a decoder's RGB layer). im2col + sgemm
/// loses badly there: the patch matrix is K = k²·C wide for an N = 3 product, so the layer becomes a pass
/// over a patch matrix k² times the image, forward and twice backward. Here each output pixel reads its
/// taps straight from the image, eight input channels at a time, and every image's weight gradient is
/// summed apart and then in image order, so the bytes do not depend on the core count.
struct NarrowConv {
    static let maxOutputs = 4
    let geo: ConvGeometry
    let cout: Int

    init?(_ geo: ConvGeometry, cout: Int) {
        guard ConvTuning.directKernels, cout <= Self.maxOutputs, geo.c % 8 == 0, !geo.isPointwise else { return nil }
        self.geo = geo; self.cout = cout
    }

    private typealias V = SIMD8<Float>
    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) private static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// Calls `body(tap, offset)` for every tap of output pixel (oy, ox) that lands inside the image, with the
    /// tap's index (ky·kw + kx) and the input pixel's offset in floats.
    @inline(__always)
    private func forEachTap(_ oy: Int, _ ox: Int, _ body: (Int, Int) -> Void) {
        for ky in 0..<geo.kh {
            let iy = oy * geo.stride - geo.padding + ky
            if iy < 0 || iy >= geo.h { continue }
            for kx in 0..<geo.kw {
                let ix = ox * geo.stride - geo.padding + kx
                if ix < 0 || ix >= geo.w { continue }
                body(ky * geo.kw + kx, (iy * geo.w + ix) * geo.c)
            }
        }
    }

    /// y [n, oh, ow, cout] = conv(x) (no bias); weight [cout, kh, kw, C].
    func forward(x: UnsafePointer<Float>, n: Int, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let c = geo.c, k = geo.k, co = cout, xImage = geo.h * geo.w * c, yImage = geo.pixels * co
        Parallel.forEach(n) { i in
            let xi = x + i * xImage, yi = y + i * yImage
            for oy in 0..<geo.oh { for ox in 0..<geo.ow {
                var acc = (V(), V(), V(), V())
                forEachTap(oy, ox) { tap, offset in
                    let xp = xi + offset, wp = weight + tap * c
                    for ch in stride(from: 0, to: c, by: 8) {
                        let v = Self.load(xp + ch)
                        acc.0 += v * Self.load(wp + ch)
                        if co > 1 { acc.1 += v * Self.load(wp + k + ch) }
                        if co > 2 { acc.2 += v * Self.load(wp + 2 * k + ch) }
                        if co > 3 { acc.3 += v * Self.load(wp + 3 * k + ch) }
                    }
                }
                let out = yi + (oy * geo.ow + ox) * co
                out[0] = acc.0.sum()
                if co > 1 { out[1] = acc.1.sum() }
                if co > 2 { out[2] = acc.2.sum() }
                if co > 3 { out[3] = acc.3.sum() }
            } }
        }
    }

    /// dX [n, h, w, C] (+)= the adjoint of `forward` applied to dz [n, oh, ow, cout].
    func inputGradient(dz: UnsafePointer<Float>, n: Int, weight: UnsafePointer<Float>, dX: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let c = geo.c, k = geo.k, co = cout, xImage = geo.h * geo.w * c, yImage = geo.pixels * co
        Parallel.forEach(n) { i in
            let dxi = dX + i * xImage, dzi = dz + i * yImage
            if !accumulate { dxi.initialize(repeating: 0, count: xImage) }
            for oy in 0..<geo.oh { for ox in 0..<geo.ow {
                let g = dzi + (oy * geo.ow + ox) * co
                let g0 = g[0], g1 = co > 1 ? g[1] : 0, g2 = co > 2 ? g[2] : 0, g3 = co > 3 ? g[3] : 0
                forEachTap(oy, ox) { tap, offset in
                    let dp = dxi + offset, wp = weight + tap * c
                    for ch in stride(from: 0, to: c, by: 8) {
                        var v = Self.load(dp + ch) + g0 * Self.load(wp + ch)
                        if co > 1 { v += g1 * Self.load(wp + k + ch) }
                        if co > 2 { v += g2 * Self.load(wp + 2 * k + ch) }
                        if co > 3 { v += g3 * Self.load(wp + 3 * k + ch) }
                        Self.store(v, dp + ch)
                    }
                }
            } }
        }
    }

    /// dW [cout, kh, kw, C] (+)= Σ over images and pixels of dz ⊗ the pixel's taps.
    func weightGradient(x: UnsafePointer<Float>, n: Int, dz: UnsafePointer<Float>, dW: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let c = geo.c, k = geo.k, co = cout, xImage = geo.h * geo.w * c, yImage = geo.pixels * co
        let partial = Tensor.zeros([n, co * k])
        let pp = partial.ptr
        Parallel.forEach(n) { i in
            let xi = x + i * xImage, dzi = dz + i * yImage, acc = pp + i * co * k
            for oy in 0..<geo.oh { for ox in 0..<geo.ow {
                let g = dzi + (oy * geo.ow + ox) * co
                forEachTap(oy, ox) { tap, offset in
                    let xp = xi + offset
                    for o in 0..<co {
                        let go = g[o], ap = acc + o * k + tap * c
                        for ch in stride(from: 0, to: c, by: 8) { Self.store(Self.load(ap + ch) + go * Self.load(xp + ch), ap + ch) }
                    }
                }
            } }
        }
        if !accumulate { dW.initialize(repeating: 0, count: co * k) }
        for i in 0..<n { let src = pp + i * co * k; for j in 0..<(co * k) { dW[j] += src[j] } }
    }
}
