import XCTest
@testable import Viewer
import CSDL2

final class CanvasScratchTests: XCTestCase {
    func testScratchPicture() throws {
        let s = try RenderSurface(offscreenWidth: 800, height: 500)
        XCTAssertEqual(TTF_Init(), 0)
        let fonts = try Fonts(renderer: s.renderer)
        let c = Canvas(renderer: s.renderer)
        SDL_SetRenderDrawColor(s.renderer, 14, 17, 22, 255); SDL_RenderClear(s.renderer)
        c.fillCircle(center: [100, 100], radius: 60, color: RGBA(hex: 0xE05A47))
        c.fillCircle(center: [230, 100], radius: 8, color: RGBA(hex: 0x4FA3E0))
        c.strokeCircle(center: [100, 100], radius: 70, width: 2, color: Theme.imagined)
        c.fillConvex([[300, 50], [420, 70], [400, 160], [310, 150]], color: RGBA(hex: 0x8BC34A))
        c.strokePolyline([[300, 200], [350, 260], [400, 210], [450, 300], [500, 230]], closed: false, width: 3, color: Theme.truth)
        c.strokePolyline([[300, 300], [350, 360], [400, 310]], closed: false, width: 0.6, color: Theme.text)
        c.line([20, 400], [780, 380], width: 10, color: RGBA(hex: 0x7D8590))
        fonts.title.draw("bounce — step 1234", x: 520, y: 30, color: Theme.text, on: c)
        fonts.regular.draw("60.0 frames/s · model 3f9a2c1b · → step", x: 520, y: 60, color: Theme.text, on: c)
        fonts.small.draw("H: keys  Space: pause", x: 520, y: 85, color: Theme.dimText, on: c)
        var plot = TimeSeriesPlot(title: "surprise", color: Theme.surprise)
        for t in 0..<300 { plot.append(tick: t, value: 0.1 + 0.05 * sinf(Float(t) * 0.1) + (t > 200 && t < 215 ? 1 : 0)) }
        plot.mark(tick: 200, label: "vanish", color: Theme.violation("vanish"))
        var pts: [SIMD2<Float>] = []
        plot.draw(in: Rect(x: 520, y: 120, w: 260, h: 160), now: 300, canvas: c, fonts: fonts, points: &pts)
        c.flush()
        try s.savePNG(to: "/tmp/vw/scratch.png")
    }
}
