import Foundation
import Tensor
import XCTest
@testable import WorldModel

/// A run directory under a careless or hostile user: stopped early, written twice at once, or
/// resumed from a checkpoint with non-finite weights. Nothing may be lost or trained on silently.
final class RunSafetyTests: XCTestCase {
    var dirs: [URL] = []
    override func tearDown() {
        StopRequest.shared.reset()
        for d in dirs { try? FileManager.default.removeItem(at: d) }
        dirs = []
    }

    func tempRun(_ tag: String) -> URL {
        let d = ToyBounce.temporaryDirectory(tag)
        dirs.append(d)
        return d
    }

    func train(_ run: URL, steps: Int = 4, resume: Bool = false) throws -> TrainSummary {
        let config = try ToyBounce.config(["train.steps=\(steps)"])
        let options = TrainOptions(data: .scene("toy"), run: run, config: config, resume: resume, quiet: true)
        return try Trainer.train(options, source: ToyBounce.liveSource())
    }

    // MARK: - Stopped before the first checkpoint

    /// What a SIGKILL in the first seconds leaves: the run's files, no checkpoint.
    func killedBeforeFirstCheckpoint(_ dir: URL) throws {
        _ = try train(dir, steps: 2)
        let run = RunDirectory(dir)
        for name in try FileManager.default.contentsOfDirectory(atPath: run.checkpoints.path) {
            try FileManager.default.removeItem(at: run.checkpoints.appendingPathComponent(name))
        }
        try Data("partial".utf8).write(to: run.checkpoints.appendingPathComponent(".last.safetensors.tmp-1-2"))
    }

    func testARunWithoutACheckpointStartsAgainFreshOrWithResume() throws {
        let reference = tempRun("reference")
        _ = try train(reference)
        for resume in [false, true] {
            let dir = tempRun("stub-\(resume)")
            try killedBeforeFirstCheckpoint(dir)
            XCTAssertTrue(RunDirectory(dir).holdsRunWithoutCheckpoint)
            XCTAssertEqual(try train(dir, resume: resume).step, 4)
            XCTAssertEqual(try Data(contentsOf: RunDirectory(dir).lastCheckpoint),
                           try Data(contentsOf: RunDirectory(reference).lastCheckpoint), "resume: \(resume)")
        }
    }

    func testADirectoryWithOtherFilesIsStillRefused() throws {
        let dir = tempRun("foreign")
        try killedBeforeFirstCheckpoint(dir)
        try Data("mine".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        XCTAssertFalse(RunDirectory(dir).holdsRunWithoutCheckpoint)
        XCTAssertThrowsError(try train(dir)) { XCTAssertTrue("\($0)".contains("is not empty"), "\($0)") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("notes.txt").path))
    }

    // MARK: - Signals

    /// Ctrl-C or SIGTERM: the run stops after its current step and saves a checkpoint to resume from.
    func testAStopRequestSavesACheckpointThatResumesToTheSameBytes() throws {
        let reference = tempRun("uninterrupted"), dir = tempRun("interrupted")
        _ = try train(reference, steps: 5)
        StopRequest.shared.request(SIGTERM)
        let stopped = try train(dir, steps: 5)
        XCTAssertEqual(stopped.stoppedBySignal, SIGTERM)
        XCTAssertEqual(stopped.step, 1)
        let log = try String(contentsOf: RunDirectory(dir).log, encoding: .utf8)
        XCTAssertTrue(log.contains("stopped by SIGTERM at step 1 of 5"), log)
        StopRequest.shared.reset()
        XCTAssertEqual(try train(dir, steps: 5, resume: true).step, 5)
        XCTAssertEqual(try Data(contentsOf: RunDirectory(dir).lastCheckpoint),
                       try Data(contentsOf: RunDirectory(reference).lastCheckpoint))
    }

    // MARK: - Lock

    func testASecondWriterIsRefusedWhileTheFirstHoldsTheRun() throws {
        let dir = tempRun("locked")
        _ = try train(dir, steps: 2)
        var held: RunLock? = try RunLock(dir)
        XCTAssertThrowsError(try train(dir, steps: 4, resume: true)) {
            XCTAssertTrue("\($0)".contains("is in use by another tumble process"), "\($0)")
        }
        XCTAssertThrowsError(try RunLock(dir))
        XCTAssertNotNil(held)
        held = nil
        XCTAssertEqual(try train(dir, steps: 4, resume: true).step, 4)
    }

    // MARK: - Non-finite weights

    func testNonFiniteWeightsAreRefusedNamingTheTensor() throws {
        let dir = tempRun("nan")
        _ = try train(dir, steps: 2)
        let run = RunDirectory(dir)
        let clean = try Data(contentsOf: run.lastCheckpoint)
        for bad in [Float.nan, .infinity] {
            var file = try SafeTensors.decode([UInt8](clean))
            let name = try XCTUnwrap(file.names.first { !$0.hasPrefix("optim.") })
            let tensor = try XCTUnwrap(file.tensors[name])
            var values = tensor.scalars
            values[values.count - 1] = bad
            file.tensors[name] = try Tensor(values, shape: tensor.shape)
            let bytes = try SafeTensors.encode(file.names.map { ($0, file.tensors[$0]!) }, metadata: file.metadata)
            try Data(bytes).write(to: run.lastCheckpoint)
            let expected = "tensor \(name): element \(values.count - 1) is \(bad)"
            XCTAssertThrowsError(try TrainedModel.load(checkpoint: run.lastCheckpoint)) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
            XCTAssertThrowsError(try train(dir, steps: 4, resume: true)) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
    }
}
