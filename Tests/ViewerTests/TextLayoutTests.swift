import Physics
@testable import Viewer
import XCTest

/// Rendered frames at many window sizes, every string recorded by the canvas: no two texts of one layer overlap,
/// and all lie inside the window (the help overlay is its own layer and obeys the same rules within it).
final class TextLayoutTests: XCTestCase {
    static let sizes = [(320, 240), (480, 360), (640, 480), (800, 600), (960, 540), (1024, 600), (1280, 720), (1920, 1080)]

    /// What is wrong with a frame's text: strings leaving the window, and pairs of one layer that overlap.
    static func problems(_ boxes: [Canvas.TextBox], width: Int, height: Int) -> [String] {
        let window = Rect(x: 0, y: 0, w: Float(width), h: Float(height))
        var out: [String] = []
        for b in boxes where !window.encloses(b.rect) { out.append("'\(b.text)' \(b.rect) leaves the window") }
        for i in boxes.indices {
            for j in boxes.indices where j > i && boxes[i].layer == boxes[j].layer {
                // Half a pixel of slack: boxes of neighbouring rows may share their edge pixel.
                if boxes[i].rect.inset(0.5).intersects(boxes[j].rect.inset(0.5)) {
                    out.append("'\(boxes[i].text)' overlaps '\(boxes[j].text)'")
                }
            }
        }
        return out
    }

    private func checkText(_ v: Viewer, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        v.canvas.textBoxes = []
        _ = try v.render()
        let boxes = try XCTUnwrap(v.canvas.textBoxes)
        v.canvas.textBoxes = nil
        XCTAssertGreaterThan(boxes.count, 3, what, file: file, line: line)
        let (w, h) = v.surface.size
        for p in Self.problems(boxes, width: w, height: h) { XCTFail("\(what): \(p)", file: file, line: line) }
        // Every character drawn has its glyph: one outside the atlas draws as `?`.
        for b in boxes {
            for u in b.text.unicodeScalars where !v.fonts.small.provides(u.value) {
                XCTFail("\(what): '\(b.text)' draws U+\(String(u.value, radix: 16, uppercase: true)) as ?", file: file, line: line)
            }
        }
    }

    /// The fonts have every character the window prints (DejaVu Sans has no ⏸, for one).
    func testEveryCharacterOfTheRepertoireIsInTheFonts() throws {
        let fonts = try Fonts()
        for atlas in [fonts.regular, fonts.small, fonts.bold, fonts.title] {
            XCTAssertEqual(atlas.missing.map { String($0, radix: 16) }, [])
        }
    }

    /// The checker itself sees overlaps and strays (so a silent pass means something).
    func testCheckerCatchesOverlapAndStrays() throws {
        let v = try TestScenes.viewer(width: 640, height: 480)
        v.canvas.textBoxes = []
        v.fonts.regular.draw("first", x: 100, y: 100, color: Theme.text, on: v.canvas)
        v.fonts.regular.draw("second", x: 120, y: 105, color: Theme.text, on: v.canvas)
        v.fonts.regular.draw("stray", x: 630, y: 10, color: Theme.text, on: v.canvas)
        v.canvas.textLayer = 1
        v.fonts.regular.draw("overlay", x: 100, y: 100, color: Theme.text, on: v.canvas)
        let p = Self.problems(v.canvas.textBoxes!, width: 640, height: 480)
        XCTAssertEqual(p.count, 2, "\(p)")
        XCTAssertTrue(p.contains("'first' overlaps 'second'"), "\(p)")
        XCTAssertTrue(p.contains { $0.hasPrefix("'stray'") }, "\(p)")
    }

    /// The panels, the probe table and the timeline at every size: none of their text overlaps, all of it in the window.
    func testPanelsProbeTableAndTimelineKeepTheirTextApart() throws {
        for (w, h) in Self.sizes {
            let model = ScriptedModel()
            let v = try TestScenes.viewer(model: .model(model), width: w, height: h)
            model.readout = (0..<v.sandbox.world.bodyCount).map { _ in SIMD4(5, 5, 1, 1) }
            for _ in 0..<24 { v.advance(seconds: 1.0 / 60) }
            v.showPanels = true
            v.showProbe = true
            v.togglePause()
            v.stepBack()
            try checkText(v, "\(w)×\(h) panels, probe table, timeline")
        }
    }

    /// The busiest window: a model, the loss plot, markers on the surprise plot, a drag, a message.
    func testNoTextOverlapsAtAnyWindowSize() throws {
        for (w, h) in Self.sizes {
            for scene in [0, 1] {
                let v = try TestScenes.viewer(scene: scene, width: w, height: h)
                for _ in 0..<24 { v.advance(seconds: 1.0 / 60) }
                for (i, type) in [ViolationType.vanish, .teleport, .vanish].enumerated() {
                    v.surprisePlot.mark(tick: v.sandbox.tick - i, label: type.rawValue, color: Theme.violation(type.rawValue))
                }
                for i in 0..<30 { v.lossPlot.append(tick: i, value: 1 / Float(i + 1)) }
                v.say("teleport injected on body 3: a long message that a narrow window has to shorten", Theme.text)
                if let body = (0..<v.sandbox.world.bodyCount).first(where: { v.sandbox.position(of: $0) != nil }) {
                    v.drag = .init(kind: v.sandbox.hasActor ? .steer : .pull, body: body, target: SIMD2(10, 10))
                }
                try checkText(v, "\(w)×\(h) \(v.sandbox.scene.name)")
                v.showHelp = true
                try checkText(v, "\(w)×\(h) \(v.sandbox.scene.name) with help")
            }
        }
    }

    func testNoTextOverlapsWithoutAModel() throws {
        for (w, h) in Self.sizes {
            let v = try TestScenes.viewer(model: .none(reason: "no checkpoint given and none shipped in Assets/"), width: w, height: h)
            try checkText(v, "\(w)×\(h) no model")
        }
    }
}
