import Foundation
import Tensor

extension TrainedModel {
    /// The encoder's object masks for one frame (uint8 `[H, W, C]`): per mask pixel, the softmax share of each of
    /// the `count` masks (rows sum to 1), `height × width` rows in frame order. Nil when the encoder does not end in
    /// a softmax, so it has no masks to show. The window overlays them to show which pixels the model binds together.
    public func masks(frame: [UInt8]) throws -> (values: [Float], count: Int, height: Int, width: Int)? {
        let fb = info.height * info.width * info.channels
        guard frame.count == fb else {
            throw TensorError.shapeMismatch(op: "TrainedModel.masks (frame [H,W,C])", lhs: [frame.count],
                                            rhs: [info.height, info.width, info.channels])
        }
        return try Tensor.noGrad {
            let rows = try frame.withUnsafeBufferPointer { f -> MaskRows? in
                try network.encodeWithMasks(network.input(frames: f, count: 1)).masks
            }
            guard let rows else { return nil }
            let perPixel = try rows.perPixel()
            return (perPixel.scalars, perPixel.shape[1], rows.height, rows.width)
        }
    }
}

extension TrainedModel {
    /// Each latent map's mass and centroid for latents `[B, D]`: `[B, C, 3]` = (mass, x, y), x along a map row and
    /// y down the rows, in map cells (cell i spans frame pixels i·H/h … (i+1)·H/h). Nil for a latent without maps.
    /// The planner compares latents through these: a centroid is defined wherever a mask goes, unlike a linear
    /// probe, which only reads places training showed it.
    public func mapCentroids(latents: [Float]) throws -> (values: [Float], channels: Int, height: Int, width: Int)? {
        guard let moments = network.mapMoments else { return nil }
        let d = latentDimension
        guard latents.count % d == 0 else {
            throw TensorError.shapeMismatch(op: "TrainedModel.mapCentroids", lhs: [latents.count], rhs: [-1, d])
        }
        let m = latents.count / d, c = moments.channels
        let (mass, centroid, _) = try Tensor.noGrad { try moments(Tensor(latents, shape: [m, d])) }
        let ms = mass.scalars, cs = centroid.scalars
        var out = [Float](repeating: 0, count: m * c * 3)
        for i in 0..<(m * c) { out[3 * i] = ms[i]; out[3 * i + 1] = cs[2 * i]; out[3 * i + 2] = cs[2 * i + 1] }
        return (out, c, moments.height, moments.width)
    }
}
