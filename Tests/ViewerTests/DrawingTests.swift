import CSDL2
import Physics
@testable import Viewer
import XCTest

/// Canvas, text and layout on SDL's software renderer.
final class DrawingTests: XCTestCase {
    func testDiscHasSolidInsideAndFeatheredEdge() throws {
        let s = try RenderSurface(offscreenWidth: 100, height: 100)
        let c = Canvas(surface: s)
        c.beginFrame(clear: RGBA(0, 0, 0))
        c.fillCircle(center: [50, 50], radius: 20.3, color: RGBA(255, 255, 255))
        try c.endFrame()
        let p = try c.readPixels()
        func v(_ x: Int, _ y: Int) -> Int { Int(p.rgba[(y * 100 + x) * 4]) }
        XCTAssertEqual(v(50, 50), 255)
        XCTAssertEqual(v(50 + 18, 50), 255)
        XCTAssertEqual(v(50 + 23, 50), 0)
        // Pixel centres 20.5 from the centre, radius 20.3: about 30 % covered, along an axis and a diagonal.
        let axis = v(50 + 20, 50)
        XCTAssertEqual(Float(axis), 0.3 * 255, accuracy: 40)
        let diagonal = v(64, 64)          // centre (64.5, 64.5): 20.5 from (50, 50)
        XCTAssertEqual(Float(diagonal), 0.3 * 255, accuracy: 40)
        XCTAssertEqual(v(63, 63), 255)
        XCTAssertEqual(c.drawCalls, 1, "one batch")
    }

    /// Two translucent triangles sharing a diagonal must not double-blend it (top-left fill rule).
    func testTranslucentQuadHasNoSeam() throws {
        let s = try RenderSurface(offscreenWidth: 40, height: 40)
        let c = Canvas(surface: s)
        c.beginFrame(clear: RGBA(0, 0, 0))
        c.fillConvex([[4, 4], [36, 4], [36, 36], [4, 36]], color: RGBA(200, 200, 200, 128))
        try c.endFrame()
        let p = try c.readPixels()
        let inside = (8..<32).map { Int(p.rgba[($0 * 40 + $0) * 4]) } + (8..<32).map { Int(p.rgba[($0 * 40 + 20) * 4]) }
        XCTAssertEqual(Set(inside).count, 1, "uneven fill: \(Set(inside))")
    }

    /// The two parallel bands draw exactly what one pass draws (shapes crossing the band border included).
    func testBandsMatchASinglePass() throws {
        func frame(bands: Int) throws -> [UInt8] {
            let v = try TestScenes.viewer(seed: 4, width: 500, height: 333)
            v.canvas.software.bands = bands
            for _ in 0..<12 { v.advance(seconds: 1.0 / 60) }
            v.frameRate = FrameRate()
            _ = try v.render()
            return try v.canvas.readPixels().rgba
        }
        XCTAssertEqual(try frame(bands: 1), try frame(bands: 2))
    }

    func testTextDrawsGlyphs() throws {
        let s = try RenderSurface(offscreenWidth: 200, height: 40)
        let fonts = try Fonts()
        let c = Canvas(surface: s)
        c.beginFrame(clear: RGBA(0, 0, 0))
        XCTAssertGreaterThan(fonts.regular.measure("step 12"), fonts.regular.measure("step"))
        let end = fonts.regular.draw("Tumble", x: 4, y: 4, color: RGBA(255, 255, 255), on: c)
        try c.endFrame()
        XCTAssertEqual(end, 4 + fonts.regular.measure("Tumble"), accuracy: 1)
        let p = try c.readPixels()
        let lit = stride(from: 0, to: p.rgba.count, by: 4).filter { p.rgba[$0] > 128 }.count
        XCTAssertGreaterThan(lit, 60)
    }

    /// The shipped copy in Assets/fonts is a complete fallback, and a missing font names where it looked.
    func testFontFallbackAndMissingFontError() throws {
        let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Assets/fonts").standardized.path
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-fonts-\(getpid())").path
        XCTAssertEqual(try FontLocator.path(bold: true, in: [empty, assets]), assets + "/DejaVuSans-Bold.ttf")
        _ = try GlyphAtlas(fontPath: try FontLocator.path(bold: false, in: [assets]), size: 14)
        XCTAssertThrowsError(try FontLocator.path(bold: false, in: [empty])) { error in
            XCTAssertTrue("\(error)".contains("DejaVuSans.ttf") && "\(error)".contains(empty), "\(error)")
        }
        XCTAssertThrowsError(try GlyphAtlas(fontPath: empty + "/nothing.ttf", size: 12)) { error in
            XCTAssertTrue("\(error)".contains("nothing.ttf"), "\(error)")
        }
    }

