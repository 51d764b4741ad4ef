import Foundation

/// The panels over the world (physics, profiler, counts; the probe's read-out beside the true states), the
/// timeline's scrub bar and the probe's marks on the bodies.
extension Viewer {
    /// Top left of the world: physics settings, the profiler line and the counts (Tab). Returns where it went.
    @discardableResult
    func drawPanels(_ area: Rect) -> Rect? {
        let s = sandbox, scene = s.scene, own = s.sceneAsWritten
        let counts = s.world.counts
        let lh = fonts.small.lineHeight + 3
        let hz = String(format: "%.3g", scene.observedHz)
        func mark(_ changed: Bool) -> String { changed ? "  (file: " : "" }
        var lines: [(String, RGBA)] = [("PHYSICS   O rate · I iterations · Y sleep · 0 file's own", Theme.dimText)]
        let rateChanged = scene.observeEvery != own.observeEvery
        let iterChanged = scene.velocityIterations != own.velocityIterations || scene.positionIterations != own.positionIterations
        lines.append(("observation \(hz) Hz (every \(scene.observeEvery) steps of 1/\(Int((1 / scene.timestep).rounded())) s)"
                      + (rateChanged ? mark(true) + String(format: "%.3g Hz)", own.observedHz) : ""),
                      rateChanged ? Theme.warning : Theme.text))
        lines.append(("iterations \(scene.velocityIterations) velocity · \(scene.positionIterations) position"
                      + (iterChanged ? mark(true) + "\(own.velocityIterations) · \(own.positionIterations))" : ""),
                      iterChanged ? Theme.warning : Theme.text))
        lines.append(("sleeping \(s.physics.sleep ? "on (\(counts.awake) of \(counts.bodies) awake)" : "off")",
                      s.physics.sleep ? Theme.warning : Theme.text))
        if s.physicsModified {
            lines.append(("differs from the scene file: no live learning, no recording", Theme.warning))
        }
        let p = profile
        lines.append(("PROFILE   ms per frame", Theme.dimText))
        func ms(_ v: Double) -> String { String(format: v < 0.1 ? "%.3f" : "%.2f", v) }
        lines.append(("physics \(ms(p.physics)) · raster \(ms(p.raster)) · model \(ms(p.model)) · draw \(ms(p.draw))", Theme.text))
        lines.append(("COUNTS", Theme.dimText))
        let present = s.mask.filter { $0 }.count
        lines.append(("bodies \(present) of \(s.mask.count) rows · contacts \(counts.contacts) · draw calls \(canvas.drawCalls)",
                      Theme.text))
        let w = min(area.w - 20, max(lines.map { fonts.small.measure($0.0) }.max() ?? 0, 200) + 20)
        let h = Float(lines.count) * lh + 12
        guard w > 80, h < area.h - 20 else { return nil }
        let x = area.x + 10, y = area.y + 10
        drawTextBox(lines.map { ($0.0, $0.1, nil) }, in: Rect(x: x, y: y, w: w, h: h), lineHeight: lh)
        return Rect(x: x, y: y, w: w, h: h)
    }

    /// A box of small-font lines, each clipped to the box, with an optional colour key (a short bar in the
    /// `keyWidth` left of the text) before a line: the one way every panel over the world is drawn.
    func drawTextBox(_ lines: [(text: String, color: RGBA, key: RGBA?)], in box: Rect, lineHeight lh: Float,
                     keyWidth swatch: Float = 0, edge: RGBA = Theme.panelEdge) {
        canvas.fillRect(x: box.x, y: box.y, w: box.w, h: box.h, color: Theme.hudBox)
        canvas.strokeRect(x: box.x, y: box.y, w: box.w, h: box.h, color: edge)
        var ly = box.y + 6
        for (text, color, key) in lines {
            if let key { canvas.fillRect(x: box.x + 10, y: ly + lh / 2 - 2, w: swatch - 8, h: 3, color: key) }
            let tx = box.x + 10 + swatch
            fonts.small.draw(Self.clip(text, toWidth: box.maxX - 10 - tx, font: fonts.small), x: tx, y: ly, color: color,
                             on: canvas)
            ly += lh
        }
    }

    /// The probe's read-out of each body (a cross) joined to the body as drawn, so a miss shows as a line.
    func drawProbeMarks(_ t: WorldTransform, alpha: Float) {
        guard let r = sandbox.readout else { return }
        for b in 0..<min(r.count, sandbox.mask.count) {
            guard let now = sandbox.position(of: b), r[b].x.isFinite, r[b].y.isFinite else { continue }
            let shift = WorldPainter.pose(sandbox: sandbox, body: b, alpha: alpha)?.shift ?? .zero
            let c = t.screen(SIMD2(r[b].x, r[b].y) + shift), body = t.screen(now + shift)
            canvas.line(body, c, width: 1.5, color: Theme.probe.alpha(200))
            canvas.line(c - SIMD2(6, 0), c + SIMD2(6, 0), width: 2, color: Theme.probe)
            canvas.line(c - SIMD2(0, 6), c + SIMD2(0, 6), width: 2, color: Theme.probe)
        }
    }

