import Common
import Foundation
import Physics
import XCTest
@testable import Observation

/// Matched pairs: the immutability type's pixels, balanced types in recordings, and the error when a type cannot be made.
final class ViolationPairTests: DirectoryTestCase {
    func options(_ scene: Scene, _ out: URL, episodes: Int, steps: Int = 32, seed: UInt64 = 1, workers: Int = 2) -> RecordOptions {
        var o = RecordOptions(scene: scene, output: out, tumbleVersion: "test")
        o.episodes = episodes
        o.steps = steps
        o.episodesPerShard = 8
        o.violations = true
        o.resolution = 16
        o.seed = seed
        o.workers = workers
        return o
    }


    /// Types of every pair of a recording, in pair order; each label lies after the injection window's start.
    func pairTypes(_ dir: URL) throws -> [String] {
        let data = try Dataset(directory: dir)
        let window = ObservationStream.violationWindow(steps: data.manifest.steps)
        var out: [String] = []
        for i in 0..<data.shardCount {
            let s = try data.shard(i)
            for k in stride(from: 0, to: s.episodeCount, by: 2) {
                XCTAssertEqual(s.violationType![k], s.violationType![k + 1])
                XCTAssertEqual(s.violationFrame![k], -1)
                XCTAssertGreaterThan(Int(s.violationFrame![k + 1]), window.lowerBound)
                out.append(s.violationType![k + 1])
            }
        }
        return out
    }

    /// From the injection on, the impossible clip differs from the possible one only in pixels the repainted body
    /// covers (its own rendering alone, edges included), with the same states; the new colour is in the frame.
    func testImmutabilityChangesOnlyThePixelsOfItsBody() throws {
        let scene = try Scene.load("bounce")
        let stream = try ObservationStream(scene: scene, resolution: 64)
        let t = 32
        let possible = EpisodeBuffer(steps: t, for: stream), impossible = EpisodeBuffer(steps: t, for: stream)
        let probe = try ObservationStream(scene: scene, resolution: 64)
        let alone = Rasterizer(width: 64, height: 64, channels: 3, background: .zero)
        var mask = [UInt8](repeating: 0, count: stream.frameByteCount)
        var drawn: [Drawable] = []
        for pair in 0..<6 {
            let seed = EpisodeSeeds.seed(base: 31, index: pair)
            let label = try stream.recordPair(seed: seed, steps: t, type: .immutability, pair: pair,
                                              possible: possible.slots, impossible: impossible.slots)
            guard case let .immutability(row, colour) = label.violation else { return XCTFail("\(label.violation)") }
            XCTAssertEqual(label.type, .immutability)
            XCTAssertEqual(Array(possible.states), Array(impossible.states), "a colour changes no physics")
            XCTAssertEqual(Array(possible.collisions), Array(impossible.collisions))
            probe.reset(seed: seed)
            for s in 0..<t {
                if s > 0 { probe.step(action: nil) }
                let a = possible.frame(s), b = impossible.frame(s)
                if s < label.frame { XCTAssertEqual(Array(a), Array(b), "frame \(s) before the label"); continue }
                probe.world.drawables(into: &drawn)
                let body = drawn.filter { $0.body == row }.map { Drawable(geometry: $0.geometry, color: SIMD3(255, 255, 255), body: row) }
                mask.withUnsafeMutableBufferPointer { alone.draw(body, camera: probe.world.camera, into: $0) }
                var differing = 0, outside = 0, repainted = 0
                for p in 0..<(64 * 64) {
                    let here = (0..<3).contains { a[3 * p + $0] != b[3 * p + $0] }
                    let covered = (0..<3).contains { mask[3 * p + $0] != 0 }
                    if here { differing += 1 }
                    if here && !covered { outside += 1 }
                    if SIMD3(b[3 * p], b[3 * p + 1], b[3 * p + 2]) == colour { repainted += 1 }
                }
                XCTAssertEqual(outside, 0, "pair \(pair) frame \(s): pixels changed away from body \(row)")
                if s == label.frame {
                    XCTAssertGreaterThan(differing, 0)
                    XCTAssertGreaterThan(repainted, 4, "pair \(pair): the body shows its new colour \(colour)")
                }
            }
        }
    }

