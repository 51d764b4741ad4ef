import Common
import Foundation

/// The training report: one self-contained `report.html` (inline CSS, inline SVG plots, frames as
/// base64 PNG data URIs; no scripts, no server, no network) that opens in any browser.
///
/// Layout: the plots sit in a grid (two columns at 1280 px, one on a narrow screen) and scale with it; a strip
/// table takes the page's width with equal columns, so its frames shrink to fit rather than run off the edge.
///
/// `tumble train` calls `write(runDirectory:strips:)` at the end of a run and on demand. The page holds
/// plots of the loss terms and collapse monitors from the run's `metrics.csv`, strips of actual vs
/// decoded-predicted frames, and the resolved `config.yaml`.
///
/// metrics.csv columns: `step` is the x axis; the columns below are grouped into charts; any other
/// column gets a chart of its own; `elapsed_s` is only summarised.
public enum ReportPage {
    /// Charts, in page order: title, columns, log-scale y, and a note shown under the title.
    static let charts: [(title: String, columns: [String], logY: Bool, note: String?)] = [
        ("Loss terms", ["loss", "loss_pred", "loss_rollout", "loss_reg", "loss_idm"], true,
         "total, teacher-forced prediction, rollout, regulariser and inverse-dynamics terms"),
        ("Read-out heads (trained on detached latents)", ["loss_probe", "loss_decoder"], true, nil),
        ("Collapse monitor: per-dimension latent std", ["latent_std_mean", "latent_std_min"], true,
         "watch the absolute value: a collapsing run's std falls towards 0.001 while the effective rank can still read high"),
        ("Collapse monitor: effective rank", ["effective_rank"], false, nil),
        ("Collapse monitor: dead dimensions (fraction)", ["dead_fraction"], false, nil),
        ("Learning rate", ["lr"], false, nil),
        ("EMA momentum", ["ema_momentum"], false, nil),
        ("Gradient norm", ["grad_norm"], true, nil),
        ("Throughput (frames/s)", ["frames_per_s"], false, nil),
    ]

    /// Writes `runDirectory/report.html` atomically from `runDirectory/metrics.csv` (and `config.yaml`
    /// if present) and returns its URL. `stripNote` says where the strips' frames came from (or why
    /// there are none). A last metrics line without its newline is a row being written by a run in
    /// progress: it is left out, so the page can be made while the run trains.
    @discardableResult
    public static func write(runDirectory: URL, strips: [FrameStrip], title: String? = nil, stripNote: String? = nil) throws -> URL {
        let metricsURL = runDirectory.appendingPathComponent("metrics.csv")
        var metrics = MetricsTable(columns: [])
        if let data = FileManager.default.contents(atPath: metricsURL.path) {
            var text = String(decoding: data, as: UTF8.self)
            if !text.hasSuffix("\n"), let end = text.lastIndex(of: "\n") { text = String(text[...end]) }
            metrics = try MetricsTable(csv: text, source: metricsURL.path)
        } else if FileManager.default.fileExists(atPath: metricsURL.path) {
            throw ReportError(file: metricsURL.path, message: "cannot be read")
        }
        let config = FileManager.default.contents(atPath: runDirectory.appendingPathComponent("config.yaml").path)
            .map { String(decoding: $0, as: UTF8.self) }
        let page = try html(metrics: metrics, strips: strips, config: config,
                            title: title ?? "Tumble training report: \(runDirectory.lastPathComponent)", stripNote: stripNote)
        let url = runDirectory.appendingPathComponent("report.html")
        try AtomicFile.write(Data(page.utf8), to: url)
        return url
    }

