import CBLAS
import Foundation

/// Statistics for monitoring latents (no autodiff): eigenvalues and the effective rank used as a
/// collapse monitor.
extension Tensor {
    /// Eigenvalues (ascending) of a symmetric matrix [D, D], via LAPACK's ssyev.
    public func symmetricEigenvalues() throws -> [Float] {
        guard rank == 2, shape[0] == shape[1] else {
            throw TensorError.invalidArgument(op: "symmetricEigenvalues", message: "needs a square matrix, got shape \(shape)")
        }
        var n = Int32(shape[0]), lda = n, info: Int32 = 0
        if n == 0 { return [] }
        var a = scalars
        var w = [Float](repeating: 0, count: Int(n))
        var lwork: Int32 = -1
        var query: Float = 0
        var jobz = Int8(UInt8(ascii: "N")), uplo = Int8(UInt8(ascii: "U"))
        ssyev_(&jobz, &uplo, &n, &a, &lda, &w, &query, &lwork, &info)
        lwork = Int32(query)
        var work = [Float](repeating: 0, count: Int(max(lwork, 1)))
        ssyev_(&jobz, &uplo, &n, &a, &lda, &w, &work, &lwork, &info)
        guard info == 0 else {
            throw TensorError.invalidArgument(op: "symmetricEigenvalues", message: "LAPACK ssyev failed (info \(info))")
        }
        return w
    }

    /// Effective rank of a batch of latents z [N, D] (RankMe, Garrido et al. 2023): exp of the entropy of the
    /// normalised singular values of the centred batch. D for a well-spread batch, 1 for a collapsed one.
    /// Read it beside the absolute per-dimension std: a uniformly shrunken batch keeps a high rank.
    public static func effectiveRank(_ z: Tensor) throws -> Float {
        let (xc, n, d) = try centredColumns(z, op: "effectiveRank")
        let gram = Tensor(uninitialized: [d, d])
        BLAS.gemm(transA: true, transB: false, m: d, n: d, k: n, a: xc.ptr, lda: d, b: xc.ptr, ldb: d, beta: 0, c: gram.ptr, ldc: d)
        let sv = try gram.symmetricEigenvalues().map { Double(max($0, 0)).squareRoot() }
        let total = sv.reduce(0, +)
        guard total > 0 else { return 0 }
        var entropy = 0.0
        for s in sv where s > 0 { let p = s / total + 1e-12; entropy -= p * Foundation.log(p) }
        return Float(Foundation.exp(entropy))
    }
}
