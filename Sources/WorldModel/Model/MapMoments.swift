import Tensor

/// Mass, centroid and variance of every channel of a spatial latent: linear or near-linear reads of where
/// each mask's object is. The objects predictor reads them, and the centroid loss compares them.
struct MapMoments {
    let height: Int, width: Int, channels: Int
    /// The moment basis (1, x, y, x², y²) over the map's cells, [h·w, 5], in cell units (x along a row, y down the rows).
    let basis: Tensor

    init(height: Int, width: Int, channels: Int) {
        self.height = height; self.width = width; self.channels = channels
        var v = [Float](); v.reserveCapacity(height * width * 5)
        for y in 0..<height { for x in 0..<width {
            let fx = Float(x), fy = Float(y)
            v += [1, fx, fy, fx * fx, fy * fy]
        } }
        basis = try! Tensor(v, shape: [height * width, 5])
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

    /// Mean over samples and channels of ‖centroid(p) − centroid(q)‖², each channel weighted by the target's mass
    /// (an empty channel has no centroid to match). Why: the latent MSE of a blob grows slowly with a wrong
    /// displacement, so under uncertainty it rewards moving too little; the centroid term is quadratic in it.
    func centroidLoss(_ p: Tensor, _ q: Tensor) throws -> Tensor {
        let a = try self(p), b = try self(q)
        return try ((a.centroid - b.centroid).square() * b.mass).mean()
    }
}
