import Foundation

/// A fixed-capacity history of one scalar per tick (surprise, training loss), oldest dropped first.
struct TimeSeries {
    let capacity: Int
    private(set) var ticks: [Int] = []
    private(set) var values: [Float] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = capacity
        ticks.reserveCapacity(capacity); values.reserveCapacity(capacity)
    }

    var count: Int { values.count }
    var isEmpty: Bool { values.isEmpty }

    mutating func append(tick: Int, value: Float) {
        guard value.isFinite else { return }
        if values.count < capacity {
            ticks.append(tick); values.append(value)
        } else {
            ticks[head] = tick; values[head] = value
            head = (head + 1) % capacity
        }
    }

    mutating func removeAll() { ticks.removeAll(keepingCapacity: true); values.removeAll(keepingCapacity: true); head = 0 }

    /// Element `i` in time order (0 = oldest).
    subscript(i: Int) -> (tick: Int, value: Float) {
        let j = values.count < capacity ? i : (head + i) % capacity
        return (ticks[j], values[j])
    }

    var last: (tick: Int, value: Float)? { isEmpty ? nil : self[count - 1] }

    /// Largest value among entries with tick ≥ `from`.
    func maximum(since from: Int) -> Float {
        var m: Float = 0
        for i in 0..<count { let e = self[i]; if e.tick >= from { m = max(m, e.value) } }
        return m
    }
}

/// A vertical marker on the time axis: an injected violation or an episode reset.
struct PlotMarker {
    var tick: Int
    var label: String
    var color: RGBA
}

/// The scrolling surprise (and training-loss) plot.
///
/// The y-scale eases towards the visible maximum instead of jumping, so a single spike stays readable
/// and the scale shrinks back a second or two after it scrolls away.
struct TimeSeriesPlot {
    var title: String
    var color: RGBA
    var series: TimeSeries
    var markers: [PlotMarker] = []
    /// Ticks shown across the plot width.
    var span: Int
    private(set) var scale: Float = 0

    init(title: String, color: RGBA, span: Int = 240) {
        self.title = title; self.color = color; self.span = span
        series = TimeSeries(capacity: span + 1)
    }

    mutating func append(tick: Int, value: Float) { series.append(tick: tick, value: value) }

    mutating func mark(tick: Int, label: String, color: RGBA) {
        markers.append(PlotMarker(tick: tick, label: label, color: color))
        if markers.count > 64 { markers.removeFirst(markers.count - 64) }
    }

    mutating func clear() { series.removeAll(); markers.removeAll(); scale = 0 }

    /// Draws the plot into a rectangle ending at `now` (the newest tick sits at the right edge).
    mutating func draw(in r: Rect, now: Int, canvas: Canvas, fonts: Fonts, points: inout [SIMD2<Float>]) {
        canvas.fillRect(x: r.x, y: r.y, w: r.w, h: r.h, color: Theme.panel)
        canvas.strokeRect(x: r.x, y: r.y, w: r.w, h: r.h, color: Theme.panelEdge)
        let inner = Rect(x: r.x + 8, y: r.y + 24, w: r.w - 16, h: r.h - 32)
        let from = now - span
        let target = max(series.maximum(since: from) * 1.15, 1e-6)
        scale = scale == 0 || target > scale ? target : scale + (target - scale) * 0.03

        // Grid: quarter lines.
        for q in 1...3 {
            let y = (inner.y + inner.h * Float(q) / 4).rounded()
            canvas.fillRect(x: inner.x, y: y, w: inner.w, h: 1, color: Theme.grid)
        }
        func x(_ tick: Int) -> Float { inner.x + inner.w * Float(tick - from) / Float(span) }
        func y(_ v: Float) -> Float { inner.y + inner.h * (1 - min(v / scale, 1.05)) }

        // Markers: a line at the tick, the label near the bottom; labels that would collide step up a row (as many
        // rows as fit below the scale text); a label with no free row is left out rather than drawn over another.
        let labelRows = inner.h >= 32 ? min(3, Int((inner.h - 32) / 16) + 1) : 0
        var rowEnds = [Float](repeating: -.infinity, count: labelRows)
        for m in markers where m.tick >= from && m.tick <= now {
            let mx = x(m.tick).rounded()
            canvas.fillRect(x: mx, y: inner.y - 2, w: 1.5, h: inner.h + 2, color: m.color.alpha(170))
            let w = fonts.small.measure(m.label)
            let lx = min(max(mx + 3, inner.x), inner.x + inner.w - w)
            guard let row = rowEnds.firstIndex(where: { $0 < lx - 4 }), w <= inner.w else { continue }
            rowEnds[row] = lx + w
            let ly = inner.y + inner.h - 15 - Float(row) * 16
            canvas.fillRect(x: lx - 2, y: ly, w: w + 4, h: 15, color: Theme.panel.alpha(220))
            fonts.small.draw(m.label, x: lx, y: ly, color: m.color, on: canvas)
        }

        points.removeAll(keepingCapacity: true)
        for i in 0..<series.count {
            let e = series[i]
            if e.tick >= from { points.append([x(e.tick), y(e.value)]) }
        }
        points.withUnsafeBufferPointer { p in
            canvas.fillUnderCurve(p, baseline: inner.y + inner.h, top: color.alpha(45), bottom: color.alpha(45))
            canvas.strokePolyline(p, closed: false, width: 1.75, color: color)
        }

        let value = series.last.map { Self.format($0.value) } ?? "—"
        let vw = fonts.regular.measure(value)
        fonts.regular.draw(value, x: r.x + r.w - 8 - vw, y: r.y + 4, color: Theme.text, on: canvas)
        fonts.bold.draw(Viewer.clip(title, toWidth: r.w - 16 - vw - 12, font: fonts.bold), x: r.x + 8, y: r.y + 4, color: color, on: canvas)
        let scaleText = "max " + Self.format(scale)
        fonts.small.draw(scaleText, x: inner.x + 2, y: inner.y + 1, color: Theme.dimText, on: canvas)
    }

    /// Three significant digits, switching to scientific notation for tiny or huge values.
    static func format(_ v: Float) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1000 || a < 0.001 { return String(format: "%.2e", Double(v)) }
        if a >= 100 { return String(format: "%.0f", Double(v)) }
        if a >= 10 { return String(format: "%.1f", Double(v)) }
        if a >= 1 { return String(format: "%.2f", Double(v)) }
        return String(format: "%.3f", Double(v))
    }
}
