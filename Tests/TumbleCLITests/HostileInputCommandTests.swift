import Foundation
import XCTest

/// The CLI under the trials of issue 16: oversized flags fail fast with the figure and the flag,
/// and a signal leaves a checkpoint and a report that `--resume` continues from.
final class HostileInputCommandTests: XCTestCase {
    /// A tiny network so a step takes milliseconds.
    static let tiny = ["data.clip_length=5", "data.batch_clips=2", "model.encoder.channels=[8,8]", "model.encoder.kernels=[4,3]",
                       "model.encoder.strides=[2,1]", "model.encoder.pool=1", "model.predictor.channels=8", "model.predictor.layers=2",
                       "objective.rollout_steps=3", "decoder.channels=[8]", "probe.refit_batches=1", "train.checkpoint_every=100000"]
        .flatMap { ["--set", $0] }

    func testOversizedFlagsFailFastNamingTheFlag() throws {
        let dir = try temporaryDirectory("oversized", for: self)
        let trials: [([String], String)] = [
            (["train", "--scene", "bounce", "--out", "R", "--steps", "2", "--set", "data.batch_clips=4096"], "lower data.batch_clips"),
            (["record", "bounce", "--out", "x", "--episodes", "2", "--steps", "1000000000"], "lower --steps or --resolution"),
            (["record", "bounce", "--out", "x", "--episodes", "1000000000000", "--steps", "8"], "lower --episodes"),
        ]
        for (args, flag) in trials {
            let r = try TumbleProcess.tumble(args, in: dir)
            XCTAssertEqual(r.status, 1, r.output)
            XCTAssertTrue(r.stderr.contains("MemAvailable") && r.stderr.contains(flag), r.output)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "nothing may be left to refuse a retry")
    }

    /// The "smaller" list of issue 16: each message says what is wrong and which flag or key.
    func testMisleadingMessagesNameTheRealProblem() throws {
        let dir = try temporaryDirectory("messages", for: self)
        let trials: [([String], String)] = [
            (["train", "--scene", "bounce", "--out", "R", "--steps", "-5"], "--steps must be ≥ 1, got -5"),
            (["record", "bounce", "--out", "R", "--steps", "-5"], "--steps must be at least 1 (got -5)"),
            (["train", "--scene", "bounce", "--out", "R", "--set", "optim=3"], "optim is a section; set one of its keys (optim.lr"),
            (["record", "bounce", "--out", "R", "--resolution", "2"], "--resolution must be in 8...1024 pixels"),
            (["bench", "--only", "nonsense"], "--only nonsense matches no suite (suites: physics"),
        ]
        for (args, expected) in trials {
            let r = try TumbleProcess.tumble(args, in: dir)
            XCTAssertNotEqual(r.status, 0, r.output)
            XCTAssertTrue(r.stderr.contains(expected), "\(args): \(r.output)")
        }
    }

    /// A --resume with another --episodes-per-shard names the field and the value to pass.
    func testResumeWithAnotherShardSizeNamesTheFlag() throws {
        let dir = try temporaryDirectory("shard-size", for: self)
        let flags = ["record", "bounce", "--out", "D", "--episodes", "6", "--steps", "4", "--resolution", "8"]
        XCTAssertSucceeded(try TumbleProcess.tumble(flags + ["--episodes-per-shard", "2"], in: dir), "record")
        let manifest = dir.appendingPathComponent("D/manifest.json")
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as? [String: Any])
        json["complete"] = false
        json["shards"] = Array((json["shards"] as! [Any]).prefix(1))
        try JSONSerialization.data(withJSONObject: json).write(to: manifest)
        let r = try TumbleProcess.tumble(flags + ["--episodes-per-shard", "3", "--resume"], in: dir)
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("episodes_per_shard (recorded 2, now 3: pass --episodes-per-shard 2)"), r.output)
    }

    /// SIGTERM mid-run: exit 143 after saving a checkpoint and the report; --resume finishes the run.
    func testSIGTERMSavesACheckpointAndTheReport() throws {
        guard let binary = TumbleProcess.binary else { return XCTFail("tumble binary not found") }
        let dir = try temporaryDirectory("sigterm", for: self)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["train", "--scene", "bounce", "--out", "B", "--quiet", "--set", "train.steps=100000"] + Self.tiny
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let log = dir.appendingPathComponent("B/train.log")
        // Wait (without a time limit) until the run has begun its loop.
        while process.isRunning, !((try? String(contentsOf: log, encoding: .utf8))?.contains("training bounce") ?? false) {
            usleep(20_000)
        }
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 128 + 15)
        let text = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(text.contains("stopped by SIGTERM at step"), text)
        for name in ["B/checkpoints/last.safetensors", "B/report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name)
        }
        let resumed = try TumbleProcess.tumble(["train", "--out", "B", "--resume", "--minutes", "0.001", "--quiet", "--set", "train.steps=100000"] + Self.tiny, in: dir)
        XCTAssertSucceeded(resumed, "train --resume")
        XCTAssertTrue(try String(contentsOf: log, encoding: .utf8).contains("resuming at step"))
    }
}
