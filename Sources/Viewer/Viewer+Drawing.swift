import CSDL2
import Foundation

/// One frame of the window: world, forecasts, model's-eye panels, plots, HUD, help, messages.
extension Viewer {
    /// Draws the frame; saves a pending screenshot before present. Returns the screenshot path if one was written.
    func render() throws -> String? {
        let (w, h) = surface.size
        let r = sandbox.rasterizer
        let learning = learner?.isRunning ?? false
        let cam = sandbox.world.camera
        let layout = Layout(width: w, height: h, frameWidth: r.width, frameHeight: r.height,
                            showLoss: learning || !lossPlot.series.isEmpty,
                            worldAspect: (cam.maxX - cam.minX) / max(cam.maxY - cam.minY, 1e-6))
        let t = WorldTransform(home: WorldTransform(camera: cam, fitting: layout.world), view: camera)
        lastTransform = t
        lastWorldArea = layout.world
        canvas.resetStats()
        canvas.beginFrame(clear: Theme.background)

        canvas.textLayer = 0
        // The masks are of the newest observation: with them on, the world is drawn at that observation too (15 Hz
        // steps rather than interpolated motion), so each mask lies exactly on the body it binds.
        let alpha = showMasks && sandbox.masks != nil ? 1 : self.alpha
        painter.drawWorld(sandbox, transform: t, alpha: alpha, canvas: canvas)
        if showMasks, let m = sandbox.masks {
            // The masks cover what the model's frame shows: the scene camera's rectangle.
            let a = t.screen([cam.minX, cam.maxY]), b = t.screen([cam.maxX, cam.minY])
            maskOverlay.draw(m, version: sandbox.masksVersion, in: Rect(x: a.x, y: a.y, w: b.x - a.x, h: b.y - a.y), canvas: canvas)
        }
        painter.drawForecast(sandbox, transform: t, alpha: alpha, canvas: canvas)
        drawGoal(t)
        if showProbe { drawProbeMarks(t, alpha: alpha) }
        drawDrag(t, alpha: alpha)
        // Zoomed in, the world reaches under the status bar: cover it before the bar's translucent box.
        if !camera.isHome { canvas.fillRect(x: layout.hud.x, y: layout.hud.y, w: layout.hud.w, h: layout.hud.h, color: Theme.background) }

        if let side = layout.sidebar {
            canvas.fillRect(x: side.x, y: 0, w: side.w, h: side.h, color: Theme.background.mix(Theme.panel, 0.5))
            canvas.fillRect(x: side.x, y: 0, w: 1, h: side.h, color: Theme.panelEdge)
        }
        if !layout.eyes.isEmpty {
            eyes.draw(sandbox, rects: layout.eyes, title: layout.eyeTitle, captions: layout.eyeCaptions != nil,
                      canvas: canvas, fonts: fonts)
        }
        surprisePlot.title = sandbox.model == nil ? "surprise (no model)" : "surprise"
        if let r = layout.surprisePlot {
            surprisePlot.draw(in: r, now: sandbox.tick, canvas: canvas, fonts: fonts, points: &plotPoints)
        }
        if let lr = layout.lossPlot {
            lossPlot.title = "training loss (smoothed) · \(learner?.stepCount ?? 0) steps\(learning ? "" : " · off")"
            lossPlot.draw(in: lr, now: frameCount, canvas: canvas, fonts: fonts, points: &plotPoints)
        }
        if let r = layout.legend { drawLegend(r) }
        drawHUD(layout.hud, world: layout.world)
        drawTimeline(layout.world)
        canvas.textLayer = 2   // the panels are boxes over the world: their text may cover the world's, not each other's
        var panels = showPanels ? drawPanels(layout.world) : nil
        if let goal = drawGoalPanel(layout.world, below: panels) {
            panels = panels.map { Rect(x: $0.x, y: $0.y, w: max($0.maxX, goal.maxX) - $0.x, h: goal.maxY - $0.y) } ?? goal
        }
        if showProbe { drawProbeTable(layout.world, panels: panels) }
        canvas.textLayer = 0
        drawFlash(layout.world)
        if showHelp {
            canvas.textLayer = 1   // an opaque overlay: may cover the text beneath it
            drawHelp(layout.world, window: Rect(x: 0, y: 0, w: Float(w), h: Float(h)))
            canvas.textLayer = 0
        }
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

    private func drawDrag(_ t: WorldTransform, alpha: Float) {
        guard let d = drag, let p = dragAnchor else { return }
        // From the body as drawn (interpolated), not from its newest state.
        let a = t.screen(WorldPainter.apply(WorldPainter.pose(sandbox: sandbox, body: d.body, alpha: alpha), p))
        let b = t.screen(d.target)
        canvas.line(a, b, width: 1.5, color: Theme.dragLine)
        canvas.strokeCircle(center: b, radius: 6, width: 1.5, color: Theme.dragLine)
        canvas.fillCircle(center: a, radius: 3, color: Theme.dragLine)
    }

    /// The status bar: scene and description, mode; step, rate, renderer and model. Narrow windows drop the least
    /// important items first (description, headless, seed, rate, renderer, ...) and clip what still does not fit,
    /// so nothing overlaps; the key hint sits at the world's corner.
    private func drawHUD(_ bar: Rect, world area: Rect) {
        let s = sandbox
        canvas.fillRect(x: bar.x, y: bar.y, w: bar.w, h: bar.h, color: Theme.hudBox)
        canvas.fillRect(x: bar.x, y: bar.maxY - 1, w: bar.w, h: 1, color: Theme.panelEdge)
        let margin: Float = bar.w < 560 ? 10 : 16
        let x = bar.x + margin, right = bar.maxX - margin
        let row1 = bar.y + 7, row2 = bar.y + 33

        // Row 1: title, then the mode at the right, the description between them if it has room.
        let title = Self.clip(s.scene.name, toWidth: (right - x) * 0.45, font: fonts.title)
        let end = fonts.title.draw(title, x: x, y: row1 - 1, color: Theme.text, on: canvas)
        var items: [(String, Int)] = [(paused ? "‖ paused" : "▶ running", 0)]
        if isHeadless { items.append(("headless", 4)) }
        items.append(("horizon \(s.horizon)", 2))
        if !s.timeline.isLive, let e = s.timeline.current { items.insert(("past: step \(e.step)", 0), at: 1) }
        if s.physicsModified { items.insert(("physics modified", 0), at: 1) }
        if !camera.isHome { items.append((String(format: "zoom %.2g×", camera.zoom), 3)) }
        if let learner { items.append((learner.isRunning ? "learning" : "learning off", 3)) }
        if goalModeOn { items.insert((sandbox.goalRun?.reached == true ? "goal reached" : placingGoal ? "placing goal" : "goal mode", 0), at: 1) }
        if let d = drag { items.append((d.kind == .steer ? "steering actor" : "pulling body \(d.body)", 1)) }
        let mode = Self.fit(Self.dropping(items), width: right - end - 16, font: fonts.regular)
        let modeW = fonts.regular.measure(mode)
        fonts.regular.draw(mode, x: right - modeW, y: row1 + 3, color: paused ? Theme.warning : Theme.text, on: canvas)
        let room = right - modeW - 24 - end - 12
        if room > 60, !s.scene.description.isEmpty {
            fonts.small.draw(Self.clip(s.scene.description, toWidth: room, font: fonts.small), x: end + 12, y: row1 + 5,
                             color: Theme.dimText, on: canvas)
        }

        // Row 2: the statistics shrink (least useful first) so the model label keeps as much room as it needs.
        let modelText: String, modelColor: RGBA
        if let m = s.model, let other = m.trainedOn, other != s.scene.name {
            modelText = "model of \(other), not \(s.scene.name): " + m.label; modelColor = Theme.warning
        } else if let m = s.model { modelText = "model " + m.label; modelColor = Theme.imagined } else {
            modelText = "no model" + (noModelReason.map { " — \($0)" } ?? ""); modelColor = Theme.warning
        }
        let statVariants = Self.dropping([
            ("step \(s.world.stepIndex)", 0), ("seed \(s.seed)", 3), ("\(String(format: "%.0f", 1 / s.interval)) Hz", 4),
            ("\(String(format: "%.0f", frameRate.perSecond)) fps", 1), (rendererLabel, 2),
        ])
        let wantModel = fonts.regular.measure(modelText)
        let stats = statVariants.first { fonts.regular.measure($0) + 24 + wantModel <= right - x } ?? statVariants.last!
        let statsRoom = right - x - 24 - min(wantModel, (right - x) * 0.5)
        let statsEnd = fonts.regular.draw(Self.clip(stats, toWidth: statsRoom, font: fonts.regular), x: x, y: row2,
                                          color: Theme.text, on: canvas)
        let fit = Self.clip(modelText, toWidth: right - statsEnd - 24, font: fonts.regular)
        let mw = fonts.regular.measure(fit)
        fonts.regular.draw(fit, x: right - mw, y: row2, color: modelColor, on: canvas)

        let hint = "H  keys"
        let hw = fonts.small.measure(hint)
        canvas.fillRect(x: area.x + 6, y: area.maxY - 26, w: hw + 16, h: 20, color: Theme.hudBox)
        fonts.small.draw(hint, x: area.x + 14, y: area.maxY - 23, color: Theme.dimText, on: canvas)
    }

    /// `s`, shortened with an ellipsis until it fits `width` pixels in `font` (empty if not even "…" fits).
    static func clip(_ s: String, toWidth width: Float, font: GlyphAtlas) -> String {
        guard font.measure(s) > width else { return s }
        var t = Substring(s)
        while !t.isEmpty && font.measure(String(t) + "…") > width { t = t.dropLast() }
        return t.isEmpty && font.measure("…") > width ? "" : String(t) + "…"
    }

    /// The first of `variants` (most to least complete) that fits `width`, else the last one clipped.
    static func fit(_ variants: [String], width: Float, font: GlyphAtlas) -> String {
        for v in variants where font.measure(v) <= width { return v }
        return clip(variants.last ?? "", toWidth: width, font: font)
    }

    /// " · "-joined variants of `items` (text, priority; 0 most important), dropping the least important first.
    static func dropping(_ items: [(String, Int)]) -> [String] {
        let levels = Set(items.map(\.1)).sorted(by: >)
        var out = [items.map(\.0).joined(separator: " · ")]
        for level in levels where level > 0 {
            let kept = items.filter { $0.1 < level }.map(\.0).joined(separator: " · ")
            if kept != out.last { out.append(kept) }
        }
        return out
    }

    /// The key list over the world, or over the whole window when the world is too small for it. A window too
    /// small for the full list gets a compact one (small type, no title); descriptions clip to the width.
    private func drawHelp(_ area: Rect, window: Rect) {
        let rows = Self.keyHelp
        func size(_ key: GlyphAtlas, _ text: GlyphAtlas, lh: Float, head: Float) -> (keyW: Float, w: Float, h: Float) {
            let keyW = rows.map { key.measure($0.0) }.max() ?? 0
            return (keyW, keyW + (rows.map { text.measure($0.1) }.max() ?? 0) + 60, Float(rows.count) * lh + head)
        }
        var keyFont = fonts.bold, textFont = fonts.regular
        var lh = fonts.regular.lineHeight + 4, head: Float = 56, inset: Float = 20
        var m = size(keyFont, textFont, lh: lh, head: head)
        var host = m.w <= area.w - 16 && m.h <= area.h - 16 ? area : window
        if m.h > host.h - 16 || m.w > host.w - 16 {
            keyFont = fonts.small; textFont = fonts.small
            lh = fonts.small.lineHeight + 1; head = 16; inset = 10
            m = size(keyFont, textFont, lh: lh, head: head)
            host = window
        }
        let w = min(m.w, host.w - 16)
        let shown = min(rows.count, max(1, Int((host.h - 16 - head) / lh)))
        let h = Float(shown) * lh + head
        let x = (host.x + (host.w - w) / 2).rounded(), y = (host.y + (host.h - h) / 2).rounded()
        canvas.fillRect(x: x, y: y, w: w, h: h, color: Theme.hudBox.alpha(235))
        canvas.strokeRect(x: x, y: y, w: w, h: h, color: Theme.panelEdge)
        var ry = y + 8
        if head > 16 {
            fonts.title.draw("Keys", x: x + inset, y: y + 12, color: Theme.text, on: canvas)
            ry = y + 46
        }
        let textX = x + inset + 20 + m.keyW
        for (k, text) in rows.prefix(shown) {
            keyFont.draw(k, x: x + inset, y: ry, color: Theme.accent, on: canvas)
            textFont.draw(Self.clip(text, toWidth: x + w - 8 - textX, font: textFont), x: textX, y: ry, color: Theme.text, on: canvas)
            ry += lh
        }
    }

    /// Colour key for the world overlays, at the bottom of the sidebar; each line shortens to fit its width.
    private func drawLegend(_ r: Rect) {
        canvas.fillRect(x: r.x, y: r.y, w: r.w, h: r.h, color: Theme.panel)
        canvas.strokeRect(x: r.x, y: r.y, w: r.w, h: r.h, color: Theme.panelEdge)
        let x = r.x + 12, textX = x + 26, room = r.maxX - 8 - textX
        var y = r.y + 8
        let lh = fonts.small.lineHeight + 3
        let k = sandbox.horizon
        func line(_ variants: [String], color: RGBA = Theme.text) {
            fonts.small.draw(Self.fit(variants, width: room, font: fonts.small), x: textX, y: y, color: color, on: canvas)
            y += lh
        }
        canvas.strokeCircle(center: [x + 9, y + 8], radius: 6, width: 2, color: Theme.imagined)
        line(["ghost: model's predicted next position", "ghost: predicted next position", "ghost: predicted next"])
        canvas.line([x, y + 8], [x + 18, y + 8], width: 2, color: Theme.imagined)
        line(["imagined \(k) steps (the model's rollout, probed)", "imagined \(k) steps (model rollout)", "imagined \(k) steps"])
        canvas.line([x, y + 8], [x + 18, y + 8], width: 4.5, color: Theme.truth)
        line(["true future \(k) steps (the simulator, run ahead)", "true future \(k) steps (simulator)", "true future \(k) steps"])
        if let g = sandbox.imaginationGap {
            let mean = TimeSeriesPlot.format(g.mean), worst = TimeSeriesPlot.format(g.max)
            line(["gap after \(k) steps: mean \(mean) m · max \(worst) m", "gap: mean \(mean) m · max \(worst) m",
                  "gap \(mean) m"], color: Theme.dimText)
        } else {
            line(["no model: only the true future is drawn", "no model: true future only"], color: Theme.dimText)
        }
        // Violation colours: the full names if they fit, else short ones; the word "violations" only with room.
        let full = ["vanish", "teleport", "passThrough"], short = ["vanish", "teleport", "pass"]
        func width(_ names: [String]) -> Float { names.reduce(0) { $0 + 20 + fonts.small.measure($1) } - 14 }
        let names = width(full) <= r.maxX - 8 - x ? full : short
        var lx = x
        for (v, name) in zip(full, names) {
            canvas.fillRect(x: lx, y: y + 2, w: 2, h: 13, color: Theme.violation(v))
            lx = fonts.small.draw(name, x: lx + 6, y: y, color: Theme.violation(v), on: canvas) + 14
        }
        if lx + fonts.small.measure("violations") <= r.maxX - 8 {
            fonts.small.draw("violations", x: lx, y: y, color: Theme.dimText, on: canvas)
        }
    }

    /// A message fading out at the bottom of the world, clipped to the world's width.
    private func drawFlash(_ area: Rect) {
        guard let f = flash else { return }
        let left = f.until - clock
        guard left > 0 else { flash = nil; return }
        let fade = Float(min(1, left / 0.5))
        let text = Self.clip(f.text, toWidth: area.w - 40, font: fonts.regular)
        let w = fonts.regular.measure(text)
        let x = area.x + (area.w - w) / 2, y = area.maxY - 44
        canvas.fillRect(x: x - 12, y: y - 6, w: w + 24, h: fonts.regular.lineHeight + 12, color: Theme.hudBox.fade(fade))
        fonts.regular.draw(text, x: x, y: y, color: f.color.fade(fade), on: canvas)
    }
}
