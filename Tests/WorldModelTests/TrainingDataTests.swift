import Common
import Foundation
import Observation
import Physics
import Tensor
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
        let live = try LiveEpisodes(scene: try Scene.load("bounce"), seedBase: 77, episodes: Int.max, steps: 4)
        let source = ClipSampler(.fresh(live, seedBase: live.seedBase, skip: 0, windows: 1))
        var rng = SplitMix64(seed: 1)
        let a = try source.batch(clips: 3, length: 4, batchIndex: 0, rng: &rng)
        let b = try source.batch(clips: 3, length: 4, batchIndex: 1, rng: &rng)
        XCTAssertEqual(a.frames.count, 3 * 4 * 64 * 64 * 3)
        XCTAssertNotEqual(a.frames, b.frames)
        XCTAssertEqual(try source.batch(clips: 3, length: 4, batchIndex: 0, rng: &rng).frames, a.frames)
        let used = source.seedsUsed(afterBatches: 2, clips: 3)
        XCTAssertEqual(used.count, 6)
        XCTAssertEqual(used.all, (0..<6).map { EpisodeSeeds.seed(base: live.seedBase, index: $0) })
        // The first clip is exactly what the observation stream records for that seed.
        let stream = try ObservationStream(scene: try Scene.load("bounce"))
        let buffer = EpisodeBuffer(steps: 4, for: stream)
        stream.record(seed: used.all[0], into: buffer)
        XCTAssertEqual(Array(a.frames[0..<(4 * 64 * 64 * 3)]), Array(buffer.frames))
    }

    /// `data.live_windows`: each fresh episode gives W consecutive clips, so training sees its later frames too.
    func testLiveWindowsCutConsecutiveClipsFromEachEpisode() throws {
        let live = try LiveEpisodes(scene: try Scene.load("tower"), seedBase: 5, episodes: Int.max, steps: 2 + 3 * 4, perBatch: 2)
        let source = ClipSampler(.fresh(live, seedBase: live.seedBase, skip: 2, windows: 3))
        var rng = SplitMix64(seed: 1)
        let batch = try source.batch(clips: 6, length: 4, batchIndex: 1, rng: &rng)
        let used = source.seedsUsed(afterBatches: 2, clips: 6)
        XCTAssertEqual(used.all, (0..<4).map { EpisodeSeeds.seed(base: 5, index: $0) })       // two episodes a batch
        let stream = try ObservationStream(scene: try Scene.load("tower"))
        let buffer = EpisodeBuffer(steps: 14, for: stream)
        stream.record(seed: used.all[3], into: buffer)                                          // batch 1's second episode
        let frame = 64 * 64 * 3
        for window in 0..<3 {
            let start = 2 + window * 4, slot = 3 + window
            XCTAssertEqual(Array(batch.frames[(slot * 4 * frame)..<((slot + 1) * 4 * frame)]),
                           Array(buffer.frames[(start * frame)..<((start + 4) * frame)]), "window \(window)")
        }
        var config = TrainingConfig()
        XCTAssertThrowsError(try config.override(["data.live_windows=3"])) { XCTAssertTrue("\($0)".contains("data.batch_clips"), "\($0)") }
    }

    /// A dataset larger than the shard cache trains with memory bounded by one shard: the clips are the same
    /// bytes as with every shard resident, the shards are just read again.
    func testDatasetLargerThanTheCacheGivesTheSameClips() throws {
        let data = ToyBounce.temporaryDirectory("data")
        defer { try? FileManager.default.removeItem(at: data) }
        try record(data)
        let dataset = try DatasetEpisodes(directory: data)
        let small = ShardCache(dataset, budgetBytes: 1), large = ShardCache(dataset, budgetBytes: 1 << 30)
        var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9)
        for i in 0..<6 {
            let x = try ClipSampler(.uniform(small)).batch(clips: 5, length: 4, batchIndex: i, rng: &a)
            let y = try ClipSampler(.uniform(large)).batch(clips: 5, length: 4, batchIndex: i, rng: &b)
            XCTAssertEqual(x.frames, y.frames); XCTAssertEqual(x.states, y.states); XCTAssertEqual(x.seeds, y.seeds)
            XCTAssertTrue(x.seeds.allSatisfy(dataset.seeds.contains))
        }
        XCTAssertEqual(large.loads, 2, "every shard decoded once")
        XCTAssertGreaterThan(small.loads, 2, "a one-shard budget reads shards again")
        // A clip is the episode's frames from its start, as the shard holds them.
        let shard = try dataset.batch(1)
        var clip = EpisodeBatch(zeroed: 1, length: 4, like: dataset.layout)
        shard.copyClip(episode: 2, start: 3, into: &clip, slot: 0)
        let fb = dataset.layout.frame.byteCount
        XCTAssertEqual(clip.frames, Array(shard.frames[((2 * 8 + 3) * fb)..<((2 * 8 + 7) * fb)]))
        XCTAssertEqual(clip.seeds, [shard.seeds[2]])
    }

    /// A live scene as an evaluation source holds exactly the episodes `tumble record --seed` writes.
    func testLiveEpisodesAreTheRecordersEpisodes() throws {
        let data = ToyBounce.temporaryDirectory("data")
        defer { try? FileManager.default.removeItem(at: data) }
        try record(data)
        let recorded = try DatasetEpisodes(directory: data)
        let live = try LiveEpisodes(scene: try Scene.load("bounce"), seedBase: 5, episodes: 6, steps: 8, perBatch: 4, resolution: 16)
        XCTAssertEqual(live.seeds, recorded.seeds)
        XCTAssertEqual(live.layout.steps, recorded.layout.steps)
        XCTAssertEqual(live.layout.frame, recorded.layout.frame)
        XCTAssertEqual(live.layout.data.sceneSHA256, recorded.layout.data.sceneSHA256)
        XCTAssertEqual([live.layout.bodies, live.layout.actionDimension], [recorded.layout.bodies, recorded.layout.actionDimension])
        XCTAssertEqual(live.batchCount, 2)
        let first = try live.batch(0), second = try live.batch(1)
        XCTAssertEqual([first.episodes, second.episodes], [4, 2])
        let shard = try recorded.batch(0)
        let fb = live.layout.frame.byteCount * 8
        XCTAssertEqual(Array(first.frames[0..<(3 * fb)]), shard.frames)
        XCTAssertEqual(first.collisions.map { Array($0[0..<(3 * 8 * 8)]) }, shard.collisions)
        XCTAssertNotEqual(live.manifestSHA256, try LiveEpisodes(scene: try Scene.load("bounce"), seedBase: 6, episodes: 6, steps: 8).manifestSHA256)
    }

    /// A scene whose body count varies: live batches carry the same `mask` as `tumble record` writes, and a clip cut
    /// from them keeps its episode's row; a scene with fixed bodies has none.
    func testLiveEpisodesOfAVaryingSceneCarryTheRecordersMask() throws {
        let data = ToyBounce.temporaryDirectory("data-mask")
        defer { try? FileManager.default.removeItem(at: data) }
        var o = RecordOptions(scene: try Scene.load("billiards"), output: data, tumbleVersion: "test")
        o.episodes = 6; o.steps = 4; o.seed = 5; o.resolution = 16
        _ = try Recorder(options: o).run()
        let shard = try DatasetEpisodes(directory: data).batch(0)
        let live = try LiveEpisodes(scene: try Scene.load("billiards"), seedBase: 5, episodes: 6, steps: 4, perBatch: 6, resolution: 16)
        let batch = try live.batch(0)
        let mask = try XCTUnwrap(batch.mask)
        XCTAssertEqual(mask, shard.mask)
        XCTAssertTrue(mask.contains(false) && mask.contains(true), "6 to 9 balls: some rows absent")
        var clip = EpisodeBatch(zeroed: 1, length: 2, like: live.layout)
        batch.copyClip(episode: 4, start: 1, into: &clip, slot: 0)
        let n = live.layout.bodies
        XCTAssertEqual(clip.mask, Array(mask[(4 * n)..<(5 * n)]))
        XCTAssertNil(try LiveEpisodes(scene: try Scene.load("bounce"), seedBase: 5, episodes: 2, steps: 2, resolution: 16).batch(0).mask)
    }

    func testTheOnlineProbeLeavesOutTheStatesOfAbsentBodies() throws {
        let live = try LiveEpisodes(scene: try Scene.load("billiards"), seedBase: 5, episodes: 4, steps: 3, perBatch: 4, resolution: 16)
        let batch = try live.batch(0), n = live.layout.bodies
        let mask = try XCTUnwrap(batch.mask)
        let absent = try XCTUnwrap(mask.firstIndex(of: false)), present = try XCTUnwrap(mask.firstIndex(of: true))
        let network = try WorldNetwork(config: TrainingConfig(), info: ModelInfo(data: live.layout.data))
        let z = try Tensor.noGrad { try batch.frames.withUnsafeBufferPointer { try network.encode(network.input(frames: $0, count: 12)) } }
        func loss(movingBody row: Int?) throws -> Float {
            var moved = batch
            if let row { for f in 0..<3 { moved.states[((row / n * 3 + f) * n + row % n) * 6] += 5 } }
            return try Tensor.noGrad { try Objective.probeLoss(network: network, latents: z, batch: moved).item() }
        }
        let base = try loss(movingBody: nil)
        XCTAssertEqual(try loss(movingBody: absent), base, "an absent ball's placeholder is not a target")
        XCTAssertNotEqual(try loss(movingBody: present), base)
    }
}
