import XCTest
@testable import Physics

/// Rows whose bodies look the same: a read-out can only be held to them in an order the frames show.
final class LookAlikeRowsTests: XCTestCase {
    func testShippedScenes() throws {
        XCTAssertEqual(try Scene.load("ramp").lookAlikeRows, [[5, 6]])            // two pebbles of one colour
        for name in Scene.shippedNames where !["ramp", "pile500"].contains(name) {
            XCTAssertEqual(try Scene.load(name).lookAlikeRows, [], name)          // every body its own colour
        }
        // pile500: 500 bodies in three colours.
        XCTAssertEqual(try Scene.load("pile500").lookAlikeRows.map(\.count).reduce(0, +), 500)
    }

    func testInstancesSharingAColourOfAPalette() throws {
        let scene = try Scene(yaml: """
            name: t
            world: {width: 10, height: 10}
            bodies:
              - {name: a, shape: circle, radius: 0.3, count: [1, 2], position: {x: [1, 9], y: [1, 9]}, color: ["#ff0000", "#00ff00"]}
              - {name: b, shape: circle, radius: 0.3, count: [2, 5], position: {x: [1, 9], y: [1, 9]}, color: ["#0000ff", "#ffff00"]}
            """)
        // a: two instances, two colours. b: rows 2–6 take blue, yellow, blue, yellow, blue.
        XCTAssertEqual(scene.lookAlikeRows, [[2, 4, 6], [3, 5]])
    }

    func testOrderIsPresentRowsByXThenAbsentRows() {
        let x: [Int: Float] = [2: 5, 4: 1, 6: 3, 8: 1]
        XCTAssertEqual(Scene.lookAlikeOrder([2, 4, 6, 8], x: { x[$0]! }, present: { $0 != 6 }), [4, 8, 2, 6])  // a tie in x: by row
        XCTAssertEqual(Scene.lookAlikeOrder([2, 4], x: { x[$0]! }, present: { _ in false }), [2, 4])
    }
}
