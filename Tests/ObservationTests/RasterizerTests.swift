import Physics
import XCTest
@testable import Observation

/// The rasteriser is checked pixel by pixel against geometry worked out by hand: a 64×64 camera over
/// the world square [0, 64]² makes one world unit one pixel, with row 0 at world y = 64.
final class RasterizerTests: XCTestCase {
    let camera = CameraRect(minX: 0, minY: 0, maxX: 64, maxY: 64)
    let red = SIMD3<UInt8>(255, 0, 0)

    func render(_ drawables: [Drawable], _ r: Rasterizer, camera: CameraRect? = nil) -> [UInt8] {
        var frame = [UInt8](repeating: 7, count: r.frameByteCount)
        frame.withUnsafeMutableBufferPointer { r.draw(drawables, camera: camera ?? self.camera, into: $0) }
        return frame
    }

    func pixel(_ f: [UInt8], _ x: Int, _ y: Int, width: Int = 64, channels: Int = 3) -> [UInt8] {
        Array(f[((y * width + x) * channels)..<((y * width + x) * channels + channels)])
    }

    func testCircleColoursExactlyThePixelsItCovers() {
        let r = Rasterizer(width: 64, height: 64, channels: 3, background: .zero)
        // Centre at pixel (32, 32)'s centre: world (32.5, 64 - 32.5).
        let circle = Drawable(geometry: .circle(center: SIMD2(32.5, 31.5), radius: 5, angle: 0), color: red, body: 0)
        let f = render([circle], r)
        XCTAssertEqual(pixel(f, 32, 32), [255, 0, 0], "centre pixel is the full colour")
        XCTAssertEqual(pixel(f, 36, 32), [255, 0, 0], "pixel 4 px from the centre is fully inside")
        XCTAssertEqual(pixel(f, 37, 32), [128, 0, 0], "pixel centred on the rim is half covered")
        XCTAssertEqual(pixel(f, 38, 32), [0, 0, 0], "pixel 6 px away is background")
        XCTAssertEqual(pixel(f, 32, 27), [128, 0, 0], "rim above")
        XCTAssertEqual(pixel(f, 0, 0), [0, 0, 0])
        var coverage = 0.0
        for y in 0..<64 {
            for x in 0..<64 {
                let p = pixel(f, x, y)
                XCTAssertEqual(p[1], 0); XCTAssertEqual(p[2], 0)
                let dx = Double(x) + 0.5 - 32.5, dy = Double(y) + 0.5 - 32.5
                let d = (dx * dx + dy * dy).squareRoot()
                if d <= 4.5 { XCTAssertEqual(p[0], 255, "inside at (\(x),\(y))") }
                if d >= 5.5 { XCTAssertEqual(p[0], 0, "outside at (\(x),\(y))") }
                if d > 4.5 && d < 5.5 { XCTAssert(p[0] > 0 && p[0] < 255, "edge pixel (\(x),\(y)) is partial: \(p[0])") }
                coverage += Double(p[0]) / 255
            }
        }
        XCTAssertEqual(coverage, Double.pi * 25, accuracy: 0.01 * Double.pi * 25, "total coverage is the disc's area")
    }

    func testAxisAlignedSquareHasHalfEdgesAndQuarterCorners() {
        let r = Rasterizer(width: 64, height: 64, channels: 3, background: SIMD3(0, 0, 0))
        // World square [10.5, 20.5]²: pixel columns 11...19 full, 10 and 20 half; rows 44...52 full.
        let sq: [SIMD2<Float>] = [SIMD2(10.5, 10.5), SIMD2(20.5, 10.5), SIMD2(20.5, 20.5), SIMD2(10.5, 20.5)]
        let f = render([Drawable(geometry: .polygon(sq), color: SIMD3(0, 200, 0), body: 1)], r)
        XCTAssertEqual(pixel(f, 15, 48), [0, 200, 0])
        XCTAssertEqual(pixel(f, 10, 48), [0, 100, 0], "left edge half covered")
        XCTAssertEqual(pixel(f, 20, 48), [0, 100, 0], "right edge half covered")
        XCTAssertEqual(pixel(f, 15, 43), [0, 100, 0], "top edge half covered")
        XCTAssertEqual(pixel(f, 15, 53), [0, 100, 0], "bottom edge half covered")
        XCTAssertEqual(pixel(f, 10, 43), [0, 50, 0], "corner a quarter covered")
        XCTAssertEqual(pixel(f, 9, 48), [0, 0, 0])
        XCTAssertEqual(pixel(f, 21, 48), [0, 0, 0])
        XCTAssertEqual(pixel(f, 15, 42), [0, 0, 0])
    }

