import Common

/// Geometry of a 2-D convolution over NHWC images, and the im2col / col2im kernels that turn it into one
/// GEMM: each output pixel becomes a row of its kh·kw·C input patch (ky, kx, c order, matching the
/// [out, kh, kw, in] weight layout).
struct ConvGeometry: Equatable {
    var h: Int, w: Int, c: Int          // input image
    var kh: Int, kw: Int
    var stride: Int, padding: Int
    var oh: Int, ow: Int                // output image

    init(h: Int, w: Int, c: Int, kh: Int, kw: Int, stride: Int, padding: Int) {
        self.h = h; self.w = w; self.c = c; self.kh = kh; self.kw = kw; self.stride = stride; self.padding = padding
        oh = (h + 2 * padding - kh) / stride + 1
        ow = (w + 2 * padding - kw) / stride + 1
    }

    /// Patch length (columns of the im2col matrix).
    var k: Int { kh * kw * c }
    /// Output pixels per image (rows of the im2col matrix per image).
    var pixels: Int { oh * ow }
    /// True when the im2col matrix is the input itself (1×1, stride 1, no padding).
    var isPointwise: Bool { kh == 1 && kw == 1 && stride == 1 && padding == 0 }

    /// Writes the patches of one image (`x` points at its first element) into `col` (pixels × k).
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let rowLen = kw * c
        for oy in 0..<oh {
            for ox in 0..<ow {
                let row = col + (oy * ow + ox) * k
                let ix0 = ox * stride - padding
                let interior = ix0 >= 0 && ix0 + kw <= w
                for ky in 0..<kh {
                    let iy = oy * stride - padding + ky
                    let dst = row + ky * rowLen
                    if iy < 0 || iy >= h { dst.initialize(repeating: 0, count: rowLen); continue }
                    let src = x + (iy * w) * c
                    if interior {
                        copyFloats(src + ix0 * c, dst, rowLen)
                    } else {
                        for kx in 0..<kw {
                            let ix = ix0 + kx
                            if ix < 0 || ix >= w { (dst + kx * c).initialize(repeating: 0, count: c) }
                            else { copyFloats(src + ix * c, dst + kx * c, c) }
                        }
                    }
                }
            }
        }
    }

    /// Adds the patches in `col` back into one image `x` (the adjoint of `im2col`); zeroes `x` first unless
    /// `accumulate`.
    func col2im(_ col: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if !accumulate { x.initialize(repeating: 0, count: h * w * c) }
        let rowLen = kw * c
        for oy in 0..<oh {
            for ox in 0..<ow {
                let row = col + (oy * ow + ox) * k
                let ix0 = ox * stride - padding
                let interior = ix0 >= 0 && ix0 + kw <= w
                for ky in 0..<kh {
                    let iy = oy * stride - padding + ky
                    if iy < 0 || iy >= h { continue }
                    let src = row + ky * rowLen
                    let dst = x + (iy * w) * c
                    if interior {
                        let d = dst + ix0 * c
                        for j in 0..<rowLen { d[j] += src[j] }
                    } else {
                        for kx in 0..<kw {
                            let ix = ix0 + kx
                            if ix < 0 || ix >= w { continue }
                            let d = dst + ix * c, s = src + kx * c
                            for j in 0..<c { d[j] += s[j] }
                        }
                    }
                }
            }
        }
    }
}

/// Copies `n` floats; short runs (the 3-channel first layer copies 12 floats at a time) use an inline loop
/// instead of a memmove call.
@inline(__always)
func copyFloats(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    if n >= 64 { dst.update(from: src, count: n); return }
    var j = 0
    while j + 8 <= n { store8(load8(src + j), dst + j); j += 8 }
    while j < n { dst[j] = src[j]; j += 1 }
}

/// Batch chunking for the im2col GEMMs: a chunk's patch matrix stays in cache between im2col and sgemm.
public enum ConvTuning {
    /// Target floats in one chunk's patch matrix (default 1M = 4 MB).
    nonisolated(unsafe) public static var chunkFloats = 1 << 20
    /// Use the AVX-512 direct kernels for short-patch layers (the RGB input layer) when the CPU has them.
    nonisolated(unsafe) public static var directKernels = true
    /// Longest patch (kh·kw·C) for which the direct kernels are used instead of im2col + sgemm.
    nonisolated(unsafe) public static var directMaxPatch = 64

    /// Images per chunk for a layer with `floatsPerImage` patch floats: at least 1 and, when the batch
    /// allows, at least one per core so im2col/col2im can run in parallel.
    static func imagesPerChunk(batch: Int, floatsPerImage: Int) -> Int {
        var n = max(1, chunkFloats / max(floatsPerImage, 1))
        n = max(n, min(batch, Parallel.cores))
        return min(n, max(batch, 1))
    }
}
