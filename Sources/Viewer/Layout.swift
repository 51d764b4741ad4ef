/// A rectangle in window pixels.
struct Rect: Equatable {
    var x: Float, y: Float, w: Float, h: Float
    var maxX: Float { x + w }
    var maxY: Float { y + h }
    func contains(_ p: SIMD2<Float>) -> Bool { p.x >= x && p.x < maxX && p.y >= y && p.y < maxY }
    func inset(_ d: Float) -> Rect { Rect(x: x + d, y: y + d, w: max(0, w - 2 * d), h: max(0, h - 2 * d)) }
}

/// Where each part of the window goes for a given window size.
///
/// The world takes the left and the larger part; a sidebar on the right holds the model's-eye panels
/// (seen / predicted / difference) and the plots. Panels use a whole-number upscale of the model's
/// frame when it fits, so nearest-neighbour pixels stay square.
struct Layout: Equatable {
    var world: Rect
    /// The status bar above the world: scene, step, rate, model, mode.
    var hud: Rect
    var sidebar: Rect
    /// The three model's-eye panels: seen, predicted, difference.
    var eyes: [Rect]
    var surprisePlot: Rect
    var lossPlot: Rect?
    var legend: Rect

    static let captionHeight: Float = 20

    init(width: Int, height: Int, frameWidth: Int, frameHeight: Int, showLoss: Bool) {
        let W = Float(width), H = Float(height)
        let pad: Float = 12, gap: Float = 8
        let sideW = min(max((W * 0.345).rounded(), 300), 460)
        sidebar = Rect(x: W - sideW, y: 0, w: sideW, h: H)
        let hudH: Float = 58
        hud = Rect(x: 0, y: 0, w: W - sideW, h: hudH)
        world = Rect(x: 0, y: hudH, w: W - sideW, h: H - hudH)

        // Model's-eye panels: prefer an integer upscale of the frame.
        let avail = (sideW - 2 * pad - 2 * gap) / 3
        let fw = Float(max(frameWidth, 1)), fh = Float(max(frameHeight, 1))
        let k = (avail / fw).rounded(.down)
        var pw = k >= 1 ? k * fw : avail
        var ph = pw * fh / fw
        if ph > H * 0.3 { ph = (H * 0.3).rounded(); pw = ph * fw / fh }
        let rowW = 3 * pw + 2 * gap
        let x0 = sidebar.x + ((sideW - rowW) / 2).rounded()
        let top = pad + 22
        eyes = (0..<3).map { Rect(x: x0 + Float($0) * (pw + gap), y: top, w: pw, h: ph) }

        var y = top + ph + Self.captionHeight + pad
        let legendH: Float = 96
        let remaining = H - y - pad - legendH - pad
        let plotH = showLoss ? max(60, (remaining - gap) * 0.6) : max(60, remaining)
        surprisePlot = Rect(x: sidebar.x + pad, y: y, w: sideW - 2 * pad, h: plotH.rounded())
        y += plotH.rounded() + gap
        if showLoss {
            let lh = max(50, remaining - plotH - gap).rounded()
            lossPlot = Rect(x: sidebar.x + pad, y: y, w: sideW - 2 * pad, h: lh)
            y += lh + gap
        } else {
            lossPlot = nil
        }
        legend = Rect(x: sidebar.x + pad, y: max(y, H - pad - legendH), w: sideW - 2 * pad, h: legendH)
    }
}

/// The fonts the window draws with.
final class Fonts {
    let regular: GlyphAtlas
    let small: GlyphAtlas
    let bold: GlyphAtlas
    let title: GlyphAtlas

    init() throws {
        let sans = try FontLocator.path(bold: false)
        let sansBold = try FontLocator.path(bold: true)
        regular = try GlyphAtlas(fontPath: sans, size: 14)
        small = try GlyphAtlas(fontPath: sans, size: 12)
        bold = try GlyphAtlas(fontPath: sansBold, size: 14)
        title = try GlyphAtlas(fontPath: sansBold, size: 19)
    }
}
