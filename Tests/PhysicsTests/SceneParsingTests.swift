import XCTest
import Yams
@testable import Physics

/// Scene files: the good form parses with its defaults; every kind of bad file gets one located error.
final class SceneParsingTests: XCTestCase {
    static let minimal = """
    name: tiny
    world: {width: 10, height: 10}
    walls:
      - {type: frame, thickness: 0.5}
    bodies:
      - name: ball
        count: [2, 3]
        shape: circle
        radius: [0.3, 0.5]
        position: {x: [1, 9], y: [1, 9]}
        velocity: {speed: 2}
        color: ["#ff0000", [0, 255, 0]]
    violations: [vanish]
    """

    /// Parses `yaml` expecting failure, returns the error.
    private func failure(_ yaml: String, file: String = "bad.yaml", line: UInt = #line) -> SceneError? {
        do {
            _ = try Scene(yaml: yaml, file: file)
            XCTFail("expected an error", line: line)
            return nil
        } catch let e as SceneError {
            XCTAssertEqual(e.file, file, line: line)
            return e
        } catch {
            XCTFail("expected a SceneError, got \(error)", line: line)
            return nil
        }
    }

    private func assertError(_ yaml: String, path: String, line expectedLine: Int?, contains text: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        guard let e = failure(yaml, line: line) else { return }
        XCTAssertEqual(e.path, path, "\(e)", file: file, line: line)
        XCTAssertEqual(e.line, expectedLine, "\(e)", file: file, line: line)
        XCTAssertTrue(e.message.contains(text), "message `\(e.message)` lacks `\(text)`", file: file, line: line)
        XCTAssertTrue(e.description.hasPrefix("bad.yaml:"), e.description, file: file, line: line)
    }

    private func replacing(_ old: String, _ new: String) -> String {
        XCTAssertTrue(Self.minimal.contains(old), old)
        return Self.minimal.replacingOccurrences(of: old, with: new)
    }

    func testMinimalSceneParsesWithDefaults() throws {
        let s = try Scene(yaml: Self.minimal, file: "tiny.yaml")
        XCTAssertEqual(s.name, "tiny")
        XCTAssertEqual(s.timestep, 1.0 / 60)
        XCTAssertEqual(s.velocityIterations, 8)
        XCTAssertEqual(s.positionIterations, 3)
        XCTAssertEqual(s.observeEvery, 1)
        XCTAssertEqual(s.gravity, SIMD2(0, -9.81))
        XCTAssertEqual(s.camera.resolution, 64)
        XCTAssertEqual(s.camera.color, .rgb)
        XCTAssertEqual(s.cameraRect, CameraRect(minX: 0, minY: 0, maxX: 10, maxY: 10))
        XCTAssertEqual(s.bodies[0].count, Scene.CountRange(2, 3))
        XCTAssertEqual(s.bodies[0].radius, Scene.RandomRange(0.3, 0.5))
        XCTAssertEqual(s.bodies[0].velocity, .polar(speed: Scene.RandomRange(2), direction: Scene.RandomRange(0, 360)))
        XCTAssertEqual(s.bodies[0].colors, [SIMD3(255, 0, 0), SIMD3(0, 255, 0)])
        XCTAssertEqual(s.violations, [.vanish])
        XCTAssertEqual(s.source, Self.minimal)
        XCTAssertEqual(s.observedHz, 60, accuracy: 1e-3)
    }

    func testEncodedSceneDecodesToTheSameScene() throws {
        for name in Scene.shippedNames {
            let s = try Scene.load(name)
            let text = try YAMLEncoder().encode(s)
            var again = try Scene(yaml: text, file: "\(name)-roundtrip.yaml")
            again.source = s.source
            XCTAssertEqual(again, s, name)
        }
    }

    func testUnknownFieldNamesFieldAndLine() {
        assertError(replacing("    shape: circle", "    shape: circle\n    radus: 0.4"),
                    path: "bodies[0].radus", line: 9, contains: "unknown field `radus`")
        assertError(Self.minimal + "\ngravty: [0, 1]", path: "gravty", line: 14, contains: "unknown field")
    }

    func testFieldNotApplyingToShapeIsRejected() {
        assertError(replacing("    radius: [0.3, 0.5]", "    radius: [0.3, 0.5]\n    width: 2"),
                    path: "bodies[0].width", line: 10, contains: "does not apply to a circle body")
    }

    func testWrongTypes() {
        assertError(replacing("radius: [0.3, 0.5]", "radius: big"), path: "bodies[0].radius", line: 9,
                    contains: "expected a number or a range")
        assertError(replacing("count: [2, 3]", "count: many"), path: "bodies[0].count", line: 7, contains: "whole number")
        assertError(replacing("world: {width: 10, height: 10}", "world: {width: ten, height: 10}"),
                    path: "world.width", line: 2, contains: "expected a number, got `ten`")
        assertError(replacing("world: {width: 10, height: 10}", "world: 10"), path: "world", line: 2, contains: "mapping")
        assertError(replacing("violations: [vanish]", "violations: [explode]"), path: "violations[0]", line: 13,
                    contains: "expected one of vanish, teleport, passThrough, immutability, got `explode`")
        assertError(replacing("shape: circle", "shape: hexagon"), path: "bodies[0].shape", line: 8, contains: "circle, box, polygon")
        assertError(replacing("[0, 255, 0]", "[0, 256, 0]"), path: "bodies[0].color[1][1]", line: 12, contains: "0...255")
    }

