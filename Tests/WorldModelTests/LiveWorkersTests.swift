import Common
import Physics
import XCTest
@testable import WorldModel

/// Live episodes are simulated on every core; episode i always lands in slot i, so the worker count
/// (the machine's core count) never changes a byte of what training and evaluation see.
final class LiveWorkersTests: XCTestCase {
    func testLiveBatchesAreTheSameBytesForAnyWorkerCount() throws {
        let scene = try Scene.load("bounce")
        let batches = try [1, 3].map { workers in
            try LiveEpisodes(scene: scene, seedBase: 9, episodes: 10, steps: 3, perBatch: 5, resolution: 16, workers: workers).batch(1)
        }
        XCTAssertEqual(batches[0].frames, batches[1].frames)
        XCTAssertEqual(batches[0].states, batches[1].states)
        XCTAssertEqual(batches[0].actions, batches[1].actions)
        XCTAssertEqual(batches[0].seeds, batches[1].seeds)
    }
}
