import Foundation
import Observation
import Physics
import XCTest
@testable import WorldModel

/// train and eval estimate their peak memory before taking it and refuse with the figure and the
/// flag or key to change; budgets here are set by the test, so the outcome is the same on any machine.
final class MemoryBudgetTests: XCTestCase {
    var dirs: [URL] = []
    override func tearDown() {
        for d in dirs { try? FileManager.default.removeItem(at: d) }
        dirs = []
    }

    /// 6 episodes of 8 steps at 16×16 in shards of 3.
    func recorded() throws -> URL {
        let dir = ToyBounce.temporaryDirectory("budget-data")
        dirs.append(dir)
        var o = RecordOptions(scene: try Scene.load("bounce"), output: dir, tumbleVersion: "test")
        o.episodes = 6; o.steps = 8; o.resolution = 16; o.episodesPerShard = 3
        _ = try Recorder(options: o).run()
        return dir
    }

    func testTrainingEstimateGrowsWithBatchClipsAndIsRefusedOverBudget() throws {
        let small = try ToyBounce.config(["data.batch_clips=16"]), large = try ToyBounce.config(["data.batch_clips=4096"])
        let a = try XCTUnwrap(TrainingMemory.stepBytes(config: small, height: 64, width: 64, channels: 3))
        let b = try XCTUnwrap(TrainingMemory.stepBytes(config: large, height: 64, width: 64, channels: 3))
        XCTAssertEqual(Double(b - TrainingMemory.baseBytes) / Double(a - TrainingMemory.baseBytes), 256, accuracy: 1e-9)
        // The default config at 16 clips measured 3.2 GB; the estimate must not be below it.
        let defaults = try XCTUnwrap(TrainingMemory.stepBytes(config: TrainingConfig(), height: 64, width: 64, channels: 3))
        XCTAssertGreaterThan(defaults, 3_200_000_000)
        XCTAssertThrowsError(try TrainingMemory.check(.scene("bounce"), config: large, budget: MemoryBudget(available: 8 << 30))) {
            XCTAssertTrue("\($0)".hasPrefix("training with data.batch_clips=4096 and data.clip_length=5 on 64×64 frames needs about"), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix("this machine has 8.0 GiB available (MemAvailable in /proc/meminfo): lower data.batch_clips (--set data.batch_clips=N)"), "\($0)")
        }
        XCTAssertNoThrow(try TrainingMemory.check(.scene("bounce"), config: small, budget: MemoryBudget(available: 8 << 30)))
    }

    func testARecordedDatasetCountsTowardsTheTrainingBudget() throws {
        let data = try recorded()
        XCTAssertThrowsError(try TrainingMemory.check(.dataset(data), config: try ToyBounce.config(), budget: MemoryBudget(available: 10_000))) {
            XCTAssertTrue("\($0)".contains("holding the shards of \(data.path) (6 episodes) in memory needs about"), "\($0)")
            XCTAssertTrue("\($0)".contains("record with fewer --episodes-per-shard"), "\($0)")
        }
    }

    /// Training streams a dataset through a shard cache of a quarter of the memory, so a dataset larger than
    /// that counts as its cache (at least one shard), not as a whole.
    func testADatasetLargerThanTheCacheCountsAsTheCache() throws {
        let m = try Dataset(directory: try recorded()).manifest
        let perEpisode = try XCTUnwrap(m.decodedBytesPerEpisode)
        XCTAssertEqual(TrainingMemory.heldBytes(m, budget: MemoryBudget(available: 1 << 30)), 6 * perEpisode, "fits: held whole")
        XCTAssertEqual(TrainingMemory.heldBytes(m, budget: MemoryBudget(available: 4 * 4 * perEpisode)), 4 * perEpisode, "the cache's quarter")
        XCTAssertEqual(TrainingMemory.heldBytes(m, budget: MemoryBudget(available: 4)), 3 * perEpisode, "one shard at least")
    }

    func testEvaluationIsRefusedWhenOneShardWouldNotFit() throws {
        let source = try DatasetEpisodes(directory: try recorded())
        XCTAssertThrowsError(try EvaluationMemory.check(model: OracleModel(bodies: 8), source: source, budget: MemoryBudget(available: 10_000))) {
            XCTAssertTrue("\($0)".contains("evaluating 6 episodes of 8 steps (largest shard shard-00000.npz, 3 episodes) needs about"), "\($0)")
            XCTAssertTrue("\($0)".contains("smaller --episodes-per-shard"), "\($0)")
        }
        XCTAssertNoThrow(try EvaluationMemory.check(model: OracleModel(bodies: 8), source: source, budget: MemoryBudget(available: 1 << 30)))
    }
}
