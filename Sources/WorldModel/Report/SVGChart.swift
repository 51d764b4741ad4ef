import Foundation

/// A line chart rendered as inline SVG text: no scripts, no external fonts, readable when printed.
struct SVGChart {
    struct Series {
        var name: String
        var x: [Double]
        var y: [Double]
    }

    var title: String
    var xLabel = "step"
    var logY = false
    var series: [Series]

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    static let maximumPoints = 1500

    /// Points that can be drawn: finite values (on a log axis, values ≤ 0 sit on the bottom edge,
    /// so a collapsed std of exactly 0 stays visible).
    private func drawable(_ s: Series) -> [(Double, Double)] {
        zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }
    }

    func svg(width: Int = 640, height: Int = 260) -> String {
        let left = 64.0, right = 12.0, top = 44.0, bottom = 40.0
        let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
        let all = series.map(drawable)
        let points = all.flatMap { $0 }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\">"
        out += "<title>\(escapeXML(title))</title>"
        out += "<text x=\"\(left)\" y=\"16\" class=\"t\">\(escapeXML(title))\(logY ? " (log scale)" : "")</text>"
        let yValues = logY ? points.map(\.1).filter { $0 > 0 }.map(log10) : points.map(\.1)
        guard let xr = Self.range(points.map(\.0)), let yr0 = Self.range(yValues) ?? (logY && !points.isEmpty ? (-6, 0) : nil) else {
            out += "<text x=\"\(left)\" y=\"\(top + plotH / 2)\" class=\"n\">no data logged</text></svg>"
            return out
        }
        let yr = Self.padded(yr0, minimumPad: logY ? 0.1 : 0)
        func px(_ x: Double) -> Double { left + (xr.1 > xr.0 ? (x - xr.0) / (xr.1 - xr.0) : 0.5) * plotW }
        func py(_ y: Double) -> Double {
            if logY && y <= 0 { return top + plotH }
            let v = logY ? log10(y) : y
            return top + plotH - (v - yr.0) / (yr.1 - yr.0) * plotH
        }
        // Axes and grid.
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" class=\"f\"/>"
        for tick in logY ? Self.logTicks(yr) : Self.ticks(yr) {
            let y = py(tick)
            out += "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(fmt(y))\" y2=\"\(fmt(y))\" class=\"g\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(fmt(y + 4))\" class=\"a\" text-anchor=\"end\">\(Self.label(tick))</text>"
        }
        for tick in Self.ticks(xr, wholeNumbers: true) {
            let x = px(tick)
            out += "<line x1=\"\(fmt(x))\" x2=\"\(fmt(x))\" y1=\"\(top)\" y2=\"\(top + plotH)\" class=\"g\"/>"
            out += "<text x=\"\(fmt(x))\" y=\"\(top + plotH + 16)\" class=\"a\" text-anchor=\"middle\">\(Self.label(tick))</text>"
        }
        out += "<text x=\"\(left + plotW / 2)\" y=\"\(Double(height) - 6)\" class=\"a\" text-anchor=\"middle\">\(escapeXML(xLabel))</text>"
        // Lines, thinned to at most `maximumPoints` per series by a fixed stride (deterministic).
        for (i, pts) in all.enumerated() where !pts.isEmpty {
            let stride = max(1, (pts.count + Self.maximumPoints - 1) / Self.maximumPoints)
            var chosen = Swift.stride(from: 0, to: pts.count, by: stride).map { pts[$0] }
            if let last = pts.last, chosen.last! != last { chosen.append(last) }
            let color = Self.palette[i % Self.palette.count]
            if chosen.count == 1 {
                out += "<circle cx=\"\(fmt(px(chosen[0].0)))\" cy=\"\(fmt(py(chosen[0].1)))\" r=\"3\" fill=\"\(color)\"/>"
            } else {
                let path = chosen.map { "\(fmt(px($0.0))),\(fmt(py($0.1)))" }.joined(separator: " ")
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
            }
        }
        // Legend between title and plot, with each series' last value.
        var lx = left
        for (i, s) in series.enumerated() {
            let last = drawable(s).last.map { " " + Self.value($0.1) } ?? " (none)"
            let text = escapeXML(s.name + last)
            out += "<rect x=\"\(fmt(lx))\" y=\"27\" width=\"10\" height=\"3\" fill=\"\(Self.palette[i % Self.palette.count])\"/>"
            out += "<text x=\"\(fmt(lx + 14))\" y=\"32\" class=\"l\">\(text)</text>"
            lx += 24 + Double(text.count) * 6.2
        }
        out += "</svg>"
        return out
    }

    static func range(_ values: [Double]) -> (Double, Double)? {
        guard let lo = values.min(), let hi = values.max() else { return nil }
        return (lo, hi)
    }

    static func padded(_ r: (Double, Double), minimumPad: Double = 0) -> (Double, Double) {
        if r.1 > r.0 { let pad = max((r.1 - r.0) * 0.05, minimumPad); return (r.0 - pad, r.1 + pad) }
        let pad = max(minimumPad, r.0 == 0 ? 1 : abs(r.0) * 0.1)
        return (r.0 - pad, r.1 + pad)
    }

    /// About five ticks at 1, 2 or 5 × 10^k inside the range (whole numbers only for step axes).
    static func ticks(_ r: (Double, Double), wholeNumbers: Bool = false) -> [Double] {
        guard r.1 > r.0 else { return [r.0] }
        let raw = (r.1 - r.0) / 5
        let magnitude = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if wholeNumbers { step = max(1, step.rounded()) }
        var out: [Double] = []
        var v = ceil(r.0 / step) * step
        while v <= r.1 + step * 1e-9 { out.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
        return out
    }

    /// Ticks on a log axis whose range is given in decades: powers of ten, or 1-2-5 steps when the
    /// range spans less than two decades.
    static func logTicks(_ r: (Double, Double)) -> [Double] {
        let lo = Int(floor(r.0)), hi = Int(ceil(r.1))
        let mantissas: [Double] = hi - lo <= 2 ? [1, 2, 5] : [1]
        let every = max(1, (hi - lo + 5) / 6)
        var out: [Double] = []
        for e in Swift.stride(from: lo, through: hi, by: every) {
            for m in mantissas {
                let v = m * pow(10, Double(e))
                let l = log10(v)
                if l >= r.0 - 1e-9 && l <= r.1 + 1e-9 { out.append(v) }
            }
        }
        return out
    }

    /// A legend value: four significant digits.
    static func value(_ v: Double) -> String { String(format: "%.4g", v) }

    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e5 || abs(v) < 1e-3 { return String(format: "%.0e", v) }
        if v == v.rounded() { return String(Int(v)) }
        return String(format: "%.3g", v)
    }
}

func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

func escapeXML(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
