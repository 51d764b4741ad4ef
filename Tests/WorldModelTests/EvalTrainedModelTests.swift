import Common
import Foundation
import XCTest
import Tensor
@testable import WorldModel

/// Evaluation and the report page on a real (tiny) trained checkpoint: the TrainedModel conformance,
/// bit-identical re-runs, and the run directory's report.html.
final class EvalTrainedModelTests: XCTestCase {
    private static var trained: URL?

    /// A 4-step toy run (the model helper's ToyBounce fixture), shared by the tests here.
    private func runDirectory() throws -> URL {
        if let dir = Self.trained { return dir }
        let dir = ToyBounce.temporaryDirectory("evalmodel")
        _ = try Trainer.train(TrainOptions(data: .scene("toy"), run: dir, config: try ToyBounce.config(["train.steps=4"]), quiet: true),
                              source: ToyBounce.liveSource(seedBase: 21))
        Self.trained = dir
        return dir
    }

    override class func tearDown() { if let d = trained { try? FileManager.default.removeItem(at: d) } }

    /// Held-out toy episodes as a source whose manifest is a file next to the run.
    private func source(seeds: [UInt64], manifest: URL) throws -> EpisodeSource {
        let eps = ToyBounce.episodes(seeds: seeds, steps: 14)
        let batch = eps
        return SingleBatchSource(manifestSHA256: try FileDigest.sha256(of: manifest),
                                 layout: EpisodeLayout(steps: 14, ToyBounce.description()),
                                 seeds: seeds, only: batch)
    }

    func testTrainedCheckpointEvaluatesAndVerifies() throws {
        let run = try runDirectory()
        let heldOut = run.appendingPathComponent("heldout")
        try FileManager.default.createDirectory(at: heldOut, withIntermediateDirectories: true)
        let manifest = heldOut.appendingPathComponent("manifest.json")
        try Data("held-out toy episodes 9000…9015".utf8).write(to: manifest)
        let seeds = (9000..<9016).map { UInt64($0) }
        let request = EvaluationRequest(checkpoint: RunDirectory(run).lastCheckpoint.path, data: heldOut.path,
                                        horizon: 10, json: run.appendingPathComponent("eval.json").path)
        let open: EvaluationRun.DataOpener = { _ in try self.source(seeds: seeds, manifest: manifest) }
        let load: EvaluationRun.ModelLoader = { try TrainedModel.load(checkpoint: $0) }
        let report = try EvaluationRun.run(request, tumbleVersion: "test", loadModel: load, openData: open)
        let r = report.result
        XCTAssertEqual(r.predictionEpisodes, 16)
        XCTAssertEqual(r.ranking[10]?.model.poolSize, 16)
        XCTAssertTrue(r.latentError.allSatisfy(\.isFinite))
        XCTAssertTrue(r.positionErrors.model.allSatisfy(\.isFinite))
        XCTAssertTrue(r.positionR2.isFinite)
        XCTAssertEqual(report.model["training_step"], "4")
        XCTAssertEqual(report.checkpointSHA256, try TrainedModel.load(checkpoint: RunDirectory(run).lastCheckpoint).checkpointSHA256)

        // Same checkpoint and data: every number identical on re-run.
        let outcome = try EvaluationRun.verify(report: URL(fileURLWithPath: request.json!), tumbleVersion: "test",
                                               loadModel: load, openData: open)
        XCTAssertEqual(outcome.withinTolerance, 0)
        XCTAssertGreaterThan(outcome.identical, 50)

        // The training seeds (derived from base 21) are refused.
        let used = (0..<4).map { TrainingSeeds.seed(base: 21, index: $0) }
        let overlapping: EvaluationRun.DataOpener = { _ in try self.source(seeds: seeds.dropLast(2) + used.prefix(2), manifest: manifest) }
        XCTAssertThrowsError(try EvaluationRun.run(request, tumbleVersion: "test", loadModel: load, openData: overlapping)) {
            guard case let .seedOverlap(_, count, _) = $0 as? EvaluationError else { return XCTFail("\($0)") }
            XCTAssertEqual(count, 2)
        }
    }