    func testTriangleCoverageMatchesItsAreaAndWindingDoesNotMatter() {
        let r = Rasterizer(width: 64, height: 64, channels: 1, background: .zero)
        let tri: [SIMD2<Float>] = [SIMD2(5.2, 7.1), SIMD2(40.3, 12.9), SIMD2(17.7, 50.6)]
        let white = SIMD3<UInt8>(255, 255, 255)
        let a = render([Drawable(geometry: .polygon(tri), color: white, body: 0)], r)
        let b = render([Drawable(geometry: .polygon(tri.reversed()), color: white, body: 0)], r)
        XCTAssertEqual(a, b)
        let area = 0.5 * abs(Double((40.3 - 5.2) * (50.6 - 7.1) - (17.7 - 5.2) * (12.9 - 7.1)))
        let covered = a.reduce(0.0) { $0 + Double($1) / 255 }
        XCTAssertEqual(covered, area, accuracy: 0.02 * area)
        // The centroid is solid, a point outside every edge is background.
        let cx = Int((5.2 + 40.3 + 17.7) / 3), cy = 64 - Int((7.1 + 12.9 + 50.6) / 3) - 1
        XCTAssertEqual(a[cy * 64 + cx], 255)
        XCTAssertEqual(a[2 * 64 + 60], 0)
    }

    func testThickAndThinSegments() {
        let r = Rasterizer(width: 64, height: 64, channels: 3, background: SIMD3(10, 20, 30))
        let blue = SIMD3<UInt8>(0, 0, 250)
        // Band y ∈ [31, 33] in the world = pixel rows 31 and 32.
        let wall = Drawable(geometry: .segment(SIMD2(5, 32), SIMD2(59, 32), thickness: 2), color: blue, body: -1)
        var f = render([wall], r)
        XCTAssertEqual(pixel(f, 30, 31), [0, 0, 250])
        XCTAssertEqual(pixel(f, 30, 32), [0, 0, 250])
        XCTAssertEqual(pixel(f, 30, 30), [10, 20, 30])
        XCTAssertEqual(pixel(f, 30, 33), [10, 20, 30])
        XCTAssertEqual(pixel(f, 2, 31), [10, 20, 30], "beyond the round cap")
        // A 0.5-unit line through row 31's centre covers half of each pixel it crosses.
        let thin = Drawable(geometry: .segment(SIMD2(0, 32.5), SIMD2(64, 32.5), thickness: 0.5), color: blue, body: -1)
        f = render([thin], r)
        XCTAssertEqual(pixel(f, 30, 31), [5, 10, 140])
        XCTAssertEqual(pixel(f, 30, 30), [10, 20, 30])
        XCTAssertEqual(pixel(f, 30, 32), [10, 20, 30])
        // A vertical wall on the left edge.
        let left = Drawable(geometry: .segment(SIMD2(1, 0), SIMD2(1, 64), thickness: 2), color: blue, body: -1)
        f = render([left], r)
        XCTAssertEqual(pixel(f, 0, 10), [0, 0, 250])
        XCTAssertEqual(pixel(f, 1, 10), [0, 0, 250])
        XCTAssertEqual(pixel(f, 2, 10), [10, 20, 30])
    }