    func testNonFiniteNumbers() {
        assertError(replacing("radius: [0.3, 0.5]", "radius: [0.3, .inf]"), path: "bodies[0].radius[1]", line: 9,
                    contains: "finite")
        assertError(replacing("world: {width: 10, height: 10}", "world: {width: .nan, height: 10}"), path: "world.width",
                    line: 2, contains: "finite")
    }

    func testNegativeAndZeroSizes() {
        assertError(replacing("radius: [0.3, 0.5]", "radius: -1"), path: "bodies[0].radius", line: 9, contains: "> 0")
        assertError(replacing("thickness: 0.5", "thickness: -0.5"), path: "walls[0].thickness", line: 4, contains: "> 0")
        assertError(replacing("world: {width: 10, height: 10}", "world: {width: 10, height: 0}"), path: "world.height",
                    line: 2, contains: "> 0")
        assertError(replacing("radius: [0.3, 0.5]", "radius: [0.5, 0.3]"), path: "bodies[0].radius", line: 9,
                    contains: "low ≤ high")
    }

    func testMissingRequiredField() {
        assertError(replacing("    shape: circle\n", ""), path: "bodies[0].shape", line: 6, contains: "missing required field `shape`")
        assertError(replacing("    radius: [0.3, 0.5]\n", ""), path: "bodies[0].radius", line: 6, contains: "missing")
    }

    func testBodiesThatCannotBePlacedAreRejected() {
        let crowded = replacing("count: [2, 3]", "count: [2, 300]")
        assertError(crowded, path: "bodies[0]", line: 6, contains: "cannot place instance")
        let outside = replacing("position: {x: [1, 9], y: [1, 9]}", "position: {x: [1, 12], y: [1, 9]}")
        assertError(outside, path: "bodies[0].position.x", line: 10, contains: "within the world")
    }

    func testBadReferencesAndActor() {
        let joint = Self.minimal + "\njoints:\n  - {type: revolute, a: \"ball[2]\", b: ground}"
        assertError(joint, path: "joints[0].a", line: 15, contains: "may not exist")
        let unknown = Self.minimal + "\njoints:\n  - {type: distance, a: ball, b: rope}"
        assertError(unknown, path: "joints[0].b", line: 15, contains: "name of a body or chain")
        let actor = Self.minimal + "\nactor: {body: ball, force: 3}"
        assertError(actor, path: "actor.body", line: 14, contains: "count 1")
        let goal = replacing("count: [2, 3]", "count: 1") + "\nactor: {body: ball, force: 3, policy: {goal: [1, 1]}}"
        assertError(goal, path: "actor.policy.goal", line: 14, contains: "needs `push`")
    }

    func testSyntaxErrorsAndEmptyFiles() {
        guard let e = failure("name: x\nworld: {width: 1\nbodies: [") else { return }
        XCTAssertEqual(e.path, "")
        XCTAssertNotNil(e.line)
        XCTAssertTrue(e.message.contains("not valid YAML"), e.message)
        XCTAssertEqual(failure("")?.message.contains("empty"), true)
        XCTAssertEqual(failure("- 1\n- 2")?.message.contains("mapping"), true)
    }

    func testConcavePolygonIsRejected() {
        let yaml = replacing("    shape: circle\n    radius: [0.3, 0.5]", "    shape: polygon\n    points: [[0, 0], [2, 0], [1, 0.2], [2, 2], [0, 2]]")
        assertError(yaml, path: "bodies[0].points", line: 9, contains: "convex")
    }

    func testLoadByNameOrPath() throws {
        XCTAssertEqual(try Scene.load("bounce").name, "bounce")
        XCTAssertEqual(try Scene.load("bounce.yaml").name, "bounce")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-scene-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bounce").path
        try Self.minimal.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Scene.load(path).name, "tiny", "an existing file wins over a shipped name")
        XCTAssertThrowsError(try Scene.load(dir.appendingPathComponent("nope.yaml").path)) { error in
            XCTAssertTrue("\(error)".contains("not a shipped scene"), "\(error)")
        }
    }

    func testWorldRefusesASceneEditedIntoAnInvalidOne() throws {
        var s = try Scene(yaml: Self.minimal, file: "tiny.yaml")
        s.bodies[0].radius = Scene.RandomRange(-1)
        XCTAssertThrowsError(try World(scene: s)) { error in
            XCTAssertEqual((error as? SceneError)?.path, "bodies[0].radius", "\(error)")
        }
    }

    func testDecodingThroughAnotherDecoderValidatesToo() throws {
        let json = try JSONEncoder().encode(try Scene(yaml: Self.minimal))
        XCTAssertEqual(try JSONDecoder().decode(Scene.self, from: json).name, "tiny")
        let broken = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "\"width\":10", with: "\"width\":-10")
        XCTAssertNotEqual(broken, String(decoding: json, as: UTF8.self))
        XCTAssertThrowsError(try JSONDecoder().decode(Scene.self, from: Data(broken.utf8)))
    }
}
