import Crypto
import Physics
import XCTest
@testable import Observation

final class ObservationStreamTests: XCTestCase {
    func hash(_ buffers: [UnsafeRawBufferPointer]) -> String {
        var h = SHA256()
        for b in buffers { h.update(bufferPointer: b) }
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    func episodeHash(_ e: EpisodeBuffer) -> String {
        hash([UnsafeRawBufferPointer(e.frames), UnsafeRawBufferPointer(e.states), UnsafeRawBufferPointer(e.actions),
              UnsafeRawBufferPointer(e.collisions), UnsafeRawBufferPointer(e.mask)])
    }

    func testFramesAreTheRasterisedWorldAndStatesTheWorldsStates() throws {
        let stream = try ObservationStream(scene: try Scene.load("bounce"))
        XCTAssertEqual(stream.frameShape, [64, 64, 3])
        XCTAssertEqual(stream.bodyCount, 8)
        stream.reset(seed: 11)
        for _ in 0..<5 { stream.step(action: nil) }
        let world = try World(scene: try Scene.load("bounce"))
        world.reset(seed: 11)
        for _ in 0..<5 { world.step(action: nil) }
        var list: [Drawable] = []
        world.drawables(into: &list)
        var frame = [UInt8](repeating: 0, count: 64 * 64 * 3)
        frame.withUnsafeMutableBufferPointer { stream.rasterizer.draw(list, camera: world.camera, into: $0) }
        XCTAssertEqual(Array(stream.frame), frame)
        var states = [Float](repeating: 0, count: 48)
        states.withUnsafeMutableBufferPointer { world.exportStates(into: $0) }
        XCTAssertEqual(Array(stream.states), states)
        // Each ball's centre pixel carries its scene colour (camera 20 m → 64 px).
        for (row, d) in list.enumerated() where d.body >= 0 {
            guard case let .circle(c, r, _) = d.geometry, r > 0.9 else { continue }
            let x = Int(c.x * 3.2), y = Int((20 - c.y) * 3.2)
            let overlapped = list.enumerated().contains { other in
                guard other.offset > row, case let .circle(oc, or, _) = other.element.geometry else { return false }
                let d = oc - c
                return (d.x * d.x + d.y * d.y).squareRoot() < or + r
            }
            if overlapped { continue }
            XCTAssertEqual(Array(stream.frame[((y * 64 + x) * 3)..<((y * 64 + x) * 3 + 3)]), [d.color.x, d.color.y, d.color.z])
        }
    }

    func testSameSeedGivesSameBytesOverHundredsOfSteps() throws {
        let scene = try Scene.load("bounce")
        let a = try ObservationStream(scene: scene, resolution: 32), b = try ObservationStream(scene: scene, resolution: 32)
        let ea = EpisodeBuffer(steps: 300, for: a), eb = EpisodeBuffer(steps: 300, for: b)
        a.record(seed: 99, into: ea)
        b.record(seed: 5, into: eb)   // a different history first: reset must not depend on it
        let other = episodeHash(eb)
        b.record(seed: 99, into: eb)
        XCTAssertEqual(episodeHash(ea), episodeHash(eb))
        XCTAssertNotEqual(episodeHash(ea), other)
        XCTAssertNotEqual(Array(ea.frame(0)), Array(ea.frame(299)), "the balls move")
    }

    func testEpisodeTimeConventionAndActions() throws {
        let scene = try Scene.load("push")
        let stream = try ObservationStream(scene: scene, resolution: 24)
        XCTAssertEqual(stream.actionDimension, 2)
        let e = EpisodeBuffer(steps: 40, for: stream)
        stream.record(seed: 3, into: e)
        XCTAssertTrue(e.actions.allSatisfy { $0 >= -1 && $0 <= 1 })
        XCTAssertGreaterThan(e.actions.map(abs).max()!, 0.05, "the policy pushes")
        XCTAssertFalse(e.collisions[0..<stream.bodyCount].contains(true), "nothing has collided at observation 0")
        // Replaying the recorded actions step by step reproduces every frame and state.
        stream.reset(seed: 3)
        for t in 0..<40 {
            XCTAssertEqual(Array(stream.frame), Array(e.frame(t)), "frame \(t)")
            XCTAssertEqual(Array(stream.states), Array(e.states[(t * stream.bodyCount * 6)..<((t + 1) * stream.bodyCount * 6)]))
            let a = Array(e.actions[(2 * t)..<(2 * t + 2)])
            a.withUnsafeBufferPointer { stream.step(action: $0) }
        }
    }

    func testGreyScenesAndResolutionOverride() throws {
        var scene = try Scene.load("bounce")
        scene.camera.color = .grey
        scene.camera.background = SIMD3(40, 40, 40)
        let stream = try ObservationStream(scene: scene, resolution: 40)
        XCTAssertEqual(stream.frameShape, [40, 40, 1])
        XCTAssertEqual(stream.frame.count, 1600)
        XCTAssertTrue(stream.frame.contains(Rasterizer.grey(SIMD3(40, 40, 40))))
        XCTAssertThrowsError(try ObservationStream(scene: scene, resolution: 0))
    }

    func testViolationPairsShareEveryFrameBeforeTheLabelAndDifferAtIt() throws {
        let scene = try Scene.load("bounce")
        let stream = try ObservationStream(scene: scene, resolution: 32)
        let t = 40
        let possible = EpisodeBuffer(steps: t, for: stream), impossible = EpisodeBuffer(steps: t, for: stream)
        let sb = stream.bodyCount * 6
        var seen: Set<ViolationType> = []
        for (i, type) in ViolationType.allCases.enumerated() {
            let seed = EpisodeSeeds.seed(base: 7, index: i)
            let label = try stream.recordPair(seed: seed, steps: t, type: type, pair: i,
                                              possible: possible.slots, impossible: impossible.slots)
            XCTAssertEqual(label.type, type, "a pair never switches type")
            XCTAssertEqual(label.violation.type, type)
            seen.insert(label.type)
            XCTAssertGreaterThan(label.frame, 0)
            XCTAssertLessThan(label.frame, t)
            for s in 0..<label.frame {
                XCTAssertEqual(Array(possible.frame(s)), Array(impossible.frame(s)), "\(label.type) frame \(s) before the label")
            }
            XCTAssertNotEqual(Array(possible.frame(label.frame)), Array(impossible.frame(label.frame)))
            XCTAssertEqual(Array(possible.actions), Array(impossible.actions))
            // The possible clip is exactly the ordinary episode of that seed.
            let plain = EpisodeBuffer(steps: t, for: stream)
            stream.record(seed: seed, into: plain)
            XCTAssertEqual(Array(plain.frames), Array(possible.frames))
            let last = (t - 1) * sb
            switch label.violation {
            case let .vanish(body):
                XCTAssertEqual(Array(impossible.states[(last + body * 6)..<(last + body * 6 + 6)]), [0, 0, 0, 0, 0, 0])
            case let .teleport(body, _):
                let p = possible.states[last + body * 6], q = impossible.states[last + body * 6]
                XCTAssertNotEqual(p, q)
            case .passThrough:
                XCTAssertNotEqual(Array(possible.states[last..<(last + sb)]), Array(impossible.states[last..<(last + sb)]))
            case .immutability:
                XCTAssertEqual(Array(possible.states), Array(impossible.states), "only a colour changed")
            }
        }
        XCTAssertEqual(seen, Set(ViolationType.allCases), "each preferred type was possible in bounce")
    }
}