    /// Pair p is always of type types[p mod len] in every shipped scene that lists types (tower used to give
    /// pass-through a fraction of its share); the bytes do not depend on the thread count.
    func testRecordingsHaveExactlyBalancedTypesAndStayDeterministic() throws {
        for (name, pairs) in [("tower", 12), ("ramp", 9), ("bounce", 9), ("billiards", 7), ("push", 7), ("pendulum", 5)] {
            let scene = try Scene.load(name)
            let a = try tempDir().appendingPathComponent("a"), b = try tempDir().appendingPathComponent("b")
            _ = try Recorder(options: options(scene, a, episodes: 2 * pairs, seed: 778, workers: 2)).run()
            let types = try pairTypes(a)
            let listed = scene.violations.map(\.rawValue)
            XCTAssertEqual(types, (0..<pairs).map { listed[$0 % listed.count] }, name)
            let counts = Dictionary(grouping: types, by: { $0 }).mapValues(\.count)
            XCTAssertEqual(Set(counts.keys), Set(listed), name)
            XCTAssertLessThanOrEqual(counts.values.max()! - counts.values.min()!, 1, "\(name): \(counts)")
            XCTAssertEqual(try Dataset(directory: a).manifest.violations?.layout.contains("always has violation_type types[p mod len(types)]"), true)
            if name == "push" {
                _ = try Recorder(options: options(scene, b, episodes: 2 * pairs, seed: 778, workers: 1)).run()
                XCTAssertEqual(try contents(a), try contents(b), "same seed, same bytes, whatever the thread count")
            }
        }
    }

    /// The manifest states the window in closed form; it is the one the recorder uses.
    func testTheInjectionWindowIsTheManifestsFormula() {
        for t in 3...300 {
            let w = ObservationStream.violationWindow(steps: t)
            XCTAssertEqual(w.lowerBound, max(1, t / 5), "T = \(t)")
            XCTAssertEqual(w.upperBound, min(t - 2, max(1, t / 5, t / 2)), "T = \(t)")
        }
        XCTAssertEqual(ObservationStream.violationWindow(steps: 32), 6...16)
    }

    /// A type that cannot be made for a seed fails the recording, naming scene, seed, pair and type; it never
    /// quietly becomes another type. Here the camera looks away from the only body, so nothing is ever in view.
    func testATypeThatCannotBeMadeFailsNamingSceneSeedPairAndType() throws {
        let yaml = """
        name: blind
        description: The camera looks at an empty corner.
        world: {width: 20, height: 20}
        gravity: [0, 0]
        camera: {view: {minX: 0, minY: 0, maxX: 5, maxY: 5}, resolution: 16}
        bodies:
          - {name: ball, shape: circle, radius: 1, position: {x: 15, y: 15}, velocity: {x: 0.1, y: 0}}
        violations: [vanish, immutability]
        """
        let scene = try Scene(yaml: yaml)
        let stream = try ObservationStream(scene: scene)
        let possible = EpisodeBuffer(steps: 20, for: stream), impossible = EpisodeBuffer(steps: 20, for: stream)
        let seed = EpisodeSeeds.seed(base: 3, index: 1)
        XCTAssertThrowsError(try stream.recordPair(seed: seed, steps: 20, type: .immutability, pair: 1,
                                                   possible: possible.slots, impossible: impossible.slots)) { error in
            let text = "\(error)"
            for part in ["scene blind", "seed \(seed)", "pair 1", "immutability", "steps 4...10 of 20",
                         "\(ObservationStream.violationTries + 7 * ObservationStream.violationDrawsPerStep) tries"] {
                XCTAssertTrue(text.contains(part), "`\(part)` in: \(text)")
            }
        }
        let out = try tempDir().appendingPathComponent("blind")
        XCTAssertThrowsError(try Recorder(options: options(scene, out, episodes: 4, steps: 20, seed: 3, workers: 1)).run()) { error in
            XCTAssertTrue("\(error)".contains("scene blind, seed \(EpisodeSeeds.seed(base: 3, index: 0)), pair 0: no visible vanish"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing is left behind")
    }

    /// Pairs found within the first random moments keep the bytes the recorder gave them before the wider search
    /// and the immutability type existed: this shard (bounce with its former three types, every pair found early)
    /// was recorded by commit 5534c41 with `tumble record bounce3.yaml --episodes 24 --steps 12 --seed 5
    /// --resolution 16 --violations`.
    func testPairsFoundInTheFirstTriesKeepTheirBytes() throws {
        let text = try Scene.load("bounce").source.replacingOccurrences(
            of: "violations: [vanish, teleport, passThrough, immutability]", with: "violations: [vanish, teleport, passThrough]")
        let scene = try Scene(yaml: text)
        XCTAssertEqual(scene.violations, [.vanish, .teleport, .passThrough])
        let out = try tempDir().appendingPathComponent("b3")
        var o = options(scene, out, episodes: 24, steps: 12, seed: 5)
        o.episodesPerShard = nil
        _ = try Recorder(options: o).run()
        let shard = try Data(contentsOf: out.appendingPathComponent("shard-00000.npz"))
        XCTAssertEqual(FileDigest.sha256(shard), "0633003ebaf9b1164522e61f7b57797aedb97a581106805d4f8deb3ab83a2f4f")
    }
}
