/// The model's object masks drawn over the world: every mask pixel takes the colour of the mask that claims it
/// most, with alpha rising with that mask's share (a pixel the model is unsure about stays faint). The mask
/// holding the most pixels is the background and is left clear, so the world shows through.
///
/// The masks are at the model's frame resolution over the scene camera's rectangle, so each mask pixel covers
/// exactly the world square that frame pixel shows; the image is rebuilt only when the masks change.
final class MaskOverlay {
    private var image: CanvasImage?
    private var rgba: [UInt8] = []
    private var version = -1
    /// Masks drawn (not the background) in the image shown.
    private(set) var shownMasks = 0

    /// Strongest alpha, for a pixel claimed entirely by one mask.
    static let maxAlpha: Float = 180

    /// A colour per mask index: Kelly's colours of maximum contrast (without black and white), then four more, so
    /// that neighbouring masks never look alike; the same mask keeps its colour from frame to frame.
    static let palette: [UInt32] = [
        0xF3C300, 0x875692, 0xF38400, 0xA1CAF1, 0xBE0032, 0xC2B280, 0x848482, 0x008856, 0xE68FAC, 0x0067A5,
        0xF99379, 0x604E97, 0xF6A600, 0xB3446C, 0xDCD300, 0x882D17, 0x8DB600, 0x654522, 0xE25822, 0x2B3D26,
        0x3CD2DC, 0xFF4FD8, 0x7CFF8A, 0x8C8CFF,
    ]

    static func color(_ i: Int) -> RGBA { RGBA(hex: palette[i % palette.count]) }

    /// Draws `masks` (version `version`) into `rect`, the window rectangle of the scene camera.
    func draw(_ masks: ObjectMasks, version v: Int, in rect: Rect, canvas: Canvas) {
        if v != version || image?.width != masks.width || image?.height != masks.height {
            rebuild(masks)
            version = v
        }
        if let image { canvas.drawImage(image, in: rect) }
    }

    private func rebuild(_ m: ObjectMasks) {
        let n = m.width * m.height, c = m.count
        guard n > 0, c > 0, m.values.count == n * c else { image = nil; return }
        if image?.width != m.width || image?.height != m.height {
            image = CanvasImage(width: m.width, height: m.height, blended: true)
        }
        if rgba.count != n * 4 { rgba = [UInt8](repeating: 0, count: n * 4) }
        var owner = [Int](repeating: 0, count: n), share = [Float](repeating: 0, count: n)
        var pixels = [Int](repeating: 0, count: c)
        m.values.withUnsafeBufferPointer { v in
            for i in 0..<n {
                var best = 0, top: Float = -1
                for k in 0..<c where v[i * c + k] > top { top = v[i * c + k]; best = k }
                owner[i] = best; share[i] = top
                pixels[best] += 1
            }
        }
        let background = pixels.indices.max { pixels[$0] < pixels[$1] } ?? 0
        shownMasks = pixels.indices.filter { $0 != background && pixels[$0] > 0 }.count
        let floor = 1 / Float(c)
        let colors = (0..<c).map(Self.color)
        for i in 0..<n {
            let k = owner[i]
            let confidence = max(0, min(1, (share[i] - floor) / (1 - floor)))
            let col = colors[k]
            rgba[i * 4] = col.r; rgba[i * 4 + 1] = col.g; rgba[i * 4 + 2] = col.b
            rgba[i * 4 + 3] = k == background ? 0 : UInt8((confidence * Self.maxAlpha).rounded())
        }
        rgba.withUnsafeBufferPointer { image?.update(bytes: $0, channels: 4) }
    }
}
