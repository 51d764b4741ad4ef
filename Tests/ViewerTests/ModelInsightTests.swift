import CSDL2
import Physics
@testable import Viewer
import WorldModel
import XCTest

/// M (the model's object masks over the world) and P (the probe's read-out beside the true states), read back
/// from the pixels.
final class ModelInsightTests: XCTestCase {
    /// Masks over a 64×64 frame: mask 0 everywhere (background) except a block of rows 8..<24, columns 8..<24
    /// owned wholly by mask 1, and rows 40..<56, columns 40..<56 owned by mask 2 with a share of 0.5.
    static func scriptedMasks() -> ObjectMasks {
        let c = 4
        var v = [Float](repeating: 0, count: 64 * 64 * c)
        for y in 0..<64 {
            for x in 0..<64 {
                let i = (y * 64 + x) * c
                if (8..<24).contains(y) && (8..<24).contains(x) { v[i + 1] = 1 } else if (40..<56).contains(y) && (40..<56).contains(x) {
                    v[i + 2] = 0.5; v[i] = 0.5 / 3; v[i + 1] = 0.5 / 3; v[i + 3] = 0.5 / 3
                } else { v[i] = 1 }
            }
        }
        return ObjectMasks(values: v, count: c, height: 64, width: 64)
    }

    func testMKeyOverlaysEachMaskInItsColourWithAlphaByConfidence() throws {
        let model = ScriptedModel()
        model.masks = Self.scriptedMasks()
        let v = try TestScenes.viewer(model: .model(model), width: 1280, height: 720)
        model.probe = []   // no ghosts over the checked pixels
        v.sandbox.refreshForecast()
        _ = try v.render()
        let off = try Pixels(v)
        SyntheticInput.key(SDLK_m)
        v.pollEvents()
        XCTAssertTrue(v.showMasks)
        _ = try v.render()
        let on = try Pixels(v)
        let t = try XCTUnwrap(v.lastTransform)
        let cam = v.sandbox.world.camera
        // Window position of frame pixel (x, y)'s centre.
        func at(_ x: Float, _ y: Float) -> SIMD2<Float> {
            t.screen([cam.minX + (x + 0.5) / 64 * (cam.maxX - cam.minX), cam.maxY - (y + 0.5) / 64 * (cam.maxY - cam.minY)])
        }
        func distance(_ a: SIMD3<Int>, _ b: RGBA) -> Int { max(abs(a.x - Int(b.r)), abs(a.y - Int(b.g)), abs(a.z - Int(b.b))) }
        func moved(_ p: SIMD2<Float>) -> Int { let d = on.at(p) &- off.at(p); return abs(d.x) + abs(d.y) + abs(d.z) }
        let sure = at(16, 16), unsure = at(48, 48), background = at(32, 4)
        XCTAssertLessThan(distance(on.at(sure), MaskOverlay.color(1)), distance(off.at(sure), MaskOverlay.color(1)) - 60,
                          "mask 1's pixels did not take its colour")
        XCTAssertLessThan(distance(on.at(unsure), MaskOverlay.color(2)), distance(off.at(unsure), MaskOverlay.color(2)))
        XCTAssertGreaterThan(moved(sure), 2 * moved(unsure), "a half-sure pixel must be fainter than a sure one")
        XCTAssertEqual(moved(background), 0, "the background mask must be left clear")
        XCTAssertEqual(v.maskOverlay.shownMasks, 2)

        SyntheticInput.key(SDLK_m)
        v.pollEvents()
        _ = try v.render()
        XCTAssertEqual(try Pixels(v).at(sure), off.at(sure))
    }