    /// Top right of the world: per body, the probe's position and velocity beside the true ones (P); below the
    /// panels when the world is too narrow for both side by side.
    func drawProbeTable(_ area: Rect, panels: Rect?) {
        let s = sandbox
        let lh = fonts.small.lineHeight + 2
        var rows: [(String, RGBA)] = []
        if let r = s.readout {
            let symmetry = s.scene.orientationSymmetry
            // A read-out fitted for another symmetry than the scene's (an older checkpoint) is not compared with the truth.
            let fitted = s.model?.probeAngleSymmetry(), otherSymmetry = fitted.map { $0 != symmetry } ?? false
            let angles = otherSymmetry ? nil : s.readoutAngles
            let turning = angles?.contains { $0 != nil } ?? false
            rows.append(("PROBE vs TRUE   x, y (m) · vx, vy (m/s)" + (turning ? " · angle" : "") + " · error", Theme.dimText))
            if otherSymmetry, let fitted {
                rows.append(("angles not compared: read-out fitted for symmetry " + fitted.map(String.init).joined(separator: ",")
                             + ", the scene's is " + symmetry.map(String.init).joined(separator: ","), Theme.dimText))
            }
            for b in 0..<min(r.count, s.mask.count) where s.mask[b] {
                let st = s.states
                let tx = st[b * 6], ty = st[b * 6 + 1], tvx = st[b * 6 + 3], tvy = st[b * 6 + 4]
                let err = ((r[b].x - tx) * (r[b].x - tx) + (r[b].y - ty) * (r[b].y - ty)).squareRoot()
                // An angle only where the body's turning shows, compared within its symmetry (a square repeats every 90°).
                var probeAngle = "", trueAngle = ""
                if let a = angles, b < a.count, let pa = a[b], b < symmetry.count, symmetry[b] > 0 {
                    let degrees: (Float) -> String = { String(format: " · %3.0f°", $0 * 180 / .pi) }
                    probeAngle = degrees(pa)
                    trueAngle = degrees(ProbeAngle.wrap(st[b * 6 + 2], symmetry: symmetry[b]))
                }
                rows.append((String(format: "#%d  probe %5.2f %5.2f · %5.1f %5.1f", b, r[b].x, r[b].y, r[b].z, r[b].w) + probeAngle,
                             Theme.probe))
                rows.append((String(format: "      true %5.2f %5.2f · %5.1f %5.1f", tx, ty, tvx, tvy) + trueAngle
                             + String(format: "   %.2f m", err), Theme.text))
            }
        } else {
            rows.append((s.model == nil ? "probe: no model" : "probe: this model has no read-out", Theme.dimText))
        }
        let w = min(area.w * 0.45, (rows.map { fonts.small.measure($0.0) }.max() ?? 0) + 20)
        let x = area.maxX - 10 - w
        let y = panels.map { $0.maxX + 10 > x ? $0.maxY + 10 : area.y + 10 } ?? area.y + 10
        let fit = Int((area.maxY - 40 - y - 12) / lh)
        guard w > 80, fit >= 1 else { return }
        let shown = rows.prefix(fit)
        let h = Float(shown.count) * lh + 12
        drawTextBox(shown.map { ($0.0, $0.1, nil) }, in: Rect(x: x, y: y, w: w, h: h), lineHeight: lh)
    }

    /// Where the scrub bar goes in the world rectangle: along the bottom, right of the key hint.
    static func scrubBar(in area: Rect) -> Rect {
        let left = area.x + 96, right = area.maxX - 170
        return Rect(x: left, y: area.maxY - 20, w: max(0, right - left), h: 8)
    }

    /// The timeline, while paused or looking at the past: the kept observations as a bar, the one shown as a knob,
    /// an injected violation as a tick; ← / → or a click on the bar move through it.
    func drawTimeline(_ area: Rect) {
        let tl = sandbox.timeline
        guard paused || !tl.isLive, tl.entries.count >= 1 else { lastScrubBar = nil; return }
        let bar = Self.scrubBar(in: area)
        guard bar.w >= 60 else { lastScrubBar = nil; return }
        lastScrubBar = bar
        let n = tl.entries.count
        let f = n > 1 ? Float(tl.cursor) / Float(n - 1) : 1
        let step = tl.current?.step ?? 0, last = tl.entries.last?.step ?? 0
        let label = Self.clip(tl.isLive ? "step \(step) · newest" : "step \(step) of \(last) · past", toWidth: 150, font: fonts.small)
        let labelW = fonts.small.measure(label)
        canvas.fillRect(x: bar.x - 6, y: bar.y - 6, w: bar.w + 26 + labelW, h: bar.h + 12, color: Theme.hudBox)
        canvas.fillRect(x: bar.x, y: bar.y, w: bar.w, h: bar.h, color: Theme.panelEdge)
        canvas.fillRect(x: bar.x, y: bar.y, w: (bar.w * f).rounded(), h: bar.h, color: Theme.accent.alpha(170))
        if let v = tl.violationAfter, let i = tl.entries.firstIndex(where: { $0.step > v }) {
            let vx = bar.x + bar.w * Float(i) / Float(max(n - 1, 1))
            canvas.fillRect(x: vx - 1, y: bar.y - 4, w: 2, h: bar.h + 8, color: Theme.warning)
        }
        canvas.fillCircle(center: [bar.x + bar.w * f, bar.y + bar.h / 2], radius: 6, color: Theme.text)
        fonts.small.draw(label, x: bar.maxX + 14, y: bar.y - 5,
                         color: tl.isLive ? Theme.dimText : Theme.accent, on: canvas)
    }
}
