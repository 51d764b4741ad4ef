import Common
import Foundation
import Observation
import Physics
import XCTest
@testable import WorldModel

/// The parts of data-parallel training that need no MPI: ranks' shares of a batch are the single process's
/// batch cut in pieces (the generator advancing the same), and the launch environment is read strictly.
final class DataParallelTests: XCTestCase {
    /// Shares `0..<2` and `2..<4` of every batch, concatenated, are the whole batch; the generator ends in the same state.
    private func assertSharesMakeTheBatch(_ sampler: ClipSampler, file: StaticString = #filePath, line: UInt = #line) throws {
        var whole = SplitMix64(seed: 7), first = whole, second = whole
        for index in 0..<3 {
            let all = try sampler.batch(clips: 4, length: 5, batchIndex: index, rng: &whole)
            let a = try sampler.batch(clips: 4, length: 5, batchIndex: index, rng: &first, slots: 0..<2)
            let b = try sampler.batch(clips: 4, length: 5, batchIndex: index, rng: &second, slots: 2..<4)
            XCTAssertEqual(a.frames + b.frames, all.frames, "batch \(index): frames", file: file, line: line)
            XCTAssertEqual(a.states + b.states, all.states, "batch \(index): states", file: file, line: line)
            XCTAssertEqual(a.seeds + b.seeds, all.seeds, "batch \(index): seeds", file: file, line: line)
            XCTAssertEqual(all.clips(2..<4).frames, b.frames, "batch \(index): EpisodeBatch.clips", file: file, line: line)
            XCTAssertEqual(first.state, whole.state, file: file, line: line)
            XCTAssertEqual(second.state, whole.state, file: file, line: line)
        }
    }

    func testRankSharesOfALiveBatchAreDisjointEpisodesThatMakeTheWholeBatch() throws {
        let sampler = ToyBounce.liveSource()
        try assertSharesMakeTheBatch(sampler)
        var rng = SplitMix64(seed: 1)
        let a = try sampler.batch(clips: 4, length: 5, batchIndex: 0, rng: &rng, slots: 0..<2)
        let b = try sampler.batch(clips: 4, length: 5, batchIndex: 0, rng: &rng, slots: 2..<4)
        XCTAssertTrue(Set(a.seeds).isDisjoint(with: b.seeds), "two ranks must never simulate the same episode")
    }

    /// With `data.live_windows` = 2 each episode gives two consecutive clips; shares of 2 clips are whole episodes.
    func testRankSharesOfAWindowedLiveBatchMakeTheWholeBatch() throws {
        let sampler = ClipSampler(.fresh(ToyEpisodes(seedBase: 3, perBatch: 2, steps: 10), seedBase: 3, skip: 0, windows: 2))
        try assertSharesMakeTheBatch(sampler)
        var rng = SplitMix64(seed: 1)
        let a = try sampler.batch(clips: 4, length: 5, batchIndex: 1, rng: &rng, slots: 0..<2)
        let b = try sampler.batch(clips: 4, length: 5, batchIndex: 1, rng: &rng, slots: 2..<4)
        XCTAssertTrue(Set(a.seeds).isDisjoint(with: b.seeds), "shares of whole episodes never share one")
    }

    func testRankSharesOfADatasetBatchMakeTheWholeBatch() throws {
        let data = ToyBounce.temporaryDirectory("dp-data")
        defer { try? FileManager.default.removeItem(at: data) }
        var o = RecordOptions(scene: try Scene.load("bounce"), output: data, tumbleVersion: "test")
        o.episodes = 6; o.steps = 8; o.seed = 5; o.resolution = 16; o.episodesPerShard = 3
        _ = try Recorder(options: o).run()
        try assertSharesMakeTheBatch(try ClipSampler.make(.dataset(data), config: ToyBounce.config(), sharing: 2))
    }

    func testLaunchReadsTheLauncherEnvironmentStrictly() throws {
        XCTAssertFalse(try Ranks.launch(environment: [:]).usesMPI, "no launcher: a plain run, MPI never initialised")
        XCTAssertFalse(try Ranks.launch(environment: ["SLURM_STEP_NUM_TASKS": "1"]).usesMPI, "one Slurm task is a plain run")
        XCTAssertThrowsError(try Ranks.launch(environment: ["SLURM_STEP_NUM_TASKS": "4"])) { error in
            XCTAssertTrue("\(error)".contains("srun started 4 tasks"), "\(error)")
            XCTAssertTrue("\(error)".contains("srun --mpi=pmix"), "\(error)")
        }
        XCTAssertThrowsError(try Ranks.launch(environment: ["OMPI_COMM_WORLD_SIZE": "2", "TUMBLE_MPI_TIMEOUT": "soon"])) { error in
            XCTAssertTrue("\(error)".contains("TUMBLE_MPI_TIMEOUT: expected a positive number of seconds, got \"soon\""), "\(error)")
        }
        XCTAssertEqual(Ranks.single.count, 1)
        XCTAssertTrue(Ranks.single.isLeader)
    }
}