    func testGreyFramesUseLumaOfEachColour() {
        let bg = SIMD3<UInt8>(30, 60, 90)
        let grey = Rasterizer(width: 64, height: 64, channels: 1, background: bg)
        let circle = Drawable(geometry: .circle(center: SIMD2(32.5, 31.5), radius: 5, angle: 0), color: red, body: 0)
        let f = render([circle], grey)
        XCTAssertEqual(f.count, 64 * 64)
        XCTAssertEqual(Rasterizer.grey(red), 76)
        XCTAssertEqual(Rasterizer.grey(SIMD3(255, 255, 255)), 255)
        XCTAssertEqual(f[32 * 64 + 32], 76)
        XCTAssertEqual(f[0], Rasterizer.grey(bg))
        let luma: Int = (299 * 30 + 587 * 60 + 114 * 90 + 500) / 1000
        XCTAssertEqual(Int(Rasterizer.grey(bg)), luma)
        // The rim pixel blends half way between background and colour luma.
        let g = Float(Rasterizer.grey(bg))
        let half: Float = g + (76 - g) * 0.5 + 0.5
        XCTAssertEqual(f[32 * 64 + 37], UInt8(half))
    }

    func testLaterDrawablesPaintOverEarlierOnesAndResolutionScales() {
        let r = Rasterizer(width: 32, height: 16, channels: 3, background: .zero)
        let cam = CameraRect(minX: -2, minY: -1, maxX: 2, maxY: 1)  // 8 px per world unit on both axes
        let big = Drawable(geometry: .circle(center: .zero, radius: 0.5, angle: 0), color: red, body: 0)
        let small = Drawable(geometry: .circle(center: .zero, radius: 0.25, angle: 0), color: SIMD3(0, 255, 0), body: 1)
        let f = render([big, small], r, camera: cam)
        XCTAssertEqual(pixel(f, 16, 8, width: 32), [0, 255, 0])
        XCTAssertEqual(pixel(f, 16 + 2, 8, width: 32), [255, 0, 0], "2.5 px from centre: red ring")
        XCTAssertEqual(pixel(f, 16 + 6, 8, width: 32), [0, 0, 0])
        let g = render([small, big], r, camera: cam)
        XCTAssertEqual(pixel(g, 16, 8, width: 32), [255, 0, 0])
    }

    func testShapesPartlyOrWhollyOutsideTheCameraAreClipped() {
        let r = Rasterizer(width: 64, height: 64, channels: 3, background: .zero)
        let edge = Drawable(geometry: .circle(center: SIMD2(0, 0), radius: 3, angle: 0), color: red, body: 0)
        let far = Drawable(geometry: .circle(center: SIMD2(500, -300), radius: 3, angle: 0), color: red, body: 1)
        let nan = Drawable(geometry: .circle(center: SIMD2(.nan, 1), radius: 3, angle: 0), color: red, body: 2)
        let hugeWall = Drawable(geometry: .segment(SIMD2(-1e6, -1e6), SIMD2(1e6, -1e6), thickness: 1), color: red, body: -1)
        let f = render([edge, far, nan, hugeWall], r)
        XCTAssertEqual(pixel(f, 0, 63), [255, 0, 0], "quarter disc in the bottom-left corner")
        XCTAssertEqual(pixel(f, 5, 58), [0, 0, 0])
        XCTAssertLessThan(f.filter { $0 != 0 }.count, 20)
    }

    func testNonSquarePixelsDrawEllipses() {
        let r = Rasterizer(width: 64, height: 32, channels: 1, background: .zero)
        let white = SIMD3<UInt8>(255, 255, 255)
        let c = Drawable(geometry: .circle(center: SIMD2(32, 32), radius: 8, angle: 0), color: white, body: 0)
        let f = render([c], r)  // camera [0,64]²: 1 px/unit across, 0.5 px/unit down
        XCTAssertEqual(f[16 * 64 + 32], 255)
        XCTAssertEqual(f[16 * 64 + 38], 255, "6 px right is inside (x radius 8 px)")
        XCTAssertEqual(f[(16 + 5) * 64 + 32], 0, "5 px down is outside (y radius 4 px)")
        let covered = f.reduce(0.0) { $0 + Double($1) / 255 }
        XCTAssertEqual(covered, Double.pi * 8 * 4, accuracy: 0.03 * Double.pi * 32)
    }

