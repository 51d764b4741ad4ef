import Common
import Foundation
import Observation
import Physics
import XCTest
@testable import WorldModel

/// Evaluation over a dataset recorded by `tumble record`'s Recorder: the adapter, violation pairs as
/// recorded, and the dataset reader's refusals surfacing before any work.
final class EvalDatasetTests: XCTestCase {
    var root: URL!
    var data: URL { root.appendingPathComponent("data") }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tumble-evaldata-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var options = RecordOptions(scene: try Scene.load("bounce"), output: data, tumbleVersion: "test")
        options.episodes = 12          // 6 matched pairs
        options.steps = 14
        options.resolution = 16
        options.violations = true
        options.seed = 77
        options.episodesPerShard = 4
        _ = try Recorder(options: options).run()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    func testRecordedViolationDatasetEvaluates() throws {
        let source = try DatasetEpisodes(directory: data)
        XCTAssertEqual(source.layout.frame, FrameShape(height: 16, width: 16, channels: 3))
        XCTAssertEqual(source.layout.steps, 14)
        XCTAssertEqual(source.batchCount, 3)
        XCTAssertEqual(source.manifestSHA256, try FileDigest.sha256(of: data.appendingPathComponent("manifest.json")))
        var shardSeeds: [UInt64] = []
        for i in 0..<source.batchCount { shardSeeds += try source.batch(i).seeds }
        XCTAssertEqual(source.seeds, shardSeeds)

        let model = BlockAverageModel(frame: source.layout.frame, bodies: source.layout.bodies)
        let result = try Evaluator(model: model).evaluate(source, name: data.path)
        XCTAssertEqual(result.episodes, 12)
        XCTAssertEqual(result.predictionEpisodes, 6)
        XCTAssertEqual(result.ranking[10]?.model.poolSize, 6)
        XCTAssertNotNil(result.positionErrorsCollision)      // recorded collisions split the errors
        XCTAssertEqual(result.surprise.reduce(0) { $0 + $1.pairs }, 6)
        // Pair p is of type types[p mod 4] (bounce lists vanish, teleport, passThrough, immutability).
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: result.surprise.map { ($0.type, $0.pairs) }),
                       ["vanish": 2, "teleport": 2, "passThrough": 1, "immutability": 1])
        for s in result.surprise { XCTAssertTrue((0...1).contains(s.pixelPairwiseAccuracy)) }
        // The model-free reference equals a direct computation on the recorded states.
        XCTAssertTrue(result.positionErrors.stateConstantVelocity.allSatisfy { $0.isFinite && $0 >= 0 })
        XCTAssertGreaterThan(model.encodedFrames, 0)
    }

    func testTrainingSeedsInTheDataAreRefused() throws {
        let source = try DatasetEpisodes(directory: data)
        let model = BlockAverageModel(frame: source.layout.frame, bodies: source.layout.bodies)
        model.trainingSeeds = [source.seeds[4]]
        XCTAssertThrowsError(try Evaluator(model: model).evaluate(source, name: data.path)) {
            XCTAssertEqual($0 as? EvaluationError, .seedOverlap(dataset: data.path, overlapping: 2, examples: [source.seeds[4], source.seeds[4]]))
        }
        XCTAssertEqual(model.encodedFrames, 0)
    }

    func testCorruptShardIsReportedBeforeAnyWork() throws {
        // Flip one byte in the middle of the last shard (same size, so only the checksum can tell).
        let shard = data.appendingPathComponent("shard-00002.npz")
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: shard)
        let source = try DatasetEpisodes(directory: data)
        let model = BlockAverageModel(frame: source.layout.frame, bodies: source.layout.bodies)
        XCTAssertThrowsError(try Evaluator(model: model).evaluate(source, name: data.path)) { error in
            XCTAssertTrue("\(error)".contains("shard-00002.npz: sha256: checksum mismatch"), "\(error)")
        }
        XCTAssertEqual(model.encodedFrames, 0)
    }

    func testWrongFormatVersionIsReportedAtOpen() throws {
        let url = data.appendingPathComponent("manifest.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\"format_version\" : 1"), text)
        try Data(text.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 99").utf8).write(to: url)
        XCTAssertThrowsError(try DatasetEpisodes(directory: data)) { error in
            XCTAssertTrue("\(error)".contains("manifest.json: format_version: version 99 is not supported"), "\(error)")
        }
    }
}

/// A model double that works on real frames: the latent is the mean colour of each 4×4 block, the
/// predictor extrapolates at constant velocity and the probe reads every body at the frame centre.
final class BlockAverageModel: EvaluableModel {
    let frameShape: FrameShape
    let bodies: Int
    var trainingSeeds: [UInt64] = []
    private(set) var encodedFrames = 0

    init(frame: FrameShape, bodies: Int) {
        frameShape = frame
        self.bodies = bodies
    }

    var latentDimension: Int { (frameShape.height / 4) * (frameShape.width / 4) * frameShape.channels }
    var historyLength: Int { 2 }
    var actionDimension: Int { 0 }
    var probeBodies: Int { bodies }

    func trainingSeedOverlap(with seeds: [UInt64]) -> [UInt64] { seeds.filter(Set(trainingSeeds).contains) }

    func encode(frames: [UInt8], count: Int) throws -> [Float] {
        encodedFrames += count
        let h = frameShape.height, w = frameShape.width, c = frameShape.channels
        var z = [Float](repeating: 0, count: count * latentDimension)
        for f in 0..<count {
            for y in 0..<h { for x in 0..<w { for ch in 0..<c {
                let block = ((y / 4) * (w / 4) + x / 4) * c + ch
                z[f * latentDimension + block] += Float(frames[((f * h + y) * w + x) * c + ch]) / (16 * 255)
            } } }
        }
        return z
    }

    func predictNext(history: [Float], actions: [Float], count: Int, currentIsPredicted: Bool) throws -> [Float] {
        let d = latentDimension
        return (0..<(count * d)).map { i in
            let r = i / d, j = i % d
            let last = history[(r * 2 + 1) * d + j], before = history[r * 2 * d + j]
            return last + (last - before)
        }
    }

    func probePositions(latents: [Float], count: Int) throws -> [Float] {
        [Float](repeating: 0.5, count: count * bodies * 2)
    }

    func decode(latents: [Float], count: Int) throws -> [UInt8] {
        [UInt8](repeating: 0, count: count * frameShape.byteCount)
    }
}
