import Common
import Foundation
import Observation
import Physics
import XCTest
@testable import WorldModel

final class TrainingDataTests: XCTestCase {
    /// A tiny recorded bounce dataset: 16×16 frames, 6 episodes of 8 steps in 2 shards.
    private func record(_ dir: URL, seed: UInt64 = 5) throws {
        var o = RecordOptions(scene: try Scene.load("bounce"), output: dir, tumbleVersion: "test")
        o.episodes = 6; o.steps = 8; o.seed = seed; o.resolution = 16; o.episodesPerShard = 3
        _ = try Recorder(options: o).run()
    }

    private func options(_ data: TrainingData, _ run: URL, _ config: TrainingConfig) -> TrainOptions {
        TrainOptions(data: data, run: run, config: config, quiet: true)
    }

    func testTrainsFromARecordedDatasetAndRecordsItsSeeds() throws {
        let data = ToyBounce.temporaryDirectory("data"), run = ToyBounce.temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: run) }
        try record(data)
        let config = try ToyBounce.config(["train.steps=2"])
        XCTAssertEqual(try Trainer.train(options(.dataset(data), run, config)).step, 2)
        let model = try TrainedModel.load(checkpoint: RunDirectory(run).lastCheckpoint)
        let seeds = try (0..<2).flatMap { try Dataset(directory: data).shard($0).seeds }
        XCTAssertEqual(model.trainingSeeds.kind, .list)
        XCTAssertEqual(Set(model.trainingSeeds.seeds), Set(seeds))
        XCTAssertEqual(model.info.sceneName, "bounce")
        XCTAssertEqual(model.info.bodies, 8)
        XCTAssertEqual(model.info.height, 16)
    }

    func testCorruptShardOrImpossibleArchitectureFailsBeforeAnythingIsWritten() throws {
        let data = ToyBounce.temporaryDirectory("data"), run = ToyBounce.temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: run) }
        try record(data)
        // A decoder that cannot reach 16×16 from the 8×8 map.
        let deep = try ToyBounce.config(["decoder.channels=[8,8]"])
        XCTAssertThrowsError(try Trainer.train(options(.dataset(data), run, deep))) { error in
            XCTAssertTrue("\(error)".contains("decoder.channels"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))

        let shard = data.appendingPathComponent("shard-00001.npz")
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: shard)
        XCTAssertThrowsError(try Trainer.train(options(.dataset(data), run, try ToyBounce.config()))) { error in
            XCTAssertTrue("\(error)".contains("shard-00001.npz"), "\(error)")
            XCTAssertTrue("\(error)".contains("checksum"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))
    }

    func testMissingDatasetAndUnknownSceneAreClearErrors() throws {
        let run = ToyBounce.temporaryDirectory("run")
        XCTAssertThrowsError(try Trainer.train(options(.dataset(URL(fileURLWithPath: "/nonexistent/data")), run, try ToyBounce.config()))) {
            XCTAssertTrue("\($0)".contains("/nonexistent/data"), "\($0)")
        }
        XCTAssertThrowsError(try Trainer.train(options(.scene("no-such-scene"), run, try ToyBounce.config()))) {
            XCTAssertTrue("\($0)".contains("no-such-scene"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))
    }

    func testLiveSceneStreamGivesFreshSeedsFromTheRecorderRule() throws {
        let source = try DataSources.live(scene: try Scene.load("bounce"), config: try ToyBounce.config())
        var rng = SplitMix64(seed: 1)
        let a = try source.batch(clips: 3, length: 4, batchIndex: 0, rng: &rng)
        let b = try source.batch(clips: 3, length: 4, batchIndex: 1, rng: &rng)
        XCTAssertEqual(a.frames.count, 3 * 4 * 64 * 64 * 3)
        XCTAssertNotEqual(a.frames, b.frames)
        XCTAssertEqual(try source.batch(clips: 3, length: 4, batchIndex: 0, rng: &rng).frames, a.frames)
        let used = source.seedsUsed(afterBatches: 2, clips: 3)
        XCTAssertEqual(used.count, 6)
        XCTAssertEqual(used.all, (0..<6).map { EpisodeSeeds.seed(base: source.base, index: $0) })
        // The first clip is exactly what the observation stream records for that seed.
        let stream = try ObservationStream(scene: try Scene.load("bounce"))
        let buffer = EpisodeBuffer(steps: 4, for: stream)
        stream.record(seed: used.all[0], into: buffer)
        XCTAssertEqual(Array(a.frames[0..<(4 * 64 * 64 * 3)]), Array(buffer.frames))
    }
}
