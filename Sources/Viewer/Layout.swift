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
///
/// Small windows degrade by dropping, never by overlapping: the sidebar narrows to `minSidebarWidth`, then
/// disappears when the world would get less than `minWorldWidth`; inside it the legend goes first, then the
/// loss plot, then the surprise plot, then the panels' captions and the panels. Every rectangle lies inside the
/// window and no two overlap (`regions` lists them; the tests check it at many sizes).
struct Layout: Equatable {
    var world: Rect
    /// The status bar above the world: scene, step, rate, model, mode.
    var hud: Rect
    var sidebar: Rect?
    /// The three model's-eye panels (seen, predicted, difference), or none.
    var eyes: [Rect]
    /// The band under the panels for their captions and the band above for the title, when there is room.
    var eyeCaptions: Rect?
    var eyeTitle: Rect?
    var surprisePlot: Rect?
    var lossPlot: Rect?
    var legend: Rect?

    static let captionHeight: Float = 20
    static let hudHeight: Float = 58
    static let eyeTitleHeight: Float = 22
    static let legendHeight: Float = 96
    static let minPlotHeight: Float = 64
    static let minLossPlotHeight: Float = 50
    static let minSidebarWidth: Float = 236
    static let maxSidebarWidth: Float = 460
    static let minWorldWidth: Float = 300
    static let pad: Float = 12, gap: Float = 8

    /// `worldAspect` is the camera's width over its height: width the world cannot use (its view is limited by
    /// the window's height) goes to the sidebar, up to `maxSidebarWidth`, so the panels can grow.
    init(width: Int, height: Int, frameWidth: Int, frameHeight: Int, showLoss: Bool, worldAspect: Float = 1) {
        let W = Float(width), H = Float(height)
        let pad = Self.pad, gap = Self.gap
        let hudH = min(Self.hudHeight, (H * 0.25).rounded())
        let worldNeeds = (H - hudH - 2 * WorldTransform.defaultMargin) * max(worldAspect, 0.1) + 2 * WorldTransform.defaultMargin
        var sideW = min(max((W * 0.345).rounded(), (W - worldNeeds).rounded(.down), Self.minSidebarWidth), Self.maxSidebarWidth)
        if W - sideW < Self.minWorldWidth { sideW = 0 }
        hud = Rect(x: 0, y: 0, w: W - sideW, h: hudH)
        world = Rect(x: 0, y: hudH, w: W - sideW, h: H - hudH)
        eyes = []
        eyeCaptions = nil; eyeTitle = nil
        surprisePlot = nil; lossPlot = nil; legend = nil
        guard sideW > 0 else { sidebar = nil; return }
        let side = Rect(x: W - sideW, y: 0, w: sideW, h: H)
        sidebar = side

        // Model's-eye panels: prefer an integer upscale of the frame; at most 30 % of the height.
        let avail = (sideW - 2 * pad - 2 * gap) / 3
        let fw = Float(max(frameWidth, 1)), fh = Float(max(frameHeight, 1))
        let k = (avail / fw).rounded(.down)
        var pw = k >= 1 ? k * fw : avail.rounded(.down)
        var ph = (pw * fh / fw).rounded()
        if ph > H * 0.3 { ph = (H * 0.3).rounded(); pw = (ph * fw / fh).rounded() }
        let rowW = 3 * pw + 2 * gap
        let x0 = side.x + ((sideW - rowW) / 2).rounded()
        var y = pad
        let contentW = sideW - 2 * pad
        // The panels need their title and captions to make sense; with less height than that, show no panels.
        if ph >= 24, pad + Self.eyeTitleHeight + ph + Self.captionHeight + pad <= H {
            eyeTitle = Rect(x: side.x + pad, y: y, w: contentW, h: Self.eyeTitleHeight)
            y += Self.eyeTitleHeight
            eyes = (0..<3).map { Rect(x: x0 + Float($0) * (pw + gap), y: y, w: pw, h: ph) }
            y += ph
            eyeCaptions = Rect(x: side.x + pad, y: y + 1, w: contentW, h: Self.captionHeight - 1)
            y += Self.captionHeight + pad
        }

        // Plots and legend share what is left; the legend only when the plots keep their minimum height.
        let left = H - pad - y
        let plotsMin = Self.minPlotHeight + (showLoss ? gap + Self.minLossPlotHeight : 0)
        let withLegend = left >= plotsMin + gap + Self.legendHeight
        let loss = showLoss && left >= (withLegend ? plotsMin + gap + Self.legendHeight : plotsMin)
        let plotsH = (left - (withLegend ? Self.legendHeight + gap : 0)).rounded(.down)
        guard plotsH >= Self.minPlotHeight else { return }
        if loss {
            let sh = max(Self.minPlotHeight, min(((plotsH - gap) * 0.6).rounded(), plotsH - gap - Self.minLossPlotHeight))
            surprisePlot = Rect(x: side.x + pad, y: y, w: contentW, h: sh)
            lossPlot = Rect(x: side.x + pad, y: y + sh + gap, w: contentW, h: plotsH - sh - gap)
        } else {
            surprisePlot = Rect(x: side.x + pad, y: y, w: contentW, h: plotsH)
        }
        if withLegend {
            legend = Rect(x: side.x + pad, y: H - pad - Self.legendHeight, w: contentW, h: Self.legendHeight)
        }
    }

    /// Every region with content, for overlap checks.
    var regions: [(name: String, rect: Rect)] {
        var out: [(String, Rect)] = [("hud", hud), ("world", world)]
        if let eyeTitle { out.append(("eye title", eyeTitle)) }
        for (i, e) in eyes.enumerated() { out.append(("eye \(i)", e)) }
        if let eyeCaptions { out.append(("eye captions", eyeCaptions)) }
        if let surprisePlot { out.append(("surprise plot", surprisePlot)) }
        if let lossPlot { out.append(("loss plot", lossPlot)) }
        if let legend { out.append(("legend", legend)) }
        return out
    }
}

extension Rect {
    /// Whether the two rectangles share any area (touching edges do not count).
    func intersects(_ o: Rect) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }
    /// Whether `o` lies entirely inside this rectangle.
    func encloses(_ o: Rect) -> Bool { o.x >= x && o.y >= y && o.maxX <= maxX && o.maxY <= maxY }
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