    func testSameInputsGiveSameBytes() {
        let r = Rasterizer(width: 48, height: 48, channels: 3, background: SIMD3(12, 34, 56))
        var rng = UInt64(42)
        func next() -> Float {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Float(rng >> 40) / Float(1 << 24)
        }
        var shapes: [Drawable] = []
        for i in 0..<30 {
            let c = SIMD2(next() * 64, next() * 64)
            let colour = SIMD3<UInt8>(UInt8(next() * 255), UInt8(next() * 255), UInt8(next() * 255))
            switch i % 3 {
            case 0: shapes.append(Drawable(geometry: .circle(center: c, radius: 1 + next() * 6, angle: 0), color: colour, body: i))
            case 1: shapes.append(Drawable(geometry: .polygon([c, c + SIMD2(5, 1), c + SIMD2(3, 6)]), color: colour, body: i))
            default: shapes.append(Drawable(geometry: .segment(c, c + SIMD2(next() * 20, next() * 20), thickness: next() * 3), color: colour, body: -1))
            }
        }
        let a = render(shapes, r), b = render(shapes, r)
        XCTAssertEqual(a, b)
        XCTAssertGreaterThan(Set(a).count, 50, "the scene really drew many blended shades")
    }

    func testCachedBackdropGivesTheSamePixelsAsDrawingEverything() {
        let r = Rasterizer(width: 40, height: 40, channels: 3, background: SIMD3(5, 6, 7))
        let cache = RasterCache()
        let cam = CameraRect(minX: 0, minY: 0, maxX: 10, maxY: 10)
        let walls = [
            Drawable(geometry: .polygon([SIMD2(0, 0), SIMD2(10, 0), SIMD2(10, 0.4), SIMD2(0, 0.4)]), color: SIMD3(100, 100, 100), body: -1),
            Drawable(geometry: .segment(SIMD2(0.2, 0), SIMD2(0.2, 10), thickness: 0.4), color: SIMD3(90, 90, 90), body: -1),
        ]
        for frame in 0..<20 {
            var list = walls
            if frame >= 10 { list[1].color = SIMD3(200, 0, 0) }  // the backdrop changes: the cache must notice
            let x = 1 + Float(frame) * 0.4
            list.append(Drawable(geometry: .circle(center: SIMD2(x, 5), radius: 1.2, angle: 0), color: red, body: 0))
            list.append(Drawable(geometry: .circle(center: SIMD2(9 - x, 3), radius: 0.7, angle: 0), color: SIMD3(0, 0, 255), body: 1))
            let camera = frame >= 15 ? CameraRect(minX: -1, minY: -1, maxX: 11, maxY: 11) : cam
            var plain = [UInt8](repeating: 0, count: r.frameByteCount), cached = plain
            plain.withUnsafeMutableBufferPointer { r.draw(list, camera: camera, into: $0) }
            cached.withUnsafeMutableBufferPointer { r.draw(list, camera: camera, into: $0, cache: cache) }
            XCTAssertEqual(plain, cached, "frame \(frame)")
        }
        // Another rasteriser sharing the cache redraws its own backdrop.
        let grey = Rasterizer(width: 40, height: 40, channels: 1, background: .zero)
        var plain = [UInt8](repeating: 0, count: grey.frameByteCount), cached = plain
        plain.withUnsafeMutableBufferPointer { grey.draw(walls, camera: cam, into: $0) }
        cached.withUnsafeMutableBufferPointer { grey.draw(walls, camera: cam, into: $0, cache: cache) }
        XCTAssertEqual(plain, cached)
    }
}
