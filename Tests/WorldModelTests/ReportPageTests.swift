import Common
import CZlib
import XCTest
@testable import WorldModel

/// The training report page: valid PNGs, self-contained HTML, charts from metrics.csv, atomic writes.
final class ReportPageTests: XCTestCase {
    // MARK: PNG

    /// Decodes our own PNG output (filter types 0 and 1 only) and checks every chunk CRC.
    func decodePNG(_ data: Data) throws -> (width: Int, height: Int, colorType: UInt8, pixels: [UInt8]) {
        let bytes = [UInt8](data)
        XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var i = 8, width = 0, height = 0, colorType: UInt8 = 0
        var idat = [UInt8](), types: [String] = []
        while i < bytes.count {
            let length = be32(i)
            let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            let body = Array(bytes[(i + 8)..<(i + 8 + length)])
            let crc = bytes[(i + 4)..<(i + 8 + length)].withContiguousStorageIfAvailable { crc32(0, $0.baseAddress, uInt($0.count)) }!
            XCTAssertEqual(UInt32(crc), UInt32(be32(i + 8 + length)), "CRC of \(type)")
            types.append(type)
            if type == "IHDR" { width = be32(i + 8); height = be32(i + 12); colorType = body[9]; XCTAssertEqual(body[8], 8) }
            if type == "IDAT" { idat += body }
            i += 12 + length
        }
        XCTAssertEqual(types, ["IHDR", "IDAT", "IEND"])
        let channels = [0: 1, 2: 3, 6: 4][Int(colorType)]!
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: height * (stride + 1))
        var rawLength = uLongf(raw.count)
        XCTAssertEqual(uncompress(&raw, &rawLength, idat, uLong(idat.count)), Z_OK)
        XCTAssertEqual(Int(rawLength), raw.count)
        var pixels = [UInt8]()
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            var row = Array(raw[(y * (stride + 1) + 1)..<((y + 1) * (stride + 1))])
            XCTAssertTrue(filter == 0 || filter == 1)
            if filter == 1 { for x in channels..<stride { row[x] = row[x] &+ row[x - channels] } }
            pixels += row
        }
        return (width, height, colorType, pixels)
    }

    func testPNGRoundTripsGreyRGBAndRGBA() throws {
        var rng = SplitMix64(seed: 9)
        for (channels, colorType) in [(1, UInt8(0)), (3, 2), (4, 6)] {
            let w = 13, h = 7
            let pixels = (0..<(w * h * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let decoded = try decodePNG(try PNGEncoder.encode(pixels: pixels, width: w, height: h, channels: channels))
            XCTAssertEqual(decoded.width, w)
            XCTAssertEqual(decoded.height, h)
            XCTAssertEqual(decoded.colorType, colorType)
            XCTAssertEqual(decoded.pixels, pixels)
        }
    }

    func testPNGReadByPythonZlib() throws {
        guard let python = PythonCheck.python3() else { throw XCTSkip("python3 not found") }
        let pixels: [UInt8] = (0..<(4 * 3 * 3)).map { UInt8($0 * 7) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-png-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try PNGEncoder.encode(pixels: pixels, width: 4, height: 3, channels: 3).write(to: url)
        // An independent reader: chunk CRCs with zlib.crc32, inflate, undo the Sub filter.
        let script = """
        import sys, struct, zlib
        b = open(sys.argv[1], 'rb').read()
        assert b[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        i, idat = 8, b''
        while i < len(b):
            n, = struct.unpack('>I', b[i:i+4]); t = b[i+4:i+8]; body = b[i+8:i+8+n]
            assert struct.unpack('>I', b[i+8+n:i+12+n])[0] == zlib.crc32(t + body)
            if t == b'IHDR': w, h = struct.unpack('>II', body[:8])
            if t == b'IDAT': idat += body
            i += 12 + n
        raw = zlib.decompress(idat); s = w * 3; out = []
        for y in range(h):
            f, row = raw[y*(s+1)], bytearray(raw[y*(s+1)+1:(y+1)*(s+1)])
            if f == 1:
                for x in range(3, s): row[x] = (row[x] + row[x-3]) & 255
            out += list(row)
        print(','.join(map(str, out)))
        """
        let output = try PythonCheck.run(python, script: script, arguments: [url.path])
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), pixels.map(String.init).joined(separator: ","))
    }

    func testPNGRejectsBadShapes() {
        XCTAssertThrowsError(try PNGEncoder.encode(pixels: [0, 0], width: 1, height: 1, channels: 2))
        XCTAssertThrowsError(try PNGEncoder.encode(pixels: [0, 0], width: 1, height: 1, channels: 3))
    }

    // MARK: Metrics and charts

    let csv = """
    step,lr,loss,loss_pred,latent_std_mean,latent_std_min,effective_rank,frames_per_s,elapsed_s,custom_metric
    0,0.0001,2.5,2.0,0.9,0.5,40,500,1,3
    10,0.0002,1.25,1.0,0.6,0.05,35,520,2,
    20,0.0003,0.5,0.25,0.4,0.001,30,530,3,nan

    """

    func testMetricsTableKeepsOrderAndReadsGapsAsNaN() throws {
        let table = try MetricsTable(csv: csv, source: "metrics.csv")
        XCTAssertEqual(table.columns.first?.name, "step")
        XCTAssertEqual(table.column("loss"), [2.5, 1.25, 0.5])
        XCTAssertEqual(table.column("custom_metric")?.first, 3)
        XCTAssertTrue(table.column("custom_metric")![1].isNaN)
        XCTAssertThrowsError(try MetricsTable(csv: "step,loss\n1,2\n3\n", source: "m.csv")) {
            XCTAssertEqual("\($0)", "m.csv: line 3 has 1 cells, the header has 2")
        }
    }

    func testChartTicksAndScales() {
        XCTAssertEqual(SVGChart.ticks((0, 10)), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(SVGChart.ticks((0.13, 0.91)), [0.2, 0.4, 0.6000000000000001, 0.8])
        XCTAssertEqual(SVGChart.ticks((0, 3), wholeNumbers: true), [0, 1, 2, 3])
        XCTAssertEqual(SVGChart.logTicks((-3, 1)), [0.001, 0.01, 0.1, 1, 10])
        XCTAssertEqual(SVGChart.logTicks((-2.1, -1.2)), [0.01, 0.02, 0.05])
        let chart = SVGChart(title: "std", logY: true, series: [SVGChart.Series(name: "a", x: [0, 1, 2], y: [1, 0.01, 0])])
        let svg = chart.svg()
        XCTAssertTrue(svg.contains("<polyline"))
        XCTAssertTrue(svg.contains("(log scale)"))
        XCTAssertTrue(svg.contains(">a 0<"))          // a collapsed std of 0 is shown (on the bottom edge), not dropped
        XCTAssertTrue(svg.contains(",220.0\""))      // …at the plot's bottom edge (top 44 + height 176)
        XCTAssertTrue(SVGChart(title: "empty", series: []).svg().contains("no data logged"))
    }

    // MARK: Page

    func strip() -> FrameStrip {
        let shape = FrameShape(height: 4, width: 4, channels: 3)
        let actual = (0..<(3 * 48)).map { UInt8($0 % 256) }
        return FrameStrip(title: "episode 0 <from t=1>", shape: shape, actual: actual, predicted: actual.map { 255 - $0 },
                          reconstructed: actual, labels: ["t+1", "t+2", "t+3"])
    }

    func testPageIsSelfContainedAndHoldsChartsAndStrips() throws {
        let html = try ReportPage.html(metrics: try MetricsTable(csv: csv, source: "m"), strips: [strip()],
                                       config: "seed: 1\n", title: "run <a>")
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertFalse(html.contains("href="))
        XCTAssertTrue(html.contains("run &lt;a&gt;"))
        for title in ["Loss terms", "Collapse monitor: per-dimension latent std", "Collapse monitor: effective rank",
                      "Learning rate", "Throughput (frames/s)", ">custom_metric<"] {
            XCTAssertTrue(html.contains(title), title)
        }
        XCTAssertFalse(html.contains("Read-out heads"))   // no such columns logged
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 6)
        XCTAssertEqual(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1, 9)
        XCTAssertTrue(html.contains("episode 0 &lt;from t=1&gt;"))
        XCTAssertTrue(html.contains("<pre>seed: 1\n</pre>"))
        // Every embedded image decodes to its frame.
        let first = html.components(separatedBy: "src=\"data:image/png;base64,")[1].prefix { $0 != "\"" }
        let png = try decodePNG(try XCTUnwrap(Data(base64Encoded: String(first))))
        XCTAssertEqual(png.pixels, Array(strip().actual[0..<48]))
    }

    /// At 1280 px the plots sit in a grid and scale with it, and a strip is as wide as the page: its frames shrink
    /// to their column instead of running off the edge (checked by eye in a headless browser; these rules make it so).
    func testPageLaysOutPlotsInAGridAndFitsStripsToTheWidth() throws {
        let html = try ReportPage.html(metrics: try MetricsTable(csv: csv, source: "m"), strips: [strip()], config: nil, title: "t")
        let style = try XCTUnwrap(html.components(separatedBy: "<style>").last?.components(separatedBy: "</style>").first)
        XCTAssertTrue(style.contains(".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,540px),1fr))"))
        XCTAssertTrue(style.contains("figure svg{display:block;width:100%;height:auto}"), "plots must scale with their cell")
        XCTAssertTrue(style.contains("table.strip{border-collapse:collapse;margin:8px 0 20px;width:100%;table-layout:fixed}"))
        XCTAssertTrue(style.contains("img.frame{") && style.contains("width:100%;max-width:128px;height:auto"))
        // Every chart keeps its viewBox, so scaling keeps its proportions.
        XCTAssertEqual(html.components(separatedBy: "<svg ").count, html.components(separatedBy: "viewBox=\"0 0 640 260\"").count)
    }

    func testStripWithWrongSizeIsRejected() {
        var bad = strip()
        bad.predicted.removeLast()
        XCTAssertThrowsError(try ReportPage.html(metrics: MetricsTable(columns: []), strips: [bad], config: nil, title: "t")) {
            XCTAssertTrue("\($0)".contains("predicted has 143 bytes, expected 3 frames of 4×4×3"), "\($0)")
        }
    }

    func testWriteIsAtomicAndDeterministic() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: run) }
        try Data(csv.utf8).write(to: run.appendingPathComponent("metrics.csv"))
        let url = try ReportPage.write(runDirectory: run, strips: [strip()])
        XCTAssertEqual(url.lastPathComponent, "report.html")
        let first = try Data(contentsOf: url)
        try ReportPage.write(runDirectory: run, strips: [strip()])
        XCTAssertEqual(try Data(contentsOf: url), first)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.path).sorted(), ["metrics.csv", "report.html"])

        // A malformed metrics file is an error naming it, and the previous page stays.
        try Data("step,loss\n1\n".utf8).write(to: run.appendingPathComponent("metrics.csv"))
        XCTAssertThrowsError(try ReportPage.write(runDirectory: run, strips: [])) {
            XCTAssertTrue("\($0)".contains("metrics.csv: line 2"), "\($0)")
        }
        XCTAssertEqual(try Data(contentsOf: url), first)
    }

    func testRolloutStripDecodesPredictions() throws {
        // Oracle frames are raw positions; decoding a prediction gives the extrapolated positions' bytes.
        let model = OracleModel(bodies: 1)
        let xs: [Float] = [0, 1, 2, 4, 8]
        let frames = xs.flatMap { OracleModel.frame(positions: [$0, 0]) }
        let strip = try FrameStrip.rollout(model: model, frames: frames, actions: [], start: 1, steps: 3, title: "s")
        XCTAssertEqual(strip.labels, ["t+1", "t+2", "t+3"])
        XCTAssertEqual(strip.actual, Array(frames[16...]))
        XCTAssertEqual(strip.predicted, [2, 3, 4].flatMap { OracleModel.frame(positions: [Float($0), 0]) })
        XCTAssertEqual(strip.reconstructed, strip.actual)
        XCTAssertThrowsError(try FrameStrip.rollout(model: model, frames: frames, actions: [], start: 2, steps: 3, title: "s"))
    }
}

/// Runs python3 from PATH (the one with NumPy when several are installed).
enum PythonCheck {
    static func python3() -> String? {
        (try? run("python3", script: "import sys")) != nil ? "python3" : nil
    }

    static func run(_ python: String, script: String, arguments: [String] = [], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script] + arguments
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try inp.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw EvaluationError.invalidArguments("python failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