    /// The masks are of the newest observation, so with M on the bodies are drawn at that observation, not
    /// interpolated up to one interval behind it: every ball's disc is read back around its newest centre.
    func testWithMasksTheWorldIsDrawnAtTheMasksObservation() throws {
        let model = ScriptedModel()
        model.masks = ObjectMasks(values: [Float](repeating: 1, count: 64 * 64), count: 1, height: 64, width: 64)   // all background
        let v = try TestScenes.viewer(model: .model(model), width: 1280, height: 720)
        model.probe = []
        SyntheticInput.key(SDLK_m)
        v.pollEvents()
        for _ in 0..<22 { v.advance(seconds: 1.0 / 60) }      // half-way between two observations
        XCTAssertEqual(v.alpha, 0.5, accuracy: 1e-3)
        _ = try v.render()
        let px = try Pixels(v), t = try XCTUnwrap(v.lastTransform)
        var onNewest = 0, balls = 0
        for d in v.sandbox.drawables where d.body >= 0 {
            guard case let .circle(c, r, _) = d.geometry else { continue }
            balls += 1
            let fill = SIMD3(Int(d.color.x), Int(d.color.y), Int(d.color.z))
            let hits = (0..<8).filter { i in
                let a = Float(i) * .pi / 4 + 0.3
                let q = px.at(t.screen(c) + SIMD2(cosf(a), sinf(a)) * r * t.scale * 0.88) &- fill
                return max(abs(q.x), abs(q.y), abs(q.z)) < 40
            }.count
            if hits >= 7 { onNewest += 1 }
        }
        XCTAssertGreaterThanOrEqual(onNewest, balls - 1, "balls not drawn at the observation the masks show")
    }

    /// A real (untrained) world model of the shipped architecture: its masks are per-pixel shares summing to 1.
    func testAWorldModelGivesMasksOfItsEncoder() throws {
        let scene = try TestScenes.scene(TestScenes.bounce)
        let adapter = try TrainedModelAdapter(learningFromScratch: scene)
        let v = try TestScenes.viewer(model: .model(adapter))
        SyntheticInput.key(SDLK_m)
        v.pollEvents()
        let m = try XCTUnwrap(v.sandbox.masks)
        XCTAssertEqual(m.count, adapter.model.config.encoderChannels.last)
        XCTAssertEqual([m.height, m.width], [64, 64])
        for i in stride(from: 0, to: m.height * m.width, by: 97) {
            let row = m.values[(i * m.count)..<((i + 1) * m.count)]
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-4)
        }
        for _ in 0..<4 { v.advance(seconds: 1.0 / 60) }
        XCTAssertNotNil(v.sandbox.masks, "masks follow every observation")
    }

    func testPKeyDrawsTheProbeReadOutBesideTheTrueStates() throws {
        let model = ScriptedModel()
        let v = try TestScenes.viewer(model: .model(model), width: 1280, height: 720)
        let n = v.sandbox.world.bodyCount
        model.readout = (0..<n).map { b in SIMD4(v.sandbox.states[b * 6] + 2, v.sandbox.states[b * 6 + 1], 0, 0) }
        model.probe = []
        v.sandbox.refreshForecast()
        SyntheticInput.key(SDLK_p)
        v.pollEvents()
        XCTAssertEqual(v.sandbox.readout?.count, n)
        v.canvas.textBoxes = []
        _ = try v.render()
        let px = try Pixels(v)
        let t = try XCTUnwrap(v.lastTransform)
        let cross = SIMD3(Int(Theme.probe.r), Int(Theme.probe.g), Int(Theme.probe.b))
        var hits = 0
        for b in 0..<n {
            guard let p = v.sandbox.position(of: b) else { continue }
            let c = t.screen(p + SIMD2(2, 0)) + SIMD2(0, 4)   // on the cross's vertical arm
            let d = px.at(c) &- cross
            if max(abs(d.x), abs(d.y), abs(d.z)) < 40 { hits += 1 }
        }
        XCTAssertGreaterThanOrEqual(hits, n - 2, "probe crosses missing 2 m right of the bodies")
        let texts = v.canvas.textBoxes!.map(\.text)
        XCTAssertTrue(texts.contains { $0.hasPrefix("PROBE vs TRUE") }, "\(texts)")
        XCTAssertTrue(texts.contains { $0.hasPrefix("#0  probe") })
        XCTAssertTrue(texts.contains { $0.contains("2.00 m") }, "the table gives each body's error: \(texts)")
    }

    /// Where a body's turning shows (push's block, a rectangle: symmetry 2), the table gives the probe's angle beside the
    /// true one, both within the symmetry; a disc gets none.
    func testProbeTableGivesAnglesWhereTheyShow() throws {
        let model = ScriptedModel()
        let v = try TestScenes.viewer(scene: 1, model: .model(model), width: 1280, height: 720)
        let symmetry = v.sandbox.scene.orientationSymmetry
        XCTAssertEqual(symmetry.count, 2)
        XCTAssertEqual(symmetry[0], 0, "the pusher is a disc")
        XCTAssertGreaterThan(symmetry[1], 0, "the block's turning shows")
        model.readout = (0..<2).map { b in SIMD4(v.sandbox.states[b * 6], v.sandbox.states[b * 6 + 1], 0, 0) }
        model.angles = [nil, 0.3]
        SyntheticInput.key(SDLK_p)
        v.pollEvents()
        let texts = try { () -> [String] in v.canvas.textBoxes = []; _ = try v.render(); return v.canvas.textBoxes!.map(\.text) }()
        XCTAssertTrue(texts.contains { $0.hasSuffix("· angle · error") }, "\(texts)")
        let block = try XCTUnwrap(texts.first { $0.hasPrefix("#1  probe") })
        XCTAssertTrue(block.hasSuffix(String(format: " · %3.0f°", 0.3 * 180 / Float.pi)), block)
        let truth = ProbeAngle.wrap(v.sandbox.states[1 * 6 + 2], symmetry: symmetry[1])
        XCTAssertTrue(texts.contains { $0.contains(String(format: " · %3.0f°", truth * 180 / .pi)) && $0.contains("true") }, "\(texts)")
        XCTAssertFalse(try XCTUnwrap(texts.first { $0.hasPrefix("#0  probe") }).contains("°"), "a disc has no angle to read")

        XCTAssertEqual(ProbeAngle.wrap(-0.1, symmetry: 4), .pi / 2 - 0.1, accuracy: 1e-6)
        XCTAssertEqual(ProbeAngle.wrap(7, symmetry: 1), 7 - 2 * .pi, accuracy: 1e-5)

        // A read-out fitted for the scene's symmetry is compared; one fitted for another (an older checkpoint, whose
        // angles repeat with another period) is not, and the table says why.
        model.angleSymmetry = symmetry
        var again = try { () -> [String] in v.canvas.textBoxes = []; _ = try v.render(); return v.canvas.textBoxes!.map(\.text) }()
        XCTAssertTrue(try XCTUnwrap(again.first { $0.hasPrefix("#1  probe") }).hasSuffix("°"), "\(again)")
        model.angleSymmetry = [0, symmetry[1] == 2 ? 4 : 2]
        again = try { () -> [String] in v.canvas.textBoxes = []; _ = try v.render(); return v.canvas.textBoxes!.map(\.text) }()
        XCTAssertFalse(try XCTUnwrap(again.first { $0.hasPrefix("#1  probe") }).contains("°"), "\(again)")
        XCTAssertTrue(again.contains { $0.hasPrefix("angles not compared: read-out fitted for symmetry 0,") }, "\(again)")
    }
}

