import CSDL2
import Foundation

/// One frame of the window: world, forecasts, model's-eye panels, plots, HUD, help, messages.
extension Viewer {
    /// Draws the frame; saves a pending screenshot before present. Returns the screenshot path if one was written.
    func render() throws -> String? {
        let (w, h) = surface.size
        let r = sandbox.rasterizer
        let learning = learner?.isRunning ?? false
        let layout = Layout(width: w, height: h, frameWidth: r.width, frameHeight: r.height,
                            showLoss: learning || !lossPlot.series.isEmpty)
        let t = WorldTransform(camera: sandbox.world.camera, fitting: layout.world)
        lastTransform = t
        canvas.resetStats()
        canvas.beginFrame(clear: Theme.background)

        painter.drawWorld(sandbox, transform: t, alpha: alpha, canvas: canvas)
        painter.drawForecast(sandbox, transform: t, canvas: canvas)
        drawDrag(t)

        canvas.fillRect(x: layout.sidebar.x, y: 0, w: layout.sidebar.w, h: layout.sidebar.h, color: Theme.background.mix(Theme.panel, 0.5))
        canvas.fillRect(x: layout.sidebar.x, y: 0, w: 1, h: layout.sidebar.h, color: Theme.panelEdge)
        eyes.draw(sandbox, rects: layout.eyes, canvas: canvas, fonts: fonts)
        surprisePlot.title = sandbox.model == nil ? "surprise (no model)" : "surprise"
        surprisePlot.draw(in: layout.surprisePlot, now: sandbox.tick, canvas: canvas, fonts: fonts, points: &plotPoints)
        if let lr = layout.lossPlot {
            lossPlot.title = "training loss (smoothed) · \(learner?.stepCount ?? 0) steps\(learning ? "" : " · off")"
            lossPlot.draw(in: lr, now: frameCount, canvas: canvas, fonts: fonts, points: &plotPoints)
        }
        drawLegend(layout.legend)
        drawHUD(layout.hud, world: layout.world)
        if showHelp { drawHelp(layout.world) }
        drawFlash(layout.world)
        try canvas.endFrame()

        guard let path = pendingScreenshot else { return nil }
        pendingScreenshot = nil
        do {
            try canvas.savePNG(to: path)
            if !isHeadless { say("saved \(path)", Theme.text) }
            return path
        } catch {
            if isHeadless { throw error }
            say("\(error)", Theme.warning)
            return nil
        }
    }

    private func drawDrag(_ t: WorldTransform) {
        guard let d = drag, let p = dragAnchor else { return }
        let a = t.screen(p), b = t.screen(d.target)
        canvas.line(a, b, width: 1.5, color: Theme.dragLine)
        canvas.strokeCircle(center: b, radius: 6, width: 1.5, color: Theme.dragLine)
        canvas.fillCircle(center: a, radius: 3, color: Theme.dragLine)
    }

    /// The status bar: scene and description, step, rate, model and mode; key hint at the world's corner.
    private func drawHUD(_ bar: Rect, world area: Rect) {
        let s = sandbox
        canvas.fillRect(x: bar.x, y: bar.y, w: bar.w, h: bar.h, color: Theme.hudBox)
        canvas.fillRect(x: bar.x, y: bar.maxY - 1, w: bar.w, h: 1, color: Theme.panelEdge)
        let x = bar.x + 16, right = bar.maxX - 16
        let row1 = bar.y + 7, row2 = bar.y + 33

        let end = fonts.title.draw(s.scene.name, x: x, y: row1 - 1, color: Theme.text, on: canvas)
        var mode = paused ? "⏸ paused" : "▶ running"
        if isHeadless { mode += " · headless" }
        mode += " · horizon \(s.horizon)"
        if let learner { mode += learner.isRunning ? " · learning" : " · learning off" }
        if let d = drag { mode += d.kind == .steer ? " · steering actor" : " · pulling body \(d.body)" }
        let modeW = fonts.regular.measure(mode)
        fonts.regular.draw(mode, x: right - modeW, y: row1 + 3, color: paused ? Theme.warning : Theme.text, on: canvas)
        let room = right - modeW - 24 - end - 12
        if room > 60, !s.scene.description.isEmpty {
            fonts.small.draw(Self.clip(s.scene.description, toWidth: room, font: fonts.small), x: end + 12, y: row1 + 5,
                             color: Theme.dimText, on: canvas)
        }

        let stats = "step \(s.world.stepIndex) · seed \(s.seed) · \(String(format: "%.0f", 1 / s.interval)) Hz · "
            + "\(String(format: "%.0f", frameRate.perSecond)) fps · \(rendererLabel)"
        let statsEnd = fonts.regular.draw(stats, x: x, y: row2, color: Theme.text, on: canvas)
        let modelText: String, modelColor: RGBA
        if let m = s.model { modelText = "model " + m.label; modelColor = Theme.imagined } else {
            modelText = "no model" + (noModelReason.map { " — \($0)" } ?? ""); modelColor = Theme.warning
        }
        let fit = Self.clip(modelText, toWidth: right - statsEnd - 24, font: fonts.regular)
        let mw = fonts.regular.measure(fit)
        fonts.regular.draw(fit, x: right - mw, y: row2, color: modelColor, on: canvas)

        let hint = "H  keys"
        let hw = fonts.small.measure(hint)
        canvas.fillRect(x: area.x + 6, y: area.maxY - 26, w: hw + 16, h: 20, color: Theme.hudBox)
        fonts.small.draw(hint, x: area.x + 14, y: area.maxY - 23, color: Theme.dimText, on: canvas)
    }

