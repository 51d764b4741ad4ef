import Common
import Physics
import XCTest
@testable import WorldModel

/// Live episodes are simulated on every core; episode i always lands in slot i, so the worker count
/// (the machine's core count) never changes a byte of what training sees.
final class LiveWorkersTests: XCTestCase {
    func testLiveBatchesAreTheSameBytesForAnyWorkerCount() throws {
        let scene = try Scene.load("bounce"), config = try ToyBounce.config()
        var batches: [ClipBatch] = []
        for workers in [1, 3] {
            let source = try DataSources.live(scene: scene, config: config, workers: workers)
            var rng = SplitMix64(seed: 1)
            batches.append(try source.batch(clips: 5, length: 3, batchIndex: 2, rng: &rng))
        }
        XCTAssertEqual(batches[0].frames, batches[1].frames)
        XCTAssertEqual(batches[0].states, batches[1].states)
        XCTAssertEqual(batches[0].actions, batches[1].actions)
    }
}
