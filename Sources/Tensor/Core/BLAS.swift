import CBLAS
import Common

/// Thin wrappers over OpenBLAS's row-major sgemm, the engine's only heavy arithmetic.
///
/// OpenBLAS runs single-threaded here and large products are split over the cores by `Parallel`, so one
/// thread pool does all the fan-out. With OpenBLAS's own pool beside it, its idle threads spin-wait for the
/// next product on the very cores the elementwise ops need (a fifth of a training step went to that).
public enum BLAS {
    /// Threads OpenBLAS itself uses for one GEMM call (1: `gemm` splits large products instead).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// Products of at least this many multiply-adds are split over the cores.
    static let splitWork = 1 << 21
    private static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// C[m,n] = alpha · op(A) · op(B) + beta · C, all row-major with the given leading dimensions. Large
    /// products are split by rows of C (or by columns when C is wide and short); every element's sum runs
    /// over k in the same order either way, so the bytes do not depend on the split.
    @inline(__always)
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = singleThreaded
        if Parallel.cores > 1, m * n * k >= splitWork, max(m, n) >= 2 * Parallel.cores {
            if m >= n {
                Parallel.forRanges(m, grain: 1) { s, e in
                    serialGemm(transA: transA, transB: transB, m: e - s, n: n, k: k, alpha: alpha,
                               a: transA ? a + s : a + s * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + s * ldc, ldc: ldc)
                }
            } else {
                Parallel.forRanges(n, grain: 1) { s, e in
                    serialGemm(transA: transA, transB: transB, m: m, n: e - s, k: k, alpha: alpha,
                               a: a, lda: lda, b: transB ? b + s * ldb : b + s, ldb: ldb, beta: beta, c: c + s, ldc: ldc)
                }
            }
            return
        }
        serialGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    @inline(__always)
    private static func serialGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                                   b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
