/// The model's-eye row: the frame the model just read, the decoder's picture of it predicted one step
/// earlier, and their difference — each upscaled nearest-neighbour, so every model pixel is a crisp square.
final class EyePanels {
    private var images: [CanvasImage] = []
    private var diff: [UInt8] = []

    private func ensure(width w: Int, height h: Int) {
        guard images.first?.width != w || images.first?.height != h else { return }
        images = (0..<3).map { _ in CanvasImage(width: w, height: h, blended: false) }
    }

    /// Captions under the panels, longest first; the longest that fits under its panel is drawn.
    static let captionVariants = [["seen (model input)", "seen"], ["predicted", "pred."], ["|difference|", "|diff|"]]

    /// Updates the three images from the sandbox and draws them into `rects`, with the title in `title` and
    /// captions under them when asked; every text shortens (or is left out) to stay within its own panel.
    func draw(_ s: Sandbox, rects: [Rect], title titleRect: Rect?, captions: Bool, canvas: Canvas, fonts: Fonts) {
        let r = s.rasterizer
        ensure(width: r.width, height: r.height)
        let hasModel = s.model != nil
        let ready = hasModel && s.hasPredictedFrame
        s.frame.withUnsafeBufferPointer { images[0].update(bytes: $0, channels: r.channels) }
        if ready {
            s.predictedFrame.withUnsafeBufferPointer { images[1].update(bytes: $0, channels: r.channels) }
            s.differenceImage(into: &diff)
            diff.withUnsafeBufferPointer { images[2].update(bytes: $0, channels: 3) }
        }
        for (i, rect) in rects.enumerated() {
            canvas.fillRect(x: rect.x - 1, y: rect.y - 1, w: rect.w + 2, h: rect.h + 2, color: Theme.panelEdge)
            if i == 0 || ready {
                canvas.drawImage(images[i], in: rect)
            } else {
                canvas.fillRect(x: rect.x, y: rect.y, w: rect.w, h: rect.h, color: Theme.panel)
                let variants = !hasModel ? ["no model", "—"]
                    : (s.surprise == nil ? ["no prediction yet", "no prediction", "—"] : ["no decoder picture", "no decoder", "—"])
                let msg = Viewer.fit(variants, width: rect.w - 6, font: fonts.small)
                let w = fonts.small.measure(msg)
                fonts.small.draw(msg, x: rect.x + (rect.w - w) / 2, y: rect.y + rect.h / 2 - 8, color: Theme.dimText, on: canvas)
            }
            guard captions, i < Self.captionVariants.count else { continue }
            // A caption may reach a little beyond its panel, never past half of the gap to the next.
            let gap = i + 1 < rects.count ? rects[i + 1].x - rect.maxX : 8
            let caption = Viewer.fit(Self.captionVariants[i], width: rect.w + gap - 4, font: fonts.small)
            let cw = fonts.small.measure(caption)
            fonts.small.draw(caption, x: rect.x + (rect.w - cw) / 2, y: rect.maxY + 4, color: Theme.dimText, on: canvas)
        }
        guard let titleRect else { return }
        let size = "\(r.width)×\(r.height)\(r.channels == 1 ? " grey" : "")"
        let title = Viewer.fit(["MODEL'S EYE  " + size, "MODEL'S EYE", "MODEL"], width: titleRect.maxX - rects[0].x, font: fonts.bold)
        fonts.bold.draw(title, x: rects[0].x, y: titleRect.y + 1, color: Theme.text, on: canvas)
    }
}
