import Tensor

/// Mass, centroid and variance of every channel of a spatial latent: linear or near-linear reads of where
/// each mask's object is. The objects predictor reads them, and the centroid loss compares them.
struct MapMoments {
    let height: Int, width: Int, channels: Int
    /// The moment basis (1, x, y, x², y²) over the map's cells, [h·w, 5], in cell units (x along a row, y down the rows).
    let basis: Tensor
    /// x·y over the map's cells, [h·w, 1]: the cross moment that orients a shape (kept apart from `basis`, whose
    /// products every model already depends on bit for bit).
    let crossBasis: Tensor

    init(height: Int, width: Int, channels: Int) {
        self.height = height; self.width = width; self.channels = channels
        var v = [Float](); v.reserveCapacity(height * width * 5)
        for y in 0..<height { for x in 0..<width {
            let fx = Float(x), fy = Float(y)
            v += [1, fx, fy, fx * fx, fy * fy]
        } }
        basis = try! Tensor(v, shape: [height * width, 5])
        crossBasis = try! Tensor((0..<(height * width)).map { Float($0 % width) * Float($0 / width) }, shape: [height * width, 1])
    }

    /// Mass [M, C, 1], centroid [M, C, 2] (cells, (x, y)) and variance [M, C, 2] of every channel's map of z [M, h·w·C].
    func callAsFunction(_ z: Tensor) throws -> (mass: Tensor, centroid: Tensor, variance: Tensor) {
        let m = z.shape[0], p = height * width
        let moments = try z.reshaped([m, p, channels]).permuted([0, 2, 1]).matmul(basis)     // [M, C, 5]
        let mass = try moments.slice(axis: 2, 0..<1)
        // A small floor keeps empty channels (mass ≈ 0) finite; a ball's mass is ≈ 1, biased by 1 %.
        let denominator = try mass + Float(0.01)
        let centroid = try moments.slice(axis: 2, 1..<3) / denominator
        let variance = try moments.slice(axis: 2, 3..<5) / denominator - centroid.square()
        return (mass, centroid, variance)
    }

    /// σx² + σy² of every channel's map of z [M, h·w·C], [M, C, 1], without `callAsFunction`'s mass floor. The floor
    /// adds about 1 % of x² + y² (x, y in cells from the map's corner: 4 cells² in the far corner of a 16×16 map), so a
    /// ball would look wider the further it is from the origin. An empty channel's value means nothing.
    func spread(_ z: Tensor) throws -> Tensor {
        let m = z.shape[0], p = height * width
        let raw = try z.reshaped([m, p, channels]).permuted([0, 2, 1]).matmul(basis)            // [M, C, 5]
        let mass = try raw.slice(axis: 2, 0..<1) + Float(1e-12)
        let mean = try raw.slice(axis: 2, 1..<3) / mass.expand(to: [m, channels, 2])
        let square = try raw.slice(axis: 2, 3..<5) / mass.expand(to: [m, channels, 2])
        return try (square - mean.square()).sum(axes: [2], keepDims: true)
    }

    /// The complex second central moment μ₂ = (σ²ₓ − σ²ᵧ) + i·2σₓᵧ of every channel's map, [M, C, 2], divided by the
    /// spread σ²ₓ + σ²ᵧ: its argument is twice the map's orientation and its length (0 for a disc, towards 1 for a thin
    /// bar) how clearly it shows one. `moments` is `self(z)`, passed in because callers already have it.
    func orientation(_ z: Tensor, _ moments: (mass: Tensor, centroid: Tensor, variance: Tensor)) throws -> Tensor {
        let m = z.shape[0], p = height * width
        let sumXY = try z.reshaped([m, p, channels]).permuted([0, 2, 1]).matmul(crossBasis)      // [M, C, 1]
        let cx = try moments.centroid.slice(axis: 2, 0..<1), cy = try moments.centroid.slice(axis: 2, 1..<2)
        let covariance = try sumXY / (moments.mass + Float(0.01)) - cx * cy
        let vx = try moments.variance.slice(axis: 2, 0..<1), vy = try moments.variance.slice(axis: 2, 1..<2)
        let spread = try (vx + vy).relu() + Float(0.01)
        return try Tensor.concat([(vx - vy) / spread, covariance * 2 / spread], axis: 2)
    }

    /// Mean over samples and channels of ‖centroid(p) − centroid(q)‖², each channel weighted by the target's mass
    /// (an empty channel has no centroid to match). Why: the latent MSE of a blob grows slowly with a wrong
    /// displacement, so under uncertainty it rewards moving too little; the centroid term is quadratic in it.
    func centroidLoss(_ p: Tensor, _ q: Tensor) throws -> Tensor {
        let a = try self(p), b = try self(q)
        return try ((a.centroid - b.centroid).square() * b.mass).mean()
    }
}