    /// `model.config_sha256` hashes the config text the checkpoint stores, not today's serialisation of
    /// it (which gains keys as tumble adds settings), so a report made by an older tumble still verifies.
    func testUntrainedCopyHasTheArchitectureButFreshWeights() throws {
        let trained = try TrainedModel.load(checkpoint: RunDirectory(try runDirectory()).lastCheckpoint)
        let frames = ToyBounce.episodes(seeds: [9100], steps: 4).frames
        let a = try XCTUnwrap(try trained.untrained(seed: 1)), again = try XCTUnwrap(try trained.untrained(seed: 1))
        let b = try XCTUnwrap(try trained.untrained(seed: 2))
        XCTAssertEqual(a.latentDimension, trained.latentDimension)
        XCTAssertEqual(a.frameShape, trained.frameShape)
        let za = try a.encode(frames: frames, count: 4)
        XCTAssertEqual(za, try again.encode(frames: frames, count: 4), "same seed, same weights")
        XCTAssertNotEqual(za, try b.encode(frames: frames, count: 4))
        XCTAssertNotEqual(za, try trained.encode(frames: frames, count: 4))
        XCTAssertTrue(za.allSatisfy(\.isFinite))
    }

    func testConfigDigestIsOfTheStoredConfigText() throws {
        let run = try runDirectory()
        let contents = try ModelCheckpoint.readContents(RunDirectory(run).lastCheckpoint)
        var metadata = contents.metadata
        let older = "# written by an older tumble, before a new setting existed\n" + metadata["config"]!
        metadata["config"] = older
        let copy = run.appendingPathComponent("older.safetensors")
        try Data(try SafeTensors.encode(contents.tensors.map { (name: $0.key, tensor: $0.value) }.sorted { $0.name < $1.name },
                                        metadata: metadata)).write(to: copy)
        let model = try TrainedModel.load(checkpoint: copy)
        func digest(_ text: String) -> String { FileDigest.sha256(Data(text.utf8)) }
        XCTAssertEqual(model.reportMetadata["config_sha256"], digest(older))
        XCTAssertNotEqual(model.reportMetadata["config_sha256"], digest(model.config.yaml))
        XCTAssertEqual(try TrainedModel.load(checkpoint: RunDirectory(run).lastCheckpoint).reportMetadata["config_sha256"],
                       digest(model.config.yaml), "a current checkpoint stores today's serialisation")
    }

    func testReportPageFromARealRun() throws {
        let run = try runDirectory()
        let model = try TrainedModel.load(checkpoint: RunDirectory(run).lastCheckpoint)
        let episode = ToyBounce.episodes(seeds: [4242], steps: 8)
        let strip = try FrameStrip.rollout(model: model, frames: episode.frames, actions: [], start: 1, steps: 6,
                                           title: "held-out episode 4242")
        let url = try ReportPage.write(runDirectory: run, strips: [strip])
        let html = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(html.contains("Loss terms"))
        XCTAssertTrue(html.contains("Collapse monitor: per-dimension latent std"))
        XCTAssertTrue(html.contains("Collapse monitor: effective rank"))
        XCTAssertEqual(html.components(separatedBy: "data:image/png;base64,").count - 1, 18)
        XCTAssertTrue(html.contains("<summary>config.yaml</summary>"))
        XCTAssertFalse(html.contains("<script"))
    }
}

struct SingleBatchSource: EpisodeSource {
    var manifestSHA256: String
    var layout: EpisodeLayout
    var seeds: [UInt64]
    var only: EpisodeBatch
    var batchCount: Int { 1 }
    func verifyIntegrity() throws {}
    func batch(_ index: Int) throws -> EpisodeBatch { only }
}
