import CSDL2

/// An image the canvas can draw: the glyph atlas, the model's-eye frames. The pixels live on the CPU
/// (0xAARRGGBB); a GPU canvas mirrors them into a texture when they change.
final class CanvasImage {
    let width: Int, height: Int
    /// Whether alpha is used (glyphs) or the image is opaque (frames).
    let blended: Bool
    private(set) var argb: [UInt32]
    var texture: OpaquePointer?
    var stale = true
    /// Keeps the renderer alive while the texture exists.
    var owner: RenderSurface?

    init(width: Int, height: Int, blended: Bool) {
        self.width = width; self.height = height; self.blended = blended
        argb = [UInt32](repeating: 0xFF00_0000, count: width * height)
    }

    deinit { if let texture { SDL_DestroyTexture(texture) } }

    /// Replaces the pixels from row-major bytes of 1 (grey), 3 (RGB) or 4 (RGBA) channels.
    func update(bytes: UnsafeBufferPointer<UInt8>, channels: Int) {
        let n = width * height
        precondition(bytes.count >= n * channels)
        argb.withUnsafeMutableBufferPointer { out in
            switch channels {
            case 1: for i in 0..<n { let v = UInt32(bytes[i]); out[i] = 0xFF00_0000 | v << 16 | v << 8 | v }
            case 3:
                for i in 0..<n {
                    out[i] = 0xFF00_0000 | UInt32(bytes[3 * i]) << 16 | UInt32(bytes[3 * i + 1]) << 8 | UInt32(bytes[3 * i + 2])
                }
            default:
                for i in 0..<n {
                    out[i] = UInt32(bytes[4 * i + 3]) << 24 | UInt32(bytes[4 * i]) << 16 | UInt32(bytes[4 * i + 1]) << 8
                        | UInt32(bytes[4 * i + 2])
                }
            }
        }
        stale = true
    }
}