/// Ramp's two pebbles share a colour, so models read them in x order (`Scene.lookAlikeOrder`): the window puts each
/// read-out and ghost back on the pebble it reads, whichever row the simulator gave it.
final class LookAlikeReadoutTests: XCTestCase {
    func testPebblesReadInOrderOfXAreDrawnOnTheirOwnBodies() throws {
        let model = ScriptedModel()
        let ramp = try Scene.load("ramp")
        for seed: UInt64 in 1...200 {
            let s = try Sandbox(scenes: [ramp], sceneIndex: 0, seed: seed, model: model, horizon: 2)
            guard s.mask[5], s.mask[6], s.states[5 * 6] > s.states[6 * 6] else { continue }
            // The model reads row 5 as the left pebble, which the simulator calls row 6.
            let n = s.world.bodyCount
            var rows = (0..<n).map { SIMD2(s.states[$0 * 6], s.states[$0 * 6 + 1]) }
            rows.swapAt(5, 6)
            model.readout = rows.map { SIMD4($0.x, $0.y, 0, 0) }
            model.probe = rows
            s.wantsReadout = true
            s.refreshForecast()
            for b in 0..<n {
                XCTAssertEqual(s.readout?[b].x, s.states[b * 6], "row \(b)")
                XCTAssertEqual(s.imagined.first?[b].x, s.states[b * 6], "row \(b)")
            }
            return
        }
        XCTFail("no ramp episode in 200 seeds has two pebbles, the right one in row 5")
    }
}