    /// The page text. Deterministic: the same inputs give the same bytes.
    public static func html(metrics: MetricsTable, strips: [FrameStrip], config: String?, title: String,
                            stripNote: String? = nil) throws -> String {
        var body = "<h1>\(escapeXML(title))</h1>\n"
        body += summary(metrics)
        body += "<h2>Training curves</h2>\n"
        let steps = metrics.column("step") ?? (0..<metrics.rowCount).map(Double.init)
        var used: Set<String> = ["step", "elapsed_s"]
        var chartSVGs: [String] = []
        for chart in charts {
            let present = chart.columns.filter { name in metrics.column(name).map { $0.contains { $0.isFinite } } ?? false }
            used.formUnion(chart.columns)
            guard !present.isEmpty else { continue }
            let series = present.map { SVGChart.Series(name: $0, x: steps, y: metrics.column($0)!) }
            chartSVGs.append(figure(SVGChart(title: chart.title, logY: chart.logY, series: series), note: chart.note))
        }
        for (name, values) in metrics.columns where !used.contains(name) && values.contains(where: { $0.isFinite }) {
            chartSVGs.append(figure(SVGChart(title: name, series: [SVGChart.Series(name: name, x: steps, y: values)]), note: nil))
        }
        body += chartSVGs.isEmpty ? "<p class=\"n\">metrics.csv has no rows yet.</p>\n" : "<div class=\"charts\">\n" + chartSVGs.joined() + "</div>\n"

        body += "<h2>Actual vs decoded prediction</h2>\n"
        if let stripNote { body += "<p>\(escapeXML(stripNote))</p>\n" }
        if strips.isEmpty {
            body += "<p class=\"n\">No frame strips in this report.</p>\n"
        } else {
            body += "<p class=\"n\">Top: what happened. Middle: the decoder applied to the model's rolled-out latents "
                + "(predicted from the true history before t+1 and the actions, without seeing these frames). "
                + "Bottom, where shown: the decoder applied to the encoded actual frame, i.e. what the decoder alone can recover.</p>\n"
            for strip in strips { body += try stripTable(strip) }
        }
        if let config {
            body += "<h2>Configuration</h2>\n<details><summary>config.yaml</summary><pre>\(escapeXML(config))</pre></details>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escapeXML(title))</title>
        <style>
        body{font:14px/1.45 system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:24px auto;max-width:1320px;padding:0 16px;color:#222}
        h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,540px),1fr));gap:14px 20px}
        figure{margin:0;min-width:0}figure svg{display:block;width:100%;height:auto}figcaption{font-size:12px;color:#666}
        svg .t{font:600 13px sans-serif}svg .a{font:11px sans-serif;fill:#555}svg .l{font:11px sans-serif}svg .n{font:12px sans-serif;fill:#999}
        svg .f{fill:#fafafa;stroke:#bbb}svg .g{stroke:#e4e4e4}
        table.strip{border-collapse:collapse;margin:8px 0 20px;width:100%;table-layout:fixed}
        table.strip td,table.strip th{padding:2px;text-align:center;font-size:11px;color:#555}
        table.strip th.row{width:7.5em;text-align:right;padding-right:8px}
        img.frame{image-rendering:pixelated;image-rendering:crisp-edges;display:block;width:100%;max-width:128px;height:auto;margin:0 auto}
        table.sum td{padding:1px 12px 1px 0}.n{color:#666}pre{background:#f6f6f6;padding:8px;overflow:auto}
        </style></head><body>
        \(body)</body></html>

        """
    }

    private static func figure(_ chart: SVGChart, note: String?) -> String {
        "<figure>\(chart.svg())" + (note.map { "<figcaption>\(escapeXML($0))</figcaption>" } ?? "") + "</figure>\n"
    }

    /// Last logged values of the main monitors.
    private static func summary(_ metrics: MetricsTable) -> String {
        guard metrics.rowCount > 0 else { return "" }
        var rows = ""
        for name in ["step", "loss", "loss_pred", "loss_rollout", "latent_std_min", "effective_rank", "frames_per_s", "elapsed_s"] {
            guard let values = metrics.column(name), let last = values.last(where: { $0.isFinite }) else { continue }
            rows += "<tr><td>\(escapeXML(name))</td><td>\(SVGChart.value(last))</td></tr>"
        }
        return "<table class=\"sum\"><caption class=\"n\" style=\"text-align:left\">last logged values</caption>\(rows)</table>\n"
    }

    private static func stripTable(_ strip: FrameStrip) throws -> String {
        let s = strip.shape, size = s.byteCount, k = strip.count
        for (name, frames) in [("actual", strip.actual), ("predicted", strip.predicted)] + (strip.reconstructed.map { [("reconstructed", $0)] } ?? []) {
            guard frames.count == k * size else {
                throw ReportError(file: "report.html", message: "strip \"\(strip.title)\": \(name) has \(frames.count) bytes, expected \(k) frames of \(s)")
            }
        }
        let scale = max(1, 128 / max(s.width, s.height))
        func row(_ label: String, _ frames: [UInt8]) throws -> String {
            var out = "<tr><th class=\"row\">\(label)</th>"
            for i in 0..<k {
                let png = try PNGEncoder.encode(pixels: Array(frames[(i * size)..<((i + 1) * size)]),
                                                width: s.width, height: s.height, channels: s.channels)
                out += "<td><img class=\"frame\" width=\"\(s.width * scale)\" height=\"\(s.height * scale)\" alt=\"\(label) \(escapeXML(strip.labels[i]))\" src=\"data:image/png;base64,\(png.base64EncodedString())\"></td>"
            }
            return out + "</tr>"
        }
        var out = "<h3>\(escapeXML(strip.title))</h3>\n<table class=\"strip\"><tr><th></th>"
        out += strip.labels.map { "<th>\(escapeXML($0))</th>" }.joined() + "</tr>"
        out += try row("actual", strip.actual)
        out += try row("predicted (decoded)", strip.predicted)
        if let r = strip.reconstructed { out += try row("decoder only", r) }
        return out + "</table>\n"
    }
}
