import Crypto
import Tensor
import XCTest
@testable import WorldModel

final class ModelAPITests: XCTestCase {
    private static var trained: (dir: URL, model: TrainedModel)?

    /// One short toy run shared by the API tests.
    private func model() throws -> (URL, TrainedModel) {
        if let t = Self.trained { return (t.dir, t.model) }
        let dir = ToyBounce.temporaryDirectory("api")
        let config = try ToyBounce.config(["train.steps=3"])
        _ = try Trainer.train(TrainOptions(data: .scene("toy"), run: dir, config: config, quiet: true),
                              source: ToyBounce.liveSource(seedBase: 5))
        let m = try TrainedModel.load(checkpoint: RunDirectory(dir).lastCheckpoint)
        Self.trained = (dir, m)
        return (dir, m)
    }

    override class func tearDown() { if let d = trained?.dir { try? FileManager.default.removeItem(at: d) } }

    func testLoadedModelReportsItsProvenance() throws {
        let (dir, m) = try model()
        let bytes = try Data(contentsOf: RunDirectory(dir).lastCheckpoint)
        XCTAssertEqual(m.checkpointSHA256, SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        XCTAssertEqual(m.step, 3)
        XCTAssertEqual(m.info.bodies, 2)
        XCTAssertEqual(m.latentDimension, 8 * 8 * 8)
        XCTAssertEqual(m.trainingSeeds.kind, .derived)
        // 3 training batches and 2 read-out batches of 4 clips, each clip a fresh episode.
        XCTAssertEqual(m.trainingSeeds.count, (3 + 2) * 4)
        let used = (0..<20).map { TrainingSeeds.seed(base: 5, index: $0) }
        XCTAssertEqual(m.trainingSeeds.overlap(with: used + [1, 2, 3]), used)
    }

    func testEncodePredictRolloutProbeDecodeShapesAndDeterminism() throws {
        let (_, m) = try model()
        let eps = ToyBounce.episodes(seeds: [1001, 1002, 1003], steps: 4)
        let fb = 16 * 16 * 3, d = m.latentDimension
        let frames = Array(eps.frames)                       // 12 frames
        let z = try m.encode(frames: frames)
        XCTAssertEqual(z.count, 12 * d)
        XCTAssertEqual(try m.encode(frames: frames), z)
        // A different batch size changes GEMM blocking, so only approximately equal.
        let single = try m.encode(frames: Array(frames[0..<fb]))
        for i in 0..<d { XCTAssertEqual(single[i], z[i], accuracy: 1e-5) }
        let prev = Array(z[0..<(3 * d)]), cur = Array(z[(3 * d)..<(6 * d)])
        let next = try m.predict(previous: prev, current: cur, actions: [])
        XCTAssertEqual(next.count, 3 * d)
        let roll = try m.rollout(previous: prev, current: cur, actions: [], steps: 4)
        XCTAssertEqual(roll.count, 3 * 4 * d)
        for i in 0..<3 { XCTAssertEqual(Array(roll[(i * 4 * d)..<(i * 4 * d + d)]), Array(next[(i * d)..<(i * d + d)])) }
        XCTAssertEqual(try m.probePositions(latents: cur).count, 3 * 2 * 2)
        let states = try m.probeStates(previous: prev, current: cur)
        XCTAssertEqual(states.count, 3 * 2 * 4)
        let positions = try m.probePositions(latents: cur)
        for i in 0..<6 { XCTAssertEqual(states[4 * i], positions[2 * i]); XCTAssertEqual(states[4 * i + 1], positions[2 * i + 1]) }
        let pixels = try m.decode(latents: cur)
        XCTAssertEqual(pixels.count, 3 * fb)
        XCTAssertThrowsError(try m.encode(frames: [1, 2, 3])) { XCTAssertTrue("\($0)".contains("encode"), "\($0)") }
        XCTAssertThrowsError(try m.predict(previous: prev, current: Array(cur.dropLast()), actions: []))
    }

    /// A copy answers every call with the same bits, and shares no weight with the original: training one
    /// (here: overwriting a weight) leaves the other as it was.
    func testCopyComputesTheSameBitsAndSharesNoWeights() throws {
        let (dir, _) = try model()
        let m = try TrainedModel.load(checkpoint: RunDirectory(dir).lastCheckpoint)   // its own, as this test writes to it
        let twin = try m.copy()
        XCTAssertEqual(twin.checkpointSHA256, m.checkpointSHA256)
        XCTAssertEqual(twin.step, m.step)
        let frames = Array(ToyBounce.episodes(seeds: [1004], steps: 3).frames)
        let z = try m.encode(frames: frames), d = m.latentDimension
        XCTAssertEqual(try twin.encode(frames: frames), z)
        let prev = Array(z[0..<d]), cur = Array(z[d..<(2 * d)])
        XCTAssertEqual(try twin.rollout(previous: prev, current: cur, actions: [], steps: 3),
                       try m.rollout(previous: prev, current: cur, actions: [], steps: 3))
        XCTAssertEqual(try twin.probeStates(previous: prev, current: cur), try m.probeStates(previous: prev, current: cur))
        XCTAssertEqual(try twin.decode(latents: cur), try m.decode(latents: cur))
        for (_, p) in m.network.allParameters { try p.assign(Tensor.zeros(p.shape)) }
        XCTAssertEqual(try twin.encode(frames: frames), z, "the copy shares a weight with the original")
    }

    func testTruncatedForeignAndOtherArchitectureCheckpointsAreRefused() throws {
        let (dir, _) = try model()
        let bytes = try Data(contentsOf: RunDirectory(dir).lastCheckpoint)
        let scratch = ToyBounce.temporaryDirectory("bad")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let truncated = scratch.appendingPathComponent("truncated.safetensors")
        try bytes.prefix(bytes.count - 100).write(to: truncated)
        XCTAssertThrowsError(try TrainedModel.load(checkpoint: truncated)) { error in
            XCTAssertTrue("\(error)".contains("truncated.safetensors"), "\(error)")
            XCTAssertTrue("\(error)".contains("not a readable safetensors file"), "\(error)")
        }

        let missing = scratch.appendingPathComponent("missing.safetensors")
        XCTAssertThrowsError(try TrainedModel.load(checkpoint: missing)) { XCTAssertTrue("\($0)".contains("cannot read"), "\($0)") }

        // Same file with a different architecture in its config: the tensors no longer fit.
        let contents = try ModelCheckpoint.readContents(bytes, path: "x")
        var other = contents.config
        try other.override(["model.encoder.channels=[8,4]"])
        var meta = contents.metadata
        meta["config"] = other.yaml
        let tensors = contents.tensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }
        let foreign = scratch.appendingPathComponent("other.safetensors")
        try Data(try SafeTensors.encode(tensors, metadata: meta)).write(to: foreign)
        XCTAssertThrowsError(try TrainedModel.load(checkpoint: foreign)) { error in
            XCTAssertTrue("\(error)".contains("other.safetensors"), "\(error)")
            XCTAssertTrue("\(error)".contains("expects"), "\(error)")
        }

        meta = contents.metadata
        meta["format"] = "something-else"
        let alien = scratch.appendingPathComponent("alien.safetensors")
        try Data(try SafeTensors.encode(tensors, metadata: meta)).write(to: alien)
        XCTAssertThrowsError(try TrainedModel.load(checkpoint: alien)) { XCTAssertTrue("\($0)".contains("not a Tumble world-model checkpoint"), "\($0)") }
    }
}
