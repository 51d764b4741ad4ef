import XCTest
@testable import WorldModel

/// `EpisodeBatch.orderLookAlikes`: look-alike rows in x order in every frame, absent rows last, the same order
/// whether absence shows as zeros (a simulated batch) or in the mask (a dataset's).
final class LookAlikeOrderTests: XCTestCase {
    private func batch(mask: Bool) -> EpisodeBatch {
        var d = ToyBounce.description(balls: 4)
        d.lookAlikeRows = [[1, 2, 3]]
        var b = EpisodeBatch(zeroed: 1, length: 2, like: EpisodeLayout(steps: 2, d))
        // Frame 0: rows 1, 2 at x 7 and 3; row 3 absent. Frame 1: they cross (x 4 and 6).
        let rows: [[Float]] = [[1, 1, 0, 0, 0, 0], [7, 2, 0.5, 1, 0, 0], [3, 5, 0.25, -1, 0, 0], [0, 0, 0, 0, 0, 0],
                               [1, 1, 0, 0, 0, 0], [4, 2, 0.5, 1, 0, 0], [6, 5, 0.25, -1, 0, 0], [0, 0, 0, 0, 0, 0]]
        b.states = rows.flatMap { $0 }
        b.collisions = [false, true, false, false, false, false, true, false]
        if mask { b.mask = [true, true, true, false] }
        return b
    }

    func testRowsInOrderOfXAbsentLast() {
        for withMask in [false, true] {
            var b = batch(mask: withMask)
            b.orderLookAlikes()
            let x = stride(from: 0, to: b.states.count, by: 6).map { b.states[$0] }
            XCTAssertEqual(x, [1, 3, 7, 0, 1, 4, 6, 0], "mask \(withMask)")
            XCTAssertEqual(b.states[6 * 1 + 3], -1)                               // each row moves whole
            XCTAssertEqual(b.collisions!, [false, false, true, false, false, false, true, false])
            if withMask { XCTAssertEqual(b.mask!, [true, true, true, false]) }
        }
    }

    func testNoGroupsNoChange() {
        var b = batch(mask: false)
        b.layout.data.lookAlikeRows = []
        let before = b.states
        b.orderLookAlikes()
        XCTAssertEqual(b.states, before)
    }
}
