import CBLAS
import Common

extension Tensor {
    /// The objects predictor's repulsive edges (`model.predictor.edges: repulsive`) for inference, in one pass
    /// (CBLAS/repulsion.h): for every receiver i, the sum over the other maps j of
    ///
    ///     softplus(k·s_ij)/k · exp(−d²_ij / 2w²) · mass_j · (c_i − c_j)/d_ij,   s_ij = MLP(S_i + T_j + R·f_ij)
    ///
    /// with f_ij the pair's distance, closing and sideways speeds (and forces), as `ObjectsPredictor.pushes` builds
    /// them from graph ops. Those build [M, C, C, ·] tensors some 40 times over; planning rolls the model out on 48
    /// samples of 576 pairs each step, so there the pairs are kept in registers instead. Records no graph: it is
    /// called only where `Autograd.isEnabled` is off, and a test checks it against the graph path.
    ///
    /// source, target [M, C, K]; relative [K, 3 or 6]; hidden [K, K] and hiddenBias [K]; size [1, K] and sizeBias [1];
    /// centroid, velocity [M, C, 2]; forces [M, C, 2] (map axes) or nil; mass [M, C, 1]. Returns [M, C, 2].
    public static func repulsivePushes(source: Tensor, target: Tensor, relative: Tensor, hidden: Tensor, hiddenBias: Tensor,
                                       size: Tensor, sizeBias: Tensor, centroid: Tensor, velocity: Tensor, forces: Tensor?,
                                       mass: Tensor, scale: Float, sharpness: Float, width: Float) throws -> Tensor {
        let m = source.shape[0], c = source.shape[1], k = source.shape[2]
        guard source.rank == 3, target.shape == source.shape, k <= 64, hidden.shape == [k, k], hiddenBias.shape == [k],
              size.shape == [1, k], sizeBias.shape == [1], relative.shape == [k, forces == nil ? 3 : 6],
              centroid.shape == [m, c, 2], velocity.shape == [m, c, 2], mass.shape == [m, c, 1],
              forces.map({ $0.shape == [m, c, 2] }) ?? true else {
            throw TensorError.shapeMismatch(op: "repulsivePushes", lhs: source.shape, rhs: relative.shape)
        }
        let out = Tensor(result: [m, c, 2])
        let s = source.ptr, t = target.ptr, r = relative.ptr, w1 = hidden.ptr, b1 = hiddenBias.ptr, w2 = size.ptr
        let b2 = sizeBias.ptr[0], cen = centroid.ptr, vel = velocity.ptr, f = forces?.ptr, ms = mass.ptr, o = out.ptr
        let inv2w2 = 1 / (2 * width * width)
        Parallel.forEach(m) { i in
            tk_repulsion_forward(Int32(c), Int32(k), s + i * c * k, t + i * c * k, r, w1, b1, w2, b2,
                                 cen + i * c * 2, vel + i * c * 2, f.map { $0 + i * c * 2 }, ms + i * c,
                                 scale, sharpness, inv2w2, o + i * c * 2)
        }
        return out
    }
}
