@testable import Viewer
import XCTest

/// The CPU rasteriser's dedicated commands (discs, rings, glyph sprites, plot areas) against the triangles they
/// replace: the same pixels, up to rounding at feathered edges.
final class CPUShortcutTests: XCTestCase {
    /// Renders `draw` with shortcuts on and off; returns both pictures as RGBA and the batch counts.
    private func both(width: Int = 160, height: Int = 120, bands: Int = 2,
                      _ draw: (Canvas) throws -> Void) throws -> (fast: [UInt8], slow: [UInt8], fastCalls: Int, slowCalls: Int) {
        func render(_ shortcuts: Bool) throws -> ([UInt8], Int) {
            let c = Canvas(surface: try RenderSurface(offscreenWidth: width, height: height))
            c.cpuShortcuts = shortcuts
            c.software.bands = bands
            c.beginFrame(clear: RGBA(20, 30, 40))
            try draw(c)
            try c.endFrame()
            return (try c.readPixels().rgba, c.drawCalls)
        }
        let f = try render(true), s = try render(false)
        return (f.0, s.0, f.1, s.1)
    }

    /// Largest channel difference, how many pixels differ at all, and how many by more than 16 levels.
    private func compare(_ a: [UInt8], _ b: [UInt8]) -> (max: Int, pixels: Int, visible: Int) {
        var worst = 0, n = 0, big = 0
        for i in stride(from: 0, to: a.count, by: 4) {
            let d = (0..<3).map { abs(Int(a[i + $0]) - Int(b[i + $0])) }.max()!
            worst = max(worst, d); if d > 0 { n += 1 }; if d > 16 { big += 1 }
        }
        return (worst, n, big)
    }

    func testDiscsAndRingsMatchTheirPolygons() throws {
        let r = try both { c in
            c.fillCircle(center: [40.3, 50.7], radius: 23.6, color: RGBA(230, 60, 60))
            c.fillCircle(center: [110, 60], radius: 30, color: RGBA(80, 200, 230, 40))     // translucent (a ghost)
            c.strokeCircle(center: [110, 60], radius: 30, width: 2, color: RGBA(80, 200, 230, 235))
            c.strokeCircle(center: [40.3, 50.7], radius: 22.85, width: 1.5, color: RGBA(255, 255, 255))
            c.strokeCircle(center: [140, 110], radius: 3, width: 0.6, color: RGBA(255, 200, 0))  // thin and small, at the edge
            c.fillCircle(center: [5, 5], radius: 1.2, color: RGBA(255, 255, 0))
        }
        let d = compare(r.fast, r.slow)
        // Polygon chords stray up to 0.1 px from the circle: edge pixels may differ by ~0.1 of their colour.
        XCTAssertLessThanOrEqual(d.max, 40, "disc/ring differ from their polygons by \(d.max)")
        // Only rim pixels differ (about 2,500 lie on the rims drawn), nearly all by a few levels.
        XCTAssertLessThan(d.pixels, 1_200, "too many pixels differ (\(d.pixels))")
        XCTAssertLessThan(d.visible, 60, "\(d.visible) pixels differ visibly")
        XCTAssertGreaterThan(r.slowCalls, 0)
        XCTAssertEqual(r.fastCalls, 6, "one batch per disc or ring")
        // The centre of the opaque disc and of the ring's hole are exact.
        func px(_ img: [UInt8], _ x: Int, _ y: Int) -> [UInt8] { Array(img[(y * 160 + x) * 4..<(y * 160 + x) * 4 + 3]) }
        XCTAssertEqual(px(r.fast, 40, 50), [230, 60, 60])
        XCTAssertEqual(px(r.fast, 110, 60), px(r.slow, 110, 60))
    }

    func testGlyphSpritesMatchTexturedQuadsExactly() throws {
        let fonts = try Fonts()
        let r = try both(width: 300, height: 60) { c in
            fonts.regular.draw("Tumble · step 42 ▶ …", x: 3, y: 4, color: RGBA(255, 255, 255), on: c)
            fonts.bold.draw("surprise 0.016", x: 10, y: 30, color: RGBA(240, 90, 140, 200), on: c)
        }
        XCTAssertEqual(compare(r.fast, r.slow).pixels, 0)
    }

    func testPlotAreaMatchesItsQuads() throws {
        var points: [SIMD2<Float>] = []
        for i in 0..<120 { points.append([10 + Float(i) * 1.2, 100 - 80 * abs(sinf(Float(i) * 0.37)) * Float(i % 7) / 6]) }
        let r = try both { c in
            c.fillUnderCurve(points.withUnsafeBufferPointer { $0 }, baseline: 100, top: RGBA(240, 90, 140, 45), bottom: RGBA(240, 90, 140, 45))
        }
        let d = compare(r.fast, r.slow)
        // Column sampling at pixel centres against the triangles' top-left rule: a few boundary pixels may differ.
        XCTAssertLessThan(d.pixels, 40, "\(d.pixels) pixels differ")
        XCTAssertEqual(r.fastCalls, 1)
    }

    /// One band or two: the dedicated commands clip to the band like triangles (no pixel twice, none lost).
    func testShortcutsAreBandSafe() throws {
        let fonts = try Fonts()
        func picture(bands: Int) throws -> [UInt8] {
            try both(bands: bands) { c in
                c.fillCircle(center: [80, 60], radius: 30.2, color: RGBA(200, 100, 50, 128))
                c.strokeCircle(center: [80, 60], radius: 30.2, width: 2, color: RGBA(80, 200, 230))
                fonts.regular.draw("across the band", x: 20, y: 52, color: RGBA(255, 255, 255, 180), on: c)
            }.fast
        }
        XCTAssertEqual(try picture(bands: 1), try picture(bands: 2))
    }
}
