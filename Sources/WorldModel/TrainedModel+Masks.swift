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