    /// `s`, shortened with an ellipsis until it fits `width` pixels in `font`.
    static func clip(_ s: String, toWidth width: Float, font: GlyphAtlas) -> String {
        guard font.measure(s) > width else { return s }
        var t = Substring(s)
        while !t.isEmpty && font.measure(String(t) + "…") > width { t = t.dropLast() }
        return String(t) + "…"
    }

    private func drawHelp(_ area: Rect) {
        let rows = Self.keyHelp
        let keyW = rows.map { fonts.bold.measure($0.0) }.max() ?? 0
        let textW = rows.map { fonts.regular.measure($0.1) }.max() ?? 0
        let lh = fonts.regular.lineHeight + 4
        let w = keyW + textW + 60, h = Float(rows.count) * lh + 56
        let x = area.x + (area.w - w) / 2, y = area.y + (area.h - h) / 2
        canvas.fillRect(x: x, y: y, w: w, h: h, color: Theme.hudBox.alpha(235))
        canvas.strokeRect(x: x, y: y, w: w, h: h, color: Theme.panelEdge)
        fonts.title.draw("Keys", x: x + 20, y: y + 12, color: Theme.text, on: canvas)
        var ry = y + 46
        for (k, text) in rows {
            fonts.bold.draw(k, x: x + 20, y: ry, color: Theme.accent, on: canvas)
            fonts.regular.draw(text, x: x + 40 + keyW, y: ry, color: Theme.text, on: canvas)
            ry += lh
        }
    }

    /// Colour key for the world overlays, at the bottom of the sidebar.
    private func drawLegend(_ r: Rect) {
        canvas.fillRect(x: r.x, y: r.y, w: r.w, h: r.h, color: Theme.panel)
        canvas.strokeRect(x: r.x, y: r.y, w: r.w, h: r.h, color: Theme.panelEdge)
        let x = r.x + 12
        var y = r.y + 8
        let lh = fonts.small.lineHeight + 3
        let k = sandbox.horizon
        canvas.strokeCircle(center: [x + 9, y + 8], radius: 6, width: 2, color: Theme.imagined)
        fonts.small.draw("ghost: model's predicted next position", x: x + 26, y: y, color: Theme.text, on: canvas)
        y += lh
        canvas.line([x, y + 8], [x + 18, y + 8], width: 2, color: Theme.imagined)
        fonts.small.draw("imagined \(k) steps (the model's rollout, probed)", x: x + 26, y: y, color: Theme.text, on: canvas)
        y += lh
        canvas.line([x, y + 8], [x + 18, y + 8], width: 4.5, color: Theme.truth)
        fonts.small.draw("true future \(k) steps (the simulator, run ahead)", x: x + 26, y: y, color: Theme.text, on: canvas)
        y += lh
        if let g = sandbox.imaginationGap {
            fonts.small.draw("gap after \(k) steps: mean \(TimeSeriesPlot.format(g.mean)) m · max \(TimeSeriesPlot.format(g.max)) m",
                             x: x + 26, y: y, color: Theme.dimText, on: canvas)
        } else {
            fonts.small.draw("no model: only the true future is drawn", x: x + 26, y: y, color: Theme.dimText, on: canvas)
        }
        y += lh
        var lx = x
        for v in ["vanish", "teleport", "passThrough"] {
            canvas.fillRect(x: lx, y: y + 2, w: 2, h: 13, color: Theme.violation(v))
            lx = fonts.small.draw(v, x: lx + 6, y: y, color: Theme.violation(v), on: canvas) + 14
        }
        fonts.small.draw("violations", x: lx, y: y, color: Theme.dimText, on: canvas)
    }

    private func drawFlash(_ area: Rect) {
        guard let f = flash else { return }
        let left = f.until - clock
        guard left > 0 else { flash = nil; return }
        let fade = Float(min(1, left / 0.5))
        let w = fonts.regular.measure(f.text)
        let x = area.x + (area.w - w) / 2, y = area.maxY - 44
        canvas.fillRect(x: x - 12, y: y - 6, w: w + 24, h: fonts.regular.lineHeight + 12, color: Theme.hudBox.fade(fade))
        fonts.regular.draw(f.text, x: x, y: y, color: f.color.fade(fade), on: canvas)
    }
}
