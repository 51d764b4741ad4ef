/// The model's-eye row: the frame the model just read, the decoder's picture of it predicted one step
/// earlier, and their difference — each upscaled nearest-neighbour, so every model pixel is a crisp square.
final class EyePanels {
    private var images: [CanvasImage] = []
    private var diff: [UInt8] = []

    private func ensure(width w: Int, height h: Int) {
        guard images.first?.width != w || images.first?.height != h else { return }
        images = (0..<3).map { _ in CanvasImage(width: w, height: h, blended: false) }
    }

    /// Updates the three images from the sandbox and draws them, with captions, into `rects`.
    func draw(_ s: Sandbox, rects: [Rect], canvas: Canvas, fonts: Fonts) {
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
        let captions = ["seen (model input)", "predicted", "|difference|"]
        for (i, rect) in rects.enumerated() {
            canvas.fillRect(x: rect.x - 1, y: rect.y - 1, w: rect.w + 2, h: rect.h + 2, color: Theme.panelEdge)
            if i == 0 || ready {
                canvas.drawImage(images[i], in: rect)
            } else {
                canvas.fillRect(x: rect.x, y: rect.y, w: rect.w, h: rect.h, color: Theme.panel)
                let msg = !hasModel ? "no model" : (s.surprise == nil ? "no prediction yet" : "no decoder picture")
                let w = fonts.small.measure(msg)
                fonts.small.draw(msg, x: rect.x + (rect.w - w) / 2, y: rect.y + rect.h / 2 - 8, color: Theme.dimText, on: canvas)
            }
            let cw = fonts.small.measure(captions[i])
            fonts.small.draw(captions[i], x: rect.x + (rect.w - cw) / 2, y: rect.maxY + 4, color: Theme.dimText, on: canvas)
        }
        let title = "MODEL'S EYE  \(r.width)×\(r.height)\(r.channels == 1 ? " grey" : "")"
        fonts.bold.draw(title, x: rects[0].x, y: rects[0].y - 21, color: Theme.text, on: canvas)
    }
}
