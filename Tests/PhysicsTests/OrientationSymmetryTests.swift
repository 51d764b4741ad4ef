import XCTest
@testable import Physics

/// Which bodies' orientation shows in the frames, and modulo what turn: the angle probes' targets.
final class OrientationSymmetryTests: XCTestCase {
    func testShippedScenes() throws {
        func symmetry(_ name: String) throws -> [Int] { try Scene.load(name).orientationSymmetry }
        XCTAssertEqual(try symmetry("bounce"), Array(repeating: 0, count: 8))            // discs
        XCTAssertEqual(try symmetry("billiards"), Array(repeating: 0, count: 10))
        XCTAssertEqual(try symmetry("tower"), Array(repeating: 2, count: 7) + [0])       // boxes, then the ball
        XCTAssertEqual(try symmetry("push"), [0, 4])                                     // pusher disc, block of random sides
        XCTAssertEqual(try symmetry("pendulum"), Array(repeating: 1, count: 5))          // pinned links
        XCTAssertEqual(try symmetry("ramp"), Array(repeating: 0, count: 5) + [8, 8])     // balls, octagonal pebbles
        for name in Scene.shippedNames {
            let scene = try Scene.load(name)
            XCTAssertEqual(scene.orientationSymmetry.count, try World(scene: scene).bodyCount, name)
        }
        XCTAssertFalse(try Scene.load("bounce").hasTurningBodies)
        XCTAssertTrue(try Scene.load("tower").hasTurningBodies)
    }

    func testPolygonSymmetry() {
        let square: [SIMD2<Float>] = [[1, 1], [-1, 1], [-1, -1], [1, -1]]
        XCTAssertEqual(Scene.polygonSymmetry(square), 4)
        XCTAssertEqual(Scene.polygonSymmetry(square.map { $0 * [2, 1] }), 2)             // a rectangle
        let triangle = (0..<3).map { i -> SIMD2<Float> in
            let a = Float(i) * 2 * .pi / 3
            return [cosf(a) + 5, sinf(a) - 2]                                             // off the origin: centred first
        }
        XCTAssertEqual(Scene.polygonSymmetry(triangle), 3)
        XCTAssertEqual(Scene.polygonSymmetry([[0, 0], [2, 0], [0, 1]]), 1)                 // no turn maps it onto itself
    }

    func testFixedRotationAndSquareBoxes() throws {
        let scene = try Scene(yaml: """
            name: t
            world: {width: 10, height: 10}
            bodies:
              - {name: a, shape: box, width: 1, height: 1, position: {x: 2, y: 2}}
              - {name: b, shape: box, width: 1, height: 1, position: {x: 5, y: 5}, fixedRotation: true}
              - {name: c, shape: box, width: [1, 2], height: 1, position: {x: 8, y: 8}}
            """)
        XCTAssertEqual(scene.orientationSymmetry, [4, 0, 2])
        XCTAssertEqual((0..<3).map(scene.shapeSymmetry(ofRow:)), [4, 0, 2])
    }

    /// When either side may be the longer, the state's angle is the width side's, which the frames cannot tell from
    /// the height side's: only a quarter turn shows. The shape itself, in one episode, still has a half-turn symmetry.
    func testBoxesWhoseSidesAreDrawnFromOverlappingRanges() throws {
        let scene = try Scene(yaml: """
            name: t
            world: {width: 10, height: 10}
            bodies:
              - {name: a, shape: box, width: [1.6, 2.4], height: [1.6, 2.4], position: {x: 2, y: 2}}
              - {name: b, shape: box, width: [1, 2], height: [1.5, 3], position: {x: 5, y: 5}}
              - {name: c, shape: box, width: [1.2, 2.6], height: 1.2, position: {x: 8, y: 8}}
              - {name: d, shape: box, width: 3, height: [1, 2], position: {x: 8, y: 2}}
            """)
        XCTAssertEqual(scene.orientationSymmetry, [4, 4, 2, 2])      // c and d: the width is never the shorter side
        XCTAssertEqual((0..<4).map(scene.shapeSymmetry(ofRow:)), [2, 2, 2, 2])
        XCTAssertEqual(try Scene.load("push").shapeSymmetry(ofRow: 1), 2)
    }
}
