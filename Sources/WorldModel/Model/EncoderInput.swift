import Tensor

/// A batch of frames as the encoder reads it.
enum EncoderInput {
    /// Float images [M, H, W, Cin] in [0, 1] (coordinate planes in [-1, 1]).
    case images(Tensor)
    /// A per-pixel encoder's view of the batch: its distinct colours and each pixel's colour.
    case palette(PixelPalette)

    var frameCount: Int {
        switch self {
        case .images(let x): return x.shape[0]
        case .palette(let p): return p.frames
        }
    }
}

/// The encoder's per-pixel softmax masks as InfoMax scores them: rows of mask values [R, C], and each
/// row's share of the pixels (nil: every row is one pixel, of equal share). With a palette a row is one
/// colour and its share the colour's pixel count over the batch's.
struct MaskRows {
    let values: Tensor
    let palette: PixelPalette?
    /// Height and width of the per-pixel mask maps.
    let height: Int, width: Int

    /// The masks of every pixel, [N, C] in frame order.
    func perPixel() throws -> Tensor {
        guard let palette else { return values }
        return try values.indexSelect(palette.index)
    }

    /// [1, R] shares summing to 1, or nil for equal shares.
    var shares: Tensor? {
        guard let palette else { return nil }
        let total = Float(palette.index.count)
        return try! Tensor(palette.counts.map { $0 / total }, shape: [1, palette.counts.count])
    }

    /// Per-pixel weights [1, N] (frame order, at the masks' resolution) as per-row weights [1, R].
    func rowWeights(_ pixels: Tensor) -> Tensor {
        guard let palette else { return pixels }
        let summed = palette.sumByColour(pixels.scalars)
        return try! Tensor(summed, shape: [1, summed.count])
    }
}