    func testLayoutAt1280x720UsesIntegerUpscaleAndDoesNotOverlap() throws {
        let l = Layout(width: 1280, height: 720, frameWidth: 64, frameHeight: 64, showLoss: true)
        let side = try XCTUnwrap(l.sidebar)
        XCTAssertEqual(l.eyes.map(\.w), [128, 128, 128])
        XCTAssertLessThanOrEqual(l.eyes[2].maxX, side.maxX)
        let surprise = try XCTUnwrap(l.surprisePlot), loss = try XCTUnwrap(l.lossPlot), legend = try XCTUnwrap(l.legend)
        XCTAssertLessThan(l.eyes[0].maxY + Layout.captionHeight, surprise.y)
        XCTAssertLessThanOrEqual(surprise.maxY, loss.y)
        XCTAssertLessThanOrEqual(loss.maxY, legend.y)
        XCTAssertLessThanOrEqual(legend.maxY, 720)
        XCTAssertEqual(l.world.maxX, side.x)
        let small = Layout(width: 800, height: 500, frameWidth: 64, frameHeight: 64, showLoss: false)
        XCTAssertGreaterThan(small.world.w, 400)
        XCTAssertLessThanOrEqual(try XCTUnwrap(small.legend).maxY, 500)
    }

    /// From the smallest window `--size` accepts to 4K, wide, tall and square, any frame size: every region lies
    /// in the window (sidebar regions in the sidebar), none overlaps another, and parts are dropped in the promised
    /// order (legend, loss plot, surprise plot, panels, sidebar) instead of squeezed.
    func testLayoutNeverOverlapsAtAnySize() throws {
        let sizes = [(320, 240), (400, 900), (480, 320), (560, 420), (640, 480), (800, 600), (960, 540), (1024, 600),
                     (1280, 300), (1280, 720), (1920, 1080), (3840, 2160), (8192, 240)]
        for (w, h) in sizes {
            for frame in [16, 64, 100, 256] {
                for showLoss in [false, true] {
                    let l = Layout(width: w, height: h, frameWidth: frame, frameHeight: frame, showLoss: showLoss)
                    let window = Rect(x: 0, y: 0, w: Float(w), h: Float(h))
                    let what = "\(w)×\(h) frame \(frame) loss \(showLoss)"
                    let regions = l.regions
                    for (name, r) in regions {
                        XCTAssertTrue(window.encloses(r), "\(what): \(name) \(r) outside the window")
                        XCTAssertTrue(r.w >= 0 && r.h >= 0, "\(what): \(name) has a negative size")
                        if name != "hud" && name != "world" {
                            XCTAssertTrue(try XCTUnwrap(l.sidebar).encloses(r), "\(what): \(name) outside the sidebar")
                        }
                    }
                    for i in regions.indices {
                        for j in regions.indices where j > i {
                            XCTAssertFalse(regions[i].rect.intersects(regions[j].rect),
                                           "\(what): \(regions[i].name) overlaps \(regions[j].name)")
                        }
                    }
                    XCTAssertGreaterThanOrEqual(l.world.w, min(Layout.minWorldWidth, Float(w)), what)
                    if l.legend != nil { XCTAssertNotNil(l.surprisePlot, "\(what): legend kept while the plot was dropped") }
                    if showLoss, l.legend != nil { XCTAssertNotNil(l.lossPlot, "\(what): legend kept before the loss plot") }
                    if l.surprisePlot != nil, l.sidebar != nil, h >= 400 { XCTAssertEqual(l.eyes.count, 3, what) }
                    XCTAssertEqual(l.eyeCaptions != nil, !l.eyes.isEmpty, what)
                    if let s = l.surprisePlot { XCTAssertGreaterThanOrEqual(s.h, Layout.minPlotHeight, what) }
                    if let s = l.lossPlot { XCTAssertGreaterThanOrEqual(s.h, Layout.minLossPlotHeight, what) }
                }
            }
        }
        XCTAssertNil(Layout(width: 320, height: 240, frameWidth: 64, frameHeight: 64, showLoss: false).sidebar,
                     "a 320 px window is all world")
        let full = Layout(width: 1280, height: 720, frameWidth: 64, frameHeight: 64, showLoss: true)
        XCTAssertEqual(full.regions.count, 10, "at 1280×720 nothing is dropped")
    }

    func testWorldTransformRoundTripsAndKeepsAspect() {
        let t = WorldTransform(camera: CameraRect(minX: 0, minY: 0, maxX: 20, maxY: 10), fitting: Rect(x: 0, y: 50, w: 800, h: 600))
        XCTAssertEqual(t.viewport.w / t.viewport.h, 2, accuracy: 1e-4)
        let p = SIMD2<Float>(3.5, 7.25)
        XCTAssertEqual(length(t.world(t.screen(p)) - p), 0, accuracy: 1e-4)
        XCTAssertLessThan(t.screen([0, 10]).y, t.screen([0, 0]).y, "y up in the world is up on screen")
    }

    func testPlotFormatting() {
        XCTAssertEqual(TimeSeriesPlot.format(0.01234), "0.012")
        XCTAssertEqual(TimeSeriesPlot.format(12.345), "12.3")
        XCTAssertEqual(TimeSeriesPlot.format(0.00001), "1.00e-05")
        var series = TimeSeries(capacity: 3)
        for i in 0..<5 { series.append(tick: i, value: Float(i)) }
        XCTAssertEqual((0..<3).map { series[$0].tick }, [2, 3, 4])
        XCTAssertEqual(series.maximum(since: 0), 4)
    }
}
